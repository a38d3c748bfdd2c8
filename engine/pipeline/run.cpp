#include "pipeline/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/timings.hpp"
#include "io/gpkg_writer.hpp"
#include "io/output_dir.hpp"
#include "io/raster_writer.hpp"
#include "pipeline/goal.hpp"
#include "pipeline/model_step.hpp"
#include "pipeline/recommend_step.hpp"
#include "pipeline/render_step.hpp"
#include "pipeline/report.hpp"
#include "pipeline/study.hpp"

namespace fs = std::filesystem;

namespace rtm::pipeline {

namespace {
// A GeoPackage table of features (all, or those listed): geometry, source
// feature id, time when dated, and the source attributes as text.
io::GpkgLayer feature_table(const std::string& name, const FeatureSet& fs, const std::vector<std::size_t>* only) {
  io::GpkgLayer t{name, true, {{"source_fid", io::GpkgField::Type::integer}}, {}};
  const bool timed = !fs.features.empty() && fs.features.front().time_s.has_value();
  if (timed) t.fields.push_back({"time", io::GpkgField::Type::text});
  for (const auto& f : fs.fields) t.fields.push_back({f, io::GpkgField::Type::text});
  auto add = [&](const Feature& f) {
    io::GpkgRow row{f.wkb.empty() ? io::point_wkb(f.x, f.y) : f.wkb, {static_cast<std::int64_t>(f.source_fid)}};
    if (timed) row.values.emplace_back(f.time_s ? format_civil_time(*f.time_s) : std::string());
    for (const auto& a : f.attributes) row.values.emplace_back(a);
    t.rows.push_back(std::move(row));
  };
  if (only != nullptr) {
    for (std::size_t i : *only) add(fs.features[i]);
  } else {
    for (const auto& f : fs.features) add(f);
  }
  return t;
}

// The run's as-of date: the day after the training window, or after the last
// dated incident (as the exposure step has it).
std::int64_t run_as_of(const Study& s) {
  if (s.config.incidents.train) return s.config.incidents.train->end_s;
  std::int64_t as_of = 0;
  for (const auto& f : s.incidents.features)
    if (f.time_s) as_of = std::max(as_of, (*f.time_s / 86400 + 1) * 86400);
  return as_of;
}

// Progress towards the study's [goal]: every dated incident in a study cell,
// marked when its cell belongs to a place (`place_id`, grid, rank or 0).
nlohmann::json goal_section(const Study& s, const std::vector<std::int32_t>* place_id) {
  std::vector<GoalIncident> incidents;
  for (const auto& f : s.incidents.features) {
    if (!f.time_s) continue;
    const auto cell = s.grid.cell_of(f.x, f.y);
    if (!cell) continue;
    const auto k = static_cast<std::size_t>(s.grid.linear(*cell));
    if (s.mask[k] == 0) continue;
    incidents.push_back({*f.time_s, place_id != nullptr && (*place_id)[k] > 0});
  }
  std::int64_t places = 0, cells = 0;
  if (place_id != nullptr)
    for (std::int32_t id : *place_id) {
      places = std::max<std::int64_t>(places, id);
      cells += id > 0 ? 1 : 0;
    }
  nlohmann::json g = goal_progress(s.config.goal, run_as_of(s), incidents, s.config.incidents.crime_type, places, cells);
  g["text"] = goal_line(g);
  return g;
}

}  // namespace

std::vector<std::string> run_study(const RunOptions& options) {
  return run_study_config(load_study_config(options.study_file), options, nlohmann::json::object());
}

std::vector<std::string> run_study_config(const StudyConfig& config, const RunOptions& options,
                                          const nlohmann::json& extra) {
  io::prepare_output_dir(options.out_dir);
  nlohmann::json saved;
  if (!options.model_file.empty()) {
    std::ifstream in(options.model_file);
    if (!in) throw ModelError("cannot read the saved model " + options.model_file);
    try {
      saved = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw ModelError(options.model_file + " is not a saved model (not valid JSON: " + e.what() + ")");
    }
    if (!saved.is_object() || saved.value("format", "") != "rtm-model")
      throw ModelError(options.model_file + " is not a saved rtm model (no \"format\": \"rtm-model\")");
  }
  const Study study = [&] {
    StageTimer t("read inputs, grid, counts");
    return load_study(config);
  }();
  // The study's own products (mask, counts, projected layers) do not depend on
  // the model: with more than one thread they are written beside the fitting.
  io::StagedOutputs staging(options.out_dir);
  const std::string grid_tif = staging.path("grid.tif"), counts_tif = staging.path("counts.tif"),
                    layers_gpkg = staging.path("layers.gpkg");
  auto write_study_products = [&] {
    StageTimer t(thread_count() > 1 ? "write grid, counts, layers.gpkg (beside the model)"
                                    : "write grid, counts, layers.gpkg");
    io::write_cog(grid_tif, study.grid, study.mask);
    std::vector<std::int32_t> counts = study.counts;
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (study.mask[i] == 0) counts[i] = -1;
    io::write_cog(counts_tif, study.grid, counts, -1.0);

    // The projected, clipped features of every layer, and the incidents used.
    std::vector<io::GpkgLayer> tables;
    io::GpkgLayer area{"study_area", true, {{"name", io::GpkgField::Type::text}}, {}};
    area.rows.push_back({study.area.wkb(), {config.name}});
    tables.push_back(std::move(area));
    tables.push_back(feature_table("incidents", study.incidents, &study.used));
    for (std::size_t i = 0; i < study.layers.size(); ++i)
      tables.push_back(feature_table(config.layers[i].name, study.layers[i], nullptr));
    if (config.render.context) {
      // Context outlines for the maps, so that `rtm render` needs only the run folder.
      io::GpkgLayer ctx{"context", true, {{"source_fid", io::GpkgField::Type::integer}, {"label", io::GpkgField::Type::text}}, {}};
      for (std::size_t i = 0; i < study.context.features.size(); ++i) {
        const Feature& f = study.context.features[i];
        ctx.rows.push_back({f.wkb, {static_cast<std::int64_t>(f.source_fid), study.context_labels[i]}});
      }
      tables.push_back(std::move(ctx));
    }
    io::write_gpkg(layers_gpkg, study.crs, tables);
  };
  std::future<void> study_products = run_beside(write_study_products);

  std::optional<StageTimer> t_model(std::in_place, "candidates and model");
  const ModelResult model = with_context(
      options.model_file.empty() ? std::string("while selecting the model") : "while applying the saved model " + options.model_file,
      [&] {
        try {
          return fit_study_model(study, options.model_file.empty() ? nullptr : &saved);
        } catch (const nlohmann::json::exception& e) {
          throw ModelError(options.model_file + " is not a usable saved model: " + e.what() +
                           " (expected the keys written by rtm run: grid, intercept, family, factors with name, coef, se)");
        }
      });

  t_model.reset();
  study_products.get();

  std::optional<StageTimer> t_write(std::in_place, "write risk.tif, candidates, model");
  io::write_cog(staging.path("risk.tif"), study.grid, model.risk, -1.0);
  io::write_text_file(staging.path("candidates.json"), model.candidates_json.dump(2) + "\n");
  if (config.model.mode == "rtm") io::write_text_file(staging.path("model.json"), model.saved_model.dump(2) + "\n");

  t_write.reset();
  nlohmann::json report = study_report(study);
  report["model"] = model.report;
  // places.gpkg is written beside the rest of the decisions and the report;
  // the change since the previous run and the maps read it, so it is finished
  // before them.
  std::vector<io::GpkgLayer> places_tables;
  std::future<void> places_written;
  if (config.model.mode == "rtm") {
    std::optional<StageTimer> t_decide(std::in_place, "places, exposure, narratives");
    Decisions dec = decide(study, model);
    if (config.goal.enabled) {
      report["goal"] = goal_section(study, &dec.place_id);
      const auto at = dec.summary_md.find("## Risk factors");
      dec.summary_md.insert(at == std::string::npos ? dec.summary_md.size() : at, goal_markdown(report["goal"]));
    }
    t_decide.emplace("write decisions");
    places_tables = std::move(dec.places_gpkg);
    auto write_places = [&study, &places_tables, path = staging.path("places.gpkg")] {
      StageTimer t("  places.gpkg");
      io::write_gpkg(path, study.crs, places_tables);
    };
    places_written = run_beside(write_places);
    io::write_cog_bands(staging.path("exposure.tif"), study.grid,
                        std::vector<io::BandF>{{"recent incidents per km2 (quartic KDE)", dec.exposure_kde},
                                               {"Gi* z-score of recent counts", dec.exposure_gi_z}},
                        -9999.0);
    io::write_cog_bands(staging.path("classes.tif"), study.grid,
                        std::vector<io::Band8>{{"risk class (0 below average .. 3 highest)", dec.risk_class},
                                               {"vulnerability x exposure (3 = priority)", dec.vxe_class}},
                        255.0);
    io::write_text_file(staging.path("places.csv"), dec.places_csv);
    io::write_text_file(staging.path("summary.md"), dec.summary_md);
    for (auto& [k, v] : dec.report.items()) report[k] = std::move(v);
    report["outputs"]["exposure.tif"] = "band 1: recent incidents per km2; band 2: Gi* z (-9999 outside), COG";
    report["outputs"]["classes.tif"] = "band 1: risk class 0-3; band 2: vulnerability x exposure 0-3 (255 outside), COG";
    report["outputs"]["places.gpkg"] = "places, place_features, leverage, rasters (no incident locations)";
    report["outputs"]["places.csv"] = "the places for spreadsheets";
    report["outputs"]["summary.md"] = "headline figures, places, narratives and leverage, for people";
  }
  if (config.goal.enabled && !report.contains("goal")) report["goal"] = goal_section(study, nullptr);
  report["provenance"] = provenance(study);
  report["outputs"].update(nlohmann::json{{"grid.tif", "study-cell mask (1 = study cell), COG"},
                       {"counts.tif", "incidents per study cell in the training window (-1 outside), COG"},
                       {"layers.gpkg", "projected, clipped features of every layer and the incidents used "
                                       "(internal: holds incident locations)"},
                       {"risk.tif", "relative risk score per study cell (-1 outside), COG"},
                       {"candidates.json", "every candidate: factor, operationalization, distance, cells with 1"},
                       {"report.json", "this report"}});
  if (config.model.mode == "rtm") report["outputs"]["model.json"] = "the fitted model, re-applicable with --model";
  for (const auto& [k, v] : extra.items()) report[k] = v;
  const bool draw = config.model.mode == "rtm" && (config.render.briefing || config.render.map);
  if (draw) {
    report["outputs"]["briefing.pdf"] = std::string("one-page briefing (") + config.render.audience + ")";
    report["outputs"]["map.png"] = std::string("overview map (") + config.render.audience + ")";
  }
  if (places_written.valid()) places_written.get();
  if (options.before_report) {
    StageTimer t("change since the previous run");
    options.before_report(staging.dir(), report);
  }
  io::write_text_file(staging.path("report.json"), report.dump(2) + "\n");
  if (draw) {
    // The maps are drawn from the staged products; the previous run in the
    // folder (not yet replaced) gives the briefing its "change since".
    RenderSettings rs;
    rs.briefing = config.render.briefing;
    rs.map = config.render.map;
    rs.audience = config.render.audience == "internal" ? render::Audience::internal : render::Audience::public_;
    rs.paper = config.render.paper == "a4" ? render::Paper::a4 : render::Paper::letter;
    rs.landscape = config.render.landscape;
    rs.previous_run = options.previous_run.empty() ? options.out_dir : options.previous_run;
    const std::string briefing = config.render.briefing ? staging.path("briefing.pdf") : std::string();
    const std::string overview = config.render.map ? staging.path("map.png") : std::string();
    StageTimer t("draw briefing and map");
    render_run_products(staging.dir(), briefing, overview, rs);
  }
  StageTimer t("commit");
  return staging.commit();
}

}  // namespace rtm::pipeline
