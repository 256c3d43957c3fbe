// Files served as they are from one folder: Swagger UI's at /docs and the dashboard's at /ui.
// Only plain names of that folder are served (no '/', no '..'), so no request reaches outside
// it. When the client accepts gzip and the folder has "<name>.gz" (the dashboard's build
// writes one beside each text file), that copy is sent with Content-Encoding: gzip.
#pragma once

#include <optional>
#include <string>

#include "tripstream/http/http_message.hpp"

namespace tripstream::api {

// The Content-Type of a file, from its extension.
std::string content_type_of(const std::string& name);

// Whether `name` is one plain file name (what a folder lookup may use).
bool is_plain_file_name(const std::string& name);

// The file `name` of `dir` as a 200 response with `cache_control`, or nullopt when the name is
// not plain or the folder has no such regular file.
std::optional<http::HttpResponse> static_file(const std::string& dir, const std::string& name,
                                              const http::HttpRequest& request,
                                              const std::string& cache_control);

// Whether the request's Accept-Encoding allows gzip (a q=0 refuses it).
bool accepts_gzip(const http::HttpRequest& request);

}  // namespace tripstream::api
