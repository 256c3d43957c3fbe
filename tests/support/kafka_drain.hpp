// Reading a whole test topic back from the real broker.
#pragma once

#include <string>
#include <vector>

#include "tripstream/kafka/kafka_connection.hpp"

namespace tripstream::test {

// Reads every partition of `topic` from the beginning until `expected` messages have
// arrived and a short quiet period shows nothing more comes (or 60 s pass).
std::vector<std::string> drain_topic(const kafka::KafkaConnection& bootstrap,
                                     const std::string& topic, size_t expected);

}  // namespace tripstream::test
