// A deterministic generator of realistic synthetic trips: several regions, each with
// hotspots (centres, stations, business districts), commuting flows between them with
// morning and evening peaks, weekday/weekend rhythm, background trips, several datasources.
//
// Row i depends only on (seed, i): any slice of the sequence can be generated on its own,
// in constant memory, up to any size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tripstream/trip.hpp"

namespace tripstream {

struct Hotspot {
    GeoPoint centre;
    double sigma_m = 500;  // spread of trip ends around the centre, metres
    double weight = 1;
};

struct RegionProfile {
    std::string name;
    GeoPoint centre;
    double radius_m = 10000;  // background trips fall within this distance of the centre
    double weight = 1;        // share of all trips
    std::vector<Hotspot> hotspots;
};

struct GeneratorOptions {
    uint64_t seed = 42;
    int64_t start_us = 1'514'764'800'000'000;  // 2018-01-01T00:00:00Z, a Monday
    int weeks = 26;
    // Empty = the built-in profiles (Prague, Turin, Hamburg, Milan, Vienna, Barcelona).
    std::vector<RegionProfile> regions;
};

class TripGenerator {
  public:
    explicit TripGenerator(GeneratorOptions options = {});

    // Fills `trip` with row `index` of the sequence (reuses its string capacity).
    void generate(uint64_t index, Trip& trip) const;

    const std::vector<RegionProfile>& regions() const { return options_.regions; }
    const std::vector<std::string>& datasources() const { return datasources_; }
    const GeneratorOptions& options() const { return options_; }

    // The built-in region profiles, with hotspots placed deterministically from `seed`.
    static std::vector<RegionProfile> default_regions(uint64_t seed);

  private:
    GeneratorOptions options_;
    std::vector<std::string> datasources_;
    std::vector<double> region_cdf_;
    std::vector<std::vector<double>> hotspot_cdf_;  // per region
    std::vector<double> datasource_cdf_;
};

}  // namespace tripstream
