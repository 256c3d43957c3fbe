// Registers a job in the database the moment it starts, before its first record travels
// through Kafka, so that its status URL answers (state `queued`) from the first second. The
// consumers later fill the row from the job's records (BatchWriter::write_jobs).
#pragma once

#include <string>

#include "tripstream/db/pg_connection.hpp"

namespace tripstream {

// Idempotent (a job already known is left as it is); signals the status channel so event
// streams show the new job at once. Throws db::PgError.
void register_job(db::PgConnection& conn, const std::string& job_id, const std::string& source);

}  // namespace tripstream
