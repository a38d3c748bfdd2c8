#include "io/output_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace rtm::io {

namespace {

std::string tmp_suffix() { return ".tmp-" + std::to_string(::getpid()); }

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// The PID a leftover's name ends with ("...-1234"), or 0.
pid_t trailing_pid(const std::string& name) {
  const std::size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash + 1 == name.size()) return 0;
  pid_t pid = 0;
  for (std::size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

// True for a leftover of a process that is no longer running (not this one).
bool dead_leftover(const std::string& name) {
  const pid_t pid = trailing_pid(name);
  if (pid <= 0 || pid == ::getpid()) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Hidden staging folders and temporary files rtm writes inside a folder.
bool rtm_leftover_name(const std::string& n) {
  return starts_with(n, ".staging-") || (n.size() > 1 && n[0] == '.' && n.find(".tmp-") != std::string::npos);
}

// The folder as an absolute path without a trailing separator.
fs::path folder_path(const std::string& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p;
}

// Recreates `src` at `dst` with hard links (copies where linking is refused).
void link_tree(const fs::path& src, const fs::path& dst) {
  const fs::file_status st = fs::symlink_status(src);
  if (fs::is_symlink(st)) {
    fs::copy_symlink(src, dst);
  } else if (fs::is_directory(st)) {
    fs::create_directory(dst);
    fs::permissions(dst, st.permissions());
    for (const auto& e : fs::directory_iterator(src)) link_tree(e.path(), dst / e.path().filename());
  } else if (fs::is_regular_file(st)) {
    std::error_code ec;
    fs::create_hard_link(src, dst, ec);
    if (ec) fs::copy_file(src, dst);
  }
}

}  // namespace

std::string temporary_name_for(const std::string& final_path) {
  const fs::path p(final_path);
  return (p.parent_path() / ("." + p.filename().string() + tmp_suffix())).string();
}

void commit_file(const std::string& tmp, const std::string& final_path) {
  fsync_path(tmp, O_RDONLY);
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

int remove_stale_leftovers(const std::string& dir) {
  const fs::path folder = folder_path(dir);
  const std::string sibling = "." + folder.filename().string() + ".staging-";
  int removed = 0;
  std::error_code ec;
  auto sweep = [&](const fs::path& where, auto&& matches) {
    for (const auto& e : fs::directory_iterator(where, ec)) {
      const std::string n = e.path().filename().string();
      if (!matches(n) || !dead_leftover(n)) continue;
      std::error_code rm;
      fs::remove_all(e.path(), rm);
      if (!rm) ++removed;
    }
  };
  sweep(folder.parent_path(), [&](const std::string& n) { return starts_with(n, sibling); });
  if (fs::is_directory(folder, ec)) sweep(folder, rtm_leftover_name);
  return removed;
}

StagedOutputs::StagedOutputs(const std::string& out_dir) : out_(folder_path(out_dir).string()) {
  remove_stale_leftovers(out_);
  const fs::path folder(out_);
  const std::string pid = std::to_string(::getpid());
  std::error_code ec;
  struct stat st {};
  const bool mount_point = ::stat(out_.c_str(), &st) == 0 && [&] {
    struct stat up {};
    return ::stat(folder.parent_path().c_str(), &up) == 0 && up.st_dev != st.st_dev;
  }();
  if (!mount_point && ::access(folder.parent_path().c_str(), W_OK) == 0) {
    dir_ = (folder.parent_path() / ("." + folder.filename().string() + ".staging-" + pid)).string();
    fs::remove_all(dir_, ec);
    if (fs::create_directory(dir_, ec)) return;
  }
  sibling_ = false;
  dir_ = (folder / (".staging-" + pid)).string();
  fs::remove_all(dir_, ec);
  if (!fs::create_directory(dir_, ec))
    throw OutputError("cannot create a staging folder in " + out_ + ": " + ec.message());
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
  const fs::path out(out_), stage(dir_);
  // Check every target first, so that a rename cannot fail halfway through.
  for (const auto& n : names_) {
    const fs::path target = out / n;
    if (fs::exists(target) && !fs::is_regular_file(target))
      throw OutputError("cannot replace " + target.string() + ": it exists and is not a regular file");
  }
  for (const auto& n : names_) fsync_path((stage / n).string(), O_RDONLY);
  if (sibling_) {
    try {
      struct stat st {};
      if (::stat(out_.c_str(), &st) != 0) {  // no run folder yet: the staging folder becomes it
        if (std::rename(dir_.c_str(), out_.c_str()) != 0)
          throw OutputError("cannot move " + dir_ + " to " + out_ + ": " + std::strerror(errno));
        fsync_path(out.parent_path().string(), O_RDONLY | O_DIRECTORY);
        return names_;
      }
      // Keep what the run folder holds besides this run's products.
      const std::set<std::string> ours(names_.begin(), names_.end());
      for (const auto& e : fs::directory_iterator(out)) {
        const std::string n = e.path().filename().string();
        if (ours.count(n) == 0 && !rtm_leftover_name(n)) link_tree(e.path(), stage / n);
      }
      ::chmod(dir_.c_str(), st.st_mode & 07777);
      fsync_path(dir_, O_RDONLY | O_DIRECTORY);
      if (::renameat2(AT_FDCWD, dir_.c_str(), AT_FDCWD, out_.c_str(), RENAME_EXCHANGE) == 0) {
        fsync_path(out.parent_path().string(), O_RDONLY | O_DIRECTORY);
        std::error_code ec;
        fs::remove_all(dir_, ec);  // the previous folder, now under the staging name
        return names_;
      }
      // Only a file system without the exchange falls back; any other error
      // (I/O, permissions) fails the commit and leaves the run folder as it was.
      if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        throw OutputError("cannot move the products into " + out_ + ": " + std::strerror(errno));
    } catch (const fs::filesystem_error& e) {
      throw OutputError("cannot assemble the products for " + out_ + ": " + e.what());
    }
    // No exchange on this file system: fall back to renaming file by file.
  }
  for (const auto& n : names_) commit_file((stage / n).string(), (out / n).string());
  return names_;
}

}  // namespace rtm::io
