// Fits over groups of cells sharing a row pattern (model/patterns.hpp): the
// groups hold the right sums, refining by a column equals grouping by it, and
// the grouped GLM's log-likelihood, deviance and score agree with sums taken
// cell by cell at the fitted coefficients.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "core/bitset.hpp"
#include "model/design.hpp"
#include "model/glm.hpp"
#include "model/patterns.hpp"

namespace {

struct Synthetic {
  std::vector<rtm::Bitset> x;
  rtm::model::Design d;
};

// Six binary columns (prevalences 10-50%), NB2-ish counts (a gamma-mixed Poisson).
Synthetic make(std::size_t rows, std::uint64_t seed) {
  Synthetic s;
  std::mt19937_64 rng(seed);
  const double prev[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.25};
  const double beta[6] = {0.7, -0.3, 0.4, 0.0, 0.2, 0.5};
  s.x.assign(6, rtm::Bitset(rows));
  s.d.y.resize(rows);
  std::uniform_real_distribution<double> u(0, 1);
  std::gamma_distribution<double> gam(2.0, 0.5);
  for (std::size_t i = 0; i < rows; ++i) {
    double eta = std::log(0.6);
    for (int j = 0; j < 6; ++j)
      if (u(rng) < prev[j]) {
        s.x[static_cast<std::size_t>(j)].set(i);
        eta += beta[j];
      }
    std::poisson_distribution<int> pois(std::exp(eta) * gam(rng));
    s.d.y[i] = pois(rng);
  }
  for (std::size_t j = 0; j < 6; ++j) {
    s.d.columns.push_back(&s.x[j]);
    s.d.names.push_back("x" + std::to_string(j));
  }
  return s;
}

using Key = std::vector<std::uint64_t>;
std::map<Key, std::tuple<double, double, double>> by_key(const rtm::model::Patterns& P) {
  std::map<Key, std::tuple<double, double, double>> m;
  for (std::size_t g = 0; g < P.size(); ++g) {
    const Key k(P.keys.begin() + static_cast<std::ptrdiff_t>(g * P.words),
                P.keys.begin() + static_cast<std::ptrdiff_t>((g + 1) * P.words));
    REQUIRE(m.count(k) == 0);
    m[k] = {P.n[g], P.y[g], P.y2[g]};
  }
  return m;
}

}  // namespace

TEST_CASE("row patterns: group sums, and refining by a column equals grouping by it", "[model]") {
  const Synthetic s = make(3000, 7);
  const rtm::model::Patterns P = rtm::model::group_rows(s.d, {0, 2, 4});
  double n = 0;
  for (std::size_t g = 0; g < P.size(); ++g) n += P.n[g];
  CHECK(n == 3000);
  CHECK(P.size() <= 8);
  for (std::size_t i = 0; i < s.d.rows(); ++i) {
    const std::uint32_t g = P.row_group[i];
    CHECK(P.bit(g, 0) == s.x[0].test(i));
    CHECK(P.bit(g, 1) == s.x[2].test(i));
    CHECK(P.bit(g, 2) == s.x[4].test(i));
  }
  const auto refined = by_key(rtm::model::refine(P, s.d, 5));
  const auto direct = by_key(rtm::model::group_rows(s.d, {0, 2, 4, 5}));
  CHECK(refined == direct);
}

TEST_CASE("grouped GLM fits agree with cell-by-cell sums at the fitted coefficients", "[model]") {
  const Synthetic s = make(4000, 11);
  const std::vector<std::size_t> cols = {0, 1, 2, 4, 5};
  for (auto family : {rtm::model::Family::poisson, rtm::model::Family::nb2}) {
    const rtm::model::GlmFit f = rtm::model::fit_glm(s.d, cols, family);
    const bool nb = family == rtm::model::Family::nb2 && std::isfinite(f.theta);
    double ll = 0, dev = 0;
    std::vector<double> score(cols.size() + 1, 0.0);
    for (std::size_t i = 0; i < s.d.rows(); ++i) {
      double eta = f.beta[0];
      for (std::size_t k = 0; k < cols.size(); ++k)
        if (s.x[cols[k]].test(i)) eta += f.beta[k + 1];
      CHECK(f.eta[i] == Approx(eta).epsilon(1e-12));
      const double mu = std::exp(eta), y = s.d.y[i];
      const double ylogy = y > 0 ? y * std::log(y / mu) : 0.0;
      double r;
      if (nb) {
        const double t = f.theta;
        ll += std::lgamma(y + t) - std::lgamma(t) - std::lgamma(y + 1) + t * std::log(t / (t + mu)) +
              y * std::log(mu / (t + mu));
        dev += 2 * (ylogy - (y + t) * std::log((y + t) / (mu + t)));
        r = (y - mu) / (1 + mu / t);
      } else {
        ll += y * std::log(mu) - mu - std::lgamma(y + 1);
        dev += 2 * (ylogy - (y - mu));
        r = y - mu;
      }
      score[0] += r;
      for (std::size_t k = 0; k < cols.size(); ++k)
        if (s.x[cols[k]].test(i)) score[k + 1] += r;
    }
    CHECK(f.loglik == Approx(ll).epsilon(1e-10));
    CHECK(f.deviance == Approx(dev).epsilon(1e-9));
    for (double g : score) CHECK(std::fabs(g) < 1e-6);
  }
}
