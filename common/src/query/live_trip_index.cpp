#include "tripstream/query/live_trip_index.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/db/pg_notifications.hpp"
#include "tripstream/query/trip_index_loader.hpp"

namespace tripstream::query {
namespace {

constexpr const char* kStatusChannel = "tripstream_status";
constexpr const char* kControlChannel = "tripstream_index";
constexpr auto kPollInterval = std::chrono::milliseconds(250);
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30'000);

// NOTIFY tripstream_index, 'reload'.
class ReloadRequested : public std::runtime_error {
  public:
    ReloadRequested() : std::runtime_error("reload requested") {}
};

// A batch to fetch: its id and the trips its notification announced (-1: not said).
struct NotifiedBatch {
    int64_t id;
    int64_t trips;
};

// A consumer's commit notification with a batch_id; nullopt for any other payload.
std::optional<NotifiedBatch> notified_batch(const std::string& payload) {
    const auto json = nlohmann::json::parse(payload, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    const auto id = json.find("batch_id");
    if (id == json.end() || !id->is_number_integer()) return std::nullopt;
    const auto trips = json.find("trips");
    return NotifiedBatch{id->get<int64_t>(), trips != json.end() && trips->is_number_integer()
                                                 ? trips->get<int64_t>()
                                                 : -1};
}

// Builds every region's trees, on as many threads as there are cores.
std::map<int16_t, std::shared_ptr<const RegionTrips>> build_regions(
    std::map<int16_t, std::vector<IndexedTrip>>&& trips) {
    std::vector<std::pair<int16_t, std::vector<IndexedTrip>>> work;
    for (auto& [id, t] : trips)
        work.emplace_back(id, std::move(t));
    trips.clear();
    // Largest first, so that the threads finish close together.
    std::sort(work.begin(), work.end(),
              [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
    std::vector<std::shared_ptr<const RegionTrips>> built(work.size());
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto worker = [&] {
        for (size_t i = next++; i < work.size(); i = next++) {
            try {
                built[i] = RegionTrips::of(std::move(work[i].second));
            } catch (...) {
                const std::lock_guard lock(error_mutex);
                error = std::current_exception();
            }
        }
    };
    const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1,
                                              std::max<size_t>(work.size(), 1));
    std::vector<std::jthread> pool;  // joins on every path, also if a later start fails
    try {
        for (size_t i = 1; i < threads; ++i)
            pool.emplace_back(worker);
    } catch (const std::system_error&) {
        // No more threads to be had: the ones running and this one share the work.
    }
    worker();
    for (auto& t : pool)
        t.join();
    if (error) std::rethrow_exception(error);
    std::map<int16_t, std::shared_ptr<const RegionTrips>> regions;
    for (size_t i = 0; i < work.size(); ++i)
        regions.emplace(work[i].first, std::move(built[i]));
    return regions;
}

double unix_seconds_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// One connection's life: listen, load, follow. Returns when stopped; throws on anything
// that breaks the guarantee that every committed batch is in the index.
class LiveTripIndex::Follower {
  public:
    explicit Follower(LiveTripIndex& index) : index_(index) {}

    void run() {
        db::PgConnection conn(index_.database_url_, kApplicationName);
        // LISTEN before the snapshot: every batch committed after the snapshot is notified.
        conn.exec(std::string("LISTEN ") + kStatusChannel);
        conn.exec(std::string("LISTEN ") + kControlChannel);
        load(conn);
        while (!index_.stop_.load()) {
            std::vector<NotifiedBatch> batches;
            for (const db::Notification& n : db::wait_notifications(conn, kPollInterval)) {
                if (n.channel == kControlChannel) {
                    if (n.payload == "reload") throw ReloadRequested();
                    continue;
                }
                const auto batch = notified_batch(n.payload);
                if (batch && !seen_.contains(batch->id)) batches.push_back(*batch);
            }
            if (!batches.empty()) apply(conn, batches);
        }
    }

  private:
    void load(db::PgConnection& conn) {
        const auto started = std::chrono::steady_clock::now();
        LoadedTrips loaded = load_all_trips(conn, index_.log_, index_.stop_);
        snapshot_.region_ids = std::move(loaded.region_ids);
        seen_ = std::move(loaded.batches);
        snapshot_.regions = build_regions(std::move(loaded.trips));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        index_.log_.info(cat("live index: ready: ", snapshot_.trips(), " trips in ",
                             snapshot_.segments(), " segments, ", snapshot_.memory_bytes() >> 20,
                             " MiB, loaded in ", seconds, " s"));
        {
            const std::lock_guard lock(index_.mutex_);
            ++index_.stats_.reloads;
            index_.stats_.load_seconds = seconds;
        }
        index_.publish(std::make_shared<const TripIndexSnapshot>(snapshot_));
    }

    void apply(db::PgConnection& conn, const std::vector<NotifiedBatch>& batches) {
        // New regions are registered (in their own transaction) before their first batch.
        snapshot_.region_ids = read_regions(conn);
        std::unordered_set<int16_t> known;
        for (const auto& [name, id] : snapshot_.region_ids)
            known.insert(id);
        std::map<int16_t, std::vector<IndexedTrip>> added;
        for (const NotifiedBatch& b : batches) {
            const auto trips = fetch_batch(conn, b.id);
            if (b.trips >= 0 && static_cast<int64_t>(trips.size()) != b.trips) {
                throw std::runtime_error(cat("batch ", b.id, " has ", trips.size(),
                                             " trips, its notification said ", b.trips));
            }
            for (const IndexedTrip& t : trips) {
                if (!known.contains(t.region_id)) {
                    throw std::runtime_error(cat("batch ", b.id, " has a trip of region_id ",
                                                 t.region_id, ", not in tripstream.regions"));
                }
                added[t.region_id].push_back(t);
            }
            seen_.insert(b.id);
        }
        for (auto& [id, trips] : added) {
            auto& region = snapshot_.regions[id];
            region = region ? region->with(trips) : RegionTrips::of(std::move(trips));
        }
        {
            const std::lock_guard lock(index_.mutex_);
            index_.stats_.batches_applied += static_cast<int64_t>(batches.size());
        }
        index_.publish(std::make_shared<const TripIndexSnapshot>(snapshot_));
    }

    LiveTripIndex& index_;
    TripIndexSnapshot snapshot_;  // the next one to publish (shares the regions' trees)
    std::unordered_set<int64_t> seen_;
};

LiveTripIndex::LiveTripIndex(std::string database_url, Logger log)
    : database_url_(std::move(database_url)), log_(std::move(log)) {}

LiveTripIndex::~LiveTripIndex() {
    stop();
}

void LiveTripIndex::start() {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { run(); });
}

void LiveTripIndex::stop() {
    {
        const std::lock_guard lock(wake_mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    set_not_ready();
}

std::optional<WeeklyAverageResult> LiveTripIndex::weekly_average(
    const WeeklyAverageRequest& request) const {
    std::shared_ptr<const TripIndexSnapshot> snapshot;
    {
        const std::lock_guard lock(mutex_);
        snapshot = snapshot_;
    }
    if (!snapshot) return std::nullopt;
    return snapshot->weekly_average(request);
}

LiveTripIndexStats LiveTripIndex::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

void LiveTripIndex::publish(std::shared_ptr<const TripIndexSnapshot> snapshot) {
    LiveTripIndexStats s;
    s.trips = static_cast<int64_t>(snapshot->trips());
    s.regions = static_cast<int64_t>(snapshot->region_ids.size());
    s.segments = static_cast<int64_t>(snapshot->segments());
    for (const auto& [id, r] : snapshot->regions)
        s.delta_trips += static_cast<int64_t>(r->delta_size());
    s.memory_bytes = static_cast<int64_t>(snapshot->memory_bytes());
    const std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
    stats_.ready = true;
    stats_.trips = s.trips;
    stats_.regions = s.regions;
    stats_.segments = s.segments;
    stats_.delta_trips = s.delta_trips;
    stats_.memory_bytes = s.memory_bytes;
    stats_.last_update_unix_seconds = unix_seconds_now();
}

void LiveTripIndex::set_not_ready() {
    const std::lock_guard lock(mutex_);
    snapshot_.reset();
    stats_.ready = false;
}

bool LiveTripIndex::sleep_unless_stopped(std::chrono::milliseconds duration) {
    std::unique_lock lock(wake_mutex_);
    return !wake_.wait_for(lock, duration, [this] { return stop_.load(); });
}

void LiveTripIndex::run() {
    auto backoff = kFirstBackoff;
    while (!stop_.load()) {
        const int64_t reloads_before = stats().reloads;
        try {
            Follower(*this).run();
        } catch (const LoadStopped&) {
        } catch (const ReloadRequested&) {
            set_not_ready();
            log_.info("live index: reload requested");
            continue;
        } catch (const std::exception& e) {
            set_not_ready();
            if (stats().reloads > reloads_before) backoff = kFirstBackoff;  // it had loaded
            log_.warn(cat("live index: ", e.what(), "; reloading in ", backoff.count(), " ms"));
            if (!sleep_unless_stopped(backoff)) break;
            backoff = std::min(backoff * 2, kMaxBackoff);
        }
    }
    set_not_ready();
}

}  // namespace tripstream::query
