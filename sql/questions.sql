-- Two questions about the stored trips, answered from the raw rows (tripstream.trips with its
-- dimension tables tripstream.regions and tripstream.datasources).
--
--   psql "$DATABASE_URL" -f sql/questions.sql
--
-- "Appearing" means stored as a trip: rows rejected by the producer or the consumer
-- (tripstream.rejected_rows) do not count. Each statement carries a `-- name:` line; the
-- integration test tests/integration/questions_sql_test.cpp runs them by name against data it
-- generated and checks every answer against its own computation.
--
-- Cost: each statement reads the trips of every month partition once (there is no index that
-- orders trips by region or time; the BRIN index on trip_time only helps time ranges). On
-- 100 million trips expect a parallel sequential scan of some seconds; interactive answers
-- are what the pre-aggregated tables are for.


-- (a) Of the two most commonly appearing regions, which is the latest datasource?
--
-- Interpretation: the two regions with the most trips (a tie for second place is broken by
-- region name, so exactly two regions are taken); among all trips of those two regions
-- together, the most recent one by trip_time; its datasource is the answer. A tie on
-- trip_time is broken by datasource name. One row: the datasource; the region and start time
-- of that most recent trip; and, to show the reading, the two regions with their trip counts.
-- (Each region's own latest datasource: replace the last two lines by
-- "ORDER BY tt.name, t.trip_time DESC, d.name" after "SELECT DISTINCT ON (tt.name)".)
-- name: a_latest_datasource
WITH region_trips AS (
    SELECT region_id, count(*) AS trips
      FROM tripstream.trips
     GROUP BY region_id
), top_two AS (
    SELECT rt.region_id, r.name, rt.trips
      FROM region_trips rt
      JOIN tripstream.regions r USING (region_id)
     ORDER BY rt.trips DESC, r.name
     LIMIT 2
)
SELECT d.name       AS latest_datasource,
       tt.name      AS region,
       t.trip_time  AS trip_time,
       (SELECT string_agg(name || ' (' || trips || ' trips)', ', ' ORDER BY trips DESC, name)
          FROM top_two) AS top_two_regions
  FROM tripstream.trips t
  JOIN top_two tt USING (region_id)
  JOIN tripstream.datasources d USING (datasource_id)
 ORDER BY t.trip_time DESC, d.name
 LIMIT 1;

-- (b) In which regions has the cheap_mobile datasource appeared?
--
-- Every region with at least one stored trip from the datasource named exactly
-- 'cheap_mobile' (not a pattern: 'cheap_mobile_v2' is another datasource), by name, with how
-- many of its trips came from it and when the first and last of them started.
-- name: b_cheap_mobile_regions
SELECT r.name            AS region,
       count(*)          AS trips,
       min(t.trip_time)  AS first_trip_time,
       max(t.trip_time)  AS last_trip_time
  FROM tripstream.trips t
  JOIN tripstream.datasources d USING (datasource_id)
  JOIN tripstream.regions r USING (region_id)
 WHERE d.name = 'cheap_mobile'
 GROUP BY r.name
 ORDER BY r.name;
