// libFuzzer target: civil_time (see fuzz_entries.hpp and README.md).
#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)rtm::fuzz::civil_time(data, size);
  return 0;
}
