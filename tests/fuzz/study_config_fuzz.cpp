// libFuzzer target: study_config (see fuzz_entries.hpp and README.md).
#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)rtm::fuzz::study_config(data, size);
  return 0;
}
