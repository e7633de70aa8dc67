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
-- PostgreSQL: a GIN index per list over the tokens as a `tsvector` (`search_vector`:
-- `array_to_tsvector`, no parser, no dictionary, no locale); `pg_trgm` would ignore Chinese
-- under the C locale.

-- The code of a character in a token, and the tokens of a text and of whole values, as the
-- engine computes them (`search::push_code`, `grams`, `key_token`): for the rows already
-- there, and for the tests that compare the two.
CREATE FUNCTION search_code(n integer) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN chr(n)
        WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
        WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
            || substr(d, n % 36 + 1, 1)
        ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
            || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END
    FROM (SELECT '0123456789abcdefghijklmnopqrstuvwxyz'::text AS d) x
$$;
CREATE FUNCTION search_tokens(src text, keys text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH c(i, n, code) AS (
        SELECT i, n, search_code(n)
        FROM (SELECT i, ascii(substr(src, i, 1)) AS n FROM generate_series(1, length(src)) i) x
        WHERE n NOT IN (9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
    ),
    g(token) AS (
        SELECT code FROM c WHERE n > 127
        UNION SELECT a.code || b.code FROM c a JOIN c b ON b.i = a.i + 1
        UNION SELECT (SELECT string_agg(search_code(ascii(substr(lower(k), j, 1))), '' ORDER BY j)
                      FROM generate_series(1, length(k)) j) FROM unnest(keys) k
    )
    SELECT COALESCE(string_agg(token, ' ' ORDER BY token), '') FROM g WHERE token <> ''
$$;
-- The tokens as a `tsvector`, which GIN indexes: the index is on this expression, so that no
-- row stores the tokens twice. PL/pgSQL and its cost keep the planner from evaluating it
-- row by row where the index can answer (a SQL function would be inlined, and its cost lost);
-- PARALLEL UNSAFE keeps a search on one process (starting workers costs more than it reads).
CREATE FUNCTION search_vector(grams text) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE
COST 1000 AS $$
BEGIN
    RETURN array_to_tsvector(array_remove(string_to_array(grams, ' '), ''));
END
$$;

ALTER TABLE tasks ADD COLUMN search_grams TEXT;
UPDATE tasks t SET search_text = t.search_text
    || chr(10) || lower(COALESCE((SELECT string_agg(g, ' ') FROM jsonb_array_elements_text(t.candidate_groups::jsonb) g), ''))
    || chr(10) || lower(COALESCE(i.business_key, ''))
    || chr(10) || lower(t.definition_name)
    || chr(10) || lower(i.definition_key)
FROM process_instances i WHERE i.id = t.instance_id;
-- tasks grams begin
UPDATE tasks t SET search_grams = search_tokens(
    lower(t.name) || chr(10) || lower(COALESCE(t.assignee, '')) || chr(10)
        || lower(COALESCE((SELECT string_agg(g, ' ') FROM jsonb_array_elements_text(t.candidate_groups::jsonb) g), ''))
        || chr(10) || lower(COALESCE(i.business_key, '')),
    ARRAY[t.assignee, i.definition_key])
FROM process_instances i WHERE i.id = t.instance_id AND t.search_grams IS NULL;
-- tasks grams end
CREATE INDEX tasks_search ON tasks USING gin (search_vector(search_grams));
CREATE INDEX tasks_unindexed ON tasks (id) WHERE search_grams IS NULL;

ALTER TABLE process_instances ADD COLUMN search_text TEXT COLLATE "C";
ALTER TABLE process_instances ADD COLUMN search_grams TEXT;
UPDATE process_instances SET search_text = lower(COALESCE(business_key, '')) || chr(10) || lower(definition_name)
    || chr(10) || lower(definition_key) || chr(10) || lower(COALESCE(initiator, ''));
-- instances grams begin
UPDATE process_instances SET search_grams = search_tokens(
    lower(COALESCE(business_key, '')) || chr(10) || lower(COALESCE(initiator, '')), ARRAY[initiator, definition_key])
WHERE search_grams IS NULL;
-- instances grams end
CREATE INDEX process_instances_search ON process_instances USING gin (search_vector(search_grams));
CREATE INDEX process_instances_unindexed ON process_instances (id) WHERE search_grams IS NULL;
