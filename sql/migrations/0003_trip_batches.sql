-- Every consumer batch transaction gets a number from trip_batch_seq and stamps it on its
-- trips (trips.batch_id) and on its tripstream_status notification, so that a follower
-- (query::LiveTripIndex, docs/query.md) that heard the notification can fetch exactly that
-- batch's rows. Rows written before this migration keep NULL: adding a nullable column
-- without a default only changes the catalog (no table rewrite), and NULL costs no bytes.
-- Runs under the migration advisory lock like every migration, so concurrent runners apply
-- it once.
ALTER TABLE tripstream.trips ADD COLUMN IF NOT EXISTS batch_id bigint;

CREATE SEQUENCE IF NOT EXISTS tripstream.trip_batch_seq;

-- Rows are appended batch after batch, so batch_id grows with the physical position within
-- each month partition: a BRIN index (a few pages per partition) finds one batch's pages.
-- An index on the partitioned parent is created on every existing partition and on every
-- partition created later (tripstream.ensure_trip_partition needs no change).
CREATE INDEX IF NOT EXISTS trips_batch_brin ON tripstream.trips USING brin (batch_id);
