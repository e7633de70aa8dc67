-- The organisation can be edited, moved and deactivated.
--
-- `active` (1 or 0): a deactivated unit or person stays, so that history and the tasks that
-- name them keep their names, but is offered nowhere and can be given no task.
-- `revision` moves with every change: an edit names the revision it saw and is refused when
-- someone else changed the row meanwhile.
ALTER TABLE org_units ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE org_units ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE people ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE people ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
