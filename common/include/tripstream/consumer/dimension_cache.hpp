// Ids of regions, datasources and jobs, looked up (or created) once and then cached. The
// lookups run outside the batch transaction: a dimension row that outlives a failed batch is
// harmless, and keeping DDL-like work out of the batch keeps its locks short.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/message/trip_message.hpp"

namespace tripstream {

class DimensionCache {
  public:
    int16_t region_id(db::PgConnection& conn, const std::string& name);
    int16_t datasource_id(db::PgConnection& conn, const std::string& name);
    int32_t job_seq(db::PgConnection& conn, const JobId& job);
    int16_t model_id(db::PgConnection& conn, const std::string& version);
    // Makes sure the month partition holding `time_us` exists.
    void ensure_partition(db::PgConnection& conn, int64_t time_us);

    // After a reconnect nothing needs forgetting (ids are permanent), but a test database
    // reset does; tests call this.
    void clear();

  private:
    std::unordered_map<std::string, int16_t> regions_;
    std::unordered_map<std::string, int16_t> datasources_;
    std::map<JobId, int32_t> jobs_;
    std::unordered_map<int64_t, bool> months_;  // key: year * 12 + month
};

}  // namespace tripstream
