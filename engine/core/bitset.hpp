#pragma once
// A fixed-size bitset over study cells: one binary candidate variable costs one
// bit per cell (METHOD.md §4: never store binary candidates as doubles).
#include <cstdint>
#include <vector>

namespace rtm {

class Bitset {
 public:
  Bitset() = default;
  explicit Bitset(std::size_t n) : n_(n), words_((n + 63) / 64, 0) {}

  std::size_t size() const { return n_; }
  bool test(std::size_t i) const { return (words_[i >> 6] >> (i & 63)) & 1u; }
  void set(std::size_t i) { words_[i >> 6] |= std::uint64_t{1} << (i & 63); }
  std::size_t count() const {
    std::size_t c = 0;
    for (auto w : words_) c += static_cast<std::size_t>(__builtin_popcountll(w));
    return c;
  }
  const std::vector<std::uint64_t>& words() const { return words_; }
  std::size_t bytes() const { return words_.size() * sizeof(std::uint64_t); }

  // Calls f(i) for every clear bit below size(), in increasing order.
  template <class F>
  void for_each_zero(F&& f) const {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      std::uint64_t bits = ~words_[w];
      if (w + 1 == words_.size() && (n_ & 63) != 0) bits &= (std::uint64_t{1} << (n_ & 63)) - 1;
      while (bits != 0) {
        const int b = __builtin_ctzll(bits);
        f(w * 64 + static_cast<std::size_t>(b));
        bits &= bits - 1;
      }
    }
  }

  // Calls f(i) for every set bit, in increasing order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      std::uint64_t bits = words_[w];
      while (bits != 0) {
        const int b = __builtin_ctzll(bits);
        f(w * 64 + static_cast<std::size_t>(b));
        bits &= bits - 1;
      }
    }
  }

 private:
  std::size_t n_ = 0;
  std::vector<std::uint64_t> words_;
};

}  // namespace rtm
