// Baseline and combined surfaces of the backtest, and its re-selection cadence.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "evaluate/baselines.hpp"
#include "pipeline/backtest.hpp"

using namespace rtm::evaluate;

namespace {
// A 3 x 3 block of 100 m cells centred on (50, 50) .. (250, 250).
rtm::StudyCells three_by_three() {
  rtm::StudyCells c;
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) {
      c.linear.push_back(r * 3 + k);
      c.x.push_back(50.0 + 100.0 * k);
      c.y.push_back(250.0 - 100.0 * r);
    }
  return c;
}
const double kPi = 3.14159265358979323846;
}  // namespace

TEST_CASE("incident KDE: the quartic kernel, per km², by hand", "[evaluate]") {
  const auto cells = three_by_three();
  // One incident at the centre of the middle cell (150, 150).
  const auto d = incident_kde({150.0}, {150.0}, cells, {150.0, 300.0}, 100.0);
  REQUIRE(d.size() == 2);
  // K(d) = 3 / (pi h^2) (1 - d^2/h^2)^2 per m², x 1e6 per km².
  auto k = [](double dist, double h) {
    const double u = dist * dist / (h * h);
    return u < 1 ? 3.0 / (kPi * h * h) * (1 - u) * (1 - u) * 1e6 : 0.0;
  };
  CHECK(d[0][4] == Approx(k(0, 150)));
  CHECK(d[0][1] == Approx(k(100, 150)));
  CHECK(d[0][0] == Approx(k(std::sqrt(2.0) * 100, 150)));  // corner: 141 m, inside 150 m
  CHECK(d[1][0] == Approx(k(std::sqrt(2.0) * 100, 300)));
  CHECK(d[1][4] == Approx(k(0, 300)));
  // No incident: all zero.
  const auto none = incident_kde({}, {}, cells, {150.0}, 100.0);
  for (double v : none[0]) CHECK(v == 0.0);
}

TEST_CASE("rtm_x_recent_kde: risk x (1 + kde / mean kde)", "[evaluate]") {
  const std::vector<double> risk{1, 2, 4, 1};
  const std::vector<double> kde{0, 2, 0, 6};  // mean 2
  const auto s = risk_times_exposure(risk, kde);
  CHECK(s[0] == Approx(1.0));
  CHECK(s[1] == Approx(2.0 * 2.0));
  CHECK(s[2] == Approx(4.0));
  CHECK(s[3] == Approx(1.0 * 4.0));
  // Nothing recent: the risk score.
  CHECK(risk_times_exposure(risk, {0, 0, 0, 0}) == risk);
}

TEST_CASE("rtm_eb: the model's expectation updated by the cell's count", "[evaluate]") {
  const std::vector<double> mu{0.5, 0.5, 2.0};
  const std::vector<std::int64_t> y{0, 3, 0};
  // NB2, theta 0.5: mu (y + theta) / (mu + theta).
  const auto nb2 = empirical_bayes_rate(mu, y, PriorFamily::nb2, 0.5);
  CHECK(nb2[0] == Approx(0.5 * 0.5 / 1.0));
  CHECK(nb2[1] == Approx(0.5 * 3.5 / 1.0));
  CHECK(nb2[2] == Approx(2.0 * 0.5 / 2.5));
  // NBII, sigma 2: (sigma y + mu) / (1 + sigma).
  const auto nbii = empirical_bayes_rate(mu, y, PriorFamily::nbii, 2.0);
  CHECK(nbii[0] == Approx(0.5 / 3.0));
  CHECK(nbii[1] == Approx(6.5 / 3.0));
  // Poisson, or NB2 with infinite theta: the expectation itself.
  CHECK(empirical_bayes_rate(mu, y, PriorFamily::poisson, 0) == mu);
  CHECK(empirical_bayes_rate(mu, y, PriorFamily::nb2, HUGE_VAL) == mu);
  // With overdispersion, a cell's own history outranks a modest environmental edge.
  CHECK(nb2[1] > nb2[2]);
}

TEST_CASE("backtest re-selection cadence", "[evaluate]") {
  using rtm::pipeline::reselect_days;
  CHECK(reselect_days("every") == 0);
  CHECK(reselect_days("once") == -1);
  CHECK(reselect_days("4w") == 28);
  CHECK(reselect_days("13w") == 91);
  CHECK_THROWS_AS(reselect_days("0w"), rtm::UsageError);
  CHECK_THROWS_AS(reselect_days("monthly"), rtm::UsageError);
  CHECK_THROWS_AS(reselect_days("w"), rtm::UsageError);
  CHECK_THROWS_AS(reselect_days("4"), rtm::UsageError);
}
