#include "tripstream/consumer/offset_store.hpp"

#include "tripstream/consumer/consumer_sql.hpp"

namespace tripstream {
namespace {

// A PostgreSQL text[] literal; topic names are [a-zA-Z0-9._-], quoted anyway.
std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.push_back('"');
        for (char c : values[i]) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.push_back('}');
    return out;
}

struct OffsetArrays {
    std::string topics;
    std::string partitions;
    std::string continues_from;
    std::string nexts;
};

OffsetArrays offset_arrays(const TripBatch& batch) {
    std::vector<std::string> topics;
    std::vector<int32_t> partitions;
    std::vector<int64_t> continues_from;
    std::vector<int64_t> nexts;
    for (const auto& [tp, range] : batch.offsets()) {
        topics.push_back(tp.first);
        partitions.push_back(tp.second);
        continues_from.push_back(range.continues_from);
        nexts.push_back(range.next);
    }
    return {text_array(topics), db::int_array(partitions), db::int_array(continues_from),
            db::int_array(nexts)};
}

}  // namespace

PgOffsetStore::PgOffsetStore(std::string database_url, std::string consumer_group,
                             std::string application)
    : database_url_(std::move(database_url)),
      consumer_group_(std::move(consumer_group)),
      application_(std::move(application)) {}

std::map<TopicPartition, int64_t> PgOffsetStore::committed(
    const std::vector<TopicPartition>& partitions) {
    if (!conn_ || !conn_->healthy()) {
        conn_.reset();
        conn_ = std::make_unique<db::PgConnection>(database_url_, application_);
    }
    db::PgResult stored;
    try {
        stored = conn_->exec(consumer_sql::kStoredOffsets, {consumer_group_});
    } catch (const db::PgError&) {
        conn_.reset();
        throw;
    }
    std::map<TopicPartition, int64_t> all;
    for (int r = 0; r < PQntuples(stored.get()); ++r) {
        all[{PQgetvalue(stored.get(), r, 0), std::stoi(PQgetvalue(stored.get(), r, 1))}] =
            std::stoll(PQgetvalue(stored.get(), r, 2));
    }
    std::map<TopicPartition, int64_t> result;
    for (const TopicPartition& tp : partitions) {
        const auto it = all.find(tp);
        result[tp] = it == all.end() ? kNoOffset : it->second;
    }
    return result;
}

// Exactly-once fence: the stored next offset of every partition must be the position the
// batch continues from (kNoOffset, stored as -1, when the group never committed the
// partition). Rows are locked in a fixed order until commit, so two consumers that both
// believe they own a partition cannot both commit after the same position.
void PgOffsetStore::check_and_lock(db::PgConnection& conn, const std::string& consumer_group,
                                   const TripBatch& batch) {
    const OffsetArrays a = offset_arrays(batch);
    conn.exec(consumer_sql::kInsertMissingOffsets, {consumer_group, a.topics, a.partitions});
    const db::PgResult stored = conn.exec(
        consumer_sql::kLockOffsets, {consumer_group, a.topics, a.partitions, a.continues_from});
    std::vector<TopicPartition> fenced;
    std::string detail;
    for (int i = 0; i < PQntuples(stored.get()); ++i) {
        const int64_t next = std::stoll(PQgetvalue(stored.get(), i, 2));
        const int64_t expected = std::stoll(PQgetvalue(stored.get(), i, 3));
        if (next == expected) continue;
        const std::string topic = PQgetvalue(stored.get(), i, 0);
        const int32_t partition = std::stoi(PQgetvalue(stored.get(), i, 1));
        fenced.emplace_back(topic, partition);
        detail += " " + topic + "[" + std::to_string(partition) + "] stored " +
                  std::to_string(next) + ", this consumer continues from " +
                  std::to_string(expected) + ";";
    }
    if (!fenced.empty()) {
        throw FencedError("another consumer committed these partitions:" + detail, fenced);
    }
}

void PgOffsetStore::advance(db::PgConnection& conn, const std::string& consumer_group,
                            const TripBatch& batch) {
    const OffsetArrays a = offset_arrays(batch);
    conn.exec(consumer_sql::kAdvanceOffsets, {consumer_group, a.topics, a.partitions, a.nexts});
}

}  // namespace tripstream
