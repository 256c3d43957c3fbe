#include "support/consumer_batches.hpp"

#include <algorithm>
#include <cmath>

#include "tripstream/consumer/trip_batch.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream::test {

const std::array<IndexRegion, 3> kIndexRegions = {
    {{"Turin", {7.68, 45.07}}, {"Prague", {14.42, 50.08}}, {"Oslo", {10.75, 59.91}}}};

int64_t index_first_day() {
    return days_from_civil(2019, 3, 4);  // a Monday
}

double TripPool::coordinate(double centre) {
    const int kind = uniform(0, 9);
    double v = centre + 0.005 * uniform(-30, 30);
    if (kind < 4) return v;
    if (kind < 6) return std::nextafter(v, kind == 4 ? 1e9 : -1e9);
    return centre + std::uniform_real_distribution<double>(-0.15, 0.15)(rng_);
}

Trip TripPool::trip(const IndexRegion& region) {
    Trip t;
    t.region = region.name;
    t.datasource = "test";
    t.origin = {coordinate(region.centre.lon), coordinate(region.centre.lat)};
    t.destination = {coordinate(region.centre.lon), coordinate(region.centre.lat)};
    const int64_t day = index_first_day() + uniform(0, 69);
    t.time_us = (day * kSecondsPerDay + uniform(0, kSecondsPerDay - 1)) * kMicrosPerSecond;
    return t;
}

GeoBox TripPool::box(const IndexRegion& region) {
    const double a = coordinate(region.centre.lon);
    const double b = uniform(0, 4) == 0 ? a : coordinate(region.centre.lon);
    const double c = coordinate(region.centre.lat);
    const double d = uniform(0, 4) == 0 ? c : coordinate(region.centre.lat);
    return {std::min(a, b), std::min(c, d), std::max(a, b), std::max(c, d)};
}

query::WeeklyAverageRequest TripPool::request(int i, int regions) {
    const IndexRegion& region = kIndexRegions[static_cast<size_t>(uniform(0, regions - 1))];
    query::WeeklyAverageRequest r;
    const int kind = i % 4;
    if (kind != 3) r.region = region.name;
    if (kind != 0) r.bbox = box(region);
    r.match = static_cast<query::Match>(i % 4);
    if (uniform(0, 3) == 0) r.from_days = index_first_day() + uniform(-10, 80);
    if (uniform(0, 3) == 0) r.to_days = index_first_day() + uniform(0, 90);
    if (r.from_days && r.to_days && *r.from_days > *r.to_days) std::swap(r.from_days, r.to_days);
    return r;
}

ConsumerBatches::ConsumerBatches(const std::string& name, uint64_t seed)
    : topic_(name), writer_({name, name + "-consumer", name, -1}), pool_(seed) {}

void ConsumerBatches::write(db::PgConnection& conn, int batches, int trips, int regions) {
    for (int b = 0; b < batches; ++b) {
        TripBatch batch;
        for (int i = 0; i < trips; ++i) {
            batch.note_offset(topic_, 0, next_offset_, committed_);
            ++next_offset_;
            BatchTrip& t = batch.add_trip();
            t.message.trip =
                pool_.trip(kIndexRegions[static_cast<size_t>(pool_.uniform(0, regions - 1))]);
            t.message.line = static_cast<uint64_t>(next_offset_);
        }
        writer_.write(conn, batch);
        committed_ = next_offset_;
    }
}

void ConsumerBatches::write_late(db::PgConnection& conn, int64_t id, int trips, int regions) {
    const std::string last =
        db::first_value(conn.exec("SELECT last_value FROM tripstream.trip_batch_seq"));
    // The next nextval() hands out `id`, then the sequence goes on where it was.
    conn.exec("SELECT setval('tripstream.trip_batch_seq', $1::bigint, false)",
              {std::to_string(id)});
    write(conn, 1, trips, regions);
    conn.exec("SELECT setval('tripstream.trip_batch_seq', $1::bigint)", {last});
}

int64_t take_batch_ids(db::PgConnection& conn, int count) {
    const auto taken = conn.exec(
        "SELECT min(nextval) FROM (SELECT nextval('tripstream.trip_batch_seq')"
        " FROM generate_series(1, $1::int)) AS t",
        {std::to_string(count)});
    return std::stoll(db::first_value(taken));
}

}  // namespace tripstream::test
