-- The check of a write set sent as one simple query (engine::store::writes): raises, and so
-- rolls the whole query back, when the checked statement changed no row.
CREATE OR REPLACE FUNCTION write_guard(changed bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF changed = 0 THEN
        RAISE EXCEPTION 'write_guard_failed';
    END IF;
    RETURN changed;
END
$$;
