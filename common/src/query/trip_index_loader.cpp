#include "tripstream/query/trip_index_loader.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string_view>

namespace tripstream::query {
namespace {

// trip_time travels as PostgreSQL's binary timestamptz: microseconds since 2000-01-01 UTC.
constexpr int64_t kPgEpochUnixMicros = 946'684'800LL * 1'000'000;

constexpr const char* kColumns = "region_id, trip_time, origin, destination, batch_id";
constexpr size_t kFields = 5;

[[noreturn]] void bad_row(const std::string& what) {
    throw std::runtime_error("trip row not understood: " + what);
}

template <typename T>
T big_endian(std::string_view field) {
    if (field.size() != sizeof(T)) bad_row("a field of " + std::to_string(field.size()) + " bytes");
    T v = 0;
    for (unsigned char c : field)
        v = static_cast<T>((static_cast<uint64_t>(v) << 8) | c);
    return v;
}

uint32_t wkb_uint32(const unsigned char* p, bool little) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<uint32_t>(p[little ? i : 3 - i]) << (8 * i);
    return v;
}

double wkb_double(const unsigned char* p, bool little) {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
        bits |= static_cast<uint64_t>(p[little ? i : 7 - i]) << (8 * i);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

// A 2-d point from PostGIS's binary output (EWKB: byte order, type with flags, optional
// SRID, x, y).
GeoPoint ewkb_point(std::string_view field) {
    const auto* p = reinterpret_cast<const unsigned char*>(field.data());
    if (field.size() < 21) bad_row("a geometry of " + std::to_string(field.size()) + " bytes");
    const bool little = p[0] == 1;
    const uint32_t type = wkb_uint32(p + 1, little);
    constexpr uint32_t kSridFlag = 0x20000000;
    const size_t coords = (type & kSridFlag) != 0 ? 9 : 5;
    if ((type & ~kSridFlag) != 1 || field.size() != coords + 16)
        bad_row("a geometry not a 2-d point");
    const GeoPoint point{wkb_double(p + coords, little), wkb_double(p + coords + 8, little)};
    // An empty point (NaN, NaN) has no ST_X in SQL; the consumer never stores one.
    if (!std::isfinite(point.lon) || !std::isfinite(point.lat)) bad_row("an empty point");
    return point;
}

struct Row {
    IndexedTrip trip;
    std::optional<int64_t> batch_id;
};

// fields: region_id, trip_time, origin, destination, batch_id (nullopt: NULL).
Row decode(const std::array<std::optional<std::string_view>, kFields>& f) {
    for (size_t i = 0; i < 4; ++i) {
        if (!f[i]) bad_row("NULL in a NOT NULL column");
    }
    Row row;
    row.trip.region_id = big_endian<int16_t>(*f[0]);
    row.trip.week = trip_week(big_endian<int64_t>(*f[1]) + kPgEpochUnixMicros);
    row.trip.origin = ewkb_point(*f[2]);
    row.trip.destination = ewkb_point(*f[3]);
    if (f[4]) row.batch_id = big_endian<int64_t>(*f[4]);
    return row;
}

[[noreturn]] void fail(db::PgConnection& conn, const std::string& context, PGresult* r) {
    std::string sqlstate;
    std::string message = PQerrorMessage(conn.get());
    if (r != nullptr) {
        if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) sqlstate = s;
        if (const char* m = PQresultErrorMessage(r); m != nullptr && *m != '\0') message = m;
    }
    while (!message.empty() && message.back() == '\n')
        message.pop_back();
    throw db::PgError(context + ": " + message, sqlstate, !conn.healthy());
}

// Reads the rows of one binary COPY data message (the first one starts with the header; the
// last one, or a message of its own, is the trailer). Calls add(row) for each row.
template <typename Add>
void parse_copy_message(std::string_view m, Add&& add) {
    static constexpr std::string_view kSignature("PGCOPY\n\xff\r\n\0", 11);
    if (m.substr(0, kSignature.size()) == kSignature) {
        if (m.size() < 19) bad_row("a short COPY header");
        const auto ext = static_cast<size_t>(big_endian<uint32_t>(m.substr(15, 4)));
        m.remove_prefix(19 + ext);
    }
    while (!m.empty()) {
        if (m.size() < 2) bad_row("a truncated COPY row");
        const auto fields = big_endian<int16_t>(m.substr(0, 2));
        m.remove_prefix(2);
        if (fields == -1) return;  // trailer
        if (fields != static_cast<int16_t>(kFields)) bad_row(std::to_string(fields) + " fields");
        std::array<std::optional<std::string_view>, kFields> f;
        for (size_t i = 0; i < kFields; ++i) {
            if (m.size() < 4) bad_row("a truncated COPY field");
            const auto len = big_endian<int32_t>(m.substr(0, 4));
            m.remove_prefix(4);
            if (len < 0) continue;  // NULL
            if (m.size() < static_cast<size_t>(len)) bad_row("a truncated COPY field");
            f[i] = m.substr(0, static_cast<size_t>(len));
            m.remove_prefix(static_cast<size_t>(len));
        }
        add(decode(f));
    }
}

// Runs `select` (a COPY of kColumns) in binary and calls add(row) for each row. Logs progress
// every few million rows, when it also checks `stop` (LoadStopped).
template <typename Add>
void copy_rows(db::PgConnection& conn, const std::string& select, const Logger& log,
               const std::atomic<bool>& stop, Add&& add) {
    const std::string copy = select + " TO STDOUT WITH (FORMAT binary)";
    db::PgResult start(PQexec(conn.get(), copy.c_str()));
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_OUT) {
        fail(conn, "COPY trips TO STDOUT", start.get());
    }
    constexpr size_t kLogEvery = 2'000'000;
    size_t rows = 0;
    for (;;) {
        char* buffer = nullptr;
        const int n = PQgetCopyData(conn.get(), &buffer, 0);
        if (n == -1) break;
        if (n < 0) fail(conn, "COPY trips TO STDOUT", nullptr);
        std::unique_ptr<char, decltype(&PQfreemem)> owned(buffer, &PQfreemem);
        parse_copy_message(std::string_view(buffer, static_cast<size_t>(n)), [&](const Row& row) {
            add(row);
            if (++rows % kLogEvery == 0) {
                log.info(cat("live index: read ", rows, " trips"));
                if (stop.load()) throw LoadStopped();
            }
        });
    }
    db::PgResult end(PQgetResult(conn.get()));
    if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
        fail(conn, "COPY trips TO STDOUT", end.get());
    }
    while (PGresult* extra = PQgetResult(conn.get()))
        PQclear(extra);
}

}  // namespace

std::map<std::string, int16_t> read_regions(db::PgConnection& conn) {
    const auto r = conn.exec("SELECT region_id, name FROM tripstream.regions");
    std::map<std::string, int16_t> ids;
    for (int i = 0; i < PQntuples(r.get()); ++i)
        ids.emplace(PQgetvalue(r.get(), i, 1),
                    static_cast<int16_t>(std::stoi(PQgetvalue(r.get(), i, 0))));
    return ids;
}

LoadedTrips load_all_trips(db::PgConnection& conn, const Logger& log,
                           const std::atomic<bool>& stop) {
    const auto started = std::chrono::steady_clock::now();
    LoadedTrips out;
    conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    try {
        out.region_ids = read_regions(conn);
        copy_rows(conn, std::string("COPY (SELECT ") + kColumns + " FROM tripstream.trips)", log,
                  stop, [&](const Row& row) {
                      out.trips[row.trip.region_id].push_back(row.trip);
                      if (row.batch_id) out.batches.insert(*row.batch_id);
                      ++out.rows;
                  });
        conn.exec("COMMIT");
    } catch (...) {
        // Whatever state the connection is in, it is dropped by the caller; a clean one is
        // left outside the transaction.
        if (conn.healthy() && PQtransactionStatus(conn.get()) == PQTRANS_INTRANS) {
            try {
                conn.exec("ROLLBACK");
            } catch (const db::PgError&) {
            }
        }
        throw;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log.info(cat("live index: read ", out.rows, " trips of ", out.trips.size(), " regions and ",
                 out.batches.size(), " batches in ", seconds, " s"));
    return out;
}

std::map<int64_t, std::vector<IndexedTrip>> fetch_batches_after(db::PgConnection& conn,
                                                                int64_t newest,
                                                                const std::vector<int64_t>& gaps,
                                                                const Logger& log,
                                                                const std::atomic<bool>& stop) {
    // COPY takes no parameters; the ids are integers printed here, never text from outside.
    std::string where = cat("batch_id > ", newest);
    if (!gaps.empty()) where += " OR batch_id = ANY ('" + db::int_array(gaps) + "'::bigint[])";
    std::map<int64_t, std::vector<IndexedTrip>> batches;
    copy_rows(
        conn,
        std::string("COPY (SELECT ") + kColumns + " FROM tripstream.trips WHERE " + where + ")",
        log, stop, [&](const Row& row) { batches[*row.batch_id].push_back(row.trip); });
    return batches;
}

std::vector<IndexedTrip> fetch_batch(db::PgConnection& conn, int64_t batch_id) {
    const std::string sql =
        std::string("SELECT ") + kColumns + " FROM tripstream.trips WHERE batch_id = $1::bigint";
    const std::string id = std::to_string(batch_id);
    const char* values[] = {id.c_str()};
    db::PgResult r(PQexecParams(conn.get(), sql.c_str(), 1, nullptr, values, nullptr, nullptr,
                                1 /* binary results */));
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(conn, "fetch batch", r.get());
    std::vector<IndexedTrip> trips;
    trips.reserve(static_cast<size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        std::array<std::optional<std::string_view>, kFields> f;
        for (int c = 0; c < static_cast<int>(kFields); ++c) {
            if (PQgetisnull(r.get(), i, c)) continue;
            f[static_cast<size_t>(c)] = std::string_view(
                PQgetvalue(r.get(), i, c), static_cast<size_t>(PQgetlength(r.get(), i, c)));
        }
        trips.push_back(decode(f).trip);
    }
    return trips;
}

}  // namespace tripstream::query
