// rtm: risk terrain modeling engine. Only this file catches errors and maps
// each class to its exit code (see README, "Exit codes").
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "core/timings.hpp"
#include "core/version.hpp"
#include "io/gdal_env.hpp"
#include "io/redact.hpp"
#include "pipeline/backtest.hpp"
#include "pipeline/batch.hpp"
#include "pipeline/model_step.hpp"
#include "pipeline/report.hpp"
#include "pipeline/run.hpp"
#include "pipeline/weekly.hpp"
#include "pipeline/study.hpp"
#include "render/mapnik_env.hpp"
#include "render/render.hpp"

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
    "  run STUDY.toml --as-of DATE  the weekly job: windows from the date, model reuse, run ledger\n"
    "  run-batch STUDY.toml ...     run several studies, each into its own folder; report each one's status\n"
    "  history STUDY.toml           the runs in the ledger and what changed since the previous one\n"
    "  backtest STUDY.toml --out DIR  score weekly forecasts (hit rate, PAI, PEI, RRI) against baselines\n"
    "  render map RUN_DIR           a PNG of the study area's risk classes and places\n"
    "  render briefing RUN_DIR      the one-page briefing PDF (letter/A4, --public or --internal)\n"
    "  render tiles RUN_DIR         XYZ tiles, MBTiles and a Leaflet viewer (--zoom 10-14; --shard i/n)\n"
    "  render tiles-merge --out DIR SHARD_DIR...  assemble the shards of a tile render\n"
    "\n"
    "Run 'rtm <command> --help' for a command's options. Exit codes: 0 ok, 1 internal error,\n"
    "2 usage, 3 study file, 4 data, 5 model, 6 render, 7 output.\n";

// Parses a subcommand whose one positional argument is the study file.
po::variables_map parse_study_command(const std::vector<std::string>& args, const po::options_description& opts) {
  po::options_description hidden;
  hidden.add_options()("study", po::value<std::string>(), "study file");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("study", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  return vm;
}

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description opts("rtm validate STUDY.toml");
  opts.add_options()("help,h", "show this help")("quiet,q", "no progress output")(
      "json", "print the inputs, grid and counts as JSON (the report.json sections) instead of text");
  po::variables_map vm = parse_study_command(args, opts);
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

int cmd_history(const std::vector<std::string>& args) {
  po::options_description opts("rtm history STUDY.toml [--runs DIR]");
  opts.add_options()("help,h", "show this help")("runs", po::value<std::string>()->default_value("runs"),
                                                 "the folder of dated runs and ledger.gpkg");
  po::variables_map vm = parse_study_command(args, opts);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts << "\nLists the study's runs from the ledger and what changed in the latest one.\n";
    return 0;
  }
  if (!vm.count("study")) throw rtm::UsageError("history needs a study file: rtm history STUDY.toml");
  std::cout << rtm::pipeline::history_text(vm["study"].as<std::string>(), vm["runs"].as<std::string>());
  return 0;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("rtm run STUDY.toml --out DIR");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(), "run folder for the products")(
      "model,m", po::value<std::string>(), "re-apply this saved model.json instead of selecting factors")(
      "as-of", po::value<std::string>(),
      "the weekly job: training window from this date ([schedule]), model reused until due, run recorded in "
      "RUNS/ledger.gpkg, products in RUNS/<study>-<date>/")(
      "runs", po::value<std::string>()->default_value("runs"), "with --as-of: the folder of dated runs and the ledger")(
      "threads,j", po::value<std::size_t>(), "threads to use (default: all cores); results do not depend on it")(
      "timings", "print wall and CPU seconds per stage on stderr at the end")("quiet,q", "no progress output");
  po::variables_map vm = parse_study_command(args, opts);
  if (vm.count("help")) {
    std::cout << opts
              << "\nWrites grid.tif, counts.tif, risk.tif, candidates.json, model.json, layers.gpkg and report.json\ninto DIR. Files appear only when\n"
                 "all are complete; a failed run leaves DIR as it was.\n";
    return 0;
  }
  if (!vm.count("study")) throw rtm::UsageError("run needs a study file: rtm run STUDY.toml --out DIR");
  if (vm.count("threads")) {
    if (vm["threads"].as<std::size_t>() < 1) throw rtm::UsageError("--threads needs at least 1");
    rtm::thread_count() = vm["threads"].as<std::size_t>();
  }
  if (vm.count("quiet")) rtm::Progress::set_quiet(true);
  rtm::enable_timings(vm.count("timings") > 0);
  // Printed however the run ends, so a failed or slow run still shows where the time went.
  struct PrintTimings {
    ~PrintTimings() {
      if (rtm::timings_enabled()) std::cerr << rtm::timings_table();
    }
  } print_timings;
  if (vm.count("as-of")) {
    if (vm.count("out") || vm.count("model"))
      throw rtm::UsageError("--as-of names the run folder and picks the model itself: drop --out and --model");
    const auto r = rtm::pipeline::run_weekly({vm["study"].as<std::string>(), vm["as-of"].as<std::string>(),
                                              vm["runs"].as<std::string>()});
    if (!vm.count("quiet"))
      std::cerr << "rtm: wrote " << r.files.size() << " products to " << r.out_dir << " (model "
                << (r.reselected ? "selected" : "re-applied: " + r.model_id) << ")\n";
    return 0;
  }
  if (!vm.count("out")) throw rtm::UsageError("run needs an output folder: rtm run STUDY.toml --out DIR");
  rtm::pipeline::RunOptions o;
  o.study_file = vm["study"].as<std::string>();
  o.out_dir = vm["out"].as<std::string>();
  if (vm.count("model")) o.model_file = vm["model"].as<std::string>();
  const auto written = rtm::pipeline::run_study(o);
  if (!vm.count("quiet")) {
    std::cerr << "rtm: wrote";
    for (const auto& w : written) std::cerr << " " << w;
    std::cerr << " to " << o.out_dir << "\n";
  }
  return 0;
}

int cmd_run_batch(const std::vector<std::string>& args, const std::string& self) {
  po::options_description opts("rtm run-batch STUDY.toml ... [--out-root DIR] [--as-of DATE] [-j N]");
  opts.add_options()("help,h", "show this help")(
      "out-root", po::value<std::string>()->default_value("runs"),
      "each study's products go to DIR/<study name>/ (with --as-of: DIR/<study name>-<date>/ and DIR/ledger.gpkg)")(
      "as-of", po::value<std::string>(), "run every study as the weekly job for this date (rtm run --as-of)")(
      "list", po::value<std::string>(), "also run the study files listed in this file (one per line, # comments)")(
      "jobs,j", po::value<std::size_t>()->default_value(1), "studies to run at once")(
      "threads", po::value<std::size_t>(), "threads for each study's run (default: all cores)")(
      "quiet,q", "no progress lines");
  po::options_description hidden;
  hidden.add_options()("study", po::value<std::vector<std::string>>(), "study files");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("study", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts
              << "\nRuns each study as `rtm run` would, one after another (or N at once with -j), each into its own\n"
                 "folder. A failing study does not stop the others. Prints each study's status, writes it to\n"
                 "DIR/batch.json, and exits 0 only when every study ran; otherwise with the exit code of the first\n"
                 "failed study, in the order given.\n";
    return 0;
  }
  rtm::pipeline::BatchOptions o;
  if (vm.count("study")) o.studies = vm["study"].as<std::vector<std::string>>();
  if (vm.count("list")) {
    const auto listed = rtm::pipeline::read_batch_list(vm["list"].as<std::string>());
    o.studies.insert(o.studies.end(), listed.begin(), listed.end());
  }
  if (o.studies.empty())
    throw rtm::UsageError("run-batch needs study files: rtm run-batch STUDY1.toml STUDY2.toml ... (or --list FILE)");
  o.out_root = vm["out-root"].as<std::string>();
  if (vm.count("as-of")) {
    o.as_of = vm["as-of"].as<std::string>();
    if (!rtm::parse_civil_time(o.as_of, "%Y-%m-%d"))
      throw rtm::UsageError("--as-of: expected a date YYYY-MM-DD, found \"" + o.as_of + "\"");
  }
  o.jobs = vm["jobs"].as<std::size_t>();
  if (o.jobs < 1) throw rtm::UsageError("--jobs needs at least 1");
  if (vm.count("threads")) {
    o.threads = vm["threads"].as<std::size_t>();
    if (o.threads < 1) throw rtm::UsageError("--threads needs at least 1");
  }
  o.quiet = vm.count("quiet") > 0;
  o.rtm_exe = self;
  const auto r = rtm::pipeline::run_batch(o);
  std::cout << r.summary;
  return r.exit_code;
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
  po::variables_map vm = parse_study_command(args, opts);
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

int cmd_render(const std::vector<std::string>& args) {
  po::options_description opts("rtm render map|briefing|tiles RUN_DIR [options]; rtm render tiles-merge --out DIR SHARD_DIR...");
  opts.add_options()("help,h", "show this help")(
      "out,o", po::value<std::string>(),
      "output file (map: PNG, briefing: PDF) or folder (tiles); default: in RUN_DIR, named by product and audience")(
      "public", "public product (the default): risk classes, places and boundary only, never incident locations")(
      "internal", "internal product (law enforcement sensitive): also the recent incident points")(
      "styles", po::value<std::string>(), "read public.xml, internal.xml, palette.txt and viewer.html from this folder (default: built in)")(
      "save-xml", po::value<std::string>(), "also write the filled-in Mapnik XML to this file")(
      "quiet,q", "no progress output");
  po::options_description map_opts("map");
  map_opts.add_options()("width", po::value<unsigned>()->default_value(1600), "image width in pixels")(
      "height", po::value<unsigned>(), "image height in pixels (default: from the study area's shape)")(
      "dpi", po::value<double>()->default_value(96), "resolution: symbols and text scale with it")(
      "no-legend", "the map alone: no legend, scale bar or north arrow");
  po::options_description brief_opts("briefing");
  brief_opts.add_options()("paper", po::value<std::string>()->default_value("letter"), "letter or a4")(
      "landscape", "landscape page (default portrait)")(
      "previous", po::value<std::string>(), "the previous run folder: adds the change in places since then")(
      "distribution", po::value<std::string>(), "the distribution line (default: one for the audience)")(
      "places", po::value<std::size_t>()->default_value(10), "rows of the top places table (at most)");
  po::options_description tile_opts("tiles");
  tile_opts.add_options()("zoom", po::value<std::string>()->default_value("10-14"), "zoom levels, MIN-MAX (0-20)")(
      "metatile", po::value<unsigned>()->default_value(8), "render N x N tiles at once (1: one at a time)")(
      "threads,j", po::value<std::size_t>(), "threads (default: all cores)")(
      "no-mbtiles", "do not write tiles.mbtiles")("leaflet", po::value<std::string>(),
                                                  "folder holding leaflet.js and leaflet.css for index.html")(
      "shard", po::value<std::string>(),
      "render shard I of N (I/N, 0 <= I < N): every N-th metatile, into its own folder (default "
      "RUN_DIR/tiles-shard-I-of-N); assemble with tiles-merge");
  po::options_description hidden;
  hidden.add_options()("what", po::value<std::string>(), "")("run", po::value<std::vector<std::string>>(), "");
  po::options_description visible;
  visible.add(opts).add(map_opts).add(brief_opts).add(tile_opts);
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("what", 1).add("run", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << visible
              << "\nmap       a PNG of the whole study area (default RUN_DIR/map.png, map-internal.png)\n"
                 "briefing  the one-page briefing PDF (default RUN_DIR/briefing.pdf, briefing-internal.pdf)\n"
                 "tiles     XYZ PNG tiles in web mercator, tiles.mbtiles and index.html (default RUN_DIR/tiles,\n"
                 "          tiles-internal); with --shard I/N only every N-th metatile, for parallel jobs\n"
                 "tiles-merge --out DIR SHARD_DIR...  the shards' tiles, tiles.mbtiles and index.html in DIR,\n"
                 "          as one render without --shard writes them\n"
                 "Public products (the default) never show incident locations; --internal ones may and are\n"
                 "marked LAW ENFORCEMENT SENSITIVE.\n";
    return 0;
  }
  if (!vm.count("what") || !vm.count("run"))
    throw rtm::UsageError("render needs a product and a run folder: rtm render map|briefing|tiles RUN_DIR");
  const std::string what = vm["what"].as<std::string>();
  const std::vector<std::string> positional = vm["run"].as<std::vector<std::string>>();
  if (what == "tiles-merge") {
    if (!vm.count("out")) throw rtm::UsageError("tiles-merge needs --out DIR: rtm render tiles-merge --out DIR SHARD_DIR...");
    if (vm.count("quiet")) rtm::Progress::set_quiet(true);
    const auto summary = rtm::render::merge_tile_shards(positional, vm["out"].as<std::string>());
    if (!vm.count("quiet"))
      std::cerr << "rtm: merged " << positional.size() << " shards: " << summary.tiles << " tiles ("
                << summary.metatiles << " metatiles) into " << vm["out"].as<std::string>() << "\n";
    return 0;
  }
  if (positional.size() != 1)
    throw rtm::UsageError("render " + what + " takes one run folder, not " + std::to_string(positional.size()));
  const std::string run = positional.front();
  if (vm.count("public") && vm.count("internal")) throw rtm::UsageError("choose one of --public and --internal");
  if (vm.count("quiet")) rtm::Progress::set_quiet(true);
  rtm::render::StyleOptions style;
  style.audience = vm.count("internal") ? rtm::render::Audience::internal : rtm::render::Audience::public_;
  if (vm.count("styles")) style.styles_dir = vm["styles"].as<std::string>();
  if (vm.count("save-xml")) style.save_xml = vm["save-xml"].as<std::string>();
  const std::string suffix = style.audience == rtm::render::Audience::internal ? "-internal" : "";
  auto out_or = [&](const std::string& name) {
    return vm.count("out") ? vm["out"].as<std::string>() : run + "/" + name;
  };
  std::string written;
  if (what == "map") {
    rtm::render::MapOptions o;
    o.style = style;
    o.width_px = vm["width"].as<unsigned>();
    if (vm.count("height")) o.height_px = vm["height"].as<unsigned>();
    o.dpi = vm["dpi"].as<double>();
    o.decorations = !vm.count("no-legend");
    written = out_or("map" + suffix + ".png");
    rtm::render::render_map_png(run, written, o);
  } else if (what == "briefing") {
    rtm::render::BriefingOptions o;
    o.style = style;
    const std::string paper = vm["paper"].as<std::string>();
    if (paper == "letter") o.paper = rtm::render::Paper::letter;
    else if (paper == "a4") o.paper = rtm::render::Paper::a4;
    else throw rtm::UsageError("--paper must be letter or a4, not '" + paper + "'");
    o.landscape = vm.count("landscape") > 0;
    if (vm.count("previous")) o.previous_run = vm["previous"].as<std::string>();
    if (vm.count("distribution")) o.distribution = vm["distribution"].as<std::string>();
    o.max_places = vm["places"].as<std::size_t>();
    written = out_or("briefing" + suffix + ".pdf");
    rtm::render::render_briefing_pdf(run, written, o);
  } else if (what == "tiles") {
    rtm::render::TileOptions o;
    o.style = style;
    const std::string z = vm["zoom"].as<std::string>();
    const auto dash = z.find('-');
    try {
      std::size_t used = 0;
      o.min_zoom = std::stoi(z.substr(0, dash), &used);
      if (used != (dash == std::string::npos ? z.size() : dash)) throw std::invalid_argument(z);
      o.max_zoom = dash == std::string::npos ? o.min_zoom : std::stoi(z.substr(dash + 1), &used);
      if (dash != std::string::npos && used != z.size() - dash - 1) throw std::invalid_argument(z);
    } catch (const std::exception&) {
      throw rtm::UsageError("--zoom must be MIN-MAX (e.g. 10-14), not '" + z + "'");
    }
    if (o.min_zoom < 0 || o.max_zoom > 20 || o.min_zoom > o.max_zoom)
      throw rtm::UsageError("--zoom must be MIN-MAX with 0 <= MIN <= MAX <= 20, not '" + z + "'");
    o.metatile = vm["metatile"].as<unsigned>();
    if (o.metatile < 1 || o.metatile > 16) throw rtm::UsageError("--metatile must be 1 to 16");
    if (vm.count("threads")) {
      if (vm["threads"].as<std::size_t>() < 1) throw rtm::UsageError("--threads needs at least 1");
      o.threads = vm["threads"].as<std::size_t>();
    }
    o.mbtiles = !vm.count("no-mbtiles");
    if (vm.count("leaflet")) o.leaflet_dir = vm["leaflet"].as<std::string>();
    std::string shard_suffix;
    if (vm.count("shard")) {
      const std::string sh = vm["shard"].as<std::string>();
      const auto slash = sh.find('/');
      bool ok = slash != std::string::npos && slash > 0 && slash + 1 < sh.size() &&
                sh.find_first_not_of("0123456789/") == std::string::npos && sh.find('/', slash + 1) == std::string::npos;
      if (ok) {
        try {
          o.shard_index = std::stoul(sh.substr(0, slash));
          o.shard_count = std::stoul(sh.substr(slash + 1));
        } catch (const std::exception&) {
          ok = false;
        }
      }
      if (!ok || o.shard_count < 1 || o.shard_index >= o.shard_count || o.shard_count > 100000)
        throw rtm::UsageError("--shard must be I/N with 0 <= I < N (e.g. 0/4), not '" + sh + "'");
      if (o.shard_count > 1)
        shard_suffix = "-shard-" + std::to_string(o.shard_index) + "-of-" + std::to_string(o.shard_count);
    }
    written = out_or("tiles" + suffix + shard_suffix);
    const auto summary = rtm::render::render_tiles(run, written, o);
    if (!vm.count("quiet")) {
      for (const auto& w : summary.warnings) std::cerr << "rtm: warning: " << w << "\n";
      std::cerr << "rtm: " << summary.tiles << " tiles (" << summary.metatiles << " metatiles) in " << summary.seconds
                << " s";
      if (summary.seconds > 0) std::cerr << " (" << static_cast<double>(summary.tiles) / summary.seconds << " tiles/s)";
      std::cerr << "\n";
    }
  } else {
    throw rtm::UsageError("unknown product '" + what + "' (render map, briefing, tiles or tiles-merge)");
  }
  if (!vm.count("quiet")) std::cerr << "rtm: wrote " << written << " (" << rtm::render::audience_name(style.audience) << ")\n";
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
  if (cmd == "run-batch") {
    // Each study runs in a child process of this very binary.
    std::error_code ec;
    std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec || self.empty()) self = std::filesystem::absolute(argv[0]).string();
    return cmd_run_batch(rest, self);
  }
  if (cmd == "history") return cmd_history(rest);
  if (cmd == "backtest") return cmd_backtest(rest);
  if (cmd == "render") return cmd_render(rest);
  throw rtm::UsageError("unknown command '" + cmd + "' (commands: validate, run, run-batch, history, backtest, render)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const rtm::Error& e) {
    // Messages may quote a source's connection string: never its password.
    std::cerr << "rtm: " << e.kind() << ": " << rtm::io::redact_source(e.what()) << "\n";
    for (const auto& c : e.context()) std::cerr << "  " << rtm::io::redact_source(c) << "\n";
    return static_cast<int>(e.exit_code());
  } catch (const po::error& e) {
    std::cerr << "rtm: usage error: " << e.what() << "\n";
    return static_cast<int>(rtm::ExitCode::usage);
  } catch (const std::bad_alloc&) {
    std::cerr << "rtm: out of memory; use larger cells (study.cell_size_m) or a smaller area\n";
    return static_cast<int>(rtm::ExitCode::internal);
  } catch (const std::exception& e) {
    std::cerr << "rtm: internal error: " << rtm::io::redact_source(e.what()) << " (please report this)\n";
    return static_cast<int>(rtm::ExitCode::internal);
  }
}
