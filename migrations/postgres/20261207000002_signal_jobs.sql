-- A signal thrown by a step to more receivers than the step's own transaction reaches is
-- broadcast by a job of kind `signal` (its definition holds the signal's name).
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('timer', 'service', 'async', 'signal'));
