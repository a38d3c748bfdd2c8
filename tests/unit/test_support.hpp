#pragma once
// Small helpers shared by the tests: temporary folders, and running reference
// tools (R, GDAL's CLI).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pipeline/study_config.hpp"

namespace rtm_test {

// Quotes a string for a POSIX shell command line.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The whole content of a file ("" when unreadable).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The "key value value ..." lines the reference scripts write, by key.
inline std::map<std::string, std::vector<std::string>> read_key_values(const std::filesystem::path& p) {
  std::map<std::string, std::vector<std::string>> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, v;
    ls >> key;
    std::vector<std::string> vals;
    while (ls >> v) vals.push_back(v);
    if (!key.empty()) out[key] = vals;
  }
  return out;
}

// RTM_REFERENCE_VERBOSE=1 prints the measured differences of reference tests.
inline bool reference_verbose() {
  const char* v = std::getenv("RTM_REFERENCE_VERBOSE");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}
inline void reference_report(const std::string& line) {
  if (reference_verbose()) std::printf("[reference] %s\n", line.c_str());
}

// 3 significant digits.
inline std::string fmt3(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// A fresh temporary folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("rtm-unit-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream out(path_ / name, std::ios::binary);
    out << text;
  }

 private:
  std::filesystem::path path_;
};

// The message of the ConfigError thrown by parsing `text` as the study file
// `path`, or "" if it parses.
inline std::string config_error(const std::string& text, const std::string& path) {
  try {
    (void)rtm::pipeline::parse_study_config(text, path);
  } catch (const rtm::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace rtm_test
