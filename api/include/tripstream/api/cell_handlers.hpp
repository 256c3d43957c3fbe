// GET /v1/trips/cells (trips per grid block, for the dashboard's map) and GET /v1/regions (the
// regions with their trips and extent, for its picker): query string -> checked request -> the
// in-memory cell aggregate (or, while it is not loaded, SQL over trip_cell_counts) -> JSON.
// Every bad parameter is a 400 naming it; answers of an aggregate that lost the database carry
// the Tripstream-Index-State header, as weekly averages do.
#pragma once

#include "tripstream/api/api_services.hpp"
#include "tripstream/http/http_message.hpp"
#include "tripstream/query/cell_counts_result.hpp"

namespace tripstream::api {

// {"region", "end", "from", "to", "step", "bbox", "cell_degrees", "total_trips", "max_count",
//  "cells": [[min_lon, min_lat, trips], ...]}, written directly: it can hold thousands of cells.
std::string cell_counts_json(const query::CellCountsResult& result);

http::HttpResponse trip_cells(const ApiServices& services, const http::HttpRequest& request);

http::HttpResponse list_regions(const ApiServices& services, const http::HttpRequest& request);

}  // namespace tripstream::api
