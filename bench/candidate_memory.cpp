// Memory of the binary candidates: bits per candidate per cell, against the
// doubles a dense design matrix would hold. Prints figures and the ratio.
//   rtm_bench_candidates STUDY.toml
#include <chrono>
#include <cstdio>
#include <exception>

#include "pipeline/model_step.hpp"
#include "core/progress.hpp"
#include "pipeline/study.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: rtm_bench_candidates STUDY.toml\n");
    return 2;
  }
  try {
    rtm::Progress::set_quiet(true);
    const auto config = rtm::pipeline::load_study_config(argv[1]);
    const auto study = rtm::pipeline::load_study(config);
    const auto t0 = std::chrono::steady_clock::now();
    rtm::StudyCells cells;
    const auto cands = rtm::pipeline::build_candidates(study, &cells);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::size_t bytes = 0;
    for (const auto& c : cands) bytes += c.bits.bytes();
    const double n = static_cast<double>(cells.size()), k = static_cast<double>(cands.size());
    const double per = static_cast<double>(bytes) / (n * k);
    std::printf("study                      %s\n", config.name.c_str());
    std::printf("study cells                %zu\n", cells.size());
    std::printf("candidates                 %zu\n", cands.size());
    std::printf("operationalize (s)         %.3f\n", secs);
    std::printf("bitset bytes, all          %zu\n", bytes);
    std::printf("bytes per candidate-cell   %.4f (bits: %.3f)\n", per, per * 8);
    std::printf("as doubles, bytes          %.0f\n", n * k * 8);
    std::printf("ratio doubles / bitsets    %.1f\n", n * k * 8 / static_cast<double>(bytes));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtm_bench_candidates: %s\n", e.what());
    return 1;
  }
}
