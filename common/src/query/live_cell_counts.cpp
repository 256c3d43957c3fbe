#include "tripstream/query/live_cell_counts.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "tripstream/db/pg_notifications.hpp"
#include "tripstream/query/cell_counts_loader.hpp"
#include "tripstream/query/trip_index_loader.hpp"

namespace tripstream::query {
namespace {

constexpr const char* kStatusChannel = "tripstream_status";
constexpr const char* kControlChannel = "tripstream_index";
constexpr auto kPollInterval = std::chrono::milliseconds(250);
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30'000);

// The batch_id of a consumer's commit notification; nullopt for any other payload.
std::optional<int64_t> notified_batch_id(const std::string& payload) {
    const auto json = nlohmann::json::parse(payload, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    const auto id = json.find("batch_id");
    if (id == json.end() || !id->is_number_integer()) return std::nullopt;
    return id->get<int64_t>();
}

double unix_seconds_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

LiveCellCounts::LiveCellCounts(std::string database_url, Logger log)
    : database_url_(std::move(database_url)), log_(std::move(log)) {}

LiveCellCounts::~LiveCellCounts() {
    stop();
}

void LiveCellCounts::start() {
    thread_.start([this] { run(); });
}

void LiveCellCounts::stop() {
    thread_.stop();
    const std::lock_guard lock(mutex_);
    counts_.reset();
    stats_.ready = false;
    stats_.following = false;
    stats_.stale_since_unix_seconds = 0;
}

std::optional<CellCountsView> LiveCellCounts::view() const {
    const std::lock_guard lock(mutex_);
    if (!counts_) return std::nullopt;
    return CellCountsView{counts_, stats_.stale_since_unix_seconds};
}

LiveCellCountsStats LiveCellCounts::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

void LiveCellCounts::publish(std::shared_ptr<const CellCounts> counts) {
    const auto trips = static_cast<int64_t>(counts->trips());
    const auto entries = static_cast<int64_t>(counts->entries());
    const auto slices = static_cast<int64_t>(counts->slices());
    const auto memory = static_cast<int64_t>(counts->memory_bytes());
    const std::lock_guard lock(mutex_);
    counts_ = std::move(counts);
    stats_.ready = true;
    stats_.trips = trips;
    stats_.entries = entries;
    stats_.slices = slices;
    stats_.memory_bytes = memory;
    stats_.last_update_unix_seconds = unix_seconds_now();
}

void LiveCellCounts::load(db::PgConnection& conn) {
    const auto started = std::chrono::steady_clock::now();
    CellCountsLoad loaded = load_cell_counts(conn);
    auto counts = std::make_shared<const CellCounts>(std::move(loaded.region_ids), loaded.rows);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log_.info(cat("cell counts: loaded ", loaded.rows.size(), " rows of trip_cell_counts (",
                  counts->entries(), " cell entries, ", counts->memory_bytes() >> 10, " KiB) in ",
                  seconds, " s"));
    publish(std::move(counts));
    const std::lock_guard lock(mutex_);
    ++stats_.reloads;
    stats_.load_seconds = seconds;
}

// LISTEN before loading: a batch committed after the load's snapshot is notified, and one
// committed before it and notified anyway is re-read harmlessly.
void LiveCellCounts::follow(db::PgConnection& conn) {
    conn.exec(std::string("LISTEN ") + kStatusChannel);
    conn.exec(std::string("LISTEN ") + kControlChannel);
    load(conn);
    {
        const std::lock_guard lock(mutex_);
        stats_.following = true;
        stats_.stale_since_unix_seconds = 0;
    }
    while (!thread_.stopping()) {
        std::vector<int64_t> batches;
        bool reload = false;
        for (const db::Notification& n : db::wait_notifications(conn, kPollInterval)) {
            if (n.channel == kControlChannel) {
                reload = reload || n.payload == "reload";
            } else if (const auto id = notified_batch_id(n.payload)) {
                batches.push_back(*id);
            }
        }
        if (reload) {
            log_.info("cell counts: reload requested");
            load(conn);
            continue;
        }
        if (batches.empty()) continue;
        const SliceRows update = read_batch_slices(conn, batches);
        auto current = view();
        if (!current) return;  // stopped meanwhile
        publish(std::make_shared<const CellCounts>(
            current->counts->with_slices(read_regions(conn), update.touched, update.rows)));
        const std::lock_guard lock(mutex_);
        stats_.batches_applied += static_cast<int64_t>(batches.size());
    }
}

// Waits `delay` unless stopped meanwhile (false).
bool LiveCellCounts::wait(std::chrono::milliseconds delay) {
    return thread_.sleep_for(delay);
}

void LiveCellCounts::run() {
    auto backoff = kFirstBackoff;
    while (!thread_.stopping()) {
        try {
            db::PgConnection conn(database_url_, kApplicationName);
            follow(conn);
        } catch (const std::exception& e) {
            // Keep what was loaded: it holds every batch committed up to the failure and, while
            // the database is down, nothing else can commit. The next connection loads anew.
            bool had_counts = false;
            {
                const std::lock_guard lock(mutex_);
                if (stats_.following) backoff = kFirstBackoff;
                stats_.following = false;
                had_counts = counts_ != nullptr;
                if (had_counts && stats_.stale_since_unix_seconds == 0)
                    stats_.stale_since_unix_seconds = unix_seconds_now();
            }
            log_.warn(cat("cell counts: ", e.what(),
                          had_counts ? "; answering from the last aggregate (stale)" : "",
                          ", reconnecting in ", backoff.count(), " ms"));
            if (!wait(backoff)) break;
            backoff = std::min(backoff * 2, kMaxBackoff);
        }
    }
}

}  // namespace tripstream::query
