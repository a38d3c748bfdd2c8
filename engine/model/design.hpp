#pragma once
// The response and the binary design over study cells: bitset columns with
// their column statistics computed once.
#include <string>
#include <vector>

#include "core/bitset.hpp"

namespace rtm::model {

struct Design {
  std::vector<double> y;                 // incidents per study cell
  std::vector<const Bitset*> columns;    // binary candidates
  std::vector<std::string> names;        // one per column
  std::size_t rows() const { return y.size(); }
  std::size_t cols() const { return columns.size(); }
};

}  // namespace rtm::model
