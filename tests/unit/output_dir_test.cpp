// Staged outputs: a run's products replace the previous ones in one step,
// everything else in the run folder survives, and nothing is left behind.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "io/output_dir.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using rtm_test::TempDir;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// Hidden entries beside and inside the run folder.
int hidden_entries(const fs::path& run) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(run.parent_path()))
    if (e.path().filename().string()[0] == '.') ++n;
  if (fs::exists(run))
    for (const auto& e : fs::directory_iterator(run))
      if (e.path().filename().string()[0] == '.') ++n;
  return n;
}

// The PID of a process that has exited.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

}  // namespace

TEST_CASE("a commit replaces the products and keeps the rest of the run folder", "[output]") {
  TempDir t;
  const fs::path run = t.path() / "run";
  put(run / "risk.tif", "old risk");
  put(run / "report.json", "old report");
  put(run / "notes.txt", "an analyst's notes");
  put(run / "tiles" / "10" / "262" / "380.png", "a tile");
  ::chmod(run.c_str(), 0750);
  {
    rtm::io::StagedOutputs s(run.string());
    REQUIRE(s.swaps_folder());
    CHECK(s.dir().find(".run.staging-") != std::string::npos);
    put(s.path("risk.tif"), "new risk");
    put(s.path("report.json"), "new report");
    put(s.path("places.csv"), "new places");
    // Nothing is visible under a final name before the commit.
    CHECK(slurp(run / "risk.tif") == "old risk");
    CHECK_FALSE(fs::exists(run / "places.csv"));
    const auto names = s.commit();
    CHECK(names.size() == 3);
  }
  CHECK(slurp(run / "risk.tif") == "new risk");
  CHECK(slurp(run / "report.json") == "new report");
  CHECK(slurp(run / "places.csv") == "new places");
  CHECK(slurp(run / "notes.txt") == "an analyst's notes");
  CHECK(slurp(run / "tiles" / "10" / "262" / "380.png") == "a tile");
  CHECK((fs::status(run).permissions() & fs::perms::all) ==
        (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec));
  CHECK(hidden_entries(run) == 0);
}

TEST_CASE("a commit into a folder that does not exist yet creates it", "[output]") {
  TempDir t;
  const fs::path run = t.path() / "fresh";
  {
    rtm::io::StagedOutputs s(run.string() + "/");  // a trailing separator names the same folder
    put(s.path("grid.tif"), "grid");
    s.commit();
  }
  CHECK(slurp(run / "grid.tif") == "grid");
  CHECK(hidden_entries(run) == 0);
}

TEST_CASE("an uncommitted staging leaves the run folder as it was", "[output]") {
  TempDir t;
  const fs::path run = t.path() / "run";
  put(run / "risk.tif", "old risk");
  {
    rtm::io::StagedOutputs s(run.string());
    put(s.path("risk.tif"), "new risk");
    put(s.path("places.csv"), "new places");
  }  // e.g. an exception before commit()
  CHECK(slurp(run / "risk.tif") == "old risk");
  CHECK_FALSE(fs::exists(run / "places.csv"));
  CHECK(hidden_entries(run) == 0);
}

TEST_CASE("a product name held by a folder is refused before anything moves", "[output]") {
  TempDir t;
  const fs::path run = t.path() / "run";
  put(run / "risk.tif", "old risk");
  fs::create_directories(run / "report.json");
  rtm::io::StagedOutputs s(run.string());
  put(s.path("risk.tif"), "new risk");
  put(s.path("report.json"), "new report");
  CHECK_THROWS_AS(s.commit(), rtm::OutputError);
  CHECK(slurp(run / "risk.tif") == "old risk");
  CHECK(fs::is_directory(run / "report.json"));
}

TEST_CASE("leftovers of killed runs are removed, those of running ones kept", "[output]") {
  TempDir t;
  const fs::path run = t.path() / "run";
  put(run / "risk.tif", "old risk");
  const std::string dead = std::to_string(dead_pid());
  const std::string alive = std::to_string(::getppid());
  put(t.path() / (".run.staging-" + dead) / "risk.tif", "killed");    // beside: this layout
  put(run / (".staging-" + dead) / "risk.tif", "killed");              // inside: file-by-file mode
  put(run / (".risk.tif.tmp-" + dead), "killed");                      // a temporary file
  put(t.path() / (".run.staging-" + alive) / "risk.tif", "running");  // another rtm still at work
  put(t.path() / (".other.staging-" + dead) / "x", "another folder's");
  CHECK(rtm::io::remove_stale_leftovers(run.string()) == 3);
  CHECK_FALSE(fs::exists(t.path() / (".run.staging-" + dead)));
  CHECK_FALSE(fs::exists(run / (".staging-" + dead)));
  CHECK_FALSE(fs::exists(run / (".risk.tif.tmp-" + dead)));
  CHECK(fs::exists(t.path() / (".run.staging-" + alive)));
  CHECK(fs::exists(t.path() / (".other.staging-" + dead)));
  CHECK(slurp(run / "risk.tif") == "old risk");
}
