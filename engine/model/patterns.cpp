#include "model/patterns.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

namespace rtm::model {

namespace {
std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
}  // namespace

Patterns group_rows(const Design& d, const std::vector<std::size_t>& cols, const std::vector<int>* fold,
                    const std::vector<std::uint8_t>* row_in) {
  Patterns P;
  P.cols = cols;
  const std::size_t rows = d.rows();
  const std::size_t kw = (cols.size() + 63) / 64;
  const std::size_t W = std::max<std::size_t>(1, kw + (fold != nullptr ? 1 : 0));
  P.words = W;
  std::vector<std::uint64_t> key(rows * W, 0);
  for (std::size_t j = 0; j < cols.size(); ++j) {
    const std::uint64_t b = std::uint64_t{1} << (j % 64);
    const std::size_t w = j / 64;
    d.columns[cols[j]]->for_each([&](std::size_t i) { key[i * W + w] |= b; });
  }
  if (fold != nullptr)
    for (std::size_t i = 0; i < rows; ++i) key[i * W + kw] = static_cast<std::uint64_t>((*fold)[i]);
  std::size_t cap = 64;
  while (cap < 2 * rows) cap <<= 1;
  constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> table(cap, none);
  P.row_group.assign(rows, none);
  for (std::size_t i = 0; i < rows; ++i) {
    if (row_in != nullptr && (*row_in)[i] == 0) continue;
    const std::uint64_t* k = &key[i * W];
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (std::size_t w = 0; w < W; ++w) h = mix(h ^ k[w]);
    std::size_t s = static_cast<std::size_t>(h) & (cap - 1);
    std::uint32_t g;
    while (true) {
      g = table[s];
      if (g == none) {
        g = static_cast<std::uint32_t>(P.n.size());
        table[s] = g;
        P.keys.insert(P.keys.end(), k, k + W);
        P.n.push_back(0);
        P.y.push_back(0);
        P.y2.push_back(0);
        P.l01.push_back(0);
        P.ylogy.push_back(0);
        if (fold != nullptr) P.fold.push_back(static_cast<int>(k[kw]));
        break;
      }
      if (std::memcmp(&P.keys[static_cast<std::size_t>(g) * W], k, W * sizeof(std::uint64_t)) == 0) break;
      s = (s + 1) & (cap - 1);
    }
    P.row_group[i] = g;
    const double yi = d.y[i];
    P.n[g] += 1;
    P.y[g] += yi;
    P.y2[g] += yi * yi;
    P.l01[g] += (yi + 0.1) * std::log(yi + 0.1);
    if (yi > 0) P.ylogy[g] += yi * std::log(yi);
  }
  return P;
}

Patterns refine(const Patterns& P, const Design& d, std::size_t column) {
  const std::size_t G = P.size();
  std::vector<double> n1(G, 0.0), y1(G, 0.0), y21(G, 0.0);
  d.columns[column]->for_each([&](std::size_t i) {
    const std::uint32_t g = P.row_group[i];
    if (g == std::numeric_limits<std::uint32_t>::max()) return;
    n1[g] += 1;
    y1[g] += d.y[i];
    y21[g] += d.y[i] * d.y[i];
  });
  Patterns Q;
  Q.cols = P.cols;
  Q.cols.push_back(column);
  const std::size_t j = P.cols.size();
  Q.words = std::max<std::size_t>(1, (Q.cols.size() + 63) / 64);
  const std::uint64_t b = std::uint64_t{1} << (j % 64);
  Q.n.reserve(2 * G);
  for (std::size_t g = 0; g < G; ++g) {
    for (int half = 0; half < 2; ++half) {
      // Counts are integers: the zero half is the group minus the one half, exactly.
      const double nn = half ? n1[g] : P.n[g] - n1[g];
      if (!(nn > 0)) continue;
      const std::size_t at = Q.keys.size();
      Q.keys.resize(at + Q.words, 0);
      for (std::size_t w = 0; w < P.words && w < Q.words; ++w) Q.keys[at + w] = P.keys[g * P.words + w];
      if (half) Q.keys[at + j / 64] |= b;
      Q.n.push_back(nn);
      Q.y.push_back(half ? y1[g] : P.y[g] - y1[g]);
      Q.y2.push_back(half ? y21[g] : P.y2[g] - y21[g]);
      Q.l01.push_back(0);
      Q.ylogy.push_back(0);
    }
  }
  return Q;
}

CountStats count_stats(const std::vector<double>& y) {
  CountStats c;
  std::map<double, double> h;
  for (double v : y) {
    h[v] += 1;
    c.n += 1;
    c.ysum += v;
    if (v > 0) c.ylogy += v * std::log(v);
    c.lgamma1 += std::lgamma(v + 1.0);
  }
  c.hist.assign(h.begin(), h.end());
  return c;
}

}  // namespace rtm::model
