-- Search in the task and instance lists: an n-gram index of what a task is found by (see
-- engine/src/store/sql/search.rs).
--
-- `search_text` now holds, lowercase and one per line, the task's name, the assignee's login,
-- the candidate groups, the business key and the process's name and key; `search_grams` its
-- tokens (every character and every pair of neighbouring characters of each word, each as a
-- token of a-z and 0-9, and the assignee's whole login as one token), both written by the
-- engine with the row. An FTS5 table indexes the tokens (external content: it stores no text;
-- `detail=none`: row ids only), kept by triggers. Tokens are never searched by prefix or
-- phrase, so it needs no more.
ALTER TABLE tasks ADD COLUMN search_grams TEXT;
-- Rows written without tokens (by hand, or by an older engine): none in use. While there are
-- some, searches walk the list's order (they find them by `LIKE`).
CREATE INDEX tasks_unindexed ON tasks (id) WHERE search_grams IS NULL;
CREATE VIRTUAL TABLE tasks_search USING fts5(
    search_grams, content = 'tasks', content_rowid = 'rowid', detail = 'none', columnsize = 0, tokenize = 'ascii'
);
CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks WHEN new.search_grams IS NOT NULL BEGIN
    INSERT INTO tasks_search (rowid, search_grams) VALUES (new.rowid, new.search_grams);
END;
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks WHEN old.search_grams IS NOT NULL BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, search_grams) VALUES ('delete', old.rowid, old.search_grams);
END;
CREATE TRIGGER tasks_search_update AFTER UPDATE OF search_grams ON tasks
WHEN old.search_grams IS NOT new.search_grams BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, search_grams)
        SELECT 'delete', old.rowid, old.search_grams WHERE old.search_grams IS NOT NULL;
    INSERT INTO tasks_search (rowid, search_grams) SELECT new.rowid, new.search_grams WHERE new.search_grams IS NOT NULL;
END;

-- The tasks already there: their text gets the new fields (lowercased by SQLite, which folds
-- ASCII letters only), then their tokens, computed here as the engine computes them.
UPDATE tasks SET search_text = search_text
    || char(10) || lower(COALESCE((SELECT group_concat(value, ' ') FROM json_each(tasks.candidate_groups)), ''))
    || char(10) || lower(COALESCE((SELECT business_key FROM process_instances i WHERE i.id = tasks.instance_id), ''))
    || char(10) || lower(definition_name)
    || char(10) || lower(COALESCE((SELECT definition_key FROM process_instances i WHERE i.id = tasks.instance_id), ''));
-- tasks grams begin
UPDATE tasks SET search_grams = (
    WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < length(tasks.search_text)),
    c(i, code) AS (
        SELECT i, CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
            WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
            WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                || substr(d, n % 36 + 1, 1)
            ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END
        FROM (SELECT i, unicode(substr(tasks.search_text, i, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM p)
        WHERE n NOT IN (9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
    ),
    g(token) AS (SELECT code FROM c UNION SELECT a.code || b.code FROM c a JOIN c b ON b.i = a.i + 1)
    SELECT COALESCE(group_concat(token, ' '), '') FROM g
)
    || COALESCE(' ' || (
        WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < length(tasks.assignee))
        SELECT group_concat(CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
            WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
            WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                || substr(d, n % 36 + 1, 1)
            ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END, '' ORDER BY i)
        FROM (SELECT i, unicode(substr(lower(tasks.assignee), i, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM p)
    ), '')
WHERE search_grams IS NULL;
-- tasks grams end

-- The instance list likewise: `search_text` holds the business key, the process's name and
-- key and the initiator's login; `search_grams` its tokens and the initiator's whole login.
ALTER TABLE process_instances ADD COLUMN search_text TEXT;
ALTER TABLE process_instances ADD COLUMN search_grams TEXT;
-- Rows written without tokens (by hand, or by an older engine): none in use. While there are
-- some, searches walk the list's order (they find them by `LIKE`).
CREATE INDEX process_instances_unindexed ON process_instances (id) WHERE search_grams IS NULL;
CREATE VIRTUAL TABLE process_instances_search USING fts5(
    search_grams, content = 'process_instances', content_rowid = 'rowid', detail = 'none', columnsize = 0, tokenize = 'ascii'
);
CREATE TRIGGER process_instances_search_insert AFTER INSERT ON process_instances WHEN new.search_grams IS NOT NULL BEGIN
    INSERT INTO process_instances_search (rowid, search_grams) VALUES (new.rowid, new.search_grams);
END;
CREATE TRIGGER process_instances_search_delete AFTER DELETE ON process_instances WHEN old.search_grams IS NOT NULL BEGIN
    INSERT INTO process_instances_search (process_instances_search, rowid, search_grams) VALUES ('delete', old.rowid, old.search_grams);
END;
CREATE TRIGGER process_instances_search_update AFTER UPDATE OF search_grams ON process_instances
WHEN old.search_grams IS NOT new.search_grams BEGIN
    INSERT INTO process_instances_search (process_instances_search, rowid, search_grams)
        SELECT 'delete', old.rowid, old.search_grams WHERE old.search_grams IS NOT NULL;
    INSERT INTO process_instances_search (rowid, search_grams) SELECT new.rowid, new.search_grams WHERE new.search_grams IS NOT NULL;
END;
UPDATE process_instances SET search_text = lower(COALESCE(business_key, '')) || char(10) || lower(definition_name)
    || char(10) || lower(definition_key) || char(10) || lower(COALESCE(initiator, ''));
-- instances grams begin
UPDATE process_instances SET search_grams = (
    WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < length(process_instances.search_text)),
    c(i, code) AS (
        SELECT i, CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
            WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
            WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                || substr(d, n % 36 + 1, 1)
            ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END
        FROM (SELECT i, unicode(substr(process_instances.search_text, i, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM p)
        WHERE n NOT IN (9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
    ),
    g(token) AS (SELECT code FROM c UNION SELECT a.code || b.code FROM c a JOIN c b ON b.i = a.i + 1)
    SELECT COALESCE(group_concat(token, ' '), '') FROM g
)
    || COALESCE(' ' || (
        WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p WHERE i < length(process_instances.initiator))
        SELECT group_concat(CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
            WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
            WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                || substr(d, n % 36 + 1, 1)
            ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END, '' ORDER BY i)
        FROM (SELECT i, unicode(substr(lower(process_instances.initiator), i, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM p)
    ), '')
WHERE search_grams IS NULL;
-- instances grams end
