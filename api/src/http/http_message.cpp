#include "tripstream/http/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace tripstream::http {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) <
               std::tolower(static_cast<unsigned char>(y));
    });
}

std::optional<std::string> HttpRequest::param(const std::string& name) const {
    const auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> HttpRequest::header(const std::string& name) const {
    const auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
}

HttpResponse HttpResponse::json(int status, std::string body) {
    return HttpResponse{status, "application/json", std::move(body), {}, nullptr};
}

HttpResponse HttpResponse::text(int status, std::string content_type, std::string body) {
    return HttpResponse{status, std::move(content_type), std::move(body), {}, nullptr};
}

}  // namespace tripstream::http
