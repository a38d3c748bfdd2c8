// Forecast metrics (METHOD.md §7) on cases small enough to check by hand.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "evaluate/metrics.hpp"

using namespace rtm::evaluate;
using Counts = std::vector<std::int64_t>;
using Order = std::vector<std::size_t>;

TEST_CASE("ranking: score descending, ties by cell id ascending", "[evaluate]") {
  CHECK(rank_cells({0.5, 2.0, 1.0, 2.0, 0.0, 1.0}) == Order{1, 3, 2, 5, 0, 4});
  CHECK(rank_cells({3, 3, 3, 3}) == Order{0, 1, 2, 3});
  CHECK(rank_cells({}) == Order{});
  // NaN ranks last, by id among themselves.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(rank_cells({nan, 1.0, nan, 5.0}) == Order{3, 1, 0, 2});
  // The order does not depend on how ties are laid out in memory.
  std::vector<double> big(1000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>((i * 7919) % 10);
  const Order o = rank_cells(big);
  for (std::size_t i = 1; i < o.size(); ++i) {
    REQUIRE(big[o[i - 1]] >= big[o[i]]);
    if (big[o[i - 1]] == big[o[i]]) REQUIRE(o[i - 1] < o[i]);
  }
}

TEST_CASE("cells for a coverage: the smallest number whose area reaches it (ceil)", "[evaluate]") {
  CHECK(cells_for_fraction(100, 0.05) == 5);
  CHECK(cells_for_fraction(2000, 0.05) == 100);
  CHECK(cells_for_fraction(100, 0.07) == 7);  // 0.07 * 100 = 7.000000000000001 in doubles
  CHECK(cells_for_fraction(56362, 0.05) == 2819);  // 2818.1 -> 2819
  CHECK(cells_for_fraction(56362, 0.01) == 564);
  CHECK(cells_for_fraction(10, 0.01) == 1);  // 0.1 of a cell: one cell reaches it
  CHECK(cells_for_fraction(10, 0.0) == 0);
  CHECK(cells_for_fraction(10, 1.0) == 10);
  CHECK(cells_for_fraction(10, 1.5) == 10);
  CHECK(cells_for_fraction(0, 0.05) == 0);
  for (std::size_t n : {7u, 99u, 1000u, 5359u, 56362u})
    for (double f : {0.01, 0.05, 0.1, 0.2, 0.33}) {
      const std::size_t k = cells_for_fraction(n, f);
      CHECK(static_cast<double>(k) >= f * static_cast<double>(n) - 1e-9);
      CHECK(static_cast<double>(k - 1) < f * static_cast<double>(n));
    }
}

TEST_CASE("cells for an area budget: the most cells that do not exceed it (floor)", "[evaluate]") {
  // 100 m cells are 0.01 km².
  CHECK(cells_for_budget(5359, 0.01, 1.0) == 100);
  CHECK(cells_for_budget(5359, 0.01, 0.999) == 99);
  CHECK(cells_for_budget(5359, 0.1, 0.7) == 7);  // 0.7 / 0.1 = 6.999999999999999 in doubles
  CHECK(cells_for_budget(50, 0.01, 1.0) == 50);   // budget larger than the area
  CHECK(cells_for_budget(50, 0.01, 0.0) == 0);
  CHECK(cells_for_budget(50, 0.01, 0.005) == 0);  // less than a cell
}

TEST_CASE("n*: the best any k cells could catch, whatever the ties", "[evaluate]") {
  const Counts c{0, 3, 1, 3, 2, 0, 1};
  CHECK(max_catch(c, 0) == 0);
  CHECK(max_catch(c, 1) == 3);
  CHECK(max_catch(c, 2) == 6);  // the two cells tied at 3
  CHECK(max_catch(c, 3) == 8);
  CHECK(max_catch(c, 4) == 9);
  CHECK(max_catch(c, 5) == 10);  // either of the two 1s: the same n*
  CHECK(max_catch(c, 7) == 10);
  CHECK(max_catch(c, 99) == 10);
}

TEST_CASE("hit rate, PAI and PEI of a selection, by hand", "[evaluate]") {
  // 10 cells; test counts; N = 10.
  const Counts test{0, 4, 0, 1, 2, 0, 0, 3, 0, 0};
  // A forecast ranking cells 7, 3, 1, 0, ...: the top 2 (20 % of the area) catch 3 + 1 = 4.
  const Order order = rank_cells({1, 5, 0, 8, 0, 0, 0, 9, 0, 0});
  REQUIRE(order[0] == 7);
  REQUIRE(order[1] == 3);
  const WindowMetrics m = score_selection(order, 2, test);
  CHECK(m.cells_selected == 2);
  CHECK(m.area_fraction == Approx(0.2));
  CHECK(m.total == 10);
  CHECK(m.n == 4);
  CHECK(m.n_star == 7);  // cells 1 and 7
  REQUIRE(m.hit_rate);
  CHECK(*m.hit_rate == Approx(0.4));
  CHECK(*m.pai == Approx(2.0));  // 0.4 / 0.2
  CHECK(*m.pei == Approx(4.0 / 7.0));

  // Ties in the forecast are broken by cell id: the scores 0 of cells 0, 2, 4 ...
  // put cell 0 before cell 4, so the 5th cell picked is 0 (catching nothing), not 4.
  const WindowMetrics m5 = score_selection(order, 5, test);
  CHECK(m5.n == 4 + 4 + 0 + 0);  // cells 7, 3, 1, 0, 2
  CHECK(m5.n_star == 10);
  CHECK(*m5.pei == Approx(0.8));

  // The perfect forecast has PEI 1; the whole area has hit rate 1 and PAI 1.
  const Order perfect = rank_cells({0, 4, 0, 1, 2, 0, 0, 3, 0, 0});
  CHECK(*score_selection(perfect, 3, test).pei == Approx(1.0));
  const WindowMetrics all = score_selection(order, 10, test);
  CHECK(*all.hit_rate == Approx(1.0));
  CHECK(*all.pai == Approx(1.0));
  CHECK(*all.pei == Approx(1.0));
}

TEST_CASE("n* with ties in the test counts: PEI does not depend on which tied cell is counted", "[evaluate]") {
  // Three cells tied at 2 incidents; a forecast picking two of them has PEI 1.
  const Counts test{2, 0, 2, 2, 1};
  CHECK(*score_selection(Order{0, 2, 1, 3, 4}, 2, test).pei == Approx(1.0));
  CHECK(*score_selection(Order{3, 2, 0, 1, 4}, 2, test).pei == Approx(1.0));
  CHECK(*score_selection(Order{3, 4, 0, 1, 2}, 2, test).pei == Approx(3.0 / 4.0));
}

TEST_CASE("an empty window gives undefined metrics, left out of means", "[evaluate]") {
  const Counts none(6, 0);
  const WindowMetrics m = score_selection(Order{0, 1, 2, 3, 4, 5}, 2, none);
  CHECK(m.total == 0);
  CHECK(m.n == 0);
  CHECK(m.n_star == 0);
  CHECK_FALSE(m.hit_rate);
  CHECK_FALSE(m.pai);
  CHECK_FALSE(m.pei);
  // No cell selected (a budget under one cell): undefined too.
  const WindowMetrics z = score_selection(Order{0, 1, 2}, 0, Counts{1, 0, 2});
  CHECK_FALSE(z.pai);
  CHECK_FALSE(z.pei);

  const Mean mean = mean_defined({2.0, std::nullopt, 4.0, std::nullopt});
  REQUIRE(mean.value);
  CHECK(*mean.value == Approx(3.0));
  CHECK(mean.defined == 2);
  CHECK_FALSE(mean_defined({std::nullopt}).value);
  CHECK(mean_defined({}).defined == 0);
}

TEST_CASE("RRI: (n2/n1) / (N2/N1)", "[evaluate]") {
  // Hot spots caught 10 of 100 in period 1 and 6 of 50 in period 2: (6/10) / (50/100) = 1.2.
  REQUIRE(rri(10, 100, 6, 50));
  CHECK(*rri(10, 100, 6, 50) == Approx(1.2));
  CHECK(*rri(5, 20, 5, 20) == Approx(1.0));
  CHECK(*rri(4, 40, 0, 30) == Approx(0.0));
  CHECK_FALSE(rri(0, 40, 3, 30));  // nothing caught in period 1
  CHECK_FALSE(rri(0, 0, 3, 30));   // empty period 1
  CHECK_FALSE(rri(4, 40, 0, 0));   // empty period 2
  // The same cells through caught(): cells {1, 3} over two periods.
  const Order order{1, 3, 0, 2};
  const Counts p1{1, 3, 0, 1}, p2{0, 1, 2, 1};
  CHECK(*rri(caught(order, 2, p1), 5, caught(order, 2, p2), 4) == Approx((2.0 / 4.0) / (4.0 / 5.0)));
}

TEST_CASE("PEI <= 1 and hit rate in [0, 1] on many random forecasts", "[evaluate]") {
  std::mt19937_64 rng(20240501);
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t cells = 1 + rng() % 60;
    Counts test(cells);
    std::vector<double> score(cells);
    const int spread = 1 + static_cast<int>(rng() % 4);
    for (std::size_t i = 0; i < cells; ++i) {
      // Few distinct values, so that ties are common in both.
      test[i] = static_cast<std::int64_t>(rng() % 4 == 0 ? rng() % 5 : 0);
      score[i] = static_cast<double>(rng() % static_cast<unsigned>(spread));
    }
    const Order order = rank_cells(score);
    std::vector<std::int64_t> sorted(test);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    for (std::size_t k = 0; k <= cells; ++k) {
      const WindowMetrics m = score_selection(order, k, test, sorted);
      REQUIRE(m.n <= m.n_star);
      REQUIRE(m.n_star <= m.total);
      REQUIRE(m.n_star == max_catch(test, k));
      if (m.total == 0 || k == 0) {
        REQUIRE_FALSE(m.pei);
        continue;
      }
      REQUIRE(m.pei);
      REQUIRE(*m.pei <= 1.0);
      REQUIRE(*m.pei >= 0.0);
      REQUIRE(*m.hit_rate >= 0.0);
      REQUIRE(*m.hit_rate <= 1.0);
      REQUIRE(*m.pai == Approx(*m.hit_rate * static_cast<double>(cells) / static_cast<double>(k)));
    }
  }
}
