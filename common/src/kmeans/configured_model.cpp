#include "tripstream/kmeans/configured_model.hpp"

namespace tripstream::kmeans {

std::shared_ptr<const KMeansModel> load_configured_model(const std::string& path, const Logger& log,
                                                         const std::string& without) {
    if (path.empty()) {
        log.warn("no k-means model (consumer.model_path / MODEL_PATH): " + without);
        return nullptr;
    }
    auto model = std::make_shared<const KMeansModel>(KMeansModel::load(path));
    log.info(cat("k-means model ", model->version(), " from ", path));
    return model;
}

}  // namespace tripstream::kmeans
