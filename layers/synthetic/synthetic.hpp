#pragma once
#include "layer_kind.hpp"

namespace rtm::layers {

// A generated layer for tests and planted-truth studies: points, short line
// segments or small squares placed uniformly or in Gaussian clusters inside
// the study area, from a seed (the same seed gives the same features on every
// machine: the generator uses only integer arithmetic from std::mt19937_64).
class Synthetic final : public LayerKind {
 public:
  const char* name() const override { return "synthetic"; }
  FeatureSet read(const LayerSource& src, const ReadContext& ctx) const override;
};

}  // namespace rtm::layers
