// k-means algorithm: recovery of known clusters, determinism, Hamerly == plain Lloyd,
// empty clusters, mini-batch quality, automatic k.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <utility>

#include "tripstream/generator/random.hpp"
#include "tripstream/kmeans/auto_k.hpp"
#include "tripstream/kmeans/kmeans.hpp"
#include "tripstream/kmeans/thread_pool.hpp"

namespace tripstream::kmeans {
namespace {

struct Blobs {
    std::vector<double> values;
    std::vector<int32_t> truth;
    std::size_t dim = 0;
    Points points() const { return {values.data(), truth.size(), dim}; }
};

// `clusters` Gaussian blobs (sigma 1) of `per_cluster` points in `dim` dimensions, centres
// on a grid 30 sigma apart: well separated, so any correct k-means recovers them exactly.
Blobs make_blobs(int clusters, int per_cluster, std::size_t dim, uint64_t seed) {
    Blobs b;
    b.dim = dim;
    SplitMix64 rng(seed);
    for (int i = 0; i < clusters * per_cluster; ++i) {
        const int c = i % clusters;  // interleaved: the order gives nothing away
        for (std::size_t j = 0; j < dim; ++j) {
            const double centre = j == 0 ? 30.0 * c : (j == 1 ? 30.0 * (c % 2) : 0.0);
            b.values.push_back(centre + rng.normal());
        }
        b.truth.push_back(c);
    }
    return b;
}

double pairs(double n) {
    return n * (n - 1) / 2;
}

// Adjusted Rand index (Hubert & Arabie 1985): 1 for identical partitions up to renaming,
// about 0 for independent ones.
double adjusted_rand_index(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    std::map<std::pair<int, int>, double> joint;
    std::map<int, double> rows, cols;
    for (std::size_t i = 0; i < a.size(); ++i) {
        joint[{a[i], b[i]}] += 1;
        rows[a[i]] += 1;
        cols[b[i]] += 1;
    }
    double index = 0, sum_rows = 0, sum_cols = 0;
    for (const auto& [key, n] : joint)
        index += pairs(n);
    for (const auto& [key, n] : rows)
        sum_rows += pairs(n);
    for (const auto& [key, n] : cols)
        sum_cols += pairs(n);
    const double expected = sum_rows * sum_cols / pairs(static_cast<double>(a.size()));
    const double max_index = (sum_rows + sum_cols) / 2;
    return (index - expected) / (max_index - expected);
}

// Plain Lloyd, no pruning, as a reference for the Hamerly implementation.
std::vector<double> brute_force_lloyd(Points p, std::vector<double> c, int k, int iterations) {
    for (int it = 0; it < iterations; ++it) {
        std::vector<double> sums(c.size(), 0.0);
        std::vector<int> counts(static_cast<std::size_t>(k), 0);
        for (std::size_t i = 0; i < p.size; ++i) {
            int best = 0;
            double best_d = INFINITY;
            for (int j = 0; j < k; ++j) {
                double d = 0;
                for (std::size_t t = 0; t < p.dim; ++t)
                    d += std::pow(p.row(i)[t] - c[j * p.dim + t], 2);
                if (d < best_d) best_d = d, best = j;
            }
            ++counts[best];
            for (std::size_t t = 0; t < p.dim; ++t)
                sums[best * p.dim + t] += p.row(i)[t];
        }
        for (std::size_t v = 0; v < c.size(); ++v)
            c[v] = sums[v] / counts[v / p.dim];
    }
    return c;
}

TEST(KMeansAri, KnownValues) {
    EXPECT_DOUBLE_EQ(adjusted_rand_index({0, 0, 1, 1}, {1, 1, 0, 0}), 1.0);
    // scikit-learn: adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) = 0.5714285714285715
    EXPECT_NEAR(adjusted_rand_index({0, 0, 1, 2}, {0, 0, 1, 1}), 0.5714285714285715, 1e-12);
    EXPECT_LT(adjusted_rand_index({0, 0, 0, 1, 1, 1}, {0, 1, 2, 0, 1, 2}), 0.01);
}

TEST(KMeansAlgorithm, RecoversWellSeparatedBlobsInSixDimensions) {
    const Blobs b = make_blobs(5, 400, 6, 1);
    KMeansOptions o;
    o.k = 5;
    const KMeansResult r = fit(b.points(), o);
    EXPECT_GE(adjusted_rand_index(r.labels, b.truth), 0.99);
    EXPECT_TRUE(r.converged);
    for (uint64_t size : r.sizes)
        EXPECT_EQ(size, 400u);
}

TEST(KMeansAlgorithm, RecoversBlobsInOtherDimensions) {
    for (std::size_t dim : {2u, 3u}) {  // the fixed-2 and the run-time-dimension kernels
        const Blobs b = make_blobs(4, 300, dim, 2);
        KMeansOptions o;
        o.k = 4;
        EXPECT_GE(adjusted_rand_index(fit(b.points(), o).labels, b.truth), 0.99) << dim;
    }
}

TEST(KMeansAlgorithm, InertiaAndSizesMatchTheLabels) {
    const Blobs b = make_blobs(6, 200, 6, 3);
    KMeansOptions o;
    o.k = 4;  // fewer clusters than blobs: centroids between blobs, non-trivial inertia
    const KMeansResult r = fit(b.points(), o);
    double inertia = 0;
    std::vector<uint64_t> sizes(4, 0);
    for (std::size_t i = 0; i < b.truth.size(); ++i) {
        const auto l = static_cast<std::size_t>(r.labels[i]);
        ++sizes[l];
        for (std::size_t t = 0; t < 6; ++t)
            inertia += std::pow(b.points().row(i)[t] - r.centroids[l * 6 + t], 2);
    }
    EXPECT_EQ(sizes, r.sizes);
    EXPECT_NEAR(r.inertia, inertia, 1e-9 * inertia);
    EXPECT_NEAR(r.inertia, inertia_of(b.points(), r.centroids), 1e-9 * inertia);
}

TEST(KMeansAlgorithm, HamerlyGivesTheSameCentroidsAsPlainLloyd) {
    // Overlapping blobs: many points near boundaries, so wrong pruning would show.
    Blobs b = make_blobs(8, 250, 6, 4);
    for (double& v : b.values)
        v *= 0.1 + 0.05 * std::fmod(std::fabs(v), 1.0);
    KMeansOptions o;
    o.k = 7;
    o.tol = 0;
    o.max_iter = 15;
    o.initial_centroids.assign(b.values.begin(), b.values.begin() + 7 * 6);
    const KMeansResult r = fit(b.points(), o);
    ASSERT_EQ(r.iterations, 15) << "the data should not converge this fast";
    const auto expected = brute_force_lloyd(b.points(), o.initial_centroids, 7, 15);
    for (std::size_t v = 0; v < expected.size(); ++v)
        EXPECT_NEAR(r.centroids[v], expected[v], 1e-9) << v;
    EXPECT_LT(r.distances_computed, r.distances_naive);
}

TEST(KMeansAlgorithm, SameSeedSameResultWhateverTheThreads) {
    const Blobs b = make_blobs(6, 5000, 6, 5);  // several blocks of points
    KMeansOptions o;
    o.k = 9;
    o.seed = 7;
    o.threads = 1;
    const KMeansResult one = fit(b.points(), o);
    o.threads = 2;
    const KMeansResult two = fit(b.points(), o);
    EXPECT_EQ(one.centroids, two.centroids);  // bit-identical
    EXPECT_EQ(one.labels, two.labels);
    EXPECT_EQ(one.inertia, two.inertia);
    o.seed = 8;
    EXPECT_NE(fit(b.points(), o).centroids, one.centroids);
}

TEST(KMeansAlgorithm, EmptyClusterIsReseededFromTheFarthestPoint) {
    // Two tight groups and one outlier; the third starting centroid is far from everything,
    // so its cluster is empty after the first assignment.
    std::vector<double> v;
    for (int i = 0; i < 50; ++i) {
        v.insert(v.end(), {0.01 * i, 0.0});
        v.insert(v.end(), {10.0 + 0.01 * i, 0.0});
    }
    v.insert(v.end(), {5.0, 40.0});  // the outlier: farthest from its centroid
    const Points p{v.data(), v.size() / 2, 2};
    KMeansOptions o;
    o.k = 3;
    o.initial_centroids = {0, 0, 10, 0, 1000, 1000};
    const KMeansResult r = fit(p, o);
    EXPECT_GE(r.empty_reseeds, 1);
    EXPECT_EQ(r.labels.back(), 2);
    EXPECT_EQ(r.sizes[2], 1u);
    EXPECT_DOUBLE_EQ(r.centroids[4], 5.0);
    EXPECT_DOUBLE_EQ(r.centroids[5], 40.0);
}

TEST(KMeansAlgorithm, MoreClustersThanDistinctPointsLeavesNoneEmpty) {
    std::vector<double> v;
    for (int i = 0; i < 30; ++i)
        v.insert(v.end(), {double(i % 3), 0.0});  // 3 distinct points, k = 5
    KMeansOptions o;
    o.k = 5;
    const KMeansResult r = fit({v.data(), 30, 2}, o);
    for (uint64_t size : r.sizes)
        EXPECT_GT(size, 0u);
    EXPECT_DOUBLE_EQ(r.inertia, 0.0);
}

TEST(KMeansAlgorithm, RejectsBadInputWithClearMessages) {
    std::vector<double> v = {0, 0, 1, 1};
    KMeansOptions o;
    o.k = 3;
    try {
        fit({v.data(), 2, 2}, o);
        FAIL() << "k > n accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "k-means: need at least k=3 points, got 2");
    }
    o.k = 1;
    v[3] = NAN;
    EXPECT_THROW(fit({v.data(), 2, 2}, o), std::invalid_argument);
    o.k = 0;
    EXPECT_THROW(fit({v.data(), 1, 2}, o), std::invalid_argument);
}

TEST(KMeansMiniBatch, MatchesLloydOnBlobs) {
    const Blobs b = make_blobs(5, 4000, 6, 6);
    KMeansOptions o;
    o.k = 5;
    o.batch_size = 1024;
    o.algorithm = Algorithm::lloyd;
    const KMeansResult lloyd = fit(b.points(), o);
    o.algorithm = Algorithm::mini_batch;
    const KMeansResult mini = fit(b.points(), o);
    EXPECT_EQ(mini.algorithm, Algorithm::mini_batch);
    EXPECT_GE(adjusted_rand_index(mini.labels, b.truth), 0.99);
    EXPECT_LE(mini.inertia, 1.02 * lloyd.inertia);
}

TEST(KMeansMiniBatch, AutomaticAboveTheThreshold) {
    const Blobs b = make_blobs(3, 1000, 2, 7);
    KMeansOptions o;
    o.k = 3;
    o.mini_batch_threshold = 2999;
    EXPECT_EQ(fit(b.points(), o).algorithm, Algorithm::mini_batch);
    o.mini_batch_threshold = 3000;
    EXPECT_EQ(fit(b.points(), o).algorithm, Algorithm::lloyd);
}

TEST(KMeansMiniBatch, IdleClusterIsReseeded) {
    const Blobs b = make_blobs(2, 2000, 2, 8);
    KMeansOptions o;
    o.k = 3;
    o.algorithm = Algorithm::mini_batch;
    o.batch_size = 100;
    o.max_no_improvement = 1000;  // run long enough to notice the idle centroid
    o.initial_centroids = {0, 0, 30, 30, 1e6, 1e6};
    const KMeansResult r = fit(b.points(), o);
    EXPECT_GE(r.empty_reseeds, 1);
    EXPECT_GT(r.sizes[2], 0u);
    EXPECT_LT(std::fabs(r.centroids[4]), 100.0);
}

TEST(KMeansAutoK, SilhouetteFindsTheNumberOfBlobs) {
    const Blobs b = make_blobs(4, 300, 6, 9);
    ThreadPool pool(1);
    const AutoKResult r =
        choose_k(b.points(), {2, 8, KCriterion::silhouette, 100000, 600}, KMeansOptions{}, pool);
    EXPECT_EQ(r.k, 4);
    ASSERT_EQ(r.scores.size(), 7u);
    EXPECT_GT(r.scores[2].score, 0.8);  // k = 4: compact, well separated
}

TEST(KMeansAutoK, ElbowFindsTheNumberOfBlobs) {
    const Blobs b = make_blobs(4, 300, 6, 10);
    ThreadPool pool(1);
    EXPECT_EQ(choose_k(b.points(), {2, 10, KCriterion::elbow, 100000, 600}, {}, pool).k, 4);
}

TEST(KMeansAutoK, SilhouetteOfAHandComputedLayout) {
    // Points 0, 1 (cluster 0) and 4 (cluster 1) on a line: s(0) = 1 - 1/4, s(1) = 1 - 1/3,
    // s(4) = 0 (singleton).
    const std::vector<double> v = {0, 1, 4};
    const double expected = ((1 - 1.0 / 4) + (1 - 1.0 / 3) + 0) / 3;
    EXPECT_NEAR(silhouette({v.data(), 3, 1}, {0, 0, 1}, 2), expected, 1e-12);
}

}  // namespace
}  // namespace tripstream::kmeans
