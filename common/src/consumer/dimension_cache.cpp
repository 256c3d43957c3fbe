#include "tripstream/consumer/dimension_cache.hpp"

#include "tripstream/time/civil_time.hpp"

namespace tripstream {
namespace {

// Insert-if-missing then select: correct under concurrent consumers (ON CONFLICT makes the
// second inserter wait for and then see the first one's row).
int64_t lookup_or_create(db::PgConnection& conn, const std::string& table,
                         const std::string& id_column, const std::string& key_column,
                         const std::string& key) {
    conn.exec("INSERT INTO tripstream." + table + " (" + key_column + ") VALUES ($1) " +
                  "ON CONFLICT (" + key_column + ") DO NOTHING",
              {key});
    const std::string id = db::first_value(conn.exec(
        "SELECT " + id_column + " FROM tripstream." + table + " WHERE " + key_column + " = $1",
        {key}));
    return std::stoll(id);
}

}  // namespace

// The cached id of `key`, looked up (or created) in `table` on first use. `key_text` is
// only called on a miss: this runs once per stored trip.
template <typename Id, typename Map, typename Key, typename KeyText>
Id cached_id(Map& cache, const Key& key, db::PgConnection& conn, const std::string& table,
             const std::string& id_column, const std::string& key_column, KeyText key_text) {
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    const auto id =
        static_cast<Id>(lookup_or_create(conn, table, id_column, key_column, key_text()));
    cache.emplace(key, id);
    return id;
}

int16_t DimensionCache::region_id(db::PgConnection& conn, const std::string& name) {
    return cached_id<int16_t>(regions_, name, conn, "regions", "region_id", "name",
                              [&] { return name; });
}

int16_t DimensionCache::datasource_id(db::PgConnection& conn, const std::string& name) {
    return cached_id<int16_t>(datasources_, name, conn, "datasources", "datasource_id", "name",
                              [&] { return name; });
}

int32_t DimensionCache::job_seq(db::PgConnection& conn, const JobId& job) {
    return cached_id<int32_t>(jobs_, job, conn, "ingestion_jobs", "job_seq", "job_id",
                              [&] { return job_id_to_string(job); });
}

int16_t DimensionCache::model_id(db::PgConnection& conn, const std::string& version) {
    return static_cast<int16_t>(lookup_or_create(conn, "models", "model_id", "version", version));
}

void DimensionCache::ensure_partition(db::PgConnection& conn, int64_t time_us) {
    const CivilDate d = civil_from_days(days_from_micros(time_us));
    const int64_t key = int64_t{d.year} * 12 + d.month;
    if (months_.count(key) != 0) return;
    conn.exec("SELECT tripstream.ensure_trip_partition($1::timestamptz)",
              {format_datetime(time_us) + "+00"});
    months_.emplace(key, true);
}

void DimensionCache::clear() {
    regions_.clear();
    datasources_.clear();
    jobs_.clear();
    months_.clear();
}

}  // namespace tripstream
