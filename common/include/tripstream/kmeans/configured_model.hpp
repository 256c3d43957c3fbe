// The k-means model a service runs with: the file of consumer.model_path / MODEL_PATH, or
// none, said in the log either way (the consumer and the API behave visibly without one).
#pragma once

#include <memory>
#include <string>

#include "tripstream/kmeans/kmeans_model.hpp"
#include "tripstream/log.hpp"

namespace tripstream::kmeans {

// Loads `path` (throws like KMeansModel::load); with an empty path warns that there is no
// model and what that means (`without`), and returns null.
std::shared_ptr<const KMeansModel> load_configured_model(const std::string& path, const Logger& log,
                                                         const std::string& without);

}  // namespace tripstream::kmeans
