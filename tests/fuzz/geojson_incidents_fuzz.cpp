// libFuzzer target: geojson_incidents (see fuzz_entries.hpp and README.md).
#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)rtm::fuzz::geojson_incidents(data, size);
  return 0;
}
