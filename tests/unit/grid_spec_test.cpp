// GridSpec: cell of a point, cell centres, covering(), border rules.
//
// The rule under test (core/grid_spec.hpp): a cell covers [west, east) x (south, north];
// a point on a vertical border belongs to the cell to its east, a point on a
// horizontal border to the cell to its south; the grid's west and north outer
// edges are inside, its east and south outer edges outside.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/grid_spec.hpp"

namespace {

rtm::GridSpec make_grid(double west, double north, double cell, std::int64_t cols, std::int64_t rows) {
  rtm::GridSpec g;
  g.west = west;
  g.north = north;
  g.cell_size_m = cell;
  g.cols = cols;
  g.rows = rows;
  return g;
}

std::string show(const std::optional<rtm::CellIndex>& c) {
  if (!c) return "outside";
  std::ostringstream s;
  s << "(row " << c->row << ", col " << c->col << ")";
  return s.str();
}

struct PointCase {
  const char* what;
  double x, y;
  bool inside;
  std::int64_t row, col;
};

}  // namespace

TEST_CASE("GridSpec: derived extents", "[grid]") {
  const rtm::GridSpec g = make_grid(1000.0, 2000.0, 100.0, 5, 4);
  CHECK(g.cell_count() == 20);
  CHECK(g.east() == 1500.0);
  CHECK(g.south() == 1600.0);
  CHECK(g.linear({0, 0}) == 0);
  CHECK(g.linear({0, 4}) == 4);
  CHECK(g.linear({1, 0}) == 5);
  CHECK(g.linear({3, 4}) == 19);
}

TEST_CASE("GridSpec::cell_of: interiors, borders and outer edges", "[grid]") {
  // 5 columns x 4 rows of 100 m: x in [1000, 1500), y in (1600, 2000].
  const rtm::GridSpec g = make_grid(1000.0, 2000.0, 100.0, 5, 4);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  const std::vector<PointCase> cases = {
      {"interior of the north-west cell", 1050.0, 1950.0, true, 0, 0},
      {"interior of the south-east cell", 1450.0, 1650.0, true, 3, 4},
      {"interior, arbitrary", 1234.5, 1777.7, true, 2, 2},
      // inner borders
      {"vertical border -> east cell", 1100.0, 1950.0, true, 0, 1},
      {"vertical border x=1400 -> east cell", 1400.0, 1650.0, true, 3, 4},
      {"horizontal border -> south cell", 1050.0, 1900.0, true, 1, 0},
      {"horizontal border y=1700 -> south cell", 1450.0, 1700.0, true, 3, 4},
      {"corner of four cells -> south-east one", 1100.0, 1900.0, true, 1, 1},
      {"corner of four cells (1300, 1800)", 1300.0, 1800.0, true, 2, 3},
      // just either side of a border
      {"just west of a vertical border", 1099.999, 1950.0, true, 0, 0},
      {"just north of a horizontal border", 1050.0, 1900.001, true, 0, 0},
      // outer edges: west and north inside, east and south outside
      {"west outer edge is inside", 1000.0, 1950.0, true, 0, 0},
      {"north outer edge is inside", 1250.0, 2000.0, true, 0, 2},
      {"north-west outer corner is inside", 1000.0, 2000.0, true, 0, 0},
      {"east outer edge is outside", 1500.0, 1950.0, false, 0, 0},
      {"south outer edge is outside", 1250.0, 1600.0, false, 0, 0},
      {"south-east outer corner is outside", 1500.0, 1600.0, false, 0, 0},
      {"north-east outer corner is outside (east edge)", 1500.0, 2000.0, false, 0, 0},
      {"south-west outer corner is outside (south edge)", 1000.0, 1600.0, false, 0, 0},
      {"just inside the east edge", 1499.999, 1950.0, true, 0, 4},
      {"just inside the south edge", 1250.0, 1600.001, true, 3, 2},
      {"just outside the west edge", 999.999, 1950.0, false, 0, 0},
      {"just outside the north edge", 1250.0, 2000.001, false, 0, 0},
      {"far away", -1.0e9, 1.0e9, false, 0, 0},
      // non-finite coordinates
      {"NaN x", nan, 1950.0, false, 0, 0},
      {"NaN y", 1050.0, nan, false, 0, 0},
      {"NaN both", nan, nan, false, 0, 0},
      {"+inf x", inf, 1950.0, false, 0, 0},
      {"-inf y", 1050.0, -inf, false, 0, 0},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": (" << c.x << ", " << c.y << ")");
    const auto cell = g.cell_of(c.x, c.y);
    INFO("got " << show(cell));
    REQUIRE(cell.has_value() == c.inside);
    if (c.inside) {
      CHECK(cell->row == c.row);
      CHECK(cell->col == c.col);
    }
  }
}

TEST_CASE("GridSpec::cell_of: borders at projected-CRS magnitudes", "[grid]") {
  // A grid like the sample city's (EPSG:26971 metres, 100 m cells).
  const rtm::GridSpec g = make_grid(350000.0, 576000.0, 100.0, 120, 90);
  const std::vector<PointCase> cases = {
      {"vertical border", 356700.0, 575650.0, true, 3, 67},
      {"horizontal border", 356750.0, 575600.0, true, 4, 67},
      {"corner", 356700.0, 575600.0, true, 4, 67},
      {"west edge", 350000.0, 575950.0, true, 0, 0},
      {"north edge", 350050.0, 576000.0, true, 0, 0},
      {"east edge", 362000.0, 575950.0, false, 0, 0},
      {"south edge", 350050.0, 567000.0, false, 0, 0},
      {"last cell", 361999.99, 567000.01, true, 89, 119},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": (" << c.x << ", " << c.y << ")");
    const auto cell = g.cell_of(c.x, c.y);
    INFO("got " << show(cell));
    REQUIRE(cell.has_value() == c.inside);
    if (c.inside) {
      CHECK(cell->row == c.row);
      CHECK(cell->col == c.col);
    }
  }
}

TEST_CASE("GridSpec: centres", "[grid]") {
  const rtm::GridSpec g = make_grid(1000.0, 2000.0, 100.0, 5, 4);
  CHECK(g.centre_x(0) == 1050.0);
  CHECK(g.centre_x(4) == 1450.0);
  CHECK(g.centre_y(0) == 1950.0);
  CHECK(g.centre_y(3) == 1650.0);

  // Every centre lies in its own cell, and is half a cell from each side.
  for (std::int64_t r = 0; r < g.rows; ++r) {
    for (std::int64_t c = 0; c < g.cols; ++c) {
      const auto cell = g.cell_of(g.centre_x(c), g.centre_y(r));
      INFO("row " << r << " col " << c << " -> " << show(cell));
      REQUIRE(cell.has_value());
      CHECK(cell->row == r);
      CHECK(cell->col == c);
      CHECK(g.centre_x(c) - (g.west + static_cast<double>(c) * g.cell_size_m) == 50.0);
      CHECK((g.north - static_cast<double>(r) * g.cell_size_m) - g.centre_y(r) == 50.0);
    }
  }
}

namespace {
struct BoxCase {
  const char* what;
  double min_x, min_y, max_x, max_y, cell;
  double west, north;
  std::int64_t cols, rows;
};

bool is_multiple(double v, double cell) { return std::fabs(v / cell - std::round(v / cell)) < 1e-12; }
}  // namespace

TEST_CASE("GridSpec::covering: alignment to multiples of the cell size", "[grid]") {
  const std::vector<BoxCase> cases = {
      // west = floor(min_x / cell) * cell; east = (floor(max_x / cell) + 1) * cell
      {"unaligned box", 1234.0, 5678.0, 1789.0, 6012.0, 100.0, 1200.0, 6100.0, 6, 5},
      {"unaligned, 30 m cells", 1234.0, 5678.0, 1789.0, 6012.0, 30.0, 1230.0, 6030.0, 19, 12},
      {"negative coordinates", -250.0, -250.0, -50.0, -50.0, 100.0, -300.0, 0.0, 3, 3},
      {"box straddling the origin", -50.0, -50.0, 50.0, 50.0, 100.0, -100.0, 100.0, 2, 2},
      {"one point", 1250.0, 1250.0, 1250.0, 1250.0, 100.0, 1200.0, 1300.0, 1, 1},
      {"sample-city magnitudes", 355123.4, 566987.6, 367001.2, 576543.2, 100.0, 355100.0, 576600.0, 120, 97},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const rtm::GridSpec g = rtm::GridSpec::covering(c.min_x, c.min_y, c.max_x, c.max_y, c.cell);
    CHECK(g.cell_size_m == c.cell);
    CHECK(g.west == Approx(c.west).margin(1e-9));
    CHECK(g.north == Approx(c.north).margin(1e-9));
    CHECK(g.cols == c.cols);
    CHECK(g.rows == c.rows);
    CHECK(is_multiple(g.west, c.cell));
    CHECK(is_multiple(g.north, c.cell));
    CHECK(is_multiple(g.east(), c.cell));
    CHECK(is_multiple(g.south(), c.cell));
    // The grid contains the box...
    CHECK(g.west <= c.min_x);
    CHECK(g.east() > c.max_x);
    CHECK(g.north >= c.max_y);
    CHECK(g.south() <= c.min_y);
    // ...and is no more than one cell larger on each side.
    CHECK(c.min_x - g.west < c.cell);
    CHECK(g.east() - c.max_x <= c.cell);
    CHECK(g.north - c.max_y <= c.cell);
    CHECK(c.min_y - g.south() <= c.cell);
  }
}

TEST_CASE("GridSpec::covering: every point of the box lies in a cell", "[grid][covering]") {
  // With the documented rule (a horizontal border belongs to the cell to its
  // south; the grid's south edge is outside), a grid covering a box must reach
  // below min_y when min_y is a multiple of the cell size, exactly as it must
  // reach beyond max_x when max_x is one.
  const std::vector<BoxCase> cases = {
      {"unaligned box", 1234.0, 5678.0, 1789.0, 6012.0, 100.0, 0, 0, 0, 0},
      {"box aligned to the cells", 1000.0, 2000.0, 1500.0, 2500.0, 100.0, 0, 0, 0, 0},
      {"500 m square at EPSG:26971 magnitudes", 350000.0, 570000.0, 350500.0, 570500.0, 100.0, 0, 0, 0, 0},
      {"aligned negative box", -300.0, -300.0, -100.0, -100.0, 100.0, 0, 0, 0, 0},
  };
  for (const auto& c : cases) {
    const rtm::GridSpec g = rtm::GridSpec::covering(c.min_x, c.min_y, c.max_x, c.max_y, c.cell);
    INFO(c.what << ": grid west " << g.west << " east " << g.east() << " south " << g.south() << " north "
                << g.north);
    const double mid_x = (c.min_x + c.max_x) / 2.0, mid_y = (c.min_y + c.max_y) / 2.0;
    const std::vector<std::pair<const char*, std::pair<double, double>>> pts = {
        {"south-west corner", {c.min_x, c.min_y}}, {"south-east corner", {c.max_x, c.min_y}},
        {"north-west corner", {c.min_x, c.max_y}}, {"north-east corner", {c.max_x, c.max_y}},
        {"middle of the south side", {mid_x, c.min_y}}, {"middle of the north side", {mid_x, c.max_y}},
        {"middle of the west side", {c.min_x, mid_y}}, {"middle of the east side", {c.max_x, mid_y}},
        {"centre", {mid_x, mid_y}},
    };
    for (const auto& [name, p] : pts) {
      INFO(name << " (" << p.first << ", " << p.second << ")");
      CHECK(g.cell_of(p.first, p.second).has_value());
    }
    // The mirror image: as no column lies wholly west of the box, no row may
    // lie wholly north of it (the row whose north edge is max_y holds max_y).
    CHECK(g.north - c.max_y < c.cell);
  }
}
