// docs/operations.md's configuration table against the code and config.yml: one row per key
// of config_keys(), with the key's environment variable and config.yml's value as the
// default, and no row for a key that does not exist.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tripstream/config.hpp"

namespace tripstream {
namespace {

const std::string kSource = TRIPSTREAM_SOURCE_DIR;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string trim(const std::string& s) {
    const size_t begin = s.find_first_not_of(" \t");
    if (begin == std::string::npos) return {};
    return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

// The rows of every Markdown table whose first cell is a backquoted dotted key, by that key
// (backquotes removed); each row as its trimmed cells.
std::map<std::string, std::vector<std::string>> key_rows(const std::string& markdown) {
    static const std::regex key_cell("`([a-z_]+\\.[a-z_]+)`");
    std::map<std::string, std::vector<std::string>> rows;
    std::istringstream lines(markdown);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind('|', 0) != 0) continue;
        std::vector<std::string> cells;
        std::istringstream parts(line.substr(1));
        for (std::string cell; std::getline(parts, cell, '|');)
            cells.push_back(trim(cell));
        std::smatch m;
        if (cells.size() >= 3 && std::regex_match(cells[0], m, key_cell)) rows[m[1]] = cells;
    }
    return rows;
}

// config.yml's value of a dotted key, as the docs show it: backquoted, `""` when empty.
std::string documented_default(const YAML::Node& root, const std::string& path) {
    YAML::Node node = root;
    std::istringstream parts(path);
    for (std::string part; std::getline(parts, part, '.');) {
        const YAML::Node child = static_cast<const YAML::Node&>(node)[part];
        node.reset(child);  // rebinds; operator= would overwrite the node's content
    }
    const std::string value = node.IsScalar() ? node.Scalar() : "";
    return "`" + (value.empty() ? std::string("\"\"") : value) + "`";
}

class DocsConfig : public ::testing::Test {
  protected:
    const std::string operations_ = read_file(kSource + "/docs/operations.md");
    const std::map<std::string, std::vector<std::string>> rows_ = key_rows(operations_);
};

TEST_F(DocsConfig, OperationsDocumentsEveryKeyWithItsEnvironmentVariable) {
    ASSERT_FALSE(operations_.empty()) << "docs/operations.md missing or empty";
    for (const ConfigKey& key : config_keys()) {
        const auto row = rows_.find(key.path);
        ASSERT_NE(row, rows_.end()) << key.path << " (" << key.env << ") has no row";
        EXPECT_EQ(row->second[1], "`" + key.env + "`") << key.path;
    }
}

TEST_F(DocsConfig, OperationsDefaultsAreConfigYmlValues) {
    const YAML::Node config = YAML::LoadFile(kSource + "/config.yml");
    for (const ConfigKey& key : config_keys()) {
        const auto row = rows_.find(key.path);
        if (row == rows_.end()) continue;  // reported by the test above
        EXPECT_EQ(row->second[2], documented_default(config, key.path)) << key.path;
    }
}

TEST_F(DocsConfig, OperationsHasNoRowForAnUnknownKey) {
    std::set<std::string> known;
    for (const ConfigKey& key : config_keys())
        known.insert(key.path);
    for (const auto& [path, cells] : rows_) {
        // Only rows shaped like the configuration table: an environment variable second.
        if (!std::regex_match(cells[1], std::regex("`[A-Z][A-Z0-9_]*`"))) continue;
        EXPECT_TRUE(known.count(path)) << path << " is documented but not a config key";
    }
}

}  // namespace
}  // namespace tripstream
