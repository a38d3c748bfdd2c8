// Synthetic benchmarks: how the stages' cost grows with cells and with
// candidates, each figure against its reference in the same run.
//   grids   square grids of 100 m cells, 250^2 to 2000^2 cells, with clustered
//           points (sparse: one per 100 cells; dense: one per 2 cells):
//           proximity (ours vs GDALComputeProximity, both up to 600 m; ours
//           checked against brute force) and density (six bands, ours vs a
//           brute-force kernel sum on sampled cells, scaled to all cells);
//   candidates  a planted model on 100,000 cells with 30 to 240 candidates
//           (factors of six nested bands): screening + stepwise time, row
//           patterns, and whether the planted factors were found.
//   rtm_bench_synthetic [MAX_GRID_SIDE] [MAX_CANDIDATES]   (defaults 2000 240)
// Prints "key value" lines; bench/table.py turns them into rows.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "core/bitset.hpp"
#include "core/progress.hpp"
#include "model/selection.hpp"
#include "ops/operationalize.hpp"

using rtm_bench::clk;
using rtm_bench::since;

namespace {

// Clustered points over the grid: 70 % around cluster centres (SD 300 m), 30 % uniform.
rtm::FeatureSet clustered_points(const rtm::GridSpec& g, std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> ux(g.west, g.east()), uy(g.south(), g.north), u01(0, 1);
  std::normal_distribution<double> jitter(0, 300);
  const std::size_t clusters = std::max<std::size_t>(5, n / 500);
  std::vector<double> cx(clusters), cy(clusters);
  for (std::size_t k = 0; k < clusters; ++k) {
    cx[k] = ux(rng);
    cy[k] = uy(rng);
  }
  rtm::FeatureSet fs;
  fs.kind = rtm::GeomKind::point;
  fs.features.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& f = fs.features[i];
    f.source_fid = static_cast<std::int64_t>(i);
    if (u01(rng) < 0.7) {
      const std::size_t k = rng() % clusters;
      f.x = cx[k] + jitter(rng);
      f.y = cy[k] + jitter(rng);
    } else {
      f.x = ux(rng);
      f.y = uy(rng);
    }
  }
  return fs;
}

void grid_stage(std::int64_t side, const char* kind, std::size_t points, std::mt19937_64& rng) {
  rtm::GridSpec g;
  g.west = 500000;
  g.north = 4500000;
  g.cell_size_m = 100;
  g.cols = side;
  g.rows = side;
  const auto cells = rtm::study_cells(g, std::vector<std::uint8_t>(static_cast<std::size_t>(g.cell_count()), 1));
  const rtm::FeatureSet fs = clustered_points(g, points, rng);
  const std::string key = "syn.grid" + std::to_string(side) + "." + kind;
  const std::vector<double> bands{100, 200, 300, 400, 500, 600};
  const double widest = bands.back();
  std::printf("%s.cells %zu\n%s.points %zu\n", key.c_str(), cells.size(), key.c_str(), points);

  // Proximity: ours and GDAL alternated, median of 3.
  std::vector<double> ours, gdal, t_ours, t_gdal;
  for (int r = 0; r < 3; ++r) {
    const auto t0 = clk::now();
    ours = rtm::ops::distance_field(fs, cells, g.cell_size_m, widest);
    t_ours.push_back(since(t0));
    t_gdal.push_back(rtm_bench::gdal_proximity(g, fs, cells, 7, widest, &gdal));
  }
  std::sort(t_ours.begin(), t_ours.end());
  std::sort(t_gdal.begin(), t_gdal.end());
  // Exactness: brute force on sampled cells (pairs capped at 2e8).
  const std::size_t sample = std::max<std::size_t>(50, std::min<std::size_t>(2000, static_cast<std::size_t>(2e8 / static_cast<double>(points))));
  std::uniform_int_distribution<std::size_t> pick(0, cells.size() - 1);
  double maxdiff = 0;
  std::size_t mismatched = 0;
  for (std::size_t s = 0; s < sample; ++s) {
    const std::size_t i = pick(rng);
    double best = std::numeric_limits<double>::infinity();
    for (const auto& f : fs.features) best = std::min(best, std::hypot(f.x - cells.x[i], f.y - cells.y[i]));
    if (best > widest) {
      mismatched += std::isinf(ours[i]) ? 0 : 1;
    } else {
      maxdiff = std::max(maxdiff, std::fabs(ours[i] - best));
    }
  }
  std::printf("%s.prox.ours_s %.5f\n%s.prox.gdal_s %.5f\n%s.prox.brute_cells %zu\n%s.prox.brute_max_diff_m %.3g\n"
              "%s.prox.brute_mismatched %zu\n",
              key.c_str(), t_ours[1], key.c_str(), t_gdal[1], key.c_str(), sample, key.c_str(), maxdiff, key.c_str(),
              mismatched);

  // Density, six bands in one pass, against brute force on sampled cells.
  const auto t0 = clk::now();
  const auto dens = rtm::ops::density_fields(fs, cells, bands, g.cell_size_m);
  const double t_dens = since(t0);
  const std::size_t dsample = std::max<std::size_t>(20, std::min<std::size_t>(cells.size(), static_cast<std::size_t>(2e8 / static_cast<double>(points))));
  const auto tb = clk::now();
  double maxrel = 0;
  std::vector<double> peak(bands.size(), 0);
  for (std::size_t b = 0; b < bands.size(); ++b)
    for (double v : dens[b]) peak[b] = std::max(peak[b], v);
  for (std::size_t s = 0; s < dsample; ++s) {
    const std::size_t i = dsample == cells.size() ? s : pick(rng);
    const std::vector<double> sum = rtm_bench::brute_density(fs, cells.x[i], cells.y[i], bands);
    for (std::size_t b = 0; b < bands.size(); ++b)
      if (peak[b] > 0) maxrel = std::max(maxrel, std::fabs(sum[b] - dens[b][i]) / peak[b]);
  }
  const double t_brute = since(tb) * static_cast<double>(cells.size()) / static_cast<double>(dsample);
  std::printf("%s.dens.ours_s %.4f\n%s.dens.brute_s %.3f\n%s.dens.brute_cells %zu\n%s.dens.brute_max_rel_diff %.3g\n",
              key.c_str(), t_dens, key.c_str(), t_brute, key.c_str(), dsample, key.c_str(), maxrel);
  std::fflush(stdout);
}

// A planted model: `factors` factors of six nested bands each (a cell is in
// band b of factor f when its latent distance to f's features is below b's
// quantile), five of them truly raising the rate at one band.
void candidates_stage(std::size_t factors, std::mt19937_64& rng) {
  const std::size_t n = 100000, bands = 6;
  const double quantile[bands] = {0.04, 0.08, 0.12, 0.16, 0.20, 0.24};
  std::uniform_real_distribution<double> u01(0, 1);
  std::vector<rtm::Bitset> cols;
  std::vector<std::string> names, group;
  // Latent "distance" with spatial runs: cells in runs of 1-20 share a value,
  // as neighbouring cells share their nearest feature.
  std::vector<std::vector<double>> latent(factors, std::vector<double>(n));
  for (auto& l : latent)
    for (std::size_t i = 0; i < n;) {
      const std::size_t run = 1 + rng() % 20;
      const double v = u01(rng);
      for (std::size_t k = 0; k < run && i < n; ++k) l[i++] = v;
    }
  for (std::size_t f = 0; f < factors; ++f)
    for (std::size_t b = 0; b < bands; ++b) {
      rtm::Bitset bits(n);
      for (std::size_t i = 0; i < n; ++i)
        if (latent[f][i] < quantile[b]) bits.set(i);
      cols.push_back(std::move(bits));
      names.push_back("f" + std::to_string(f) + ".proximity." + std::to_string(100 * (b + 1)) + "m");
      group.push_back("f" + std::to_string(f) + ".proximity");
    }
  // Planted: factors 0..4 at bands 1, 2, 3, 1, 4 with log-RRVs 0.9 .. 0.5.
  const std::size_t true_factor[5] = {0, 1, 2, 3, 4}, true_band[5] = {1, 2, 3, 1, 4};
  const double beta[5] = {0.9, 0.8, 0.7, 0.6, 0.5};
  rtm::model::Design d;
  d.y.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    double eta = -2.0;
    for (int k = 0; k < 5; ++k)
      if (cols[true_factor[k] * bands + true_band[k]].test(i)) eta += beta[k];
    std::poisson_distribution<int> pois(std::exp(eta));
    d.y[i] = pois(rng);
  }
  for (std::size_t c = 0; c < cols.size(); ++c) {
    d.columns.push_back(&cols[c]);
    d.names.push_back(names[c]);
  }
  rtm::model::SelectionOptions o;
  o.family = "poisson";
  const auto t0 = clk::now();
  const rtm::model::Selection sel = rtm::model::select_model(d, group, o);
  const double secs = since(t0);
  std::size_t found = 0, false_factors = 0;
  for (std::size_t c : sel.chosen.columns) {
    const std::size_t f = c / bands;
    if (f < 5 && c % bands == true_band[f])
      ++found;
    else if (f >= 5)
      ++false_factors;
  }
  const std::string key = "syn.cands" + std::to_string(factors * bands);
  std::printf("%s.cells %zu\n%s.candidates %zu\n%s.select_s %.3f\n%s.screening_s %.3f\n%s.stepwise_s %.3f\n"
              "%s.patterns %zu\n%s.planted_found %zu\n%s.other_factors_selected %zu\n%s.bitset_mb %.1f\n",
              key.c_str(), n, key.c_str(), cols.size(), key.c_str(), secs, key.c_str(), sel.seconds_screening,
              key.c_str(), sel.seconds_stepwise, key.c_str(), sel.cv.patterns, key.c_str(), found, key.c_str(),
              false_factors, key.c_str(), static_cast<double>(cols.size() * ((n + 63) / 64) * 8) / 1e6);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    rtm::Progress::set_quiet(true);
    GDALAllRegister();
    const long max_side = argc > 1 ? std::atol(argv[1]) : 2000;
    const long max_cands = argc > 2 ? std::atol(argv[2]) : 240;
    std::mt19937_64 rng(20261129);
    for (std::int64_t side : {250, 500, 1000, 2000}) {
      if (side > max_side) break;
      const auto cells = static_cast<std::size_t>(side * side);
      grid_stage(side, "sparse", cells / 100, rng);
      grid_stage(side, "dense", cells / 2, rng);
    }
    for (std::size_t factors : {5, 10, 20, 40}) {
      if (static_cast<long>(factors * 6) > max_cands) break;
      candidates_stage(factors, rng);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtm_bench_synthetic: %s\n", e.what());
    return 1;
  }
}
