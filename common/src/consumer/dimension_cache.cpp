#include "tripstream/consumer/dimension_cache.hpp"

#include "tripstream/consumer/consumer_sql.hpp"
#include "tripstream/time/civil_time.hpp"

namespace tripstream {
namespace {

int64_t lookup_or_create(db::PgConnection& conn, const consumer_sql::DimensionSql& sql,
                         const std::string& key) {
    conn.exec(sql.insert, {key});
    return std::stoll(db::first_value(conn.exec(sql.select, {key})));
}

}  // namespace

// The cached id of `key`, looked up (or created) on first use. `key_text` is only called on
// a miss: this runs once per stored trip.
template <typename Id, typename Map, typename Key, typename KeyText>
Id cached_id(Map& cache, const Key& key, db::PgConnection& conn,
             const consumer_sql::DimensionSql& sql, KeyText key_text) {
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    const auto id = static_cast<Id>(lookup_or_create(conn, sql, key_text()));
    cache.emplace(key, id);
    return id;
}

int16_t DimensionCache::region_id(db::PgConnection& conn, const std::string& name) {
    return cached_id<int16_t>(regions_, name, conn, consumer_sql::kRegions, [&] { return name; });
}

int16_t DimensionCache::datasource_id(db::PgConnection& conn, const std::string& name) {
    return cached_id<int16_t>(datasources_, name, conn, consumer_sql::kDatasources,
                              [&] { return name; });
}

int32_t DimensionCache::job_seq(db::PgConnection& conn, const JobId& job) {
    return cached_id<int32_t>(jobs_, job, conn, consumer_sql::kJobs,
                              [&] { return job_id_to_string(job); });
}

int16_t DimensionCache::model_id(db::PgConnection& conn, const std::string& version) {
    return static_cast<int16_t>(lookup_or_create(conn, consumer_sql::kModels, version));
}

void DimensionCache::ensure_partition(db::PgConnection& conn, int64_t time_us) {
    const CivilDate d = civil_from_days(days_from_micros(time_us));
    const int64_t key = int64_t{d.year} * 12 + d.month;
    if (months_.count(key) != 0) return;
    conn.exec(consumer_sql::kEnsureTripPartition, {format_datetime(time_us) + "+00"});
    months_.emplace(key, true);
}

void DimensionCache::clear() {
    regions_.clear();
    datasources_.clear();
    jobs_.clear();
    months_.clear();
}

}  // namespace tripstream
