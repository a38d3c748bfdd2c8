// Getis-Ord Gi* (engine/recommend/exposure.cpp) against R's spdep::localG with
// the same weights: a binary distance band that includes each cell itself,
//   localG(x, nb2listw(include.self(dnearneigh(coords, 0, d)), style = "B")),
// and the Benjamini-Hochberg q-values against p.adjust(2 * pnorm(-|z|), "BH").
//
// The fixture (a 20 x 15 grid of 100 m cells with an irregular study mask, a
// hole and an isolated study cell; counts from a fixed formula and seed) is
// generated here, written to a temporary CSV and read by
// tests/reference/gistar_reference.R, so the reference is regenerated on
// every run. Rscript with spdep is required: without it the test fails.
//
// The test prints the R and spdep versions and the measured maximum
// differences per band; RTM_REFERENCE_KEEP=1 keeps the temporary folder.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/grid_spec.hpp"
#include "core/study_cells.hpp"
#include "recommend/exposure.hpp"

namespace fs = std::filesystem;

namespace {

std::string gi_quote(const std::string& s) { return rtm_test::shell_quote(s); }

std::string gi_slurp(const fs::path& p) { return rtm_test::slurp(p); }

struct GiFixture {
  rtm::GridSpec grid;
  std::vector<std::uint8_t> mask;
  rtm::StudyCells cells;
  std::vector<double> counts;  // per study cell, compact order
};

// 20 columns x 15 rows of 100 m; cell centres are exact in binary (x.5 * 100
// plus a whole-metre origin), so centre spacings such as 200 m are exact.
GiFixture gi_fixture() {
  GiFixture f;
  f.grid.west = 447000.0;
  f.grid.north = 4651000.0;
  f.grid.cell_size_m = 100.0;
  f.grid.cols = 20;
  f.grid.rows = 15;
  f.grid.crs_name = "EPSG:32616";
  f.mask.assign(static_cast<std::size_t>(f.grid.cell_count()), 0);
  for (std::int64_t r = 0; r < f.grid.rows; ++r)
    for (std::int64_t c = 0; c < f.grid.cols; ++c) {
      // An irregular area: a slanted north-west edge, a notch in the north,
      // a hole in the middle, the north-east corner cut off.
      bool in = c >= (r < 9 ? 9 - r : 0);                  // slanted north-west edge
      if (r <= 3 && c >= 14 && c <= 16) in = false;        // notch
      if (r >= 6 && r <= 8 && c >= 8 && c <= 9) in = false; // hole
      if (r + (19 - c) < 6) in = false;                     // north-east corner
      f.mask[static_cast<std::size_t>(r * f.grid.cols + c)] = in ? 1 : 0;
    }
  // An isolated study cell: its 24 nearest cells are outside, so within
  // 250 m it has only itself (the R side must cope as well).
  for (std::int64_t r = 0; r <= 4; ++r)
    for (std::int64_t c = 0; c <= 4; ++c) f.mask[static_cast<std::size_t>(r * f.grid.cols + c)] = 0;
  f.mask[static_cast<std::size_t>(1 * f.grid.cols + 1)] = 1;
  f.cells = rtm::study_cells(f.grid, f.mask);

  // Counts: two hot spots, a line of elevated counts, and noise with many
  // zeros and ties (mt19937_64's sequence is fixed by the standard; no
  // std:: distributions are used).
  std::mt19937_64 rng(4242u);
  for (std::size_t i = 0; i < f.cells.size(); ++i) {
    const std::int64_t r = f.cells.linear[i] / f.grid.cols, c = f.cells.linear[i] % f.grid.cols;
    const double d1 = std::hypot(static_cast<double>(r - 3), static_cast<double>(c - 10));
    const double d2 = std::hypot(static_cast<double>(r - 11), static_cast<double>(c - 4));
    double v = std::floor(9.0 * std::exp(-d1 * d1 / 4.0) + 6.0 * std::exp(-d2 * d2 / 6.0));
    if (c == 13) v += 2;
    v += static_cast<double>(rng() % 4u == 0u ? rng() % 3u : 0u);
    f.counts.push_back(v);
  }
  return f;
}

using GiReference = std::map<std::string, std::vector<std::string>>;

struct GiR {
  bool ok = false;
  std::string error;
  GiReference values;
};

GiR run_gistar_reference(const GiFixture& f, const std::vector<double>& bands) {
  GiR r;
  if (std::system("command -v Rscript >/dev/null 2>&1") != 0) {
    r.error =
        "Rscript is not on PATH. The Gi* reference test needs R with the spdep package "
        "(Debian: apt-get install r-base-core r-cran-spdep).";
    return r;
  }
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() /
                       ("rtm-gistar-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir);
  const fs::path csv = dir / "cells.csv", out = dir / "reference.txt", err = dir / "stderr.txt";
  {
    std::ofstream o(csv);
    o << "x,y,count\n";
    char buf[128];
    for (std::size_t i = 0; i < f.cells.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.17g,%.17g,%.17g\n", f.cells.x[i], f.cells.y[i], f.counts[i]);
      o << buf;
    }
  }
  const std::string script = std::string(RTM_SOURCE_DIR) + "/tests/reference/gistar_reference.R";
  std::string cmd = "Rscript --vanilla " + gi_quote(script) + " " + gi_quote(csv.string()) + " " + gi_quote(out.string());
  for (double b : bands) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %g", b);
    cmd += buf;
  }
  cmd += " >/dev/null 2>" + gi_quote(err.string());
  const int status = std::system(cmd.c_str());
  if (status != 0) {
    r.error = "`" + cmd + "` failed (status " + std::to_string(status) + "):\n" + gi_slurp(err);
  } else {
    for (auto& [key, vals] : rtm_test::read_key_values(out)) r.values[key] = vals;
    if (r.values.count("done") == 0) r.error = "gistar_reference.R did not finish its output:\n" + gi_slurp(err);
    else r.ok = true;
  }
  if (const char* keep = std::getenv("RTM_REFERENCE_KEEP"); keep != nullptr && *keep != '\0') {
    std::printf("[reference] kept %s\n", dir.string().c_str());
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return r;
}

std::vector<double> gi_nums(const GiReference& ref, const std::string& key) {
  const auto it = ref.find(key);
  if (it == ref.end()) return {};
  std::vector<double> v;
  for (const auto& s : it->second) v.push_back(s == "NA" || s == "NaN" ? std::nan("") : std::stod(s));
  return v;
}

}  // namespace

TEST_CASE("Gi* z-scores and BH q-values equal spdep::localG and p.adjust", "[recommend][reference]") {
  const GiFixture f = gi_fixture();
  const std::size_t n = f.cells.size();
  REQUIRE(n > 200);
  REQUIRE(n < static_cast<std::size_t>(f.grid.cell_count()));
  // 150 and 250 m fall between centre spacings (141.4 / 200 and 223.6 / 282.8 m);
  // 200 m is exactly a centre spacing: both sides include a neighbour at exactly d.
  const std::vector<double> bands = {150.0, 200.0, 250.0};
  const GiR ref = run_gistar_reference(f, bands);
  if (!ref.ok) FAIL(ref.error);
  const auto rv = ref.values.find("r_version"), sv = ref.values.find("spdep_version");
  REQUIRE(rv != ref.values.end());
  REQUIRE(sv != ref.values.end());
  std::printf("[recommend] Gi* reference: R %s, spdep %s, %zu study cells\n", rv->second.at(0).c_str(),
              sv->second.at(0).c_str(), n);

  bool saw_isolated = false, saw_hot = false;
  for (double band : bands) {
    char key[32];
    std::snprintf(key, sizeof key, "%g", band);
    const std::string k(key);
    const auto rz = gi_nums(ref.values, "z_" + k), rp = gi_nums(ref.values, "p_" + k),
               rq = gi_nums(ref.values, "q_" + k), rcard = gi_nums(ref.values, "card_" + k);
    REQUIRE(rz.size() == n);
    REQUIRE(rp.size() == n);
    REQUIRE(rq.size() == n);
    REQUIRE(rcard.size() == n);
    const double fdr = 0.05;
    const rtm::recommend::GiStar gi = rtm::recommend::getis_ord_gi_star(f.grid, f.cells, f.counts, band, fdr);
    REQUIRE(gi.z.size() == n);
    REQUIRE(gi.p.size() == n);
    REQUIRE(gi.q.size() == n);
    REQUIRE(gi.hot.size() == n);
    REQUIRE(gi.neighbours.size() == n);
    double dz = 0, dp = 0, dq = 0;
    std::size_t card_mismatch = 0, hot_n = 0;
    for (std::size_t i = 0; i < n; ++i) {
      INFO("band " << band << " m, cell " << i << " (linear " << f.cells.linear[i] << ")");
      REQUIRE(std::isfinite(rz[i]));
      if (static_cast<double>(gi.neighbours[i]) != rcard[i]) ++card_mismatch;
      CHECK(static_cast<double>(gi.neighbours[i]) == rcard[i]);
      CHECK(gi.z[i] == Approx(rz[i]).margin(1e-6).epsilon(0));
      CHECK(gi.p[i] == Approx(rp[i]).margin(1e-6).epsilon(0));
      CHECK(gi.q[i] == Approx(rq[i]).margin(1e-6).epsilon(0));
      dz = std::max(dz, std::fabs(gi.z[i] - rz[i]));
      dp = std::max(dp, std::fabs(gi.p[i] - rp[i]));
      dq = std::max(dq, std::fabs(gi.q[i] - rq[i]));
      // hot = z > 0 and q < fdr, judged on R's numbers away from the edge.
      if (std::fabs(rq[i] - fdr) > 1e-9 && std::fabs(rz[i]) > 1e-9) {
        const bool want = rz[i] > 0 && rq[i] < fdr;
        CHECK((gi.hot[i] != 0) == want);
      }
      hot_n += gi.hot[i];
      if (rcard[i] == 1.0) saw_isolated = true;
    }
    if (hot_n > 0) saw_hot = true;
    CHECK(card_mismatch == 0);
    std::printf("[recommend] Gi* band %g m: max |dz| %.3g, max |dp| %.3g, max |dq| %.3g, hot cells %zu\n", band, dz,
                dp, dq, hot_n);
  }
  // The fixture exercises what it claims to: a cell with only itself in the
  // band, and significant hot spots.
  CHECK(saw_isolated);
  CHECK(saw_hot);
}
