#pragma once
// Atomic outputs. A single file is written under a temporary name in its
// folder and renamed into place when complete. A run's products are staged
// in a hidden sibling of the run folder and swapped in with the previous
// folder in one step (Linux renameat2 RENAME_EXCHANGE), so a failed or killed
// run leaves the previous run's products exactly as they were: never a mix of
// two runs, never a half-written file under a final name.
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
// Removes what killed rtm processes left behind for the folder `dir`: staging
// folders beside it (".NAME.staging-PID") and temporary files and staging
// folders in it, whose process PID is no longer running. Returns how many.
int remove_stale_leftovers(const std::string& dir);

// A run's products, staged and then moved into the run folder together.
//
// The staging folder is a hidden sibling of the run folder
// ("PARENT/.NAME.staging-PID"). commit() hard-links into it whatever the run
// folder holds that this run does not replace (tiles, notes), then exchanges
// the two folders atomically and removes the old one. Where the exchange is
// impossible (the parent is not writable, the run folder is a mount point, the
// file system lacks RENAME_EXCHANGE) the products are staged inside the run
// folder and renamed one by one, which is atomic per file only; commit()
// reports which mode it used. The staging folder is removed unless committed.
// One writer per run folder at a time.
class StagedOutputs {
 public:
  explicit StagedOutputs(const std::string& out_dir);
  ~StagedOutputs();
  StagedOutputs(const StagedOutputs&) = delete;
  StagedOutputs& operator=(const StagedOutputs&) = delete;
  // Where to write the product `name` (a file name in the run folder).
  std::string path(const std::string& name);
  // Moves the staged products into the run folder; returns their names.
  std::vector<std::string> commit();
  // The staging folder (products written so far are there until commit()).
  const std::string& dir() const { return dir_; }
  // True when commit() swaps the whole folder (false: file by file).
  bool swaps_folder() const { return sibling_; }

 private:
  std::string out_, dir_;
  bool sibling_ = true;
  std::vector<std::string> names_;
};

}  // namespace rtm::io
