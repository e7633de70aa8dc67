-- Search in the task and instance lists: an n-gram index of what a row is found by (see
-- engine/src/store/sql/search.rs).
--
-- `search_text` holds, lowercase and one per line, what a row is found by (a task: its name,
-- the assignee's login, the candidate groups, the business key, the process's name and key; an
-- instance: the business key, the process's name and key, the initiator's login);
-- `search_grams` its tokens, each of a-z and 0-9: every pair of neighbouring characters and
-- every character that is not ASCII of each word of the fields found by their own tokens (all
-- but the process's name and key), and the whole login of the row's person and the whole key of
-- its process (a person's or a process's name finds the rows of its key). Both are written by
-- the engine with the row, and computed here for the rows already there as the engine computes
-- them (SQL folds the case of ASCII letters only).
--
-- SQLite: an FTS5 table per list indexes the tokens (external content: it stores no text;
-- `detail=none`: row ids only), kept by triggers. Tokens are never searched by prefix or
-- phrase, so it needs no more. After a `VACUUM` (which may renumber the rows), rebuild each:
-- `DELETE FROM tasks_search_queue; INSERT INTO tasks_search (tasks_search) VALUES ('rebuild');`.
ALTER TABLE tasks ADD COLUMN search_grams TEXT;
-- Rows written without tokens (by hand, or by an older engine): none in use. While there are
-- some, searches walk the list's order (they find them by `LIKE`).
CREATE INDEX tasks_unindexed ON tasks (id) WHERE search_grams IS NULL;
CREATE VIRTUAL TABLE tasks_search USING fts5(
    search_grams, content = 'tasks', content_rowid = 'rowid', detail = 'none', columnsize = 0, tokenize = 'ascii'
);
-- New tokens wait in a queue and enter the index 64 rows at a time: FTS5 writes a segment and
-- merges segments at every commit it has tokens for, which cost a lifecycle a fifth of its
-- time when every row went in by itself. A search reads the queued rows beside the index's.
CREATE TABLE tasks_search_queue (row INTEGER PRIMARY KEY, search_grams TEXT NOT NULL);
CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks WHEN new.search_grams IS NOT NULL BEGIN
    INSERT INTO tasks_search_queue (row, search_grams) VALUES (new.rowid, new.search_grams);
END;
CREATE TRIGGER tasks_search_flush AFTER INSERT ON tasks_search_queue
WHEN (SELECT count(*) FROM tasks_search_queue) >= 64 BEGIN
    INSERT INTO tasks_search (rowid, search_grams) SELECT row, search_grams FROM tasks_search_queue;
    DELETE FROM tasks_search_queue;
END;
-- A row leaves the index (with the tokens it went in with) or the queue.
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks WHEN old.search_grams IS NOT NULL BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, search_grams) SELECT 'delete', old.rowid, old.search_grams
        WHERE NOT EXISTS (SELECT 1 FROM tasks_search_queue WHERE row = old.rowid);
    DELETE FROM tasks_search_queue WHERE row = old.rowid;
END;
CREATE TRIGGER tasks_search_update AFTER UPDATE OF search_grams ON tasks
WHEN old.search_grams IS NOT new.search_grams BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, search_grams) SELECT 'delete', old.rowid, old.search_grams
        WHERE old.search_grams IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks_search_queue WHERE row = old.rowid);
    DELETE FROM tasks_search_queue WHERE row = old.rowid;
    INSERT INTO tasks_search_queue (row, search_grams) SELECT new.rowid, new.search_grams
        WHERE new.search_grams IS NOT NULL;
END;
UPDATE tasks SET search_text = search_text
    || char(10) || lower(COALESCE((SELECT group_concat(value, ' ') FROM json_each(tasks.candidate_groups)), ''))
    || char(10) || lower(COALESCE((SELECT business_key FROM process_instances i WHERE i.id = tasks.instance_id), ''))
    || char(10) || lower(definition_name)
    || char(10) || lower(COALESCE((SELECT definition_key FROM process_instances i WHERE i.id = tasks.instance_id), ''));
-- tasks grams begin
UPDATE tasks SET search_grams = (
    WITH RECURSIVE s(src) AS (SELECT lower(tasks.name) || char(10) || lower(COALESCE(tasks.assignee, '')) || char(10)
        || lower(COALESCE((SELECT group_concat(value, ' ') FROM json_each(tasks.candidate_groups)), '')) || char(10)
        || lower(COALESCE((SELECT business_key FROM process_instances i WHERE i.id = tasks.instance_id), ''))),
    p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p, s WHERE i < length(s.src)),
    c(i, n, code) AS (
        SELECT i, n, CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
            WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
            WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                || substr(d, n % 36 + 1, 1)
            ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END
        FROM (SELECT i, unicode(substr(s.src, i, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM p, s)
        WHERE n NOT IN (9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
    ),
    g(token) AS (
        SELECT code FROM c WHERE n > 127
        UNION SELECT a.code || b.code FROM c a JOIN c b ON b.i = a.i + 1
        UNION SELECT (
            WITH RECURSIVE q(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM q WHERE j < length(tasks.assignee))
            SELECT group_concat(CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
                WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
                WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                    || substr(d, n % 36 + 1, 1)
                ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                    || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END, '' ORDER BY j)
            FROM (SELECT j, unicode(substr(lower(tasks.assignee), j, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM q)
        )
        UNION SELECT (
            WITH RECURSIVE q(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM q WHERE j < length((SELECT definition_key FROM process_instances i WHERE i.id = tasks.instance_id)))
            SELECT group_concat(CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
                WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
                WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                    || substr(d, n % 36 + 1, 1)
                ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                    || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END, '' ORDER BY j)
            FROM (SELECT j, unicode(substr(lower((SELECT definition_key FROM process_instances i WHERE i.id = tasks.instance_id)), j, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM q)
        )
    )
    SELECT COALESCE(group_concat(token, ' '), '') FROM g WHERE token <> ''
)
WHERE search_grams IS NULL;
-- tasks grams end

ALTER TABLE process_instances ADD COLUMN search_text TEXT;
ALTER TABLE process_instances ADD COLUMN search_grams TEXT;
-- Rows written without tokens (by hand, or by an older engine): none in use. While there are
-- some, searches walk the list's order (they find them by `LIKE`).
CREATE INDEX process_instances_unindexed ON process_instances (id) WHERE search_grams IS NULL;
CREATE VIRTUAL TABLE process_instances_search USING fts5(
    search_grams, content = 'process_instances', content_rowid = 'rowid', detail = 'none', columnsize = 0, tokenize = 'ascii'
);
-- New tokens wait in a queue and enter the index 64 rows at a time: FTS5 writes a segment and
-- merges segments at every commit it has tokens for, which cost a lifecycle a fifth of its
-- time when every row went in by itself. A search reads the queued rows beside the index's.
CREATE TABLE process_instances_search_queue (row INTEGER PRIMARY KEY, search_grams TEXT NOT NULL);
CREATE TRIGGER process_instances_search_insert AFTER INSERT ON process_instances WHEN new.search_grams IS NOT NULL BEGIN
    INSERT INTO process_instances_search_queue (row, search_grams) VALUES (new.rowid, new.search_grams);
END;
CREATE TRIGGER process_instances_search_flush AFTER INSERT ON process_instances_search_queue
WHEN (SELECT count(*) FROM process_instances_search_queue) >= 64 BEGIN
    INSERT INTO process_instances_search (rowid, search_grams) SELECT row, search_grams FROM process_instances_search_queue;
    DELETE FROM process_instances_search_queue;
END;
-- A row leaves the index (with the tokens it went in with) or the queue.
CREATE TRIGGER process_instances_search_delete AFTER DELETE ON process_instances WHEN old.search_grams IS NOT NULL BEGIN
    INSERT INTO process_instances_search (process_instances_search, rowid, search_grams) SELECT 'delete', old.rowid, old.search_grams
        WHERE NOT EXISTS (SELECT 1 FROM process_instances_search_queue WHERE row = old.rowid);
    DELETE FROM process_instances_search_queue WHERE row = old.rowid;
END;
CREATE TRIGGER process_instances_search_update AFTER UPDATE OF search_grams ON process_instances
WHEN old.search_grams IS NOT new.search_grams BEGIN
    INSERT INTO process_instances_search (process_instances_search, rowid, search_grams) SELECT 'delete', old.rowid, old.search_grams
        WHERE old.search_grams IS NOT NULL AND NOT EXISTS (SELECT 1 FROM process_instances_search_queue WHERE row = old.rowid);
    DELETE FROM process_instances_search_queue WHERE row = old.rowid;
    INSERT INTO process_instances_search_queue (row, search_grams) SELECT new.rowid, new.search_grams
        WHERE new.search_grams IS NOT NULL;
END;
UPDATE process_instances SET search_text = lower(COALESCE(business_key, '')) || char(10) || lower(definition_name)
    || char(10) || lower(definition_key) || char(10) || lower(COALESCE(initiator, ''));
-- instances grams begin
UPDATE process_instances SET search_grams = (
    WITH RECURSIVE s(src) AS (SELECT lower(COALESCE(process_instances.business_key, '')) || char(10) || lower(COALESCE(process_instances.initiator, ''))),
    p(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM p, s WHERE i < length(s.src)),
    c(i, n, code) AS (
        SELECT i, n, CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
            WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
            WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                || substr(d, n % 36 + 1, 1)
            ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END
        FROM (SELECT i, unicode(substr(s.src, i, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM p, s)
        WHERE n NOT IN (9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
    ),
    g(token) AS (
        SELECT code FROM c WHERE n > 127
        UNION SELECT a.code || b.code FROM c a JOIN c b ON b.i = a.i + 1
        UNION SELECT (
            WITH RECURSIVE q(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM q WHERE j < length(process_instances.initiator))
            SELECT group_concat(CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
                WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
                WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                    || substr(d, n % 36 + 1, 1)
                ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                    || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END, '' ORDER BY j)
            FROM (SELECT j, unicode(substr(lower(process_instances.initiator), j, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM q)
        )
        UNION SELECT (
            WITH RECURSIVE q(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM q WHERE j < length(process_instances.definition_key))
            SELECT group_concat(CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN char(n)
                WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
                WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
                    || substr(d, n % 36 + 1, 1)
                ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
                    || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END, '' ORDER BY j)
            FROM (SELECT j, unicode(substr(lower(process_instances.definition_key), j, 1)) AS n, '0123456789abcdefghijklmnopqrstuvwxyz' AS d FROM q)
        )
    )
    SELECT COALESCE(group_concat(token, ' '), '') FROM g WHERE token <> ''
)
WHERE search_grams IS NULL;
-- instances grams end
