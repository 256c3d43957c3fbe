#include "tripstream/jobs/job_registration.hpp"

namespace tripstream {

void register_job(db::PgConnection& conn, const std::string& job_id, const std::string& source) {
    conn.exec(
        "WITH added AS ("
        "  INSERT INTO tripstream.ingestion_jobs (job_id, source, producer_state, started_at)"
        "  VALUES ($1::uuid, $2, 'producing', now()) ON CONFLICT (job_id) DO NOTHING"
        "  RETURNING job_id)"
        " SELECT pg_notify('tripstream_status', json_build_object('job_id', job_id)::text)"
        " FROM added",
        {job_id, source});
}

}  // namespace tripstream
