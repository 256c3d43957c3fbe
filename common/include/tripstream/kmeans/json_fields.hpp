// Typed, validated access to the fields of a parsed JSON document, for loaders that must
// reject bad files with a message naming the file and the field, e.g.
//   "model.json: regions[2].clusters[0].centroid: expected 6 numbers, got 5".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tripstream::kmeans {

class JsonFieldError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class JsonField {
  public:
    JsonField(const nlohmann::json& value, std::string source, std::string path = {});

    const nlohmann::json& value() const { return value_; }
    const std::string& path() const { return path_; }

    bool has(std::string_view key) const;
    JsonField operator[](std::string_view key) const;  // a required member of an object
    JsonField operator[](std::size_t index) const;     // an element of an array
    std::size_t array_size() const;                    // requires an array

    double number() const;  // a finite number
    double number_in(double min, double max) const;
    int64_t integer_in(int64_t min, int64_t max) const;
    uint64_t unsigned_integer() const;
    std::string string() const;  // a non-empty string

    [[noreturn]] void fail(const std::string& problem) const;

  private:
    const nlohmann::json& value_;
    std::string source_;
    std::string path_;
};

}  // namespace tripstream::kmeans
