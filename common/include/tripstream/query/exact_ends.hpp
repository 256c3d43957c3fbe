// The exact coordinates of a k-d tree's trips (the doubles PostGIS stores), in tree order,
// kept out of the process's memory when they are many.
//
// A query decides almost every trip from its 16-bit leaf codes (leaf_codes.hpp) and needs a
// trip's doubles only when a code equals a box edge's code: a handful of trips per query.
// So the doubles (32 bytes per trip, three quarters of what the codes and weeks would
// otherwise sit beside) go to a nameless file under IndexStorage::directory and are read
// with pread when needed: the kernel's page cache holds the parts in use and can drop them
// under memory pressure, and the process's own memory stays at the codes, weeks and nodes
// (docs/query.md, "Memory"). Small trees, and an index without a directory, keep them in
// memory, where a read costs nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tripstream/io/binary_file.hpp"

namespace tripstream::query {

// Where an index keeps the exact coordinates of its trees.
struct IndexStorage {
    std::string directory;  // empty: in memory
    // Trees with fewer trips keep their doubles in memory (a file per tiny tree would cost
    // more in descriptors than it saves).
    size_t min_file_trips = 65'536;
};

// One trip's ends: origin lon, origin lat, destination lon, destination lat.
struct TripEnds {
    double ox = 0;
    double oy = 0;
    double dx = 0;
    double dy = 0;
};

class ExactEnds {
  public:
    // Stores `ends` in a file under storage.directory (created unnamed: it disappears with
    // the last descriptor, also after a crash) or in memory. Throws IoError,
    // naming the directory, when the file cannot be created or written.
    ExactEnds(std::span<const TripEnds> ends, const IndexStorage& storage);
    // `size` trips stored at `offset` of `file` (a saved index, trip_index_file.hpp).
    ExactEnds(std::shared_ptr<const FileHandle> file, uint64_t offset, size_t size);
    ExactEnds(const ExactEnds&) = delete;
    ExactEnds& operator=(const ExactEnds&) = delete;

    // Trip i's ends. Throws IoError when the file cannot be read.
    TripEnds at(uint32_t i) const;
    // Every trip's ends, in order (to merge trees).
    void read_all(std::vector<TripEnds>& out) const;
    // Appends every trip's ends to `out`, a block at a time.
    void write_to(BinaryWriter& out) const;

    size_t size() const { return size_; }
    bool in_file() const { return file_ != nullptr; }
    size_t memory_bytes() const { return memory_.capacity() * sizeof(TripEnds); }
    size_t file_bytes() const { return in_file() ? size_ * sizeof(TripEnds) : 0; }

  private:
    void read(size_t first, size_t count, TripEnds* out) const;

    std::vector<TripEnds> memory_;
    std::shared_ptr<const FileHandle> file_;  // nullptr: in memory_
    uint64_t offset_ = 0;                     // of trip 0 in file_
    size_t size_ = 0;
};

}  // namespace tripstream::query
