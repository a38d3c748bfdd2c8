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

}  // namespace rtm::io
