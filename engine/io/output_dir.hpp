#pragma once
// Atomic outputs: every file is written under a temporary name in the same
// folder and renamed into place only when complete, so a failed or killed run
// never leaves a half-written file under a final name nor clobbers the last
// good output.
#include <string>
#include <vector>

namespace rtm::io {

// "DIR/.NAME.tmp-PID" for "DIR/NAME".
std::string temporary_name_for(const std::string& final_path);
// fsyncs `tmp` and renames it to `final_path` (atomic on one file system).
void commit_file(const std::string& tmp, const std::string& final_path);
// Writes text atomically.
void write_text_file(const std::string& path, const std::string& text);

// Creates the run folder if needed and checks it is writable; throws OutputError.
void prepare_output_dir(const std::string& dir);
// Removes temporary files this process left in `dir` (after a failure).
void remove_temporaries(const std::string& dir);

// A run's products staged in a hidden folder inside the run folder
// (".staging-PID") and moved into place together by commit(); the staging
// folder is removed unless committed, so a failed run leaves the run folder
// as it was.
class StagedOutputs {
 public:
  explicit StagedOutputs(const std::string& out_dir);
  ~StagedOutputs();
  StagedOutputs(const StagedOutputs&) = delete;
  StagedOutputs& operator=(const StagedOutputs&) = delete;
  // Where to write the product `name` (a file name in the run folder).
  std::string path(const std::string& name);
  // Checks every target, then renames each staged file into the run folder.
  // Returns the names of the products.
  std::vector<std::string> commit();
  // The staging folder (products written so far are there until commit()).
  const std::string& dir() const { return dir_; }

 private:
  std::string out_, dir_;
  std::vector<std::string> names_;
};

}  // namespace rtm::io
