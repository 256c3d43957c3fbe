#include "tripstream/query/live_trip_index.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <vector>

#include "tripstream/db/pg_connection.hpp"
#include "tripstream/db/pg_notifications.hpp"
#include "tripstream/query/seen_batches.hpp"
#include "tripstream/query/trip_index_file.hpp"
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
    std::map<int16_t, std::vector<IndexedTrip>>&& trips, const IndexStorage& storage) {
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
                built[i] = RegionTrips::of(std::move(work[i].second), storage);
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

// The trips of `batches` (batch_id -> trips) by region_id. A region is registered before its
// first batch commits, so a region_id missing from `region_ids` means the data broke a rule.
std::map<int16_t, std::vector<IndexedTrip>> by_region(
    const std::map<int64_t, std::vector<IndexedTrip>>& batches,
    const std::map<std::string, int16_t>& region_ids) {
    std::unordered_set<int16_t> known;
    for (const auto& [name, id] : region_ids)
        known.insert(id);
    std::map<int16_t, std::vector<IndexedTrip>> out;
    for (const auto& [batch, trips] : batches) {
        for (const IndexedTrip& t : trips) {
            if (!known.contains(t.region_id)) {
                throw std::runtime_error(cat("batch ", batch, " has a trip of region_id ",
                                             t.region_id, ", not in tripstream.regions"));
            }
            out[t.region_id].push_back(t);
        }
    }
    return out;
}

double unix_seconds_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// Loads, then follows the database over one connection after another. What it loaded and
// applied outlives a connection: the next one catches up from it (SeenBatches).
class LiveTripIndex::Follower {
  public:
    // Starts from the saved copy in INDEX_DIR when there is a usable one.
    explicit Follower(LiveTripIndex& index) : index_(index) { load_saved(); }
    ~Follower() {
        if (saving_.valid()) saving_.wait();
    }
    Follower(const Follower&) = delete;
    Follower& operator=(const Follower&) = delete;

    // One connection's life: listen, load in full (or catch up), follow. Returns when stopped.
    // Throws db::PgError when the database fails (what is held stays right up to the last
    // batch applied: the next connection catches up), anything else when the index can no
    // longer vouch for its trips (the caller then calls reset()).
    void run(db::PgConnection& conn) {
        // LISTEN before reading: every batch committed after the read is notified.
        conn.exec(std::string("LISTEN ") + kStatusChannel);
        conn.exec(std::string("LISTEN ") + kControlChannel);
        const std::string server = server_started(conn);
        identity_ = database_identity(conn);
        if (!saved_database_.empty() && saved_database_ != identity_) {
            index_.log_.warn(cat("live index: the saved index in ", saved_path(),
                                 " comes from another database (", saved_database_, ", this is ",
                                 identity_, "): loading in full"));
            reset();
        }
        saved_database_.clear();  // checked against the first connection only
        const int64_t newest_before = seen_.newest();
        if (loaded_) {
            catch_up(conn);
        } else {
            load(conn);
        }
        // A saved index with nothing to catch up has not been published yet.
        if (!index_.stats().ready)
            index_.publish(std::make_shared<const TripIndexSnapshot>(snapshot_));
        if (!server_.empty() && server != server_) {
            // The server restarted since the last connection: the sessions that held the
            // unseen ids up to newest_before are gone, and the read above was the last
            // chance for their batches to be found.
            seen_.forget_gaps_through(newest_before);
        }
        server_ = server;
        index_.set_following();
        follow(conn);
    }

    // Forgets everything loaded: the next run() loads in full.
    void reset() {
        snapshot_ = TripIndexSnapshot();
        seen_ = SeenBatches();
        loaded_ = false;
        saved_database_.clear();
    }

  private:
    static std::string server_started(db::PgConnection& conn) {
        return db::first_value(conn.exec("SELECT pg_postmaster_start_time()::text"));
    }

    // Which database (cluster, database, trips table) the index reads: a saved index is used
    // only with the one it was read from. pg_control_system() needs no privilege.
    static std::string database_identity(db::PgConnection& conn) {
        return db::first_value(conn.exec(
            "SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' ||"
            " (SELECT oid FROM pg_database WHERE datname = current_database())::text || '/' ||"
            " 'tripstream.trips'::regclass::oid::text"));
    }

    const IndexStorage& storage() const { return index_.options_.storage; }
    std::string saved_path() const {
        return storage().directory + "/" + LiveTripIndex::kSavedFileName;
    }

    // The saved copy, if INDEX_DIR has one that can be read; anything wrong with it means a
    // full load, never a failure.
    void load_saved() {
        if (storage().directory.empty()) return;
        const auto started = std::chrono::steady_clock::now();
        try {
            auto saved = load_index(saved_path(), storage());
            if (!saved) {
                index_.log_.info(cat("live index: no saved index in ", storage().directory,
                                     ": loading in full"));
                return;
            }
            snapshot_ = *saved->snapshot;
            seen_ = SeenBatches(saved->origin.newest_batch, saved->origin.gaps);
            saved_database_ = saved->origin.database;
            loaded_ = true;
        } catch (const std::exception& e) {
            index_.log_.warn(
                cat("live index: cannot use the saved index: ", e.what(), "; loading in full"));
            reset();
            return;
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        index_.log_.info(cat("live index: read the saved index (", snapshot_.trips(),
                             " trips, batches up to ", seen_.newest(), ") in ", seconds,
                             " s; catching up from the database"));
        const std::lock_guard lock(index_.mutex_);
        index_.stats_.saved_load_seconds = seconds;
    }

    // Saves the index in the background after a full load and then at most once per
    // save_interval while batches are added; one save at a time. A failed save is logged
    // and changes nothing else.
    void maybe_save() {
        if (storage().directory.empty() || identity_.empty()) return;
        if (saving_.valid()) {
            if (saving_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
            saving_.get();
        }
        const auto now = std::chrono::steady_clock::now();
        if (saved_batches_ && *saved_batches_ == seen_.size()) return;  // nothing new
        if (saved_batches_ && now - last_save_ < index_.options_.save_interval) return;
        const auto gaps = seen_.gaps();
        if (!gaps) return;  // what it holds cannot be written down: the next full load saves
        last_save_ = now;
        saved_batches_ = seen_.size();
        saving_ = std::async(
            std::launch::async,
            [this, snapshot = std::make_shared<const TripIndexSnapshot>(snapshot_),
             origin = IndexOrigin{identity_, seen_.newest(), *gaps}] { save(*snapshot, origin); });
    }

    void save(const TripIndexSnapshot& snapshot, const IndexOrigin& origin) {
        const auto started = std::chrono::steady_clock::now();
        try {
            save_index(saved_path(), snapshot, origin);
        } catch (const std::exception& e) {
            index_.log_.warn(cat("live index: cannot save the index: ", e.what()));
            return;
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        index_.log_.info(cat("live index: saved ", snapshot.trips(), " trips (batches up to ",
                             origin.newest_batch, ") to ", saved_path(), " in ", seconds, " s"));
        const std::lock_guard lock(index_.mutex_);
        ++index_.stats_.saves;
        index_.stats_.last_save_unix_seconds = unix_seconds_now();
    }

    void follow(db::PgConnection& conn) {
        while (!index_.thread_.stopping()) {
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
            maybe_save();
        }
    }

    void load(db::PgConnection& conn) {
        const auto started = std::chrono::steady_clock::now();
        LoadedTrips loaded = load_all_trips(conn, index_.log_, index_.thread_.stop_flag());
        // Built aside, so that a failure leaves the state held as it was.
        TripIndexSnapshot snapshot;
        snapshot.region_ids = std::move(loaded.region_ids);
        snapshot.regions = build_regions(std::move(loaded.trips), storage());
        seen_ = SeenBatches(loaded.batches);
        snapshot_ = std::move(snapshot);
        loaded_ = true;
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

    // Adds every batch committed while no connection listened: those above the newest id
    // seen and those among the ids below it never seen, read in one statement.
    void catch_up(db::PgConnection& conn) {
        const auto gaps = seen_.gaps();
        if (!gaps) {
            index_.log_.warn(cat("live index: more than ", SeenBatches::kMaxGaps,
                                 " batch ids below the newest one were never seen, so the "
                                 "batches missed cannot be named: loading in full"));
            load(conn);
            return;
        }
        auto batches = fetch_batches_after(conn, seen_.newest(), *gaps, index_.log_,
                                           index_.thread_.stop_flag());
        size_t trips = 0;
        for (const auto& [id, t] : batches)
            trips += t.size();
        index_.log_.info(cat("live index: caught up: ", batches.size(), " batches (", trips,
                             " trips) committed while disconnected; looked for ids above ",
                             seen_.newest(), " and ", gaps->size(), " unseen ids below"));
        if (!batches.empty()) add(conn, std::move(batches));
        const std::lock_guard lock(index_.mutex_);
        ++index_.stats_.catch_ups;
    }

    void apply(db::PgConnection& conn, const std::vector<NotifiedBatch>& notified) {
        std::map<int64_t, std::vector<IndexedTrip>> batches;
        for (const NotifiedBatch& b : notified) {
            auto trips = fetch_batch(conn, b.id);
            if (b.trips >= 0 && static_cast<int64_t>(trips.size()) != b.trips) {
                throw std::runtime_error(cat("batch ", b.id, " has ", trips.size(),
                                             " trips, its notification said ", b.trips));
            }
            batches[b.id] = std::move(trips);
        }
        add(conn, std::move(batches));
    }

    // Adds whole batches (batch_id -> trips, maybe none) to a new snapshot and publishes
    // it. Nothing held changes unless every trip could be added.
    void add(db::PgConnection& conn, std::map<int64_t, std::vector<IndexedTrip>>&& batches) {
        TripIndexSnapshot next = snapshot_;  // shares the trees
        // New regions are registered (in their own transaction) before their first batch.
        next.region_ids = read_regions(conn);
        for (auto& [id, trips] : by_region(batches, next.region_ids)) {
            auto& region = next.regions[id];
            region = region ? region->with(trips) : RegionTrips::of(std::move(trips), storage());
        }
        snapshot_ = std::move(next);
        for (const auto& [batch, trips] : batches)
            seen_.add(batch);
        {
            const std::lock_guard lock(index_.mutex_);
            index_.stats_.batches_applied += static_cast<int64_t>(batches.size());
        }
        index_.publish(std::make_shared<const TripIndexSnapshot>(snapshot_));
    }

    LiveTripIndex& index_;
    TripIndexSnapshot snapshot_;  // the next one to publish (shares the regions' trees)
    SeenBatches seen_;            // the batches in snapshot_
    bool loaded_ = false;         // snapshot_ and seen_ hold a full load and what followed it
    std::string server_;          // pg_postmaster_start_time() of the last connection
    std::string identity_;        // database_identity() of the current connection
    std::string saved_database_;  // the saved index's database, until the first connection
    std::chrono::steady_clock::time_point last_save_;
    std::optional<size_t> saved_batches_;  // seen_.size() at the last save started
    std::future<void> saving_;
};

LiveTripIndex::LiveTripIndex(std::string database_url, Logger log, LiveTripIndexOptions options)
    : database_url_(std::move(database_url)), log_(std::move(log)), options_(std::move(options)) {}

LiveTripIndex::~LiveTripIndex() {
    stop();
}

void LiveTripIndex::start() {
    thread_.start([this] { run(); });
}

void LiveTripIndex::stop() {
    thread_.stop();
    set_not_ready();
}

std::optional<WeeklyAverageResult> LiveTripIndex::weekly_average(
    const WeeklyAverageRequest& request) const {
    auto answered = answer(request);
    if (!answered) return std::nullopt;
    return std::move(answered->result);
}

std::optional<IndexAnswer> LiveTripIndex::answer(const WeeklyAverageRequest& request) const {
    std::shared_ptr<const TripIndexSnapshot> snapshot;
    double stale_since = 0;
    uint64_t version = 0;
    {
        const std::lock_guard lock(mutex_);
        snapshot = snapshot_;
        stale_since = stats_.stale_since_unix_seconds;
        version = stats_.snapshot_version;
    }
    if (!snapshot) return std::nullopt;
    return IndexAnswer{snapshot->weekly_average(request), stale_since, version,
                       static_cast<int64_t>(snapshot->trips())};
}

LiveTripIndexStats LiveTripIndex::stats() const {
    LiveTripIndexStats s;
    {
        const std::lock_guard lock(mutex_);
        s = stats_;
    }
    s.subscribers = static_cast<int64_t>(listeners_.size());
    return s;
}

IndexListeners::Subscription LiveTripIndex::subscribe(std::function<void()> on_change) {
    return listeners_.subscribe(std::move(on_change));
}

void LiveTripIndex::publish(std::shared_ptr<const TripIndexSnapshot> snapshot) {
    LiveTripIndexStats s;
    s.trips = static_cast<int64_t>(snapshot->trips());
    s.regions = static_cast<int64_t>(snapshot->region_ids.size());
    s.segments = static_cast<int64_t>(snapshot->segments());
    for (const auto& [id, r] : snapshot->regions)
        s.delta_trips += static_cast<int64_t>(r->delta_size());
    s.memory_bytes = static_cast<int64_t>(snapshot->memory_bytes());
    s.file_bytes = static_cast<int64_t>(snapshot->file_bytes());
    {
        const std::lock_guard lock(mutex_);
        snapshot_ = std::move(snapshot);
        stats_.ready = true;
        stats_.trips = s.trips;
        stats_.regions = s.regions;
        stats_.segments = s.segments;
        stats_.delta_trips = s.delta_trips;
        stats_.memory_bytes = s.memory_bytes;
        stats_.file_bytes = s.file_bytes;
        stats_.last_update_unix_seconds = unix_seconds_now();
        ++stats_.snapshot_version;
    }
    listeners_.notify();  // outside the lock: a listener may read the new snapshot at once
}

void LiveTripIndex::set_following() {
    {
        const std::lock_guard lock(mutex_);
        if (stats_.following && stats_.stale_since_unix_seconds == 0) return;
        stats_.following = true;
        stats_.stale_since_unix_seconds = 0;
    }
    listeners_.notify();
}

void LiveTripIndex::set_stale() {
    {
        const std::lock_guard lock(mutex_);
        const bool was_following = stats_.following;
        stats_.following = false;
        // The first failure is when the snapshot stopped following; retries do not move it.
        const bool newly_stale = snapshot_ && stats_.stale_since_unix_seconds == 0;
        if (newly_stale) stats_.stale_since_unix_seconds = unix_seconds_now();
        if (!was_following && !newly_stale) return;
    }
    listeners_.notify();
}

void LiveTripIndex::set_not_ready() {
    {
        const std::lock_guard lock(mutex_);
        if (!snapshot_ && !stats_.ready && !stats_.following &&
            stats_.stale_since_unix_seconds == 0)
            return;
        snapshot_.reset();
        stats_.ready = false;
        stats_.following = false;
        stats_.stale_since_unix_seconds = 0;
    }
    listeners_.notify();
}

// Waits `backoff` (false: stopped meanwhile) and doubles it for the next failure.
bool LiveTripIndex::sleep_then_back_off(std::chrono::milliseconds& backoff) {
    const bool slept = thread_.sleep_for(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
    return slept;
}

// The database (or the way to it) failed, not the data: the snapshot still holds every batch
// committed up to the failure, so it keeps answering, marked stale, until a new connection
// has caught up. Nothing can commit while the database is down, so it is then still exact.
bool LiveTripIndex::retry_after_lost_connection(const db::PgError& error,
                                                std::chrono::milliseconds& backoff) {
    const LiveTripIndexStats before = stats();
    if (before.following) backoff = kFirstBackoff;  // it had been up: start the backoff again
    set_stale();
    log_.warn(before.ready
                  ? cat("live index: ", error.what(), "; answering from the snapshot of ",
                        before.trips, " trips (stale), reconnecting in ", backoff.count(), " ms")
                  : cat("live index: ", error.what(), "; loading in ", backoff.count(), " ms"));
    return sleep_then_back_off(backoff);
}

// The data broke a rule the index relies on (a batch of another size than its notification
// said, a trip of an unknown region, a row it cannot read): nothing held can be trusted, so
// the database engine answers until a full load is done.
bool LiveTripIndex::retry_after_inconsistency(const std::exception& error,
                                              std::chrono::milliseconds& backoff) {
    if (stats().following) backoff = kFirstBackoff;
    set_not_ready();
    log_.warn(cat("live index: ", error.what(), "; reloading in ", backoff.count(), " ms"));
    return sleep_then_back_off(backoff);
}

void LiveTripIndex::run() {
    Follower follower(*this);
    auto backoff = kFirstBackoff;
    while (!thread_.stopping()) {
        try {
            db::PgConnection conn(database_url_, kApplicationName);
            follower.run(conn);
        } catch (const LoadStopped&) {
        } catch (const ReloadRequested&) {
            follower.reset();
            set_not_ready();
            log_.info("live index: reload requested");
        } catch (const db::PgError& e) {
            if (!retry_after_lost_connection(e, backoff)) break;
        } catch (const std::exception& e) {
            follower.reset();
            if (!retry_after_inconsistency(e, backoff)) break;
        }
    }
    set_not_ready();
}

}  // namespace tripstream::query
