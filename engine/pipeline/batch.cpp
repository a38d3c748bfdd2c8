#include "pipeline/batch.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "io/output_dir.hpp"
#include "pipeline/study_config.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace rtm::pipeline {

namespace {

const char* kind_of(int code) {
  switch (code) {
    case 0: return "ok";
    case 2: return "usage";
    case 3: return "study file";
    case 4: return "data";
    case 5: return "model";
    case 6: return "render";
    case 7: return "output";
    default: return "internal error";
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Running {
  std::size_t index;
  std::string log;
  std::chrono::steady_clock::time_point started;
};

}  // namespace

std::vector<std::string> read_batch_list(const std::string& list_file) {
  std::ifstream in(list_file);
  if (!in) throw UsageError("cannot read the study list " + list_file);
  const fs::path base = fs::absolute(list_file).parent_path();
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos || line[a] == '#') continue;
    const auto b = line.find_last_not_of(" \t\r");
    const fs::path p(line.substr(a, b - a + 1));
    out.push_back((p.is_absolute() ? p : base / p).lexically_normal().string());
  }
  return out;
}

BatchResult run_batch(const BatchOptions& o) {
  if (o.studies.empty()) throw UsageError("run-batch needs at least one study file");
  io::prepare_output_dir(o.out_root);
  BatchResult result;
  result.studies.resize(o.studies.size());
  const fs::path logs = fs::temp_directory_path() / ("rtm-batch-" + std::to_string(::getpid()));
  fs::create_directories(logs);

  // Name each study's folder; a study that cannot be read, or whose name an
  // earlier study of the batch already uses, fails here.
  std::map<std::string, std::string> names;  // name -> study file
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < o.studies.size(); ++i) {
    BatchStudy& s = result.studies[i];
    s.study_file = o.studies[i];
    try {
      s.name = load_study_config(s.study_file).name;
    } catch (const Error& e) {
      s.exit_code = static_cast<int>(e.exit_code());
      s.message = e.what();
      continue;
    }
    s.out_dir = (fs::path(o.out_root) / (o.as_of.empty() ? s.name : s.name + "-" + o.as_of)).string();
    if (const auto [it, fresh] = names.emplace(s.name, s.study_file); !fresh) {
      s.exit_code = static_cast<int>(ExitCode::config);
      s.message = s.study_file + ": study.name '" + s.name + "' is also the name of " + it->second +
                  " in this batch: both would write " + s.out_dir + " (give each study its own name)";
      continue;
    }
    todo.push_back(i);
  }

  // Run them, at most `jobs` at once.
  std::map<pid_t, Running> running;
  std::size_t next = 0, done = 0;
  auto report = [&](std::size_t i) {
    ++done;
    if (o.quiet) return;
    const BatchStudy& s = result.studies[i];
    std::cerr << "rtm: [" << done << "/" << todo.size() << "] " << s.study_file << ": "
              << (s.exit_code == 0 ? "ok, " + s.out_dir : std::string("failed (") + kind_of(s.exit_code) + ")");
    char secs[32];
    std::snprintf(secs, sizeof secs, " in %.1f s", s.seconds);
    std::cerr << secs << "\n";
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && running.size() < std::max<std::size_t>(1, o.jobs)) {
      const std::size_t i = todo[next++];
      BatchStudy& s = result.studies[i];
      std::vector<std::string> args{o.rtm_exe, "run", s.study_file};
      if (o.as_of.empty()) {
        args.insert(args.end(), {"--out", s.out_dir});
      } else {
        args.insert(args.end(), {"--as-of", o.as_of, "--runs", o.out_root});
      }
      if (o.threads > 0) args.insert(args.end(), {"--threads", std::to_string(o.threads)});
      args.push_back("--quiet");
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const std::string log = (logs / (std::to_string(i) + ".log")).string();
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
      posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      pid_t pid = 0;
      const int rc = posix_spawn(&pid, o.rtm_exe.c_str(), &fa, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      if (rc != 0) {
        s.exit_code = static_cast<int>(ExitCode::internal);
        s.message = "cannot start " + o.rtm_exe + ": " + std::strerror(rc);
        report(i);
        continue;
      }
      running[pid] = {i, log, std::chrono::steady_clock::now()};
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("run-batch: waiting for the study runs failed: ") + std::strerror(errno));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    BatchStudy& s = result.studies[it->second.index];
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.started).count();
    if (WIFEXITED(status)) {
      s.exit_code = WEXITSTATUS(status);
    } else {
      s.exit_code = static_cast<int>(ExitCode::internal);
    }
    if (s.exit_code != 0) {
      s.message = trim(read_text(it->second.log));
      if (s.message.rfind("rtm: ", 0) == 0) s.message = s.message.substr(5);
      if (WIFSIGNALED(status)) s.message += (s.message.empty() ? "" : "; ") + std::string("killed by signal ") +
                                            std::to_string(WTERMSIG(status));
    }
    const std::size_t index = it->second.index;
    running.erase(it);
    report(index);
  }
  std::error_code ec;
  fs::remove_all(logs, ec);

  // Status of every study, on stdout and in OUT_ROOT/batch.json.
  nlohmann::json j{{"out_root", fs::absolute(o.out_root).lexically_normal().string()},
                   {"as_of", o.as_of.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.as_of)},
                   {"studies", nlohmann::json::array()}};
  std::ostringstream out;
  char line[600];
  std::snprintf(line, sizeof line, "%-40s %-6s %4s  %s\n", "study", "status", "exit", "folder or error");
  out << line;
  for (const auto& s : result.studies) {
    const bool ok = s.exit_code == 0;
    if (!ok) {
      ++result.failed;
      if (result.exit_code == 0) result.exit_code = s.exit_code;
    }
    std::string first = s.message.substr(0, s.message.find('\n'));
    std::snprintf(line, sizeof line, "%-40s %-6s %4d  %s\n", s.study_file.c_str(), ok ? "ok" : "failed", s.exit_code,
                  ok ? s.out_dir.c_str() : (std::string(kind_of(s.exit_code)) + ": " + first).c_str());
    out << line;
    j["studies"].push_back({{"study_file", s.study_file},
                            {"name", s.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.name)},
                            {"folder", s.out_dir.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.out_dir)},
                            {"status", ok ? "ok" : "failed"},
                            {"exit_code", s.exit_code},
                            {"error", ok ? nlohmann::json(nullptr) : nlohmann::json(s.message)}});
  }
  out << result.studies.size() - result.failed << " of " << result.studies.size() << " studies ran";
  if (result.failed > 0) out << "; " << result.failed << " failed";
  out << "\n";
  j["failed"] = result.failed;
  io::write_text_file((fs::path(o.out_root) / "batch.json").string(), j.dump(2) + "\n");
  result.summary = out.str();
  return result;
}

}  // namespace rtm::pipeline
