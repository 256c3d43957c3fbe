#include "tripstream/kafka/kafka_handle.hpp"

#include "tripstream/kafka/kafka_connection.hpp"

namespace tripstream::kafka {

ConfPtr make_conf(const Properties& properties) {
    ConfPtr conf(rd_kafka_conf_new());
    char err[512];
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            const std::string shown = is_secret_property(name) ? "(secret, not shown)" : value;
            throw KafkaError("kafka property " + name + "=" + shown + ": " + err);
        }
    }
    return conf;
}

HandlePtr make_handle(rd_kafka_type_t type, ConfPtr conf) {
    char err[512];
    // On success rd_kafka_new takes ownership of the configuration; on failure it does not.
    rd_kafka_t* handle = rd_kafka_new(type, conf.get(), err, sizeof err);
    if (handle == nullptr) {
        throw KafkaError(std::string("cannot create kafka ") +
                         (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") + ": " + err);
    }
    conf.release();
    return HandlePtr(handle);
}

std::string describe(const std::string& topic, int32_t partition, int64_t offset) {
    std::string out = topic + "[" + std::to_string(partition) + "]";
    if (offset >= 0) out += "@" + std::to_string(offset);
    return out;
}

}  // namespace tripstream::kafka
