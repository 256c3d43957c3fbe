#include "tripstream/kmeans/json_fields.hpp"

#include <cmath>

namespace tripstream::kmeans {

JsonField::JsonField(const nlohmann::json& value, std::string source, std::string path)
    : value_(value), source_(std::move(source)), path_(std::move(path)) {}

void JsonField::fail(const std::string& problem) const {
    throw JsonFieldError(source_ + ": " + (path_.empty() ? "document" : path_) + ": " + problem);
}

bool JsonField::has(std::string_view key) const {
    return value_.is_object() && value_.contains(key);
}

JsonField JsonField::operator[](std::string_view key) const {
    if (!value_.is_object()) fail("expected an object");
    const auto it = value_.find(key);
    const std::string child = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    if (it == value_.end()) JsonField(value_, source_, child).fail("missing");
    return JsonField(*it, source_, child);
}

JsonField JsonField::operator[](std::size_t index) const {
    return JsonField(value_.at(index), source_, path_ + "[" + std::to_string(index) + "]");
}

std::size_t JsonField::array_size() const {
    if (!value_.is_array()) fail("expected an array");
    return value_.size();
}

double JsonField::number() const {
    if (!value_.is_number()) fail("expected a number, got " + value_.dump());
    const double v = value_.get<double>();
    if (!std::isfinite(v)) fail("expected a finite number");
    return v;
}

double JsonField::number_in(double min, double max) const {
    const double v = number();
    if (v < min || v > max)
        fail(value_.dump() + " is out of range [" + nlohmann::json(min).dump() + ", " +
             nlohmann::json(max).dump() + "]");
    return v;
}

int64_t JsonField::integer_in(int64_t min, int64_t max) const {
    if (!value_.is_number_integer()) fail("expected an integer, got " + value_.dump());
    const auto v = value_.get<int64_t>();
    if (value_.is_number_unsigned() && value_.get<uint64_t>() > uint64_t{INT64_MAX})
        fail(value_.dump() + " is too large");
    if (v < min || v > max)
        fail(value_.dump() + " is out of range [" + std::to_string(min) + ", " +
             std::to_string(max) + "]");
    return v;
}

uint64_t JsonField::unsigned_integer() const {
    if (!value_.is_number_integer() || (!value_.is_number_unsigned() && value_.get<int64_t>() < 0))
        fail("expected a non-negative integer, got " + value_.dump());
    return value_.get<uint64_t>();
}

std::string JsonField::string() const {
    if (!value_.is_string()) fail("expected a string, got " + value_.dump());
    auto s = value_.get<std::string>();
    if (s.empty()) fail("must not be empty");
    return s;
}

}  // namespace tripstream::kmeans
