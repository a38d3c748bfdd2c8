#pragma once
#include "layer_kind.hpp"

namespace rtm::layers {

// Points from a delimited text file with coordinate columns, read through
// GDAL's CSV driver (gzip-compressed files are read through /vsigzip/).
class CsvPoints final : public LayerKind {
 public:
  const char* name() const override { return "csv"; }
  FeatureSet read(const LayerSource& src, const ReadContext& ctx) const override;
};

}  // namespace rtm::layers
