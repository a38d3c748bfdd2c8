#include "pipeline/recommend_step.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/civil_time.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"
#include "io/raster_writer.hpp"
#include "ops/operationalize.hpp"
#include "recommend/classes.hpp"
#include "recommend/exposure.hpp"
#include "recommend/influence.hpp"

namespace rtm::pipeline {

namespace {

const char* kDays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

// 0 = Monday (1970-01-01 was a Thursday).
int day_of_week(std::int64_t t) {
  const std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  return static_cast<int>(((days + 3) % 7 + 7) % 7);
}
int hour_of_day(std::int64_t t) { return static_cast<int>(((t % 86400) + 86400) % 86400 / 3600); }

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// The busiest entries of a histogram, e.g. "Fri, Sat" (those within 80 % of the top).
template <std::size_t N>
std::string busiest(const std::array<std::int64_t, N>& h, const std::vector<std::string>& names) {
  const std::int64_t top = *std::max_element(h.begin(), h.end());
  if (top == 0) return "";
  std::string out;
  for (std::size_t i = 0; i < N; ++i)
    if (static_cast<double>(h[i]) >= 0.8 * static_cast<double>(top)) out += (out.empty() ? "" : ", ") + names[i];
  return out;
}

struct Place {
  std::vector<std::size_t> cells;  // compact
  double expected = 0, mean_risk = 0, max_risk = 0;
  std::int64_t observed_train = 0, observed_recent = 0, hot_cells = 0;
  std::array<std::int64_t, 7> dow{};
  std::array<std::int64_t, 24> hour{};
  std::vector<std::vector<std::int64_t>> profile = std::vector<std::vector<std::int64_t>>(7, std::vector<std::int64_t>(24, 0));
};

}  // namespace

Decisions decide(const Study& study, const ModelResult& model) {
  Decisions out;
  const GridSpec& g = study.grid;
  const StudyCells& cells = model.cells;
  const std::size_t n = cells.size();
  const StudyConfig& cfg = study.config;
  const StudyCellIndex index(g, cells);
  auto cell_index = [&](double x, double y) -> std::int64_t { return index.of_point(g, x, y); };

  // --- exposure: the recent window before the as-of date
  std::int64_t as_of = 0;
  if (cfg.incidents.train) {
    as_of = cfg.incidents.train->end_s;
  } else {
    for (const auto& f : study.incidents.features)
      if (f.time_s) as_of = std::max(as_of, (*f.time_s / 86400 + 1) * 86400);
  }
  const std::int64_t recent_start = as_of - cfg.exposure.weeks * 7 * 86400;
  const double bandwidth = cfg.exposure.bandwidth_m > 0 ? cfg.exposure.bandwidth_m : 1.5 * cfg.block_length_m;
  const double gi_band = cfg.exposure.gi_distance_m > 0 ? cfg.exposure.gi_distance_m : cfg.block_length_m;
  FeatureSet recent;
  recent.kind = GeomKind::point;
  std::vector<double> recent_counts(n, 0.0);
  std::vector<std::int64_t> recent_cell;  // compact cell of each recent incident
  for (const auto& f : study.incidents.features) {
    if (!f.time_s || *f.time_s < recent_start || *f.time_s >= as_of) continue;
    const std::int64_t c = cell_index(f.x, f.y);
    if (c < 0) continue;
    recent.features.push_back(f);
    recent_counts[static_cast<std::size_t>(c)] += 1;
    recent_cell.push_back(c);
  }
  const bool dated = !study.config.incidents.source.date_column.empty();
  const auto kde = ops::density_fields(recent, cells, {bandwidth}, g.cell_size_m)[0];
  const recommend::GiStar gi = recommend::getis_ord_gi_star(g, cells, recent_counts, gi_band, cfg.exposure.fdr);
  out.exposure_kde.assign(static_cast<std::size_t>(g.cell_count()), -9999.0f);
  out.exposure_gi_z.assign(static_cast<std::size_t>(g.cell_count()), -9999.0f);
  std::int64_t hot_cells = 0;
  for (std::size_t i = 0; i < n; ++i) {
    out.exposure_kde[static_cast<std::size_t>(cells.linear[i])] = static_cast<float>(kde[i] * 1e6);
    out.exposure_gi_z[static_cast<std::size_t>(cells.linear[i])] = static_cast<float>(gi.z[i]);
    hot_cells += gi.hot[i];
  }
  out.report["exposure"] = {{"as_of", format_civil_date(as_of)},
                            {"recent_window", {{"start", format_civil_date(recent_start)},
                                               {"end", format_civil_date(as_of - 86400)},
                                               {"weeks", cfg.exposure.weeks}}},
                            {"recent_incidents", recent.features.size()},
                            {"kde_bandwidth_m", bandwidth},
                            {"kde_units", "incidents per km2 (quartic kernel)"},
                            {"gi_distance_m", gi_band},
                            {"gi_fdr", cfg.exposure.fdr},
                            {"hot_cells", hot_cells},
                            {"dated", dated}};

  // --- classes
  std::vector<double> score(n);
  for (std::size_t i = 0; i < n; ++i) score[i] = model.risk[static_cast<std::size_t>(cells.linear[i])];
  double mean = 0, sd = 0;
  const auto classes = recommend::risk_classes(score, &mean, &sd);
  const auto vxe = recommend::vulnerability_exposure(classes, gi.hot);
  out.risk_class.assign(static_cast<std::size_t>(g.cell_count()), 255);
  out.vxe_class.assign(static_cast<std::size_t>(g.cell_count()), 255);
  std::array<std::int64_t, 4> class_n{}, vxe_n{};
  for (std::size_t i = 0; i < n; ++i) {
    out.risk_class[static_cast<std::size_t>(cells.linear[i])] = classes[i];
    out.vxe_class[static_cast<std::size_t>(cells.linear[i])] = vxe[i];
    ++class_n[classes[i]];
    ++vxe_n[vxe[i]];
  }
  nlohmann::json cls = nlohmann::json::object(), vx = nlohmann::json::object();
  for (std::uint8_t k = 0; k < 4; ++k) {
    cls[recommend::class_name(k)] = class_n[k];
    vx[recommend::vxe_name(k)] = vxe_n[k];
  }
  out.report["classes"] = {{"score_mean", mean}, {"score_sd", sd},
                           {"rule", "highest > mean + 2 SD; moderately high > mean + 1 SD; above average > mean"},
                           {"cells", cls}, {"vulnerability_exposure", vx},
                           {"high_risk", "moderately high or highest"}, {"hot", "Gi* z > 0 with BH q < fdr"}};

  // --- places: clusters of highest-risk cells, ranked by expected incidents
  std::vector<std::uint8_t> top(n);
  for (std::size_t i = 0; i < n; ++i) top[i] = classes[i] == recommend::highest ? 1 : 0;
  const auto groups = recommend::clusters(g, cells, top, cfg.places.connectivity == 8,
                                          static_cast<std::size_t>(cfg.places.min_cells));
  std::vector<Place> places;
  std::vector<std::int64_t> place_of(n, -1);
  for (const auto& grp : groups) {
    Place p;
    p.cells = grp;
    for (std::size_t c : grp) {
      p.expected += model.expected[c];
      p.mean_risk += score[c];
      p.max_risk = std::max(p.max_risk, score[c]);
      p.observed_train += study.counts[static_cast<std::size_t>(cells.linear[c])];
      p.observed_recent += static_cast<std::int64_t>(recent_counts[c]);
      p.hot_cells += gi.hot[c];
    }
    p.mean_risk /= static_cast<double>(grp.size());
    places.push_back(std::move(p));
  }
  std::stable_sort(places.begin(), places.end(), [](const Place& a, const Place& b) { return a.expected > b.expected; });
  for (std::size_t k = 0; k < places.size(); ++k)
    for (std::size_t c : places[k].cells) place_of[c] = static_cast<std::int64_t>(k);
  // when: training-window incidents by day of week and hour
  for (std::size_t i : study.used) {
    const Feature& f = study.incidents.features[i];
    const std::int64_t c = cell_index(f.x, f.y);
    if (c < 0 || place_of[static_cast<std::size_t>(c)] < 0 || !f.time_s) continue;
    Place& p = places[static_cast<std::size_t>(place_of[static_cast<std::size_t>(c)])];
    const int d = day_of_week(*f.time_s), h = hour_of_day(*f.time_s);
    ++p.dow[static_cast<std::size_t>(d)];
    ++p.hour[static_cast<std::size_t>(h)];
    ++p.profile[static_cast<std::size_t>(d)][static_cast<std::size_t>(h)];
  }

  // --- the factors of the model, with their features
  std::vector<recommend::FactorTerm> terms;
  for (const auto& f : model.report.value("factors", nlohmann::json::array())) {
    const std::string name = f["name"];
    auto cand = std::find_if(model.candidates.begin(), model.candidates.end(),
                             [&](const ops::Candidate& c) { return c.name == name; });
    auto layer = std::find_if(cfg.layers.begin(), cfg.layers.end(),
                              [&](const LayerConfig& l) { return l.name == cand->factor; });
    const auto li = static_cast<std::size_t>(layer - cfg.layers.begin());
    recommend::FactorTerm t;
    t.name = name;
    t.factor = cand->factor;
    t.op = cand->op;
    t.distance_m = cand->distance_m;
    t.coef = f["coef"];
    t.rrv = f["rrv"];
    t.features = &study.layers[li];
    const auto& fields = study.layers[li].fields;
    auto lf = std::find(fields.begin(), fields.end(), layer->label);
    t.label_field = layer->label.empty() || lf == fields.end() ? -1 : static_cast<int>(lf - fields.begin());
    t.bits = &cand->bits;
    t.threshold = cand->threshold;
    t.cell_size_m = g.cell_size_m;
    terms.push_back(std::move(t));
  }
  std::vector<recommend::FeatureFinder> finders;
  for (const auto& t : terms) finders.emplace_back(t);

  // --- narratives
  nlohmann::json places_json = nlohmann::json::array();
  io::GpkgLayer gp{"places", true,
                   {{"rank", io::GpkgField::Type::integer}, {"cells", io::GpkgField::Type::integer},
                    {"area_km2", io::GpkgField::Type::real}, {"mean_risk", io::GpkgField::Type::real},
                    {"max_risk", io::GpkgField::Type::real}, {"expected", io::GpkgField::Type::real},
                    {"observed_train", io::GpkgField::Type::integer}, {"observed_recent", io::GpkgField::Type::integer},
                    {"class", io::GpkgField::Type::text}, {"hot_cells", io::GpkgField::Type::integer},
                    {"busiest_days", io::GpkgField::Type::text}, {"busiest_hours", io::GpkgField::Type::text},
                    {"factors", io::GpkgField::Type::text}, {"narrative", io::GpkgField::Type::text}},
                   {}};
  io::GpkgLayer gf{"place_features", true,
                   {{"place_rank", io::GpkgField::Type::integer}, {"factor", io::GpkgField::Type::text},
                    {"candidate", io::GpkgField::Type::text}, {"rrv", io::GpkgField::Type::real},
                    {"feature_id", io::GpkgField::Type::integer}, {"label", io::GpkgField::Type::text},
                    {"distance_to_place_m", io::GpkgField::Type::real}},
                   {},
                   false};
  std::vector<std::int32_t> ids(static_cast<std::size_t>(g.cell_count()), 0);
  for (std::size_t k = 0; k < places.size(); ++k)
    for (std::size_t c : places[k].cells) ids[static_cast<std::size_t>(cells.linear[c])] = static_cast<std::int32_t>(k + 1);
  out.place_id = ids;
  std::map<std::int32_t, io::Wkb> polygons;
  for (auto& [id, w] : io::polygonize_ids(g, ids)) polygons[id] = std::move(w);
  std::vector<std::string> hour_names, day_names(kDays, kDays + 7);
  for (int h = 0; h < 24; ++h) hour_names.push_back((h < 10 ? "0" : "") + std::to_string(h) + ":00");
  const double cell_km2 = g.cell_size_m * g.cell_size_m / 1e6;
  std::ostringstream csv;
  csv << "rank,cells,area_km2,mean_risk,max_risk,expected,observed_train,observed_recent,class,busiest_days,"
         "busiest_hours,factors,narrative\n";
  // Each place's responsible features, narrative, JSON, rows and CSV line on
  // all threads, then gathered in rank order.
  struct PlaceText {
    nlohmann::json json;
    std::vector<io::GpkgRow> feature_rows;
    io::GpkgRow row;
    std::string csv_line;
  };
  std::vector<PlaceText> texts(places.size());
  parallel_for(places.size(), [&](std::size_t k) {
    const Place& p = places[k];
    PlaceText& pt = texts[k];
    std::vector<std::string> sentences, factor_names;
    nlohmann::json mentions = nlohmann::json::array();
    for (std::size_t t = 0; t < terms.size(); ++t) {
      const auto resp = recommend::responsible_features(terms[t], finders[t], cells, p.cells);
      if (resp.empty()) continue;
      const auto& term = terms[t];
      std::string labels;
      nlohmann::json feats = nlohmann::json::array();
      for (std::size_t j = 0; j < resp.size(); ++j) {
        const std::string lab = recommend::feature_label(term, resp[j].first);
        if (j < 5) labels += (j == 0 ? "" : ", ") + lab;
        const Feature& ft = term.features->features[resp[j].first];
        feats.push_back({{"feature_id", ft.source_fid}, {"label", lab}, {"distance_m", resp[j].second}});
        pt.feature_rows.push_back({ft.wkb.empty() ? io::point_wkb(ft.x, ft.y) : ft.wkb,
                                   {static_cast<std::int64_t>(k + 1), term.factor, term.name, term.rrv,
                                    static_cast<std::int64_t>(ft.source_fid), lab, resp[j].second}});
      }
      if (resp.size() > 5) labels += " and " + std::to_string(resp.size() - 5) + " more";
      const std::string count = std::to_string(resp.size()) + " " + term.factor + " feature" + (resp.size() > 1 ? "s" : "");
      std::string s = term.op == "proximity"
                          ? "within " + fmt_fixed(term.distance_m, 0) + " m of " + count + " (RRV " + fmt_fixed(term.rrv, 2) + "): " + labels
                          : "inside a high density of " + term.factor + " (" + count + " within " +
                                fmt_fixed(term.distance_m, 0) + " m; RRV " + fmt_fixed(term.rrv, 2) + "): " + labels;
      sentences.push_back(s);
      factor_names.push_back(term.name);
      mentions.push_back({{"candidate", term.name}, {"factor", term.factor}, {"operationalization", term.op},
                          {"distance_m", term.distance_m}, {"rrv", term.rrv}, {"features", feats}, {"sentence", s}});
    }
    std::string narrative;
    for (const auto& s : sentences) narrative += (narrative.empty() ? "" : "; ") + s;
    if (narrative.empty()) narrative = "no single risk factor of the model covers this place";
    const std::string place_class = p.hot_cells > 0 ? recommend::vxe_name(3) : recommend::vxe_name(2);
    const std::string days = busiest(p.dow, day_names), hours = busiest(p.hour, hour_names);
    std::string factors;
    for (const auto& f : factor_names) factors += (factors.empty() ? "" : ", ") + f;
    const double area = static_cast<double>(p.cells.size()) * cell_km2;
    pt.json = {{"rank", k + 1}, {"cells", p.cells.size()}, {"area_km2", area}, {"mean_risk", p.mean_risk},
               {"max_risk", p.max_risk}, {"expected", p.expected}, {"observed_train", p.observed_train},
               {"observed_recent", p.observed_recent}, {"class", place_class}, {"hot_cells", p.hot_cells},
               {"busiest_days", days}, {"busiest_hours", hours}, {"day_hour_profile", p.profile},
               {"factors", mentions}, {"narrative", narrative}};
    const auto polygon = polygons.find(static_cast<std::int32_t>(k + 1));
    pt.row = {polygon == polygons.end() ? io::Wkb() : polygon->second,
              {static_cast<std::int64_t>(k + 1), static_cast<std::int64_t>(p.cells.size()), area, p.mean_risk,
               p.max_risk, p.expected, p.observed_train, p.observed_recent, place_class, p.hot_cells, days, hours,
               factors, narrative}};
    std::ostringstream line;
    line << k + 1 << "," << p.cells.size() << "," << fmt_fixed(area, 4) << "," << fmt_fixed(p.mean_risk, 3) << ","
         << fmt_fixed(p.max_risk, 3) << "," << fmt_fixed(p.expected, 3) << "," << p.observed_train << "," << p.observed_recent
         << "," << csv_quote(place_class) << "," << csv_quote(days) << "," << csv_quote(hours) << "," << csv_quote(factors)
         << "," << csv_quote(narrative) << "\n";
    pt.csv_line = line.str();
  });
  for (PlaceText& pt : texts) {
    places_json.push_back(std::move(pt.json));
    for (auto& r : pt.feature_rows) gf.rows.push_back(std::move(r));
    gp.rows.push_back(std::move(pt.row));
    csv << pt.csv_line;
  }
  out.places_csv = csv.str();
  out.report["places"] = places_json;

  // --- investment leverage, per factor (a layer may enter through several terms)
  struct Ranked {
    std::size_t term;  // the factor's first term (for its layer and label)
    std::string candidates;
    recommend::FeatureLeverage l;
  };
  std::vector<Ranked> all;
  std::map<std::string, double> per_factor;
  std::vector<std::string> factor_order;
  for (const auto& t : terms)
    if (std::find(factor_order.begin(), factor_order.end(), t.factor) == factor_order.end()) factor_order.push_back(t.factor);
  for (const auto& factor : factor_order) {
    std::vector<const recommend::FactorTerm*> ft;
    std::vector<const recommend::FeatureFinder*> ff;
    std::string names;
    std::size_t first = terms.size();
    for (std::size_t t = 0; t < terms.size(); ++t)
      if (terms[t].factor == factor) {
        ft.push_back(&terms[t]);
        ff.push_back(&finders[t]);
        names += (names.empty() ? "" : "+") + terms[t].name;
        first = std::min(first, t);
      }
    double sum = 0;
    for (const auto& l : recommend::leverage(ft, ff, cells, model.expected)) {  // on all threads, over cells
      all.push_back({first, names, l});
      sum += l.leverage;
    }
    per_factor[factor] = sum;
  }
  std::stable_sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) { return a.l.leverage > b.l.leverage; });
  io::GpkgLayer gl{"leverage", true,
                   {{"rank", io::GpkgField::Type::integer}, {"factor", io::GpkgField::Type::text},
                    {"candidates", io::GpkgField::Type::text}, {"feature_id", io::GpkgField::Type::integer},
                    {"label", io::GpkgField::Type::text}, {"leverage", io::GpkgField::Type::real},
                    {"cells", io::GpkgField::Type::integer}, {"caveat", io::GpkgField::Type::text}},
                   {},
                   false};
  nlohmann::json top_json = nlohmann::json::array();
  for (std::size_t r = 0; r < all.size(); ++r) {
    const auto& term = terms[all[r].term];
    const Feature& ft = term.features->features[all[r].l.feature];
    const std::string lab = recommend::feature_label(term, all[r].l.feature);
    gl.rows.push_back({ft.wkb.empty() ? io::point_wkb(ft.x, ft.y) : ft.wkb,
                       {static_cast<std::int64_t>(r + 1), term.factor, all[r].candidates, static_cast<std::int64_t>(ft.source_fid),
                        lab, all[r].l.leverage, static_cast<std::int64_t>(all[r].l.cells), std::string(kLeverageCaveat)}});
    if (r < static_cast<std::size_t>(cfg.places.top_features))
      top_json.push_back({{"rank", r + 1}, {"factor", term.factor}, {"candidate", all[r].candidates},
                          {"feature_id", ft.source_fid}, {"label", lab}, {"leverage", all[r].l.leverage},
                          {"cells", all[r].l.cells}});
  }
  nlohmann::json pf = nlohmann::json::object();
  for (const auto& [f, v] : per_factor) pf[f] = v;
  out.report["leverage"] = {{"caveat", kLeverageCaveat},
                            {"definition", "sum over the cells where the feature alone switches terms of its factor "
                                           "on of lambda_c (1 - 1/product of their RRVs): expected incidents "
                                           "attributable to it"},
                            {"per_factor", pf}, {"top_features", top_json}};

  io::GpkgLayer rasters{"rasters", false,
                        {{"file", io::GpkgField::Type::text}, {"band", io::GpkgField::Type::integer},
                         {"meaning", io::GpkgField::Type::text}},
                        {}};
  rasters.rows.push_back({{}, {std::string("classes.tif"), std::int64_t{1}, std::string("risk class: 0 below average, 1 above average, 2 moderately high, 3 highest; 255 outside")}});
  rasters.rows.push_back({{}, {std::string("classes.tif"), std::int64_t{2}, std::string("vulnerability x exposure: 0 low/not hot, 1 low/hot, 2 high/not hot, 3 high/hot (priority); 255 outside")}});
  rasters.rows.push_back({{}, {std::string("exposure.tif"), std::int64_t{1}, std::string("recent incidents per km2 (quartic KDE)")}});
  rasters.rows.push_back({{}, {std::string("exposure.tif"), std::int64_t{2}, std::string("Gi* z-score of recent counts")}});
  rasters.rows.push_back({{}, {std::string("risk.tif"), std::int64_t{1}, std::string("relative risk score (lowest study cell = 1)")}});
  out.places_gpkg = {std::move(gp), std::move(gf), std::move(gl), std::move(rasters)};

  // --- summary.md (public: counts and places, never incident locations)
  std::int64_t place_cells = 0, place_train = 0;
  for (const auto& p : places) {
    place_cells += static_cast<std::int64_t>(p.cells.size());
    place_train += p.observed_train;
  }
  const double total_train = static_cast<double>(study.incident_counts.counted);
  const double share_area = 100.0 * static_cast<double>(place_cells) / static_cast<double>(n);
  const double share_inc = total_train > 0 ? 100.0 * static_cast<double>(place_train) / total_train : 0.0;
  const auto& mr = model.report;
  std::ostringstream md;
  md << "# " << cfg.name << ": " << cfg.incidents.crime_type << " risk terrain\n\n";
  if (cfg.incidents.train)
    md << "Training window " << cfg.incidents.train_start << " to " << cfg.incidents.train_end << "; as of "
       << format_civil_date(as_of) << ".\n\n";
  md << "**" << mr.value("candidates", 0) << " candidates from " << cfg.layers.size() << " factors tested, "
     << terms.size() << " significant risk factors in the model";
  if (mr.contains("family")) md << " (" << mr["family"].get<std::string>() << ")";
  md << "; the highest-risk places cover " << fmt_fixed(share_area, 1) << " % of the area and held " << fmt_fixed(share_inc, 1)
     << " % of the training incidents** (" << place_train << " of " << study.incident_counts.counted << ", "
     << places.size() << " places).\n\n";
  md << "## Risk factors\n\n| factor | operationalization | distance | RRV |\n|---|---|---|---|\n";
  for (const auto& t : terms) md << "| " << t.factor << " | " << t.op << " | " << fmt_fixed(t.distance_m, 0) << " m | " << fmt_fixed(t.rrv, 2) << " |\n";
  md << "\n## Top places\n\n| rank | area km2 | mean risk | expected | incidents (training) | incidents (last "
     << cfg.exposure.weeks << " weeks) | class | busiest days | busiest hours |\n|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < places.size() && k < 10; ++k) {
    const auto& p = places_json[k];
    md << "| " << k + 1 << " | " << fmt_fixed(p["area_km2"].get<double>(), 2) << " | " << fmt_fixed(p["mean_risk"].get<double>(), 1)
       << " | " << fmt_fixed(p["expected"].get<double>(), 1) << " | " << p["observed_train"] << " | " << p["observed_recent"]
       << " | " << p["class"].get<std::string>() << " | " << p["busiest_days"].get<std::string>() << " | "
       << p["busiest_hours"].get<std::string>() << " |\n";
  }
  md << "\n## Why there\n\n";
  for (std::size_t k = 0; k < places.size() && k < 10; ++k)
    md << k + 1 << ". " << places_json[k]["narrative"].get<std::string>() << "\n";
  md << "\n## What to fix first (investment leverage)\n\n> " << kLeverageCaveat << "\n\n"
     << "| rank | factor | feature | leverage (expected incidents) | cells |\n|---|---|---|---|---|\n";
  for (const auto& t : top_json)
    md << "| " << t["rank"] << " | " << t["factor"].get<std::string>() << " | " << t["label"].get<std::string>() << " | "
       << fmt_fixed(t["leverage"].get<double>(), 2) << " | " << t["cells"] << " |\n";
  md << "\nLeverage per factor: ";
  bool first = true;
  for (const auto& [f, v] : per_factor) {
    md << (first ? "" : ", ") << f << " " << fmt_fixed(v, 1);
    first = false;
  }
  md << ".\n";
  out.summary_md = md.str();
  out.report["headline"] = {{"factors_tested", cfg.layers.size()}, {"candidates", mr.value("candidates", 0)},
                            {"significant_factors", terms.size()}, {"places", places.size()},
                            {"place_area_share", share_area / 100.0}, {"place_incident_share", share_inc / 100.0}};
  return out;
}

}  // namespace rtm::pipeline
