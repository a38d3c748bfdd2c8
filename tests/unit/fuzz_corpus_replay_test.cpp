// Replays every file of the fuzz corpora (tests/fuzz/corpus/<target>/) through
// the same entry points as the libFuzzer targets (tests/fuzz/fuzz_entries.hpp).
// Each input must be accepted or refused with an rtm::Error (the entries catch
// those); a crash, a sanitizer report (in the sanitizer build) or any other
// exception fails the test and names the file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_entries.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus_files(const std::string& target) {
  const fs::path dir = fs::path(RTM_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / target;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::uint8_t> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <class Entry>
void replay(const std::string& target, Entry entry, std::size_t min_files) {
  const auto files = corpus_files(target);
  REQUIRE(files.size() >= min_files);
  int accepted = 0, refused = 0;
  for (const auto& f : files) {
    INFO("corpus file " << f.string());
    const auto b = bytes_of(f);
    rtm::fuzz::Outcome o = rtm::fuzz::Outcome::refused;
    CHECK_NOTHROW(o = entry(b.data(), b.size()));
    (o == rtm::fuzz::Outcome::accepted ? accepted : refused)++;
  }
  // The seeds include valid inputs: the entry must not refuse everything.
  CHECK(accepted > 0);
  CHECK(refused > 0);
}

}  // namespace

TEST_CASE("fuzz corpus: study files", "[fuzz]") {
  replay("study_config", rtm::fuzz::study_config, 5);
}

TEST_CASE("fuzz corpus: civil time", "[fuzz]") {
  replay("civil_time", rtm::fuzz::civil_time, 5);
}

TEST_CASE("fuzz corpus: CSV incidents through the csv layer kind", "[fuzz]") {
  replay("csv_incidents", rtm::fuzz::csv_incidents, 5);
}

TEST_CASE("fuzz corpus: GeoJSON incidents through the vector layer kind", "[fuzz]") {
  replay("geojson_incidents", rtm::fuzz::geojson_incidents, 5);
}

TEST_CASE("fuzz corpus: GeoJSON polygons (repaired ones too) unioned by io::Area::from_parts", "[fuzz]") {
  replay("geojson_incidents", rtm::fuzz::area_from_all_parts, 5);
}
