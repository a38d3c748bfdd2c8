#include "io/output_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace rtm::io {

namespace {
std::string tmp_suffix() { return ".tmp-" + std::to_string(::getpid()); }
}  // namespace

std::string temporary_name_for(const std::string& final_path) {
  const fs::path p(final_path);
  return (p.parent_path() / ("." + p.filename().string() + tmp_suffix())).string();
}

void commit_file(const std::string& tmp, const std::string& final_path) {
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (std::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw OutputError("cannot move " + tmp + " to " + final_path + ": " + why);
  }
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = temporary_name_for(path);
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw OutputError("cannot write " + path);
    }
  }
  commit_file(tmp, path);
}

void prepare_output_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw OutputError("cannot create output folder " + dir + ": " + ec.message());
  if (!fs::is_directory(dir)) throw OutputError("output path " + dir + " exists and is not a folder");
  if (::access(dir.c_str(), W_OK) != 0)
    throw OutputError("output folder " + dir + " is not writable: " + std::strerror(errno));
}

void remove_temporaries(const std::string& dir) {
  std::error_code ec;
  const std::string suffix = tmp_suffix();
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() > suffix.size() && n[0] == '.' && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      fs::remove_all(e.path(), ec);
  }
}

StagedOutputs::StagedOutputs(const std::string& out_dir)
    : out_(out_dir), dir_((fs::path(out_dir) / (".staging-" + std::to_string(::getpid()))).string()) {
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (!fs::create_directory(dir_, ec))
    throw OutputError("cannot create a staging folder in " + out_dir + ": " + ec.message());
}

StagedOutputs::~StagedOutputs() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string StagedOutputs::path(const std::string& name) {
  names_.push_back(name);
  return (fs::path(dir_) / name).string();
}

std::vector<std::string> StagedOutputs::commit() {
  // Check every target first, so that a rename cannot fail halfway through.
  for (const auto& n : names_) {
    const fs::path target = fs::path(out_) / n;
    if (fs::exists(target) && !fs::is_regular_file(target))
      throw OutputError("cannot replace " + target.string() + ": it exists and is not a regular file");
  }
  for (const auto& n : names_) commit_file((fs::path(dir_) / n).string(), (fs::path(out_) / n).string());
  return names_;
}

}  // namespace rtm::io
