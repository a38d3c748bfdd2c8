#include <cctype>

#include "core/error.hpp"
#include "layer_kind.hpp"
#include "csv_points/csv_points.hpp"
#include "ogr_vector/ogr_vector.hpp"
#include "synthetic/synthetic.hpp"

namespace rtm::layers {

namespace {
const std::vector<const LayerKind*>& kinds() {
  static const OgrVector vector;
  static const CsvPoints csv;
  static const Synthetic synthetic;
  static const std::vector<const LayerKind*> all{&vector, &csv, &synthetic};
  return all;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

const LayerKind& layer_kind(const std::string& name, const std::string& where) {
  for (const auto* k : kinds())
    if (name == k->name()) return *k;
  std::string names;
  for (const auto& n : layer_kind_names()) names += (names.empty() ? "" : ", ") + n;
  throw ConfigError(where + ".kind: unknown layer kind '" + name + "' (expected one of: " + names + ")");
}

std::vector<std::string> layer_kind_names() {
  std::vector<std::string> out;
  for (const auto* k : kinds()) out.emplace_back(k->name());
  return out;
}

std::string infer_kind(const std::string& path) {
  std::string lower;
  for (char c : path) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ends_with(lower, ".csv") || ends_with(lower, ".csv.gz") || ends_with(lower, ".tsv")) return "csv";
  return "vector";
}

}  // namespace rtm::layers
