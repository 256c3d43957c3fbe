#include "tripstream/generator/trip_generator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "tripstream/generator/random.hpp"

namespace tripstream {
namespace {

constexpr double kMetresPerDegreeLat = 111'320.0;

GeoPoint offset_metres(GeoPoint p, double east_m, double north_m) {
    const double lat = p.lat + north_m / kMetresPerDegreeLat;
    const double lon =
        p.lon + east_m / (kMetresPerDegreeLat * std::cos(p.lat * std::numbers::pi / 180.0));
    return {std::clamp(lon, -180.0, 180.0), std::clamp(lat, -90.0, 90.0)};
}

GeoPoint around(SplitMix64& rng, const Hotspot& h) {
    return offset_metres(h.centre, rng.normal() * h.sigma_m, rng.normal() * h.sigma_m);
}

GeoPoint in_disc(SplitMix64& rng, GeoPoint centre, double radius_m) {
    const double r = radius_m * std::sqrt(rng.uniform());
    const double a = 2.0 * std::numbers::pi * rng.uniform();
    return offset_metres(centre, r * std::cos(a), r * std::sin(a));
}

// Hours since midnight, drawn from a mixture with a morning and an evening peak.
double hour_of_day(SplitMix64& rng, bool weekday, int& peak) {
    const double u = rng.uniform();
    peak = 0;
    double h;
    if (weekday && u < 0.35) {
        peak = 1;
        h = 8.0 + 0.75 * rng.normal();
    } else if (weekday && u < 0.70) {
        peak = 2;
        h = 17.5 + 1.0 * rng.normal();
    } else {
        // Daytime-heavy background: a broad bump around 14:00 plus a uniform floor.
        h = rng.uniform() < 0.7 ? 14.0 + 4.0 * rng.normal() : 24.0 * rng.uniform();
    }
    h = std::fmod(h, 24.0);
    return h < 0 ? h + 24.0 : h;
}

struct NamedCentre {
    const char* name;
    double lon;
    double lat;
    double radius_m;
    double weight;
};

constexpr NamedCentre kRegions[] = {
    {"Prague", 14.4378, 50.0755, 12000, 0.25}, {"Turin", 7.6869, 45.0703, 9000, 0.22},
    {"Hamburg", 9.9937, 53.5511, 14000, 0.20}, {"Milan", 9.1900, 45.4642, 11000, 0.13},
    {"Vienna", 16.3738, 48.2082, 12000, 0.11}, {"Barcelona", 2.1734, 41.3851, 9000, 0.09},
};

// Shares as in the real sample of the challenge data.
const std::vector<std::pair<std::string, double>> kDatasources = {
    {"cheap_mobile", 0.33}, {"pt_search_app", 0.20}, {"bad_diesel_vehicles", 0.18},
    {"baba_car", 0.16},     {"funny_car", 0.13},
};

}  // namespace

std::vector<double> cumulative(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights)
        total += w;
    if (!(total > 0)) throw std::invalid_argument("weights must have a positive sum");
    std::vector<double> cdf;
    double running = 0;
    for (double w : weights)
        cdf.push_back((running += w) / total);
    cdf.back() = 1.0;
    return cdf;
}

std::vector<RegionProfile> TripGenerator::default_regions(uint64_t seed) {
    std::vector<RegionProfile> regions;
    SplitMix64 rng(seed, 0xC0FFEE);
    for (const auto& c : kRegions) {
        RegionProfile r{c.name, {c.lon, c.lat}, c.radius_m, c.weight, {}};
        // Hotspot 0 is the centre; the rest are spread over the inner part of the city.
        r.hotspots.push_back({r.centre, 600, 3});
        for (int i = 1; i < 8; ++i) {
            const GeoPoint p = in_disc(rng, r.centre, 0.7 * c.radius_m);
            r.hotspots.push_back({p, 250 + 900 * rng.uniform(), 0.5 + 2.0 * rng.uniform()});
        }
        regions.push_back(std::move(r));
    }
    return regions;
}

TripGenerator::TripGenerator(GeneratorOptions options) : options_(std::move(options)) {
    if (options_.weeks < 1) throw std::invalid_argument("generator: weeks must be at least 1");
    if (options_.regions.empty()) options_.regions = default_regions(options_.seed);
    std::vector<double> region_weights;
    for (const auto& r : options_.regions) {
        if (r.hotspots.size() < 2) {
            throw std::invalid_argument("generator: region " + r.name + " needs 2+ hotspots");
        }
        region_weights.push_back(r.weight);
        std::vector<double> w;
        for (const auto& h : r.hotspots)
            w.push_back(h.weight);
        hotspot_cdf_.push_back(cumulative(w));
    }
    region_cdf_ = cumulative(region_weights);
    std::vector<double> ds_weights;
    for (const auto& [name, weight] : kDatasources) {
        datasources_.push_back(name);
        ds_weights.push_back(weight);
    }
    datasource_cdf_ = cumulative(ds_weights);
}

void TripGenerator::generate(uint64_t index, Trip& trip) const {
    SplitMix64 rng(options_.seed, index);
    const size_t r = rng.pick(region_cdf_);
    const RegionProfile& region = options_.regions[r];

    // Day: weekends carry about 60% of a weekday's traffic.
    const int64_t total_days = int64_t{options_.weeks} * 7;
    int64_t day = static_cast<int64_t>(rng.uniform() * static_cast<double>(total_days));
    const int64_t start_days = options_.start_us / (kSecondsPerDay * kMicrosPerSecond);
    auto weekday_of = [&](int64_t d) { return ((start_days + d + 3) % 7 + 7) % 7 < 5; };
    if (!weekday_of(day) && rng.uniform() > 0.6) {
        day = static_cast<int64_t>(rng.uniform() * static_cast<double>(total_days));
    }
    const bool weekday = weekday_of(day);
    int peak = 0;
    const double hour = hour_of_day(rng, weekday, peak);

    // Commuting flows: homes are the first half of the hotspots, workplaces the second;
    // mornings go home -> work, evenings work -> home, other trips anywhere.
    const auto& hotspots = region.hotspots;
    const size_t half = hotspots.size() / 2;
    if (rng.uniform() < 0.8) {
        size_t from = rng.pick(hotspot_cdf_[r]);
        size_t to = rng.pick(hotspot_cdf_[r]);
        if (peak == 1) {
            from %= half;
            to = half + to % (hotspots.size() - half);
        } else if (peak == 2) {
            from = half + from % (hotspots.size() - half);
            to %= half;
        }
        trip.origin = around(rng, hotspots[from]);
        trip.destination = around(rng, hotspots[to]);
    } else {
        trip.origin = in_disc(rng, region.centre, region.radius_m);
        trip.destination = in_disc(rng, region.centre, region.radius_m);
    }
    trip.region = region.name;
    trip.datasource = datasources_[rng.pick(datasource_cdf_)];
    const auto seconds = static_cast<int64_t>(hour * 3600.0);
    trip.time_us = options_.start_us + (day * kSecondsPerDay + seconds) * kMicrosPerSecond;
}

}  // namespace tripstream
