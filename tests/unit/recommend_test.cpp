// The decisions layer on hand-checkable cases (METHOD.md §5-6): risk classes,
// the vulnerability x exposure classes, Benjamini-Hochberg q-values, clusters
// of cells (connectivity, minimum size, order), the features a risk narrative
// names, and investment leverage. Every expected value below is worked out in
// the comments next to it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/bitset.hpp"
#include "core/feature_set.hpp"
#include "core/grid_spec.hpp"
#include "io/geometry.hpp"
#include "core/study_cells.hpp"
#include "ops/operationalize.hpp"
#include "recommend/classes.hpp"
#include "recommend/exposure.hpp"
#include "recommend/influence.hpp"

using namespace rtm;
using namespace rtm::recommend;

namespace {

constexpr double kPiRec = 3.14159265358979323846;

// A grid of 100 m cells with its west edge at x = 0 and north edge at
// y = 100 * rows, so cell (r, c) has its centre at (100 c + 50, 100 (rows - r) - 50).
GridSpec small_grid(std::int64_t cols, std::int64_t rows) {
  GridSpec g;
  g.west = 0;
  g.north = 100.0 * static_cast<double>(rows);
  g.cell_size_m = 100;
  g.cols = cols;
  g.rows = rows;
  return g;
}

// A picture of a grid, one string per row: '#' a selected study cell, '.' an
// unselected study cell, 'x' a cell outside the study area.
struct Picture {
  GridSpec grid;
  StudyCells cells;
  std::vector<std::uint8_t> selected;  // compact
};

Picture picture(const std::vector<std::string>& rows) {
  Picture p;
  p.grid = small_grid(static_cast<std::int64_t>(rows.at(0).size()), static_cast<std::int64_t>(rows.size()));
  std::vector<std::uint8_t> mask;
  for (const auto& row : rows)
    for (char ch : row) mask.push_back(ch == 'x' ? 0 : 1);
  p.cells = study_cells(p.grid, mask);
  for (const auto& row : rows)
    for (char ch : row)
      if (ch != 'x') p.selected.push_back(ch == '#' ? 1 : 0);
  return p;
}

// A cluster as (row, col) pairs, in the order the engine listed its cells.
using RC = std::pair<std::int64_t, std::int64_t>;
std::vector<std::vector<RC>> as_rc(const Picture& p, const std::vector<std::vector<std::size_t>>& groups) {
  std::vector<std::vector<RC>> out;
  for (const auto& g : groups) {
    std::vector<RC> v;
    for (std::size_t i : g) v.emplace_back(p.cells.linear.at(i) / p.grid.cols, p.cells.linear.at(i) % p.grid.cols);
    out.push_back(v);
  }
  return out;
}

Feature point(std::int64_t fid, double x, double y, const std::string& name = "") {
  Feature f;
  f.source_fid = fid;
  f.x = x;
  f.y = y;
  f.attributes = {name};
  return f;
}

FeatureSet point_layer(const std::string& name, std::vector<Feature> features) {
  FeatureSet fs;
  fs.name = name;
  fs.kind = GeomKind::point;
  fs.fields = {"name"};
  fs.features = std::move(features);
  return fs;
}

// The proximity candidate as ops defines it: 1 where the nearest feature is
// within the distance (<=), by brute force.
Bitset proximity_bits(const FeatureSet& fs, const StudyCells& cells, double distance) {
  Bitset b(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c)
    for (const auto& f : fs.features)
      if (std::hypot(f.x - cells.x[c], f.y - cells.y[c]) <= distance) b.set(c);
  return b;
}

FactorTerm term_for(const FeatureSet& fs, const Bitset& bits, const std::string& op, double distance, double rrv,
                    double threshold = 0) {
  FactorTerm t;
  t.factor = fs.name;
  t.op = op;
  t.distance_m = distance;
  t.name = fs.name + "." + op + "." + std::to_string(static_cast<int>(distance)) + "m";
  t.rrv = rrv;
  t.coef = std::log(rrv);
  t.features = &fs;
  t.label_field = 0;
  t.bits = &bits;
  t.threshold = threshold;
  t.cell_size_m = 100;
  return t;
}

std::map<std::size_t, FeatureLeverage> by_feature(const std::vector<FeatureLeverage>& v) {
  std::map<std::size_t, FeatureLeverage> m;
  for (const auto& l : v) m[l.feature] = l;
  return m;
}

}  // namespace

// ------------------------------------------------------------ risk classes --

TEST_CASE("risk classes: population SD of the score, strict thresholds", "[recommend]") {
  // 24 scores: seventeen 1s and 2, 2, 3, 4, 5, 6, 9 (in a shuffled order).
  // Sum 17 + 2 + 2 + 3 + 4 + 5 + 6 + 9 = 48, mean 2.
  // Squared deviations: 17 * 1 + 0 + 0 + 1 + 4 + 9 + 16 + 49 = 96; population
  // variance 96 / 24 = 4, SD 2 (the sample SD would be sqrt(96/23) = 2.04).
  // Thresholds: mean 2, mean + 1 SD = 4, mean + 2 SD = 6, all exact in binary.
  const std::vector<double> score = {1, 1, 4, 1, 1, 2, 1, 1, 9, 1, 1, 1, 3, 1, 1, 6, 1, 1, 5, 1, 1, 2, 1, 1};
  double mean = -1, sd = -1;
  const auto cls = risk_classes(score, &mean, &sd);
  CHECK(mean == 2.0);
  CHECK(sd == 2.0);
  REQUIRE(cls.size() == score.size());
  for (std::size_t i = 0; i < score.size(); ++i) {
    INFO("score " << score[i]);
    const double v = score[i];
    std::uint8_t want = below_average;
    if (v == 1 || v == 2) want = below_average;  // 2 = mean exactly: not above it (strict >)
    if (v == 3 || v == 4) want = above_average;  // 4 = mean + 1 SD exactly: still above average
    if (v == 5 || v == 6) want = moderately_high;  // 6 = mean + 2 SD exactly: not highest
    if (v == 9) want = highest;
    CHECK(static_cast<int>(cls[i]) == static_cast<int>(want));
  }
  CHECK(std::count(cls.begin(), cls.end(), highest) == 1);
  CHECK(std::count(cls.begin(), cls.end(), moderately_high) == 2);
  CHECK(std::count(cls.begin(), cls.end(), above_average) == 2);
  CHECK(std::count(cls.begin(), cls.end(), below_average) == 19);

  SECTION("a constant score has no classes above below average") {
    const auto flat = risk_classes(std::vector<double>(7, 3.5), &mean, &sd);
    CHECK(mean == 3.5);
    CHECK(sd == 0.0);
    CHECK(std::count(flat.begin(), flat.end(), below_average) == 7);
  }
  SECTION("class names") {
    CHECK(std::string(class_name(highest)) == "highest");
    CHECK(std::string(class_name(moderately_high)) == "moderately high");
    CHECK(std::string(class_name(above_average)) == "above average");
    CHECK(std::string(class_name(below_average)) == "below average");
  }
}

TEST_CASE("vulnerability x exposure: high risk = moderately high or highest", "[recommend]") {
  const std::vector<std::uint8_t> cls = {below_average, above_average, moderately_high, highest,
                                         below_average, above_average, moderately_high, highest};
  const std::vector<std::uint8_t> hot = {0, 0, 0, 0, 1, 1, 1, 1};
  const auto v = vulnerability_exposure(cls, hot);
  const std::vector<std::uint8_t> want = {0, 0, 2, 2, 1, 1, 3, 3};
  CHECK(v == want);
  CHECK(std::string(vxe_name(3)) == "high risk, hot (priority)");
  CHECK(std::string(vxe_name(2)) == "high risk, not hot");
  CHECK(std::string(vxe_name(1)) == "low risk, hot");
  CHECK(std::string(vxe_name(0)) == "low risk, not hot");
}

// --------------------------------------------------------------------- BH --

TEST_CASE("Benjamini-Hochberg q-values by hand (R's p.adjust(p, \"BH\"))", "[recommend]") {
  // n = 6. Sorted: 0.001 (rank 1), 0.03 (2), 0.04 (3), 0.04 (4), 0.5 (5), 0.9 (6).
  // p * n / rank: 0.006, 0.09, 0.08, 0.06, 0.6, 0.9; running minimum from the
  // largest rank down: 0.9, 0.6, 0.06, 0.06, 0.06, 0.006.
  // The tied 0.04s both get 0.06 whichever of them is ranked 3 or 4.
  const std::vector<double> p = {0.04, 0.001, 0.9, 0.03, 0.04, 0.5};
  const std::vector<double> want = {0.06, 0.006, 0.9, 0.06, 0.06, 0.6};
  const auto q = bh_adjust(p);
  REQUIRE(q.size() == p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    INFO("p = " << p[i]);
    CHECK(q[i] == Approx(want[i]).epsilon(1e-12));
  }
  SECTION("one p-value is its own q; none is empty") {
    CHECK(bh_adjust({0.3}) == std::vector<double>{0.3});
    CHECK(bh_adjust({}).empty());
  }
  SECTION("q-values never exceed 1 and keep the order of the p-values") {
    const std::vector<double> p2 = {1.0, 0.99, 0.98, 0.2, 0.0};
    const auto q2 = bh_adjust(p2);
    for (std::size_t i = 0; i < p2.size(); ++i) {
      CHECK(q2[i] <= 1.0);
      CHECK(q2[i] >= p2[i]);
    }
    // 0.0 * 5 / 1 = 0; 0.2 * 5 / 2 = 0.5; 0.98 * 5 / 3 -> min(1.633, 0.99 * 5 / 4, 1) = 1.
    CHECK(q2[4] == 0.0);
    CHECK(q2[3] == Approx(0.5).epsilon(1e-12));
    CHECK(q2[2] == Approx(1.0).epsilon(1e-12));
    CHECK(q2[0] == Approx(1.0).epsilon(1e-12));
  }
}

TEST_CASE("Gi* on a hand-checkable grid", "[recommend]") {
  // One row of 5 cells, counts 0 0 5 0 0; band 100 m: each cell plus its
  // east and west neighbours. n = 5, mean 1, s = sqrt(25/5 - 1) = 2.
  // Middle cell: W = 3, sum = 5: z = (5 - 3) / (2 sqrt((5*3 - 9)/4)) = 2 / (2 sqrt(1.5)) = 0.8165.
  // End cell 0: W = 2, sum = 0: z = (0 - 2) / (2 sqrt((10 - 4)/4)) = -1 / sqrt(1.5).
  // Cell 1: W = 3, sum = 5: same as the middle.
  const GridSpec g = small_grid(5, 1);
  const auto cells = study_cells(g, std::vector<std::uint8_t>(5, 1));
  const auto gi = getis_ord_gi_star(g, cells, {0, 0, 5, 0, 0}, 100.0, 0.05);
  const double m = 1 / std::sqrt(1.5);
  CHECK(gi.neighbours == std::vector<std::size_t>{2, 3, 3, 3, 2});
  CHECK(gi.z[0] == Approx(-m).epsilon(1e-12));
  CHECK(gi.z[1] == Approx(m).epsilon(1e-12));
  CHECK(gi.z[2] == Approx(m).epsilon(1e-12));
  CHECK(gi.z[3] == Approx(m).epsilon(1e-12));
  CHECK(gi.z[4] == Approx(-m).epsilon(1e-12));
  CHECK(gi.p[2] == Approx(std::erfc(m / std::sqrt(2.0))).epsilon(1e-12));
  CHECK(std::count(gi.hot.begin(), gi.hot.end(), 1) == 0);  // p = 0.41: nothing is hot
}

// --------------------------------------------------------------- clusters --

TEST_CASE("clusters: 8- versus 4-connectivity", "[recommend]") {
  const Picture p = picture({"#....",
                             ".#...",
                             "....."});
  const auto eight = as_rc(p, clusters(p.grid, p.cells, p.selected, true, 1));
  const auto four = as_rc(p, clusters(p.grid, p.cells, p.selected, false, 1));
  // The diagonal pair is one place with 8-connectivity, two with 4.
  REQUIRE(eight.size() == 1);
  CHECK(eight[0] == std::vector<RC>{{0, 0}, {1, 1}});
  REQUIRE(four.size() == 2);
  CHECK(four[0] == std::vector<RC>{{0, 0}});
  CHECK(four[1] == std::vector<RC>{{1, 1}});
  // With a minimum of 2 cells the 4-connected singletons are dropped.
  CHECK(clusters(p.grid, p.cells, p.selected, false, 2).empty());
  CHECK(clusters(p.grid, p.cells, p.selected, true, 2).size() == 1);
  CHECK(clusters(p.grid, p.cells, p.selected, true, 3).empty());
}

TEST_CASE("clusters: no wrap-around between rows, no bridging through cells outside the area", "[recommend]") {
  SECTION("the last cell of a row and the first of the next are not neighbours") {
    // Compact indices 4 and 5 are consecutive, but the cells are 4 columns apart.
    const Picture p = picture({"....#",
                               "#....",
                               "....."});
    CHECK(clusters(p.grid, p.cells, p.selected, true, 1).size() == 2);
    CHECK(clusters(p.grid, p.cells, p.selected, false, 1).size() == 2);
  }
  SECTION("a cell outside the study area separates two groups") {
    const Picture p = picture({"##x##",
                               "..x..",
                               "....."});
    const auto g = as_rc(p, clusters(p.grid, p.cells, p.selected, true, 1));
    REQUIRE(g.size() == 2);
    CHECK(g[0] == std::vector<RC>{{0, 0}, {0, 1}});
    CHECK(g[1] == std::vector<RC>{{0, 3}, {0, 4}});
  }
  SECTION("masked cells shift compact indices; diagonal links still follow the grid") {
    // Row 1 starts with two cells outside the area, so compact indices and
    // grid positions differ; (0,1)-(1,2) are diagonal neighbours.
    const Picture p = picture({".#...",
                               "xx#..",
                               "...x#"});
    const auto g8 = as_rc(p, clusters(p.grid, p.cells, p.selected, true, 1));
    REQUIRE(g8.size() == 2);
    CHECK(g8[0] == std::vector<RC>{{0, 1}, {1, 2}});
    CHECK(g8[1] == std::vector<RC>{{2, 4}});
    CHECK(clusters(p.grid, p.cells, p.selected, false, 1).size() == 3);
  }
}

TEST_CASE("clusters: minimum size, order of groups and of their cells", "[recommend]") {
  // Groups (8-connected): A = U shape of 7 cells starting at (0,0); B = single
  // cell (0,6); C = 2 cells (3,5)-(3,6); D = 3 cells (5,0),(5,1),(4,2)
  // (diagonal link); E = single cell (5,6).
  const Picture p = picture({"#.#...#",
                             "#.#....",
                             "###....",
                             ".....##",
                             "..#....",
                             "##....#"});
  const auto all = as_rc(p, clusters(p.grid, p.cells, p.selected, true, 1));
  REQUIRE(all.size() == 5);
  // In order of each group's first cell (row-major), cells in increasing order.
  CHECK(all[0] == std::vector<RC>{{0, 0}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}, {2, 2}});
  CHECK(all[1] == std::vector<RC>{{0, 6}});
  CHECK(all[2] == std::vector<RC>{{3, 5}, {3, 6}});
  CHECK(all[3] == std::vector<RC>{{4, 2}, {5, 0}, {5, 1}});
  CHECK(all[4] == std::vector<RC>{{5, 6}});

  const auto big = as_rc(p, clusters(p.grid, p.cells, p.selected, true, 3));
  REQUIRE(big.size() == 2);
  CHECK(big[0].size() == 7);
  CHECK(big[1] == std::vector<RC>{{4, 2}, {5, 0}, {5, 1}});

  // 4-connected: (4,2) no longer touches (5,1), so D splits into 2 + 1.
  const auto four = as_rc(p, clusters(p.grid, p.cells, p.selected, false, 2));
  REQUIRE(four.size() == 3);
  CHECK(four[0].size() == 7);
  CHECK(four[1] == std::vector<RC>{{3, 5}, {3, 6}});
  CHECK(four[2] == std::vector<RC>{{5, 0}, {5, 1}});
  // The compact indices of every group are increasing.
  for (const auto& grp : clusters(p.grid, p.cells, p.selected, true, 1))
    CHECK(std::is_sorted(grp.begin(), grp.end()));
}

// ------------------------------------------------------------- narratives --

TEST_CASE("narratives name exactly the features within the distance (proximity)", "[recommend]") {
  // 6 x 6 cells of 100 m; the place is the 2 x 2 block of cells whose centres
  // are (250, 350), (350, 350), (250, 250), (350, 250).
  const GridSpec g = small_grid(6, 6);
  const auto cells = study_cells(g, std::vector<std::uint8_t>(36, 1));
  auto compact = [&](double x, double y) {
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (cells.x[i] == x && cells.y[i] == y) return i;
    FAIL("no cell centred at " << x << ", " << y);
    return std::size_t{0};
  };
  const std::vector<std::size_t> place = {compact(250, 350), compact(350, 350), compact(250, 250), compact(350, 250)};
  const FeatureSet bars = point_layer(
      "liquor_retail",
      {
          point(10, 250, 100, "At The Edge"),    // 0: exactly 150 m south of (250, 250): in (<=)
          point(11, 99.999, 350, "Just Beyond"),  // 1: 150.001 m west of (250, 350): out
          point(12, 300, 300, "In The Middle"),   // 2: the shared corner, 70.71 m from all four
          point(13, 580, 580, "Far Away"),        // 3: 325 m from (350, 350): out
          point(14, 470, 250, ""),                // 4: 120 m east of (350, 250); no name
          point(15, 350, 50, "South"),            // 5: 200 m from (350, 250): out
      });
  const Bitset bits = proximity_bits(bars, cells, 150);
  for (std::size_t c : place) REQUIRE(bits.test(c));
  const FactorTerm term = term_for(bars, bits, "proximity", 150, 2.1);
  const FeatureFinder finder(term);

  const auto resp = responsible_features(term, finder, cells, place);
  REQUIRE(resp.size() == 3);
  // Sorted by distance to the nearest place cell.
  CHECK(resp[0].first == 2);
  CHECK(resp[0].second == Approx(std::sqrt(5000.0)).epsilon(1e-12));
  CHECK(resp[1].first == 4);
  CHECK(resp[1].second == Approx(120.0).epsilon(1e-12));
  CHECK(resp[2].first == 0);
  CHECK(resp[2].second == 150.0);
  CHECK(feature_label(term, 2) == "In The Middle");
  CHECK(feature_label(term, 0) == "At The Edge");
  CHECK(feature_label(term, 4) == "#14");  // empty name: the source id
  FactorTerm unlabelled = term;
  unlabelled.label_field = -1;
  CHECK(feature_label(unlabelled, 2) == "#12");

  SECTION("the within() query itself: <= the distance") {
    const auto near = finder.within(250, 250, 150);
    std::set<std::size_t> ids;
    for (const auto& [f, d] : near) ids.insert(f);
    CHECK(ids == std::set<std::size_t>{0, 2});
    const auto west = finder.within(250, 350, 150);
    for (const auto& [f, d] : west) CHECK(f != 1);
  }
  SECTION("only place cells where the candidate is 1 count") {
    // Clear the candidate at (350, 250): feature 4 is within 150 m of no
    // other place cell ((350, 350) is 156 m away), so it is no longer named.
    Bitset partial(cells.size());
    bits.for_each([&](std::size_t c) {
      if (c != compact(350, 250)) partial.set(c);
    });
    FactorTerm t2 = term;
    t2.bits = &partial;
    const FeatureFinder f2(t2);
    const auto r2 = responsible_features(t2, f2, cells, place);
    REQUIRE(r2.size() == 2);
    CHECK(r2[0].first == 2);
    CHECK(r2[1].first == 0);
  }
  SECTION("a place of one cell away from all features names none") {
    const std::vector<std::size_t> lone = {compact(50, 550)};
    CHECK(responsible_features(term, finder, cells, lone).empty());
  }
}

TEST_CASE("narratives for line features use the distance to the line", "[recommend]") {
  // A street segment along y = 100: 150 m from the row of centres at y = 250
  // (in, <=) and 250 m from y = 350 (out); a second one along y = 590.
  const GridSpec g = small_grid(6, 6);
  const auto cells = study_cells(g, std::vector<std::uint8_t>(36, 1));
  FeatureSet streets;
  streets.name = "dark_streets";
  streets.kind = GeomKind::line;
  streets.fields = {"name"};
  Feature a;
  a.source_fid = 1;
  a.wkb = io::linestring_wkb({0, 100, 600, 100});
  a.attributes = {"Low Street"};
  Feature b;
  b.source_fid = 2;
  b.wkb = io::linestring_wkb({0, 590, 600, 590});
  b.attributes = {"High Street"};
  streets.features = {a, b};
  Bitset bits(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c)
    if (std::fabs(cells.y[c] - 100) <= 150 || std::fabs(cells.y[c] - 590) <= 150) bits.set(c);
  const FactorTerm term = term_for(streets, bits, "proximity", 150, 1.5);
  const FeatureFinder finder(term);
  std::vector<std::size_t> place;  // the row centred at y = 250, columns 1-2
  for (std::size_t c = 0; c < cells.size(); ++c)
    if (cells.y[c] == 250 && (cells.x[c] == 150 || cells.x[c] == 250)) place.push_back(c);
  REQUIRE(place.size() == 2);
  const auto resp = responsible_features(term, finder, cells, place);
  REQUIRE(resp.size() == 1);
  CHECK(resp[0].first == 0);
  CHECK(resp[0].second == Approx(150.0).margin(1e-9));
  CHECK(feature_label(term, 0) == "Low Street");
}

TEST_CASE("narratives for density terms name the features whose kernel reaches the place", "[recommend]") {
  // One row of 5 cells (centres x = 50 .. 450, y = 50); bandwidth 200 m.
  const GridSpec g = small_grid(5, 1);
  const auto cells = study_cells(g, std::vector<std::uint8_t>(5, 1));
  const FeatureSet fs = point_layer("graffiti", {point(1, 150, 50, "a"), point(2, 350, 50, "b"),
                                                 point(3, 450, 250, "c")});  // c: exactly 200 m from (450, 50)
  Bitset bits(5);
  bits.set(4);
  const FactorTerm term = term_for(fs, bits, "density", 200, 1.6, 0.0);
  const FeatureFinder finder(term);
  // At (450, 50): feature 1 is 100 m away (kernel > 0); feature 0 is 300 m
  // away and feature 2 exactly at the bandwidth (kernel weight 0): not named.
  const auto resp = responsible_features(term, finder, cells, {4});
  REQUIRE(resp.size() == 1);
  CHECK(resp[0].first == 1);
  CHECK(resp[0].second == Approx(100.0).epsilon(1e-12));
}

// --------------------------------------------------------------- leverage --

TEST_CASE("leverage (proximity): cells covered by two features of the factor count for neither", "[recommend]") {
  // One row of 8 cells, centres x = 50, 150, ..., 750 (y = 50). Distance 150 m.
  //   feature 0 at x = 150 covers cells 0, 1, 2   (d = 100, 0, 100)
  //   feature 1 at x = 350 covers cells 2, 3, 4
  //   feature 2 at x = 650 covers cells 5, 6, 7
  //   feature 3 at x = 800 covers cells 6 (d = 150 exactly, <=) and 7
  // Covered by one feature only: 0, 1 (feature 0); 3, 4 (feature 1); 5 (feature 2).
  // Cell 2 (features 0 and 1) and cells 6, 7 (features 2 and 3) count for no one.
  // lambda = 0.1, 0.2, 0.4, ..., 12.8 (each a power of two times 0.1, so a sum
  // identifies its cells); RRV 4: 1 - 1/RRV = 0.75.
  //   feature 0: (0.1 + 0.2) * 0.75 = 0.225, 2 cells
  //   feature 1: (0.8 + 1.6) * 0.75 = 1.8,   2 cells
  //   feature 2:  3.2        * 0.75 = 2.4,   1 cell
  //   feature 3: nothing (both of its cells are shared with feature 2).
  const GridSpec g = small_grid(8, 1);
  const auto cells = study_cells(g, std::vector<std::uint8_t>(8, 1));
  const FeatureSet fs = point_layer("liquor_stores", {point(100, 150, 50, "A"), point(101, 350, 50, "B"),
                                                      point(102, 650, 50, "C"), point(103, 800, 50, "D")});
  const Bitset bits = proximity_bits(fs, cells, 150);
  REQUIRE(bits.count() == 8);
  const FactorTerm term = term_for(fs, bits, "proximity", 150, 4.0);
  const FeatureFinder finder(term);
  const std::vector<double> lambda = {0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8};
  const auto lev = leverage(term, finder, cells, lambda);
  const auto m = by_feature(lev);
  REQUIRE(m.count(0) == 1);
  REQUIRE(m.count(1) == 1);
  REQUIRE(m.count(2) == 1);
  CHECK(m.at(0).leverage == Approx(0.225).epsilon(1e-12));
  CHECK(m.at(0).cells == 2);
  CHECK(m.at(1).leverage == Approx(1.8).epsilon(1e-12));
  CHECK(m.at(1).cells == 2);
  CHECK(m.at(2).leverage == Approx(2.4).epsilon(1e-12));
  CHECK(m.at(2).cells == 1);
  // Feature 3 has no cell of its own: absent, or listed with zero leverage.
  if (m.count(3) != 0) {
    CHECK(m.at(3).leverage == 0.0);
    CHECK(m.at(3).cells == 0);
  }
  // Ranked by leverage, highest first.
  REQUIRE(lev.size() >= 3);
  CHECK(lev[0].feature == 2);
  CHECK(lev[1].feature == 1);
  CHECK(lev[2].feature == 0);
  double total = 0;
  for (const auto& l : lev) total += l.leverage;
  CHECK(total == Approx(0.225 + 1.8 + 2.4).epsilon(1e-12));

  SECTION("cells where the candidate is 0 add nothing") {
    // Switch the candidate off at cells 0 and 5 (as if another study had
    // dichotomized differently): feature 0 keeps cell 1, feature 2 nothing.
    Bitset partial(8);
    for (std::size_t c : {1u, 2u, 3u, 4u, 6u, 7u}) partial.set(c);
    FactorTerm t2 = term;
    t2.bits = &partial;
    const FeatureFinder f2(t2);
    const auto m2 = by_feature(leverage(t2, f2, cells, lambda));
    CHECK(m2.at(0).leverage == Approx(0.15).epsilon(1e-12));
    CHECK(m2.at(1).leverage == Approx(1.8).epsilon(1e-12));
    CHECK((m2.count(2) == 0 || m2.at(2).leverage == 0.0));
  }
  SECTION("a feature duplicated at the same spot leaves neither copy any leverage") {
    const FeatureSet dup = point_layer("liquor_stores", {point(1, 350, 50, "B"), point(2, 350, 50, "B again")});
    const Bitset b2 = proximity_bits(dup, cells, 150);
    const FactorTerm t3 = term_for(dup, b2, "proximity", 150, 4.0);
    const FeatureFinder f3(t3);
    for (const auto& l : leverage(t3, f3, cells, lambda)) CHECK(l.leverage == 0.0);
  }
}

TEST_CASE("leverage (density): the cells a feature alone lifts above the threshold", "[recommend]") {
  // One row of 5 cells, centres x = 50 .. 450; bandwidth h = 200 m; quartic
  // kernel K(d) = 3 / (pi h^2) (1 - d^2/h^2)^2, K0 = K(0).
  // Feature 0 at x = 150, feature 1 at x = 350. In units of K0:
  //   cell:        0       1      2                3      4
  //   feature 0:   0.5625  1      0.5625           0      0        (d = 100, 0, 100, 200, 300)
  //   feature 1:   0       0      0.5625           1      0.5625
  //   density:     0.5625  1      1.125            1      0.5625
  const GridSpec g = small_grid(5, 1);
  const auto cells = study_cells(g, std::vector<std::uint8_t>(5, 1));
  const FeatureSet fs = point_layer("graffiti", {point(7, 150, 50, "a"), point(8, 350, 50, "b")});
  const double h = 200, k0 = 3.0 / (kPiRec * h * h);
  const std::vector<double> lambda = {1, 2, 4, 8, 16};
  const std::vector<double> units = {0.5625, 1, 1.125, 1, 0.5625};

  // The finder's kernel is the one ops::density_fields sums.
  const auto dens = ops::density_fields(fs, cells, {h}, 100.0)[0];
  for (std::size_t c = 0; c < 5; ++c) CHECK(dens[c] == Approx(units[c] * k0).epsilon(1e-12));

  auto bits_above = [&](double thr) {
    Bitset b(5);
    for (std::size_t c = 0; c < 5; ++c)
      if (dens[c] > thr) b.set(c);
    return b;
  };
  SECTION("threshold 0.8 K0: cells 1, 2, 3 are on; removing either feature switches cell 2 off") {
    // Cell 2 without feature 0: 0.5625 <= 0.8, so it counts for feature 0;
    // likewise for feature 1. RRV 2: 1 - 1/RRV = 0.5.
    //   feature 0: cells 1, 2: (2 + 4) * 0.5 = 3
    //   feature 1: cells 2, 3: (4 + 8) * 0.5 = 6
    const double thr = 0.8 * k0;
    const Bitset bits = bits_above(thr);
    REQUIRE(bits.count() == 3);
    const FactorTerm term = term_for(fs, bits, "density", h, 2.0, thr);
    const FeatureFinder finder(term);
    const auto kern = finder.kernel(250, 50);
    REQUIRE(kern.size() == 2);
    CHECK(kern[0].second == Approx(0.5625 * k0).epsilon(1e-12));
    const auto m = by_feature(leverage(term, finder, cells, lambda));
    REQUIRE(m.count(0) == 1);
    REQUIRE(m.count(1) == 1);
    CHECK(m.at(0).leverage == Approx(3.0).epsilon(1e-12));
    CHECK(m.at(0).cells == 2);
    CHECK(m.at(1).leverage == Approx(6.0).epsilon(1e-12));
    CHECK(m.at(1).cells == 2);
  }
  SECTION("threshold 0.5 K0: all cells are on; cell 2 stays on without either feature") {
    // Cell 2 without one feature: 0.5625 > 0.5, still on: counts for neither.
    //   feature 0: cells 0, 1: (1 + 2) * 0.5 = 1.5
    //   feature 1: cells 3, 4: (8 + 16) * 0.5 = 12
    const double thr = 0.5 * k0;
    const Bitset bits = bits_above(thr);
    REQUIRE(bits.count() == 5);
    const FactorTerm term = term_for(fs, bits, "density", h, 2.0, thr);
    const FeatureFinder finder(term);
    const auto lev = leverage(term, finder, cells, lambda);
    const auto m = by_feature(lev);
    CHECK(m.at(0).leverage == Approx(1.5).epsilon(1e-12));
    CHECK(m.at(0).cells == 2);
    CHECK(m.at(1).leverage == Approx(12.0).epsilon(1e-12));
    CHECK(m.at(1).cells == 2);
    REQUIRE(lev.size() == 2);
    CHECK(lev[0].feature == 1);
  }
}

TEST_CASE("leverage of a factor with two terms: the product of the RRVs, not the sum of the shares", "[recommend]") {
  // One row of 4 cells, centres x = 50, 150, 250, 350. One feature at x = 50.
  // Term A: proximity 100 m, RRV 2 -> cells 0, 1.  Term B: proximity 250 m, RRV 3 -> cells 0, 1, 2.
  // lambda = 1, 2, 4, 8. The feature alone switches on:
  //   cells 0, 1: A and B -> lambda (1 - 1/6): (1 + 2) * 5/6 = 2.5
  //   cell 2:     B only  -> 4 * (1 - 1/3) = 8/3
  // total 2.5 + 8/3 = 31/6, over 3 cells. (Summing the shares would give
  // 3 * (1/2 + 2/3) + 8/3 = 6.1667, more than lambda itself on cells 0 and 1 allow.)
  const GridSpec g = small_grid(4, 1);
  const auto cells = study_cells(g, std::vector<std::uint8_t>(4, 1));
  const FeatureSet fs = point_layer("bars", {point(7, 50, 50, "only")});
  const Bitset bits_a = proximity_bits(fs, cells, 100);
  const Bitset bits_b = proximity_bits(fs, cells, 250);
  REQUIRE(bits_a.count() == 2);
  REQUIRE(bits_b.count() == 3);
  const FactorTerm a = term_for(fs, bits_a, "proximity", 100, 2.0);
  const FactorTerm b = term_for(fs, bits_b, "proximity", 250, 3.0);
  const FeatureFinder fa(a), fb(b);
  const std::vector<double> lambda = {1, 2, 4, 8};
  const auto lev = leverage(std::vector<const FactorTerm*>{&a, &b}, std::vector<const FeatureFinder*>{&fa, &fb},
                            cells, lambda);
  REQUIRE(lev.size() == 1);
  CHECK(lev[0].feature == 0);
  CHECK(lev[0].cells == 3);
  CHECK(lev[0].leverage == Approx(31.0 / 6.0).epsilon(1e-12));
}
