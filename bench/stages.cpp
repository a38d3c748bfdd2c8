// Stage benchmarks on one study, each against its reference in the same run:
//   proximity  distance_field vs GDALComputeProximity (same grid, same points)
//   density    density_fields (all bands, one pass) vs a brute-force kernel sum
//   enet       cv_enet_poisson on the study's design (exported for cv.glmnet)
// and exports what the R references (bench/reference.R) need into OUTDIR.
//   rtm_bench_stages STUDY.toml OUTDIR LAYER [LAYER...]
// Prints "key value" lines; bench/run.sh turns them into the table.
#include <gdal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "model/elastic_net.hpp"
#include "pipeline/model_step.hpp"
#include "pipeline/study.hpp"

using rtm_bench::clk;
using rtm_bench::gdal_proximity;
using rtm_bench::since;
using rtm_bench::timed;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: rtm_bench_stages STUDY.toml OUTDIR LAYER [LAYER...]\n");
    return 2;
  }
  try {
    rtm::Progress::set_quiet(true);
    GDALAllRegister();
    const std::string outdir = argv[2];
    const auto config = rtm::pipeline::load_study_config(argv[1]);
    auto t0 = clk::now();
    const auto study = rtm::pipeline::load_study(config);
    std::printf("load_s %.3f\n", since(t0));
    const auto& g = study.grid;
    std::printf("threads %zu\n", rtm::thread_count());
    std::printf("grid %lldx%lld cell %.0f\n", static_cast<long long>(g.cols), static_cast<long long>(g.rows), g.cell_size_m);

    rtm::StudyCells cells;
    std::vector<rtm::ops::Candidate> cands;
    const double t_ops = timed(1, [&] { cands = rtm::pipeline::build_candidates(study, &cells); });
    std::printf("cells %zu\ncandidates %zu\noperationalize_s %.4f\n", cells.size(), cands.size(), t_ops);

    // Study-cell centres for R (row, col in the grid, x, y).
    {
      std::ofstream f(outdir + "/cells.csv");
      f << "row,col,x,y\n";
      f.precision(12);
      for (std::size_t i = 0; i < cells.size(); ++i)
        f << cells.linear[i] / g.cols << ',' << cells.linear[i] % g.cols << ',' << cells.x[i] << ',' << cells.y[i] << '\n';
      std::ofstream gi(outdir + "/grid.txt");
      gi.precision(12);
      gi << g.west << ' ' << g.north << ' ' << g.cell_size_m << ' ' << g.cols << ' ' << g.rows << '\n';
    }

    for (int a = 3; a < argc; ++a) {
      const std::string name = argv[a];
      std::size_t li = study.layers.size();
      for (std::size_t i = 0; i < study.layers.size(); ++i)
        if (config.layers[i].name == name) li = i;
      if (li == study.layers.size()) throw std::runtime_error("no layer " + name);
      const auto& fs = study.layers[li];
      const auto bands = config.layers[li].ops.distances_m(config.block_length_m);
      std::printf("%s.points %zu\n", name.c_str(), fs.features.size());

      // Proximity: ours vs GDAL, alternated, median of 3 each.
      std::vector<double> ours, gdal;
      const auto pad = static_cast<std::int64_t>(std::ceil(study.layer_clip_m[li] / g.cell_size_m)) + 1;
      // Both asked for distances up to the widest band (all the bands need).
      const double widest = *std::max_element(bands.begin(), bands.end());
      std::vector<double> t_ours, t_gdal;
      for (int r = 0; r < 3; ++r) {
        t_ours.push_back(timed(1, [&] { ours = rtm::ops::distance_field(fs, cells, g.cell_size_m, widest); }));
        t_gdal.push_back(gdal_proximity(g, fs, cells, pad, widest, &gdal));
      }
      std::sort(t_ours.begin(), t_ours.end());
      std::sort(t_gdal.begin(), t_gdal.end());
      // Differences where both are within the widest band; band membership
      // that differs (GDAL snaps points to cell centres).
      double maxdiff = 0;
      std::size_t both = 0, differ = 0;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (std::isfinite(ours[i]) && std::isfinite(gdal[i])) {
          ++both;
          maxdiff = std::max(maxdiff, std::fabs(ours[i] - gdal[i]));
        }
        for (double b : bands) differ += (ours[i] <= b) != (gdal[i] <= b) ? 1 : 0;
      }
      std::printf("%s.proximity.ours_s %.5f\n%s.proximity.gdal_s %.5f\n", name.c_str(), t_ours[1], name.c_str(), t_gdal[1]);
      std::printf("%s.proximity.max_abs_diff_m %.2f\n%s.proximity.max_dist_m %.1f\n%s.proximity.gdal_pad_cells %lld\n",
                  name.c_str(), maxdiff, name.c_str(), widest, name.c_str(), static_cast<long long>(pad));
      std::printf("%s.proximity.cells_within %zu\n%s.proximity.band_cells_differing %zu\n", name.c_str(), both,
                  name.c_str(), differ);

      // Density: all bands in one pass vs brute force over every point.
      std::vector<std::vector<double>> dens;
      const double t_dens = timed(3, [&] { dens = rtm::ops::density_fields(fs, cells, bands, g.cell_size_m); });
      // The same on one thread (spatstat and the brute force use one).
      const std::size_t threads = rtm::thread_count();
      rtm::thread_count() = 1;
      const double t_dens1 = timed(3, [&] { rtm::ops::density_fields(fs, cells, bands, g.cell_size_m); });
      rtm::thread_count() = threads;
      std::printf("%s.density.ours_1thread_s %.5f\n", name.c_str(), t_dens1);
      const double pairs_cap = 4e8;
      const double pairs = static_cast<double>(cells.size()) * static_cast<double>(fs.features.size());
      const std::size_t stride = pairs <= pairs_cap ? 1 : static_cast<std::size_t>(std::ceil(pairs / pairs_cap));
      std::vector<std::vector<double>> brute(bands.size());
      std::vector<std::size_t> sub;
      for (std::size_t i = 0; i < cells.size(); i += stride) sub.push_back(i);
      for (auto& b : brute) b.assign(sub.size(), 0.0);
      t0 = clk::now();
      for (std::size_t k = 0; k < sub.size(); ++k) {
        const std::vector<double> d = rtm_bench::brute_density(fs, cells.x[sub[k]], cells.y[sub[k]], bands);
        for (std::size_t b = 0; b < bands.size(); ++b) brute[b][k] = d[b];
      }
      const double t_brute = since(t0) * static_cast<double>(cells.size()) / static_cast<double>(sub.size());
      double maxrel = 0;
      for (std::size_t b = 0; b < bands.size(); ++b) {
        double peak = 0;
        for (double v : dens[b]) peak = std::max(peak, v);
        for (std::size_t k = 0; k < sub.size(); ++k)
          maxrel = std::max(maxrel, std::fabs(dens[b][sub[k]] - brute[b][k]) / peak);
      }
      std::printf("%s.density.bands %zu\n%s.density.ours_s %.5f\n%s.density.brute_s %.4f\n%s.density.brute_stride %zu\n",
                  name.c_str(), bands.size(), name.c_str(), t_dens, name.c_str(), t_brute, name.c_str(), stride);
      std::printf("%s.density.brute_max_rel_diff %.3g\n", name.c_str(), maxrel);
      // Points and our densities for spatstat.
      std::ofstream pf(outdir + "/" + name + ".points.csv");
      pf.precision(12);
      pf << "x,y\n";
      for (const auto& f : fs.features) pf << f.x << ',' << f.y << '\n';
      std::ofstream df(outdir + "/" + name + ".density.csv");
      df.precision(10);
      for (std::size_t b = 0; b < bands.size(); ++b) df << (b ? "," : "") << "h" << bands[b];
      df << '\n';
      for (std::size_t i = 0; i < cells.size(); ++i) {
        for (std::size_t b = 0; b < bands.size(); ++b) df << (b ? "," : "") << dens[b][i];
        df << '\n';
      }
    }

    // Elastic net: the design exactly as pipeline/model_step.cpp builds it.
    rtm::model::Design d;
    const std::size_t n = cells.size();
    d.y.resize(n);
    for (std::size_t i = 0; i < n; ++i) d.y[i] = study.counts[static_cast<std::size_t>(cells.linear[i])];
    for (const auto& c : cands) {
      if (c.ones == 0 || c.ones == n) continue;
      d.columns.push_back(&c.bits);
      d.names.push_back(c.name);
    }
    rtm::model::ElasticNetOptions eo;
    eo.alpha = config.model.alpha;
    const auto fold = rtm::model::make_folds(n, static_cast<int>(config.model.folds), static_cast<std::uint64_t>(config.model.seed));
    rtm::model::CrossValidation cv;
    const double t_cv = timed(1, [&] { cv = rtm::model::cv_enet_poisson(d, eo, fold); });
    std::printf("enet.columns %zu\nenet.alpha %g\nenet.folds %lld\nenet.ours_s %.4f\nenet.lambdas %zu\nenet.lambda_min %.10g\n",
                d.cols(), eo.alpha, static_cast<long long>(config.model.folds), t_cv, cv.path.lambda.size(),
                cv.path.lambda[cv.best]);
    std::printf("enet.lambda_min_index %zu\n", cv.best + 1);
    {
      std::ofstream f(outdir + "/design.csv");
      f << "y,fold";
      for (const auto& nm : d.names) f << ',' << nm;
      f << '\n';
      for (std::size_t i = 0; i < n; ++i) {
        f << d.y[i] << ',' << fold[i];
        for (const auto* col : d.columns) f << (col->test(i) ? ",1" : ",0");
        f << '\n';
      }
      std::ofstream lf(outdir + "/lambda.csv");
      lf.precision(17);
      lf << "lambda,cvm\n";
      for (std::size_t k = 0; k < cv.path.lambda.size(); ++k) lf << cv.path.lambda[k] << ',' << cv.cvm[k] << '\n';
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtm_bench_stages: %s\n", e.what());
    return 1;
  }
}
