-- Search in the task and instance lists: an n-gram index of what a task is found by (see
-- engine/src/store/sql/search.rs).
--
-- `search_text` now holds, lowercase and one per line, the task's name, the assignee's login,
-- the candidate groups, the business key and the process's name and key; `search_grams` its
-- tokens (every character and every pair of neighbouring characters of each word, each as a
-- token of a-z and 0-9, and the assignee's whole login as one token), both written by the
-- engine with the row. A GIN index holds them as a `tsvector` (`search_vector`:
-- `array_to_tsvector`, no parser, no dictionary, no locale); `pg_trgm` would ignore Chinese
-- under the C locale.

-- The code of a character in a token, the tokens of a lowercase text and the token of a whole
-- login, as the engine computes them (`search::push_code`, `grams`, `login_token`): for the
-- rows already there, and for the tests that compare the two.
CREATE FUNCTION search_code(n integer) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN n BETWEEN 97 AND 122 OR n BETWEEN 48 AND 54 THEN chr(n)
        WHEN n < 1296 THEN '7' || substr(d, n / 36 + 1, 1) || substr(d, n % 36 + 1, 1)
        WHEN n < 46656 THEN '8' || substr(d, n / 1296 + 1, 1) || substr(d, n / 36 % 36 + 1, 1)
            || substr(d, n % 36 + 1, 1)
        ELSE '9' || substr(d, n / 46656 + 1, 1) || substr(d, n / 1296 % 36 + 1, 1)
            || substr(d, n / 36 % 36 + 1, 1) || substr(d, n % 36 + 1, 1) END
    FROM (SELECT '0123456789abcdefghijklmnopqrstuvwxyz'::text AS d) x
$$;
CREATE FUNCTION search_grams_of(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH c(i, code) AS (
        SELECT i, search_code(n)
        FROM (SELECT i, ascii(substr(t, i, 1)) AS n FROM generate_series(1, length(t)) i) x
        WHERE n NOT IN (9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
    ),
    g(token) AS (SELECT code FROM c UNION SELECT a.code || b.code FROM c a JOIN c b ON b.i = a.i + 1)
    SELECT COALESCE(string_agg(token, ' '), '') FROM g
$$;
CREATE FUNCTION search_login_of(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT string_agg(search_code(ascii(substr(lower(t), i, 1))), '' ORDER BY i) FROM generate_series(1, length(t)) i
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
-- The tasks already there: their text gets the new fields, then their tokens.
UPDATE tasks t SET search_text = t.search_text
    || chr(10) || lower(COALESCE((SELECT string_agg(g, ' ') FROM jsonb_array_elements_text(t.candidate_groups::jsonb) g), ''))
    || chr(10) || lower(COALESCE(i.business_key, ''))
    || chr(10) || lower(t.definition_name)
    || chr(10) || lower(i.definition_key)
FROM process_instances i WHERE i.id = t.instance_id;
-- tasks grams begin
UPDATE tasks SET search_grams = concat_ws(' ', NULLIF(search_grams_of(search_text), ''), search_login_of(assignee))
WHERE search_grams IS NULL;
-- tasks grams end
CREATE INDEX tasks_search ON tasks USING gin (search_vector(search_grams));
-- Rows written without tokens (by hand, or by an older engine): none in use. While there are
-- some, searches walk the list's order (they find them by `LIKE`).
CREATE INDEX tasks_unindexed ON tasks (id) WHERE search_grams IS NULL;

-- The instance list likewise: `search_text` holds the business key, the process's name and
-- key and the initiator's login; `search_grams` its tokens and the initiator's whole login.
ALTER TABLE process_instances ADD COLUMN search_text TEXT COLLATE "C";
ALTER TABLE process_instances ADD COLUMN search_grams TEXT;
UPDATE process_instances SET search_text = lower(COALESCE(business_key, '')) || chr(10) || lower(definition_name)
    || chr(10) || lower(definition_key) || chr(10) || lower(COALESCE(initiator, ''));
-- instances grams begin
UPDATE process_instances SET search_grams = concat_ws(' ', NULLIF(search_grams_of(search_text), ''), search_login_of(initiator))
WHERE search_grams IS NULL;
-- instances grams end
CREATE INDEX process_instances_search ON process_instances USING gin (search_vector(search_grams));
CREATE INDEX process_instances_unindexed ON process_instances (id) WHERE search_grams IS NULL;
