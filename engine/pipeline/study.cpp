#include "pipeline/study.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"
#include "core/timings.hpp"

namespace rtm::pipeline {

namespace {

FeatureSet read_layer(const layers::LayerSource& src, const io::Crs& target, const io::Area* clip,
                      const io::Area* study_area, const std::string& clip_reason = "outside the study area") {
  const layers::LayerKind& kind = layers::layer_kind(src.kind, src.where);
  layers::ReadContext ctx{target, clip, study_area, clip_reason};
  return kind.read(src, ctx);
}

// "; N dropped: reason (first: example)" for the most common drop reason.
std::string main_drop(const FeatureSet& fs) {
  const DropLog::Entry* best = nullptr;
  std::string why;
  for (const auto& [w, e] : fs.dropped.reasons)
    if (best == nullptr || e.count > best->count) {
      best = &e;
      why = w;
    }
  if (best == nullptr) return "";
  return "; " + fmt_count(best->count) + " dropped: " + why + " (first: " + best->first_example + ")";
}

io::Area read_area(const layers::LayerSource& src, const io::Crs& target, FeatureSet* out) {
  FeatureSet fs = read_layer(src, target, nullptr, nullptr);
  if (fs.read == 0) throw DataError("study.area: " + src.path + " holds no features" +
                                    (src.filter.empty() ? "" : " matching the filter \"" + src.filter + "\""));
  if (fs.features.empty())
    throw DataError("study.area: no usable polygon in " + src.path + main_drop(fs));
  if (fs.kind != GeomKind::polygon)
    throw DataError("study.area: expected polygons in " + src.path + ", found " + to_string(fs.kind) + "s");
  std::vector<io::Wkb> parts;
  for (const auto& f : fs.features) parts.push_back(f.wkb);
  if (!fs.repaired.reasons.empty()) {
    const auto& [why, e] = *fs.repaired.reasons.begin();
    throw DataError("study.area: the study-area polygon in " + src.path + " is not valid (" + e.first_example +
                    ": " + why.substr(why.find('(')) +
                    "); repair it first, e.g. `ogr2ogr -makevalid fixed.gpkg " + src.path + "`");
  }
  io::Area a = io::Area::from_parts(parts, "study.area (" + src.path + ")");
  if (out != nullptr) *out = std::move(fs);
  return a;
}

}  // namespace

Study load_study(const StudyConfig& config) {
  Study s;
  s.config = config;

  // CRS: given, or the UTM zone of the area's centre.
  if (config.crs == "auto") {
    const io::Crs wgs84 = io::resolve_crs("EPSG:4326", "internal");
    io::Area a = read_area(config.area, wgs84, nullptr);
    const io::Box b = a.bounds();
    s.crs = io::utm_crs_for((b.min_x + b.max_x) / 2.0, (b.min_y + b.max_y) / 2.0);
    s.crs_origin = "automatic: UTM zone of the study area";
  } else {
    s.crs = io::resolve_crs(config.crs, config.file + ": study.crs");
    s.crs_origin = "study.crs";
  }
  if (!s.crs.projected)
    throw ConfigError(config.file + ": study.crs: " + s.crs.name +
                      " is not a projected CRS; the grid needs metres (e.g. the city's state plane or UTM zone, "
                      "or \"auto\")");
  if (std::fabs(s.crs.linear_unit_m - 1.0) > 1e-9)
    throw ConfigError(config.file + ": study.crs: " + s.crs.name + " measures in units of " +
                      std::to_string(s.crs.linear_unit_m) + " m; choose a CRS in metres");

  std::optional<StageTimer> t_stage(std::in_place, "  area, grid mask");
  s.area = read_area(config.area, s.crs, &s.area_source);
  const io::Box b = s.area.bounds();

  // Grid, with a size guard before anything is allocated (estimated in
  // floating point first: absurd cell sizes overflow integer counts).
  const double cells = (std::floor((b.max_x - b.min_x) / config.cell_size_m) + 2.0) *
                       (std::floor((b.max_y - b.min_y) / config.cell_size_m) + 2.0);
  if (cells > static_cast<double>(config.max_cells)) {
    const double suggested = config.cell_size_m * std::sqrt(cells / static_cast<double>(config.max_cells));
    std::ostringstream m;
    m << config.file << ": study.cell_size_m: " << config.cell_size_m << " m cells over the study area ("
      << std::lround((b.max_x - b.min_x) / 1000.0) << " x " << std::lround((b.max_y - b.min_y) / 1000.0)
      << " km) make about " << (cells < 1e15 ? fmt_count(static_cast<std::int64_t>(cells)) : fmt_sci(cells))
      << " cells (about " << fmt_sci(cells * kBytesPerCellEstimate / 1e6) << " MB before candidates), over study.max_cells = "
      << fmt_count(config.max_cells) << "; use cells of at least " << std::ceil(suggested) << " m, or raise max_cells";
    throw ConfigError(m.str());
  }
  {
    // Memory: refuse a grid whose rasters alone would not fit in the machine's memory.
    const double ram = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
    const double need = cells * kBytesPerCellEstimate;
    if (ram > 0 && need > 0.5 * ram) {
      std::ostringstream m;
      m << config.file << ": study.cell_size_m: " << config.cell_size_m << " m cells over the study area ("
        << std::lround((b.max_x - b.min_x) / 1000.0) << " x " << std::lround((b.max_y - b.min_y) / 1000.0)
        << " km) make about " << fmt_sci(cells) << " cells, needing about " << fmt_sci(need / 1e9)
        << " GB of memory before candidates; this machine has "
        << fmt_sci(ram / 1e9) << " GB; use cells of at least "
        << std::ceil(config.cell_size_m * std::sqrt(need / (0.5 * ram))) << " m";
      throw ConfigError(m.str());
    }
  }
  s.grid = GridSpec::covering(b.min_x, b.min_y, b.max_x, b.max_y, config.cell_size_m);
  s.grid.crs_wkt = s.crs.wkt;
  s.grid.crs_name = s.crs.name;
  s.mask.assign(static_cast<std::size_t>(s.grid.cell_count()), 0);
  {
    Progress p("study cells", s.grid.rows);
    for (std::int64_t r = 0; r < s.grid.rows; ++r) {
      const double y = s.grid.centre_y(r);
      for (std::int64_t c = 0; c < s.grid.cols; ++c) {
        if (s.area.covers(s.grid.centre_x(c), y)) {
          s.mask[static_cast<std::size_t>(r * s.grid.cols + c)] = 1;
          ++s.study_cells;
        }
      }
      p.advance();
    }
  }
  if (s.study_cells == 0)
    throw ConfigError(config.file + ": study.cell_size_m: no cell centre of a " + std::to_string(config.cell_size_m) +
                      " m grid falls inside the study area; use smaller cells");

  // Incidents, layers and context outlines are independent reads: all on the
  // available threads at once. Each read gets its own copies of the areas it
  // clips to; errors are reported in the order the reads were written
  // (incidents, then each layer, then the outlines), whatever finished first.
  t_stage.emplace("  read incidents, layers, outlines");
  struct Read {
    const layers::LayerSource* source;
    std::string context, clip_reason;
    io::Area clip, study_area;
    FeatureSet result;
    std::exception_ptr error;
  };
  std::vector<Read> reads;
  reads.push_back({&config.incidents.source, "while reading the incidents", "outside the study area", s.area.copy(),
                   s.area.copy(), {}, nullptr});
  std::map<double, io::Area> buffers;  // buffering a city's outline is slow: once per distance
  for (const auto& lc : config.layers) {
    const double buffer_m = static_cast<double>(lc.ops.max_influence_blocks) * config.block_length_m;
    auto it = buffers.find(buffer_m);
    if (it == buffers.end()) it = buffers.emplace(buffer_m, s.area.buffered(buffer_m)).first;
    reads.push_back({&lc.source, "while reading layer '" + lc.name + "'",
                     "farther than " + std::to_string(std::lround(buffer_m)) + " m from the study area",
                     it->second.copy(), s.area.copy(), {}, nullptr});
  }
  if (config.render.context)
    reads.push_back({&*config.render.context, "while reading the context outlines (render.context)",
                     "outside the study area", s.area.copy(), s.area.copy(), {}, nullptr});
  // Largest files first (compressed ones count about five times their size),
  // so that the threads finish together.
  std::vector<std::size_t> schedule(reads.size());
  std::vector<std::uintmax_t> bytes(reads.size(), 0);
  for (std::size_t i = 0; i < reads.size(); ++i) {
    schedule[i] = i;
    std::error_code ec;
    const std::string& path = reads[i].source->path;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec) bytes[i] = size * (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0 ? 5 : 1);
  }
  std::stable_sort(schedule.begin(), schedule.end(), [&](std::size_t p, std::size_t q) { return bytes[p] > bytes[q]; });
  parallel_for(reads.size(), [&](std::size_t k) {
    Read& r = reads[schedule[k]];
    try {
      r.result = with_context(r.context, [&] { return read_layer(*r.source, s.crs, &r.clip, &r.study_area, r.clip_reason); });
    } catch (...) {
      r.error = std::current_exception();
    }
  });
  std::size_t next_read = 0;
  auto take_read = [&]() {
    Read& r = reads[next_read++];
    if (r.error) std::rethrow_exception(r.error);
    return std::move(r.result);
  };

  t_stage.emplace("  incident checks and counts");
  // Incidents: inside the area polygon.
  s.incidents = take_read();
  const FeatureSet& inc = s.incidents;
  const std::string& inc_path = config.incidents.source.path;
  if (inc.read == 0)
    throw DataError("incidents: " + inc_path + " holds no incidents" +
                    (config.incidents.source.filter.empty()
                         ? ""
                         : " matching the filter \"" + config.incidents.source.filter + "\""));
  std::int64_t bad_dates = 0;
  std::string bad_example;
  for (const auto& [why, e] : inc.dropped.reasons) {
    if (why.rfind("unparsable date", 0) == 0 || why == "missing date") {
      bad_dates += e.count;
      if (bad_example.empty()) bad_example = e.first_example;
    }
  }
  if (bad_dates > 0 &&
      static_cast<double>(bad_dates) > config.incidents.max_unparsable_dates * static_cast<double>(inc.read)) {
    std::ostringstream m;
    m << "incidents: " << fmt_count(bad_dates) << " of " << fmt_count(inc.read) << " rows of " << inc_path
      << " have a missing or unparsable date in column '" << config.incidents.source.date_column
      << "' (format '" << config.incidents.source.date_format << "'), more than max_unparsable_dates = "
      << config.incidents.max_unparsable_dates << "; first: " << bad_example;
    throw DataError(m.str());
  }
  if (bad_dates > 0)
    s.warnings.push_back("incidents: " + fmt_count(bad_dates) + " rows with a missing or unparsable date dropped (first: " +
                         bad_example + ")");
  if (inc.features.empty())
    throw DataError("incidents: none of the " + fmt_count(inc.read) + " incidents in " + inc_path +
                    " lies inside the study area (check the CRS and the area)" + main_drop(inc));

  // Exact duplicates: kept (two assaults can share a rounded place and time),
  // but reported, since a records-system export often repeats rows.
  // Rows hashed, sorted by hash, and compared in full only within a hash.
  {
    const bool csv = config.incidents.source.kind == "csv";
    auto name = [&](std::int64_t fid) { return csv ? "line " + std::to_string(fid + 1) : "feature " + std::to_string(fid); };
    auto same = [](const Feature& p, const Feature& q) {
      return std::memcmp(&p.x, &q.x, sizeof p.x) == 0 && std::memcmp(&p.y, &q.y, sizeof p.y) == 0 &&
             p.time_s.value_or(0) == q.time_s.value_or(0) && p.attributes == q.attributes;
    };
    std::vector<std::pair<std::uint64_t, std::size_t>> order(inc.features.size());
    for (std::size_t i = 0; i < inc.features.size(); ++i) {
      const Feature& f = inc.features[i];
      std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the coordinates' and time's bytes, then the attributes
      auto mix = [&h](const void* data, std::size_t len) {
        const auto* c = static_cast<const unsigned char*>(data);
        for (std::size_t k = 0; k < len; ++k) h = (h ^ c[k]) * 1099511628211ull;
      };
      const std::int64_t t = f.time_s.value_or(0);
      mix(&f.x, sizeof f.x);
      mix(&f.y, sizeof f.y);
      mix(&t, sizeof t);
      for (const auto& attr : f.attributes) {
        mix("\x1f", 1);
        mix(attr.data(), attr.size());
      }
      order[i] = {h, i};
    }
    std::sort(order.begin(), order.end());
    std::int64_t repeats = 0;
    std::size_t first = inc.features.size(), first_of = 0;  // the first row repeating an earlier one, and that row
    for (std::size_t g = 0; g < order.size();) {
      std::size_t e = g;
      while (e < order.size() && order[e].first == order[g].first) ++e;
      // Rows of one hash, by row: each is a repeat of the first equal row
      // before it, or a new distinct row (hashes rarely collide).
      std::vector<std::size_t> distinct{order[g].second};
      for (std::size_t a = g + 1; a < e; ++a) {
        const std::size_t row = order[a].second;
        auto it = std::find_if(distinct.begin(), distinct.end(),
                               [&](std::size_t d) { return same(inc.features[row], inc.features[d]); });
        if (it == distinct.end()) {
          distinct.push_back(row);
          continue;
        }
        ++repeats;
        if (row < first) {
          first = row;
          first_of = *it;
        }
      }
      g = e;
    }
    if (repeats > 0)
      s.warnings.push_back("incidents: " + fmt_count(repeats) + " rows repeat an earlier row exactly (first: " +
                           name(inc.features[first].source_fid) + " repeats " + name(inc.features[first_of].source_fid) +
                           "); kept, as they may be separate incidents at the same place and time");
  }

  // Window and cells.
  IncidentCounts& ic = s.incident_counts;
  ic.in_area = static_cast<std::int64_t>(inc.features.size());
  s.counts.assign(static_cast<std::size_t>(s.grid.cell_count()), 0);
  std::int64_t tmin = INT64_MAX, tmax = INT64_MIN;
  for (std::size_t i = 0; i < inc.features.size(); ++i) {
    const Feature& f = inc.features[i];
    if (f.time_s) {
      tmin = std::min(tmin, *f.time_s);
      tmax = std::max(tmax, *f.time_s);
    }
    if (config.incidents.train && f.time_s) {
      if (*f.time_s < config.incidents.train->start_s) {
        ++ic.before_window;
        continue;
      }
      if (*f.time_s >= config.incidents.train->end_s) {
        ++ic.after_window;
        continue;
      }
    }
    ++ic.in_window;
    const auto cell = s.grid.cell_of(f.x, f.y);
    const std::size_t k = cell ? static_cast<std::size_t>(s.grid.linear(*cell)) : 0;
    if (!cell || s.mask[k] == 0) {
      ++ic.in_edge_cells;
      continue;
    }
    if (s.counts[k]++ == 0) ++ic.cells_with_incidents;
    ic.max_per_cell = std::max<std::int64_t>(ic.max_per_cell, s.counts[k]);
    ++ic.counted;
    s.used.push_back(i);
  }
  if (tmin <= tmax) {
    ic.first_time = format_civil_time(tmin);
    ic.last_time = format_civil_time(tmax);
  }
  if (ic.in_window == 0) {
    throw DataError("incidents: no incident of " + inc_path + " falls in the training window " +
                    config.incidents.train_start + " .. " + config.incidents.train_end +
                    (tmin <= tmax ? " (the data runs from " + ic.first_time + " to " + ic.last_time + ")" : ""));
  }

  // Environmental layers: clipped to the area buffered by their largest influence.
  for (const auto& lc : config.layers) {
    const double buffer_m = static_cast<double>(lc.ops.max_influence_blocks) * config.block_length_m;
    FeatureSet fs = take_read();
    fs.name = lc.name;
    if (fs.read == 0)
      throw DataError(lc.source.where + ": " + (lc.source.path.empty() ? std::string("the layer") : lc.source.path) +
                      " holds no features" +
                      (lc.source.filter.empty() ? "" : " matching the filter \"" + lc.source.filter + "\""));
    if (fs.features.empty())
      throw DataError(lc.source.where + ": none of the " + fmt_count(fs.read) + " features lies within " +
                      std::to_string(std::lround(buffer_m)) + " m of the study area" + main_drop(fs));
    if (!lc.geometry.empty() && lc.geometry != to_string(fs.kind))
      throw DataError(lc.source.where + ": expected " + lc.geometry + " features (geometry = \"" + lc.geometry +
                      "\"), found " + to_string(fs.kind) + "s in " + lc.source.path);
    s.layers.push_back(std::move(fs));
    s.layer_clip_m.push_back(buffer_m);
  }

  // Context outlines for the maps: the polygons that touch the study area.
  if (config.render.context) {
    const layers::LayerSource& src = *config.render.context;
    const std::string& label = config.render.context_label;
    s.context = take_read();
    s.context.name = "context";
    if (s.context.read == 0)
      throw DataError("render.context: " + src.path + " holds no features" +
                      (src.filter.empty() ? "" : " matching the filter \"" + src.filter + "\""));
    if (s.context.features.empty())
      throw DataError("render.context: none of the " + fmt_count(s.context.read) + " features of " + src.path +
                      " touches the study area" + main_drop(s.context));
    if (s.context.kind != GeomKind::polygon)
      throw DataError("render.context: expected polygons (districts, neighbourhoods) in " + src.path + ", found " +
                      to_string(s.context.kind) + "s");
    const auto field = std::find(s.context.fields.begin(), s.context.fields.end(), label);
    if (field == s.context.fields.end()) {
      std::string names;
      for (const auto& f : s.context.fields) names += (names.empty() ? "" : ", ") + f;
      throw DataError("render.context.label: no attribute '" + label + "' in " + src.path +
                      " (its attributes: " + (names.empty() ? std::string("none") : names) + ")");
    }
    const auto k = static_cast<std::size_t>(field - s.context.fields.begin());
    // A bare number ("7") would read as a place rank on the map: "District 7".
    for (const auto& f : s.context.features) {
      const std::string& v = f.attributes.at(k);
      const bool number = !v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char ch) { return std::isdigit(ch); });
      s.context_labels.push_back(number ? label + " " + v : v);
    }
  }
  return s;
}

}  // namespace rtm::pipeline
