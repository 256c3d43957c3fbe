-- ensure_trip_partition is called by every consumer that meets a month for the first time,
-- so several may race for the same month. Version 1 re-checked to_regclass after taking an
-- advisory lock, but an advisory lock does not make the backend absorb catalog invalidations:
-- the re-check could miss the partition the winner had just committed, and the loser's
-- CREATE TABLE failed with 42P07, failing its batch (and its consumer). The loser now treats
-- "already exists" as success.
CREATE OR REPLACE FUNCTION tripstream.ensure_trip_partition(t timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    month_end   timestamptz := month_start + interval '1 month';
    name        text := 'trips_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass('tripstream.' || name) IS NOT NULL THEN
        RETURN name;
    END IF;
    -- Serialises creators, so that the losers wait for the winner's commit and then meet
    -- its table instead of a half-created one.
    PERFORM pg_advisory_xact_lock(7274001);
    BEGIN
        EXECUTE format('CREATE TABLE tripstream.%I PARTITION OF tripstream.trips
                        FOR VALUES FROM (%L) TO (%L)', name, month_start, month_end);
        -- BRIN: a few pages per month partition; trips arrive roughly in time order.
        EXECUTE format('CREATE INDEX %I ON tripstream.%I USING brin (trip_time)',
                       name || '_time_brin', name);
    EXCEPTION
        -- duplicate_table: the usual loser; unique_violation: a loser that got past the
        -- name check and collided in the catalog's unique index.
        WHEN duplicate_table OR unique_violation THEN
            NULL;
    END;
    RETURN name;
END $$;
