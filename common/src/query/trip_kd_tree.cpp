#include "tripstream/query/trip_kd_tree.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>

#include "tripstream/query/leaf_codes.hpp"

namespace tripstream::query {
namespace {

// Codes past the last trip: a leaf's codes are read in whole vectors of 16.
constexpr size_t kCodePadding = 15;

// Copies of the per-week counters a query increments (TripKdTree::count).
constexpr uint32_t kCounterLanes = 4;

struct BuildTrip {
    std::array<double, 4> c;  // origin lon, origin lat, destination lon, destination lat
    uint16_t week;
};

// The smallest leaf depth at which no leaf holds more than `leaf` of `n` trips (the halves
// of a range of s trips hold floor(s/2) and ceil(s/2)).
int leaf_depth(size_t n, size_t leaf) {
    int depth = 0;
    while (((n + (size_t{1} << depth) - 1) >> depth) > leaf)
        ++depth;
    return depth;
}

// The deepest level whose every node holds at least `min` trips; -1 if the root holds fewer.
int histogram_depth(size_t n, size_t min, int leaf_depth) {
    int depth = -1;
    while (depth < leaf_depth && (n >> (depth + 1)) >= min)
        ++depth;
    return depth;
}

}  // namespace

struct TripKdTree::Range {
    uint32_t lo;
    uint32_t hi;  // one past the last
    uint32_t size() const { return hi - lo; }
    uint32_t mid() const { return lo + (hi - lo) / 2; }
};

// A node during a build or a walk: its place in nodes_ (depth-first), its heap number (root
// 0, children 2h + 1 and 2h + 2; histograms are numbered so), its depth and its trips.
struct TripKdTree::Node {
    uint32_t dfs;
    uint32_t heap;
    int depth;
    Range r;

    Node left() const { return {dfs + 1, 2 * heap + 1, depth + 1, {r.lo, r.mid()}}; }
    // The left subtree holds 2^(leaf_depth - depth) - 1 nodes.
    Node right(int leaf_depth) const {
        return {dfs + (1u << (leaf_depth - depth)), 2 * heap + 2, depth + 1, {r.mid(), r.hi}};
    }
};

struct TripKdTree::Builder {
    TripKdTree& tree;
    std::vector<BuildTrip> trips;

    // Bounds of the node's trips; then halves them at the median of the dimension with the
    // largest extent, down to the leaf depth.
    void build(const Node& n) {
        std::array<double, 4> lo;
        std::array<double, 4> hi;
        lo.fill(std::numeric_limits<double>::infinity());
        hi.fill(-std::numeric_limits<double>::infinity());
        for (uint32_t i = n.r.lo; i < n.r.hi; ++i) {
            for (size_t k = 0; k < 4; ++k) {
                lo[k] = std::min(lo[k], trips[i].c[k]);
                hi[k] = std::max(hi[k], trips[i].c[k]);
            }
        }
        NodeBox& box = tree.nodes_[n.dfs];
        for (size_t k = 0; k < 4; ++k) {
            box.lo[k] = float_down(lo[k]);
            box.neg_hi[k] = -float_up(hi[k]);
        }
        if (n.depth == tree.depth_) return;
        size_t dim = 0;
        for (size_t k = 1; k < 4; ++k) {
            if (hi[k] - lo[k] > hi[dim] - lo[dim]) dim = k;
        }
        const auto first = trips.begin();
        std::nth_element(
            first + n.r.lo, first + n.r.mid(), first + n.r.hi,
            [dim](const BuildTrip& a, const BuildTrip& b) { return a.c[dim] < b.c[dim]; });
        build(n.left());
        build(n.right(tree.depth_));
    }

    // Leaf codes of every trip (leaf_codes.hpp), leaf by leaf.
    void codes(const Node& n) {
        if (n.depth < tree.depth_) {
            codes(n.left());
            codes(n.right(tree.depth_));
            return;
        }
        const NodeBox& box = tree.nodes_[n.dfs];
        auto& shifts = tree.leaf_shift_[n.heap - ((1u << tree.depth_) - 1)];
        for (size_t k = 0; k < 4; ++k) {
            shifts[k] = LeafAxis::shift_for(box.lo[k], -box.neg_hi[k]);
            const LeafAxis axis = LeafAxis::of(box.lo[k], shifts[k]);
            for (uint32_t i = n.r.lo; i < n.r.hi; ++i)
                tree.code_[k][i] = trip_code(trips[i].c[k], axis);
        }
    }

    // Trips per week of the node and its descendants down to the histogram depth (each
    // parent the sum of its children).
    void histogram(const Node& n) {
        const size_t weeks = tree.weeks_.size();
        uint32_t* h = tree.histograms_.data() + n.heap * weeks;
        if (n.depth == tree.hist_depth_) {
            for (uint32_t i = n.r.lo; i < n.r.hi; ++i)
                ++h[tree.week_[i]];
            return;
        }
        const Node left = n.left();
        const Node right = n.right(tree.depth_);
        histogram(left);
        histogram(right);
        const uint32_t* l = tree.histograms_.data() + left.heap * weeks;
        const uint32_t* r = tree.histograms_.data() + right.heap * weeks;
        for (size_t w = 0; w < weeks; ++w)
            h[w] = l[w] + r[w];
    }
};

TripKdTree::TripKdTree(std::span<const IndexedTrip> trips, const IndexStorage& storage)
    : size_(trips.size()) {
    if (trips.empty()) throw std::invalid_argument("TripKdTree: no trips");
    if (trips.size() >= std::numeric_limits<uint32_t>::max() / 2) {
        throw std::length_error("TripKdTree: " + std::to_string(trips.size()) +
                                " trips in one region exceed the 31-bit positions");
    }
    for (const IndexedTrip& t : trips)
        weeks_.push_back(t.week);
    std::sort(weeks_.begin(), weeks_.end());
    weeks_.erase(std::unique(weeks_.begin(), weeks_.end()), weeks_.end());
    if (weeks_.size() > std::numeric_limits<uint16_t>::max()) {
        throw std::length_error("TripKdTree: " + std::to_string(weeks_.size()) +
                                " distinct weeks in one region exceed the 16-bit week numbers");
    }
    weeks_.shrink_to_fit();

    Builder b{*this, {}};
    b.trips.reserve(trips.size());
    for (const IndexedTrip& t : trips) {
        const auto w = std::lower_bound(weeks_.begin(), weeks_.end(), t.week) - weeks_.begin();
        b.trips.push_back({{t.origin.lon, t.origin.lat, t.destination.lon, t.destination.lat},
                           static_cast<uint16_t>(w)});
    }
    depth_ = leaf_depth(trips.size(), kLeafSize);
    nodes_.resize((size_t{2} << depth_) - 1);
    const Node root{0, 0, 0, {0, static_cast<uint32_t>(trips.size())}};
    b.build(root);

    week_.reserve(trips.size());
    std::vector<TripEnds> ends;
    ends.reserve(trips.size());
    for (const BuildTrip& t : b.trips) {
        ends.push_back({t.c[0], t.c[1], t.c[2], t.c[3]});
        week_.push_back(t.week);
    }
    ends_ = std::make_unique<const ExactEnds>(ends, storage);
    ends = {};
    for (auto& c : code_)
        c.assign(trips.size() + kCodePadding, 0);
    leaf_shift_.resize(size_t{1} << depth_);
    b.codes(root);
    b.trips = {};

    hist_depth_ = histogram_depth(trips.size(), kHistogramMinTrips, depth_);
    if (hist_depth_ >= 0) {
        histograms_.assign(((size_t{2} << hist_depth_) - 1) * weeks_.size(), 0);
        b.histogram(root);
    }
}

void TripKdTree::scan_weeks(Range r, uint32_t* per_week) const {
    static_assert(kCounterLanes == 4);
    const size_t stride = weeks_.size();
    uint32_t* const lane[4] = {per_week, per_week + stride, per_week + 2 * stride,
                               per_week + 3 * stride};
    const uint16_t* w = week_.data();
    uint32_t i = r.lo;
    for (; i + 4 <= r.hi; i += 4) {
        ++lane[0][w[i]];
        ++lane[1][w[i + 1]];
        ++lane[2][w[i + 2]];
        ++lane[3][w[i + 3]];
    }
    for (; i < r.hi; ++i)
        ++lane[0][w[i]];
}

void TripKdTree::count_inside(const Node& n, Range weeks, uint32_t* per_week) const {
    if (n.depth > hist_depth_) {
        scan_weeks(n.r, per_week);
        return;
    }
    const uint32_t* h = histogram(n);
    for (uint32_t w = weeks.lo; w < weeks.hi; ++w)
        per_week[w] += h[w];
}

const uint32_t* TripKdTree::histogram(const Node& n) const {
    return histograms_.data() + size_t{n.heap} * weeks_.size();
}

bool TripKdTree::exact_match(uint32_t i, const BoxClassifier& box) const {
    const GeoBox& b = box.box();
    const auto in = [&b](double x, double y) {
        return b.min_lon <= x && x <= b.max_lon && b.min_lat <= y && y <= b.max_lat;
    };
    const TripEnds e = ends_->at(i);
    switch (box.match()) {
        case Match::origin:
            return in(e.ox, e.oy);
        case Match::destination:
            return in(e.dx, e.dy);
        case Match::both:
            return in(e.ox, e.oy) && in(e.dx, e.dy);
        case Match::any:
            break;
    }
    return in(e.ox, e.oy) || in(e.dx, e.dy);
}

// Decided from the codes; the rare trip whose code equals an edge's is compared exactly.
uint64_t TripKdTree::leaf_hits(const Node& leaf, const BoxClassifier& box,
                               TreeCountStats& stats) const {
    const NodeBox& bounds = nodes_[leaf.dfs];
    const auto& shifts = leaf_shift_[leaf.heap - ((1u << depth_) - 1)];
    const GeoBox& b = box.box();
    LeafEdges edges;
    for (size_t k = 0; k < 4; ++k) {
        const LeafAxis axis = LeafAxis::of(bounds.lo[k], shifts[k]);
        const double hi = -bounds.neg_hi[k];
        edges.min[k] = edge_code(k % 2 == 0 ? b.min_lon : b.min_lat, axis, hi);
        edges.max[k] = edge_code(k % 2 == 0 ? b.max_lon : b.max_lat, axis, hi);
    }
    const LeafCodes codes{{code_[0].data() + leaf.r.lo, code_[1].data() + leaf.r.lo,
                           code_[2].data() + leaf.r.lo, code_[3].data() + leaf.r.lo},
                          leaf.r.size()};
    const LeafMasks m = classify_leaf(codes, edges, box.match());
    uint64_t hits = m.in;
    stats.exact_trips += __builtin_popcountll(m.ambiguous);
    for (uint64_t a = m.ambiguous; a != 0; a &= a - 1) {
        const uint32_t j = static_cast<uint32_t>(__builtin_ctzll(a));
        if (exact_match(leaf.r.lo + j, box)) hits |= uint64_t{1} << j;
    }
    return hits;
}

void TripKdTree::collect(const BoxClassifier& box, std::vector<Node>& inside,
                         std::vector<Node>& leaves) const {
    std::array<Node, 72> stack;  // a pop pushes two: never more than depth_ + 2 (<= 34)
    size_t top = 0;
    stack[top++] = {0, 0, 0, {0, static_cast<uint32_t>(size_)}};
    while (top > 0) {
        const Node n = stack[--top];
        const Coverage c = box.classify(nodes_[n.dfs]);
        if (c == Coverage::outside) continue;
        if (c == Coverage::inside) {
            inside.push_back(n);
        } else if (n.depth < depth_) {
            stack[top++] = n.right(depth_);
            stack[top++] = n.left();
            // The left child is next to this node; the right one is far away in a big tree.
            __builtin_prefetch(&nodes_[stack[top - 2].dfs]);
        } else {
            leaves.push_back(n);
        }
    }
}

// What a node's counting will read, fetched a few nodes ahead: the walk found the nodes
// first, so their scattered cache lines can be in flight together instead of one by one.
void TripKdTree::prefetch_leaf(const Node& n) const {
    for (const auto& c : code_) {
        __builtin_prefetch(c.data() + n.r.lo);
        __builtin_prefetch(c.data() + n.r.hi - 1);
    }
    __builtin_prefetch(&week_[n.r.lo]);
    __builtin_prefetch(&week_[n.r.hi - 1]);
}

void TripKdTree::prefetch_inside(const Node& n, Range weeks) const {
    if (n.depth > hist_depth_) {
        for (uint32_t i = n.r.lo; i < n.r.hi; i += 32)
            __builtin_prefetch(&week_[i]);
        return;
    }
    const uint32_t* h = histogram(n);
    for (uint32_t w = weeks.lo; w < weeks.hi; w += 16)
        __builtin_prefetch(h + w);
}

void TripKdTree::walk(const BoxClassifier& box, Range weeks, uint32_t* per_week,
                      TreeCountStats& stats) const {
    std::vector<Node> inside;
    std::vector<Node> leaves;
    collect(box, inside, leaves);
    constexpr size_t kAhead = 6;
    for (size_t i = 0; i < leaves.size(); ++i) {
        if (i + kAhead < leaves.size()) prefetch_leaf(leaves[i + kAhead]);
        const Node& n = leaves[i];
        stats.checked_trips += n.r.size();
        for (uint64_t hits = leaf_hits(n, box, stats); hits != 0; hits &= hits - 1) {
            const uint32_t i = n.r.lo + static_cast<uint32_t>(__builtin_ctzll(hits));
            ++per_week[(i % kCounterLanes) * weeks_.size() + week_[i]];
        }
    }
    for (size_t i = 0; i < inside.size(); ++i) {
        if (i + kAhead < inside.size()) prefetch_inside(inside[i + kAhead], weeks);
        stats.whole_node_trips += inside[i].r.size();
        count_inside(inside[i], weeks, per_week);
    }
}

void TripKdTree::count(const TreeQuery& q, std::span<int64_t> counts, TreeCountStats& stats) const {
    const auto first = std::lower_bound(weeks_.begin(), weeks_.end(), q.first_week);
    const auto last = std::upper_bound(first, weeks_.end(), q.last_week);
    if (first == last) return;
    const Range weeks{static_cast<uint32_t>(first - weeks_.begin()),
                      static_cast<uint32_t>(last - weeks_.begin())};
    // Counted over all of the tree's weeks (no range check per trip), in kCounterLanes
    // copies: trips of one week next to each other then increment different counters, so
    // the increments do not wait for each other through memory. The range is kept.
    const size_t stride = weeks_.size();
    std::vector<uint32_t> per_week(kCounterLanes * stride);
    if (q.box == nullptr) {
        stats.whole_node_trips += static_cast<int64_t>(size_);
        count_inside({0, 0, 0, {0, static_cast<uint32_t>(size_)}}, weeks, per_week.data());
    } else {
        walk(*q.box, weeks, per_week.data(), stats);
    }
    for (uint32_t w = weeks.lo; w < weeks.hi; ++w) {
        int64_t n = 0;
        for (uint32_t lane = 0; lane < kCounterLanes; ++lane)
            n += per_week[lane * stride + w];
        counts[static_cast<size_t>((weeks_[w] - q.first_week) / 7)] += n;
    }
}

void TripKdTree::append_to(std::vector<IndexedTrip>& out, int16_t region_id) const {
    std::vector<TripEnds> ends;
    ends_->read_all(ends);
    out.reserve(out.size() + size_);
    for (size_t i = 0; i < size_; ++i) {
        const TripEnds& e = ends[i];
        out.push_back({region_id, weeks_[week_[i]], {e.ox, e.oy}, {e.dx, e.dy}});
    }
}

void TripKdTree::save(BinaryWriter& out) const {
    out.value(static_cast<uint64_t>(size_));
    out.value(static_cast<int32_t>(depth_));
    out.value(static_cast<int32_t>(hist_depth_));
    out.array(weeks_);
    out.array(week_);
    for (const auto& c : code_)
        out.array(c);
    out.array(leaf_shift_);
    out.array(nodes_);
    out.array(histograms_);
    ends_->write_to(out);
}

std::shared_ptr<const TripKdTree> TripKdTree::load(BinaryReader& in) {
    std::shared_ptr<TripKdTree> t(new TripKdTree());
    const auto size = in.value<uint64_t>();
    if (size == 0 || size >= std::numeric_limits<uint32_t>::max() / 2) in.fail("bad tree size");
    t->size_ = static_cast<size_t>(size);
    t->depth_ = in.value<int32_t>();
    t->hist_depth_ = in.value<int32_t>();
    if (t->depth_ != leaf_depth(t->size_, kLeafSize) ||
        t->hist_depth_ != histogram_depth(t->size_, kHistogramMinTrips, t->depth_)) {
        in.fail("tree depths do not fit its size");
    }
    t->weeks_ = in.array<int32_t>();
    t->week_ = in.array<uint16_t>();
    for (auto& c : t->code_)
        c = in.array<uint16_t>();
    t->leaf_shift_ = in.array<std::array<int8_t, 4>>();
    t->nodes_ = in.array<NodeBox>();
    t->histograms_ = in.array<uint32_t>();
    const size_t hist_nodes = t->hist_depth_ < 0 ? 0 : (size_t{2} << t->hist_depth_) - 1;
    bool ok = !t->weeks_.empty() && t->weeks_.size() <= std::numeric_limits<uint16_t>::max() &&
              std::is_sorted(t->weeks_.begin(), t->weeks_.end()) && t->week_.size() == size &&
              t->leaf_shift_.size() == size_t{1} << t->depth_ &&
              t->nodes_.size() == (size_t{2} << t->depth_) - 1 &&
              t->histograms_.size() == hist_nodes * t->weeks_.size();
    for (const auto& c : t->code_)
        ok = ok && c.size() == size + kCodePadding;
    for (const uint16_t w : t->week_)
        ok = ok && w < t->weeks_.size();
    if (!ok) in.fail("inconsistent tree arrays");
    const uint64_t ends_offset = in.offset();
    in.skip(size * sizeof(TripEnds));
    t->ends_ = std::make_unique<const ExactEnds>(in.file(), ends_offset, t->size_);
    return t;
}

size_t TripKdTree::memory_bytes() const {
    return sizeof(*this) + ends_->memory_bytes() +
           (code_[0].capacity() + code_[1].capacity() + code_[2].capacity() + code_[3].capacity()) *
               sizeof(uint16_t) +
           leaf_shift_.capacity() * sizeof(leaf_shift_[0]) + week_.capacity() * sizeof(uint16_t) +
           weeks_.capacity() * sizeof(int32_t) + nodes_.capacity() * sizeof(NodeBox) +
           histograms_.capacity() * sizeof(uint32_t);
}

size_t TripKdTree::file_bytes() const {
    return ends_->file_bytes();
}

}  // namespace tripstream::query
