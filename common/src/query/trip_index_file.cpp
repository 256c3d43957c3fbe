#include "tripstream/query/trip_index_file.hpp"

#include <cstdio>
#include <cstring>

namespace tripstream::query {
namespace {

// The first and last 8 bytes. The version changes with any change of the layout (this
// file's, RegionTrips' or TripKdTree's save()).
constexpr uint64_t kMagic = 0x31584449'50495254;  // "TRIPIDX1" in little-endian bytes
constexpr uint32_t kVersion = 1;
constexpr uint64_t kEndMark = 0x444E4558'44495054;

void write_string(BinaryWriter& out, const std::string& s) {
    out.array(std::vector<char>(s.begin(), s.end()));
}

std::string read_string(BinaryReader& in) {
    const auto v = in.array<char>();
    return {v.begin(), v.end()};
}

}  // namespace

void save_index(const std::string& path, const TripIndexSnapshot& snapshot,
                const IndexOrigin& origin) {
    const std::string temporary = path + ".tmp";
    {
        BinaryWriter out(temporary);
        out.value(kMagic);
        out.value(kVersion);
        write_string(out, origin.database);
        out.value(origin.newest_batch);
        out.array(origin.gaps);
        out.value(static_cast<uint64_t>(snapshot.region_ids.size()));
        for (const auto& [name, id] : snapshot.region_ids) {
            write_string(out, name);
            out.value(id);
        }
        out.value(static_cast<uint64_t>(snapshot.regions.size()));
        for (const auto& [id, region] : snapshot.regions) {
            out.value(id);
            region->save(out);
        }
        out.value(kEndMark);
        out.finish();
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        throw IoError("cannot rename " + temporary + " to " + path + ": " + std::strerror(errno));
    }
}

std::optional<SavedIndex> load_index(const std::string& path, const IndexStorage& storage) {
    auto file = open_for_reading(path);
    if (!file) return std::nullopt;
    BinaryReader in(file);
    if (in.remaining() < sizeof kMagic + sizeof kVersion || in.value<uint64_t>() != kMagic) {
        in.fail("not a saved tripstream index");
    }
    if (const auto version = in.value<uint32_t>(); version != kVersion) {
        in.fail("saved by another version (" + std::to_string(version) + ", this one reads " +
                std::to_string(kVersion) + ")");
    }
    SavedIndex saved;
    saved.origin.database = read_string(in);
    saved.origin.newest_batch = in.value<int64_t>();
    saved.origin.gaps = in.array<int64_t>();
    auto snapshot = std::make_shared<TripIndexSnapshot>();
    const auto names = in.value<uint64_t>();
    if (names > 32767) in.fail("too many regions");
    for (uint64_t i = 0; i < names; ++i) {
        std::string name = read_string(in);
        snapshot->region_ids[std::move(name)] = in.value<int16_t>();
    }
    const auto regions = in.value<uint64_t>();
    if (regions > names) in.fail("more regions than region names");
    for (uint64_t i = 0; i < regions; ++i) {
        const auto id = in.value<int16_t>();
        snapshot->regions[id] = RegionTrips::load(in, storage);
    }
    if (in.value<uint64_t>() != kEndMark || in.remaining() != 0) in.fail("no end mark");
    saved.snapshot = std::move(snapshot);
    return saved;
}

}  // namespace tripstream::query
