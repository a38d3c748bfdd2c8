// rtm: risk terrain modeling engine. Only this file catches errors and maps
// each class to its exit code (see README, "Exit codes").
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "core/version.hpp"
#include "io/gdal_env.hpp"
#include "pipeline/backtest.hpp"
#include "pipeline/model_step.hpp"
#include "pipeline/report.hpp"
#include "pipeline/run.hpp"
#include "pipeline/study.hpp"
#include "render/mapnik_env.hpp"

namespace po = boost::program_options;

namespace {

const char* kUsage =
    "usage: rtm [--help] [--version] <command> [<args>]\n"
    "\n"
    "Risk terrain modeling: incidents and environmental layers in, risk surfaces out.\n"
    "\n"
    "commands:\n"
    "  validate STUDY.toml          check a study file and its data; print a summary\n"
    "  run STUDY.toml --out DIR     build the grid and counts and write the run's products\n"
    "  backtest STUDY.toml --out DIR  score weekly forecasts (hit rate, PAI, PEI, RRI) against baselines\n"
    "\n"
    "Run 'rtm <command> --help' for a command's options. Exit codes: 0 ok, 1 internal error,\n"
    "2 usage, 3 study file, 4 data, 5 model, 6 render, 7 output.\n";

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description opts("rtm validate STUDY.toml");
  opts.add_options()("help,h", "show this help")("quiet,q", "no progress output")(
      "json", "print the inputs, grid and counts as JSON (the report.json sections) instead of text");
  po::options_description hidden;
  hidden.add_options()("study", po::value<std::string>(), "study file");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("study", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << opts << "\nChecks the study file and reads every source; prints what was read, dropped and why.\n";
    return 0;
  }
  if (!vm.count("study")) throw rtm::UsageError("validate needs a study file: rtm validate STUDY.toml");
  if (vm.count("quiet")) rtm::Progress::set_quiet(true);
  const auto config = rtm::pipeline::load_study_config(vm["study"].as<std::string>());
  const auto study = rtm::pipeline::load_study(config);
  if (vm.count("json")) {
    std::cout << rtm::pipeline::study_report(study).dump(2) << "\n";
    return 0;
  }
  std::cout << rtm::pipeline::validate_summary(study) << "\n" << rtm::pipeline::candidate_summary(study);
  std::cout << "\nOK: the study can run.\n";
  return 0;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("rtm run STUDY.toml --out DIR");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(), "run folder for the products")(
      "model,m", po::value<std::string>(), "re-apply this saved model.json instead of selecting factors")(
      "threads,j", po::value<std::size_t>(), "threads to use (default: all cores); results do not depend on it")(
      "quiet,q", "no progress output");
  po::options_description hidden;
  hidden.add_options()("study", po::value<std::string>(), "study file");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("study", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << opts
              << "\nWrites grid.tif, counts.tif, risk.tif, candidates.json, model.json, layers.gpkg and report.json\ninto DIR. Files appear only when\n"
                 "all are complete; a failed run leaves DIR as it was.\n";
    return 0;
  }
  if (!vm.count("study")) throw rtm::UsageError("run needs a study file: rtm run STUDY.toml --out DIR");
  if (!vm.count("out")) throw rtm::UsageError("run needs an output folder: rtm run STUDY.toml --out DIR");
  if (vm.count("threads")) {
    if (vm["threads"].as<std::size_t>() < 1) throw rtm::UsageError("--threads needs at least 1");
    rtm::thread_count() = vm["threads"].as<std::size_t>();
  }
  if (vm.count("quiet")) rtm::Progress::set_quiet(true);
  rtm::pipeline::RunOptions o{vm["study"].as<std::string>(), vm["out"].as<std::string>(),
                              vm.count("model") ? vm["model"].as<std::string>() : std::string()};
  const auto written = rtm::pipeline::run_study(o);
  if (!vm.count("quiet")) {
    std::cerr << "rtm: wrote";
    for (const auto& w : written) std::cerr << " " << w;
    std::cerr << " to " << o.out_dir << "\n";
  }
  return 0;
}

int cmd_backtest(const std::vector<std::string>& args) {
  po::options_description opts("rtm backtest STUDY.toml --out DIR");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(), "folder for the backtest outputs")(
      "test-start", po::value<std::string>(), "first day of the test period, YYYY-MM-DD (default: the day after the study's training window)")(
      "test-end", po::value<std::string>(), "last day of the test period, YYYY-MM-DD (default: 52 weeks on, at most the last incident's day)")(
      "step-days", po::value<int>()->default_value(7), "length of each test window in days")(
      "reselect", po::value<std::string>()->default_value("4w"),
      "re-select the model: every (window), once, or every N weeks (4w); coefficients are re-applied in between")(
      "budget-km2", po::value<double>()->default_value(1.0), "also score a fixed area budget of this many km2")(
      "quiet,q", "no progress output");
  po::options_description hidden;
  hidden.add_options()("study", po::value<std::string>(), "study file");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("study", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << opts
              << "\nFor each test window, fits the model on the training window before it (as long as the study\n"
                 "file's), ranks the study cells by each method and scores the window's incidents at 1, 5, 10 and\n"
                 "20 % of the area and at the budget. Writes backtest.json, backtest.csv, backtest_pai_coverage.png\n"
                 "and backtest_pai_5pct.png into DIR (all or none) and prints the means.\n";
    return 0;
  }
  if (!vm.count("study")) throw rtm::UsageError("backtest needs a study file: rtm backtest STUDY.toml --out DIR");
  if (!vm.count("out")) throw rtm::UsageError("backtest needs an output folder: rtm backtest STUDY.toml --out DIR");
  if (vm.count("quiet")) rtm::Progress::set_quiet(true);
  rtm::pipeline::BacktestOptions o;
  o.study_file = vm["study"].as<std::string>();
  o.out_dir = vm["out"].as<std::string>();
  if (vm.count("test-start")) o.test_start = vm["test-start"].as<std::string>();
  if (vm.count("test-end")) o.test_end = vm["test-end"].as<std::string>();
  o.step_days = vm["step-days"].as<int>();
  o.reselect = vm["reselect"].as<std::string>();
  o.budget_km2 = vm["budget-km2"].as<double>();
  const auto result = rtm::pipeline::run_backtest(o);
  std::cout << result.summary;
  if (!vm.count("quiet")) {
    for (const auto& w : result.warnings) std::cerr << "rtm: warning: " << w << "\n";
    std::cerr << "rtm: wrote";
    for (const auto& w : result.written) std::cerr << " " << w;
    std::cerr << " to " << o.out_dir << "\n";
  }
  return 0;
}

int dispatch(int argc, char** argv) {
  po::options_description global("options");
  global.add_options()("help,h", "show this help")("version", "show versions of rtm and its libraries");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>(), "")("args", po::value<std::vector<std::string>>(), "");
  po::options_description all;
  all.add(global).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("args", -1);
  po::parsed_options parsed =
      po::command_line_parser(argc, argv).options(all).positional(pos).allow_unregistered().run();
  po::variables_map vm;
  po::store(parsed, vm);
  std::vector<std::string> rest = po::collect_unrecognized(parsed.options, po::include_positional);
  if (!rest.empty() && vm.count("command") && rest.front() == vm["command"].as<std::string>()) rest.erase(rest.begin());

  if (vm.count("version")) {
    std::cout << "rtm " << rtm::kRtmVersion << "\n";
    for (const auto& [k, v] : rtm::io::library_versions()) std::cout << "  " << k << " " << v << "\n";
    std::cout << "  mapnik " << rtm::render::mapnik_version() << " (" << rtm::render::mapnik_plugin_count()
              << " input plugins)\n";
    return 0;
  }
  if (!vm.count("command")) {
    if (vm.count("help")) {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << kUsage;
    return static_cast<int>(rtm::ExitCode::usage);
  }
  const std::string cmd = vm["command"].as<std::string>();
  if (vm.count("help")) rest.push_back("--help");
  if (cmd == "validate") return cmd_validate(rest);
  if (cmd == "run") return cmd_run(rest);
  if (cmd == "backtest") return cmd_backtest(rest);
  throw rtm::UsageError("unknown command '" + cmd + "' (commands: validate, run, backtest)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const rtm::Error& e) {
    std::cerr << "rtm: " << e.kind() << ": " << e.what() << "\n";
    for (const auto& c : e.context()) std::cerr << "  " << c << "\n";
    return static_cast<int>(e.exit_code());
  } catch (const po::error& e) {
    std::cerr << "rtm: usage error: " << e.what() << "\n";
    return static_cast<int>(rtm::ExitCode::usage);
  } catch (const std::bad_alloc&) {
    std::cerr << "rtm: out of memory; use larger cells (study.cell_size_m) or a smaller area\n";
    return static_cast<int>(rtm::ExitCode::internal);
  } catch (const std::exception& e) {
    std::cerr << "rtm: internal error: " << e.what() << " (please report this)\n";
    return static_cast<int>(rtm::ExitCode::internal);
  }
}
