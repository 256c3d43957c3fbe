#include "tripstream/api/static_files.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>

namespace tripstream::api {
namespace {

std::optional<std::string> read_regular_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

// "q=0", "q=0.0", "q=0.000" (RFC 9110 12.4.2): the coding is refused.
bool is_zero_weight(std::string_view params) {
    for (size_t at = 0; at < params.size();) {
        size_t end = params.find(';', at);
        if (end == std::string_view::npos) end = params.size();
        const auto param = trim(params.substr(at, end - at));
        if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
            const auto value = param.substr(2);
            return !value.empty() && value.find_first_not_of("0.") == std::string_view::npos;
        }
        at = end + 1;
    }
    return false;
}

}  // namespace

std::string content_type_of(const std::string& name) {
    const auto ext = std::filesystem::path(name).extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";  // RFC 9239
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".png") return "image/png";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".json" || ext == ".map") return "application/json";  // source maps are JSON
    if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

bool is_plain_file_name(const std::string& name) {
    return !name.empty() && name.find('/') == std::string::npos &&
           name.find('\\') == std::string::npos && name.find("..") == std::string::npos &&
           name.front() != '.';
}

bool accepts_gzip(const http::HttpRequest& request) {
    const auto header = request.header("Accept-Encoding");
    if (!header) return false;
    const std::string_view list = *header;
    for (size_t at = 0; at <= list.size();) {
        size_t end = list.find(',', at);
        if (end == std::string_view::npos) end = list.size();
        const auto item = trim(list.substr(at, end - at));
        const size_t semicolon = item.find(';');
        const auto coding = trim(item.substr(0, semicolon));
        const auto params =
            semicolon == std::string_view::npos ? std::string_view{} : item.substr(semicolon + 1);
        if ((equals_ignoring_case(coding, "gzip") || coding == "*") && !is_zero_weight(params))
            return true;
        at = end + 1;
    }
    return false;
}

std::optional<http::HttpResponse> static_file(const std::string& dir, const std::string& name,
                                              const http::HttpRequest& request,
                                              const std::string& cache_control) {
    if (dir.empty() || !is_plain_file_name(name)) return std::nullopt;
    const std::filesystem::path folder(dir);
    std::optional<std::string> body;
    const bool gzipped =
        accepts_gzip(request) && (body = read_regular_file(folder / (name + ".gz"))).has_value();
    if (!gzipped) body = read_regular_file(folder / name);
    if (!body) return std::nullopt;
    http::HttpResponse response =
        http::HttpResponse::text(200, content_type_of(name), std::move(*body));
    response.headers.emplace_back("Cache-Control", cache_control);
    // Caches keep the gzip and the plain copy apart.
    response.headers.emplace_back("Vary", "Accept-Encoding");
    if (gzipped) response.headers.emplace_back("Content-Encoding", "gzip");
    return response;
}

}  // namespace tripstream::api
