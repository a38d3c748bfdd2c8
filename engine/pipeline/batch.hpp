#pragma once
// `rtm run-batch`: several studies, each run as `rtm run` would run it (a child
// process of the same rtm binary), each into its own folder. A failing study
// does not stop the others; every study's status is reported.
#include <cstddef>
#include <string>
#include <vector>

namespace rtm::pipeline {

struct BatchOptions {
  std::vector<std::string> studies;  // study files, in order
  std::string out_root = "runs";     // plain runs: OUT_ROOT/<study name>/; --as-of: OUT_ROOT/<name>-<date>/ and the ledger
  std::string as_of;                 // empty: plain runs; else the weekly job for this date
  std::size_t jobs = 1;              // studies run at once
  std::size_t threads = 0;           // --threads for each run (0: rtm run's default)
  bool quiet = false;                // no per-study progress lines on stderr
  std::string rtm_exe;               // the rtm binary to run each study with
};

struct BatchStudy {
  std::string study_file;
  std::string name;     // the study's [study] name, when the file could be read
  std::string out_dir;  // where its products are (or would have been)
  int exit_code = 0;    // as `rtm run` exits: 0 ok, 3 study file, 4 data, ...
  std::string message;  // the run's error message (empty when it succeeded)
  double seconds = 0;
};

struct BatchResult {
  std::vector<BatchStudy> studies;  // in the order given
  std::size_t failed = 0;
  int exit_code = 0;     // 0 when every study ran; else the exit code of the first failed study
  std::string summary;   // the table printed on stdout
};

BatchResult run_batch(const BatchOptions& options);

// Study files listed in a text file, one per line; blank lines and lines
// starting with '#' are skipped; relative paths are relative to the list file.
std::vector<std::string> read_batch_list(const std::string& list_file);

}  // namespace rtm::pipeline
