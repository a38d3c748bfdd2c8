#include "pipeline/weekly.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/civil_time.hpp"
#include "core/error.hpp"
#include "io/crs.hpp"
#include "io/geometry.hpp"
#include "io/gpkg_writer.hpp"
#include "io/hash.hpp"
#include "io/output_dir.hpp"
#include "io/redact.hpp"
#include "pipeline/run.hpp"
#include "pipeline/study_config.hpp"

namespace fs = std::filesystem;

namespace rtm::pipeline {

namespace {

using Type = io::GpkgField::Type;

// The ledger's three tables, in memory.
struct Ledger {
  io::GpkgLayer runs{"runs", false,
                     {{"run_id", Type::text}, {"study", Type::text}, {"as_of", Type::text},
                      {"train_start", Type::text}, {"train_end", Type::text}, {"forecast_end", Type::text},
                      {"model_id", Type::text}, {"model_as_of", Type::text}, {"reselected", Type::integer},
                      {"folder", Type::text}, {"study_sha256", Type::text}, {"incidents_sha256", Type::text},
                      {"incidents_counted", Type::integer}, {"places", Type::integer},
                      {"place_area_share", Type::real}, {"place_incident_share", Type::real},
                      {"factors", Type::text}, {"created_utc", Type::text},
                      // progress towards the study's [goal] (NULL without one): report.json "goal"
                      {"goal", Type::text}, {"goal_window", Type::text},
                      {"goal_city_baseline", Type::integer}, {"goal_city_observed", Type::integer},
                      {"goal_city_target", Type::real}, {"goal_places_baseline", Type::integer},
                      {"goal_places_observed", Type::integer}, {"goal_places_target", Type::real}},
                     {}};
  io::GpkgLayer models{"models", false,
                       {{"model_id", Type::text}, {"study", Type::text}, {"as_of", Type::text}, {"path", Type::text}},
                       {}};
  io::GpkgLayer places{"places", true,
                       {{"run_id", Type::text}, {"rank", Type::integer}, {"expected", Type::real},
                        {"observed_train", Type::integer}},
                       {}};
};

std::string text(const io::GpkgValue& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : std::string();
}
std::int64_t integer(const io::GpkgValue& v) {
  return std::holds_alternative<std::int64_t>(v) ? std::get<std::int64_t>(v) : 0;
}
double real(const io::GpkgValue& v) { return std::holds_alternative<double>(v) ? std::get<double>(v) : 0.0; }

std::size_t col(const io::GpkgLayer& t, const std::string& name) {
  for (std::size_t i = 0; i < t.fields.size(); ++i)
    if (t.fields[i].name == name) return i;
  throw DataError("the ledger's table " + t.name + " has no column " + name);
}

// Where the ledger lives: RUNS/ledger.gpkg, or the database of [schedule] ledger.
struct LedgerStore {
  std::string location;  // file path or connection string
  std::string password;  // from [schedule] ledger_password_env; never shown
  bool database = false;
  std::string shown() const { return io::redact_source(location); }
};

LedgerStore ledger_store(const StudyConfig& c, const std::string& runs_dir) {
  LedgerStore s;
  if (c.schedule.ledger.empty()) {
    s.location = (fs::path(runs_dir) / "ledger.gpkg").string();
    return s;
  }
  s.location = c.schedule.ledger;
  s.database = true;
  if (!c.schedule.ledger_password_env.empty()) {
    const char* v = std::getenv(c.schedule.ledger_password_env.c_str());
    if (v == nullptr || *v == '\0')
      throw ConfigError("schedule.ledger_password_env: the environment variable " + c.schedule.ledger_password_env +
                        " is not set (it should hold the ledger database's password)");
    s.password = v;
  }
  return s;
}

// The ledger's tables as stored (none when there is no ledger yet).
std::vector<io::GpkgLayer> read_ledger_tables(const LedgerStore& s) {
  if (s.database) return io::read_pg_tables(s.location, s.password, {"runs", "models", "places"});
  if (!fs::exists(s.location)) return {};
  return io::read_gpkg(s.location);
}

Ledger read_ledger(const std::vector<io::GpkgLayer>& tables) {
  Ledger l;
  for (const auto& t : tables) {
    io::GpkgLayer* target = t.name == "runs" ? &l.runs : t.name == "models" ? &l.models : t.name == "places" ? &l.places : nullptr;
    if (target == nullptr) continue;
    // Map columns by name so that the ledger survives added columns.
    for (auto& row : t.rows) {
      io::GpkgRow r{row.geometry, {}};
      for (const auto& f : target->fields) {
        auto it = std::find_if(t.fields.begin(), t.fields.end(), [&](const auto& g) { return g.name == f.name; });
        r.values.push_back(it == t.fields.end() ? io::GpkgValue{} : row.values[static_cast<std::size_t>(it - t.fields.begin())]);
      }
      target->rows.push_back(std::move(r));
    }
  }
  return l;
}

// An exclusive lock (flock on `lock_path`: ledger.gpkg.lock beside a file
// ledger, RUNS/.ledger.lock for a database one) while a run is recorded: runs
// of other studies on this machine (rtm run-batch -j N, two cron jobs) write
// the same ledger.
class LedgerLock {
 public:
  explicit LedgerLock(const std::string& lock_path) {
    fd_ = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw OutputError("cannot create the ledger lock " + lock_path);
    if (::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      throw OutputError("cannot lock the ledger (" + lock_path + ")");
    }
  }
  ~LedgerLock() { ::close(fd_); }
  LedgerLock(const LedgerLock&) = delete;
  LedgerLock& operator=(const LedgerLock&) = delete;

 private:
  int fd_ = -1;
};

// A figure of the report's goal section for the ledger (NULL when absent).
io::GpkgValue goal_value(const nlohmann::json& report, const char* scope, const char* key) {
  if (!report.contains("goal")) return {};
  const auto& sc = report["goal"]["scopes"];
  if (!sc.contains(scope) || !sc[scope].contains(key) || !sc[scope][key].is_number()) return {};
  const auto& v = sc[scope][key];
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return v.get<double>();
}

std::set<std::string> split(const std::string& s) {
  std::set<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ';'))
    if (!item.empty()) out.insert(item);
  return out;
}

// What changed between two runs of a study: places by overlap, factors by name.
nlohmann::json change_between(const Ledger& l, const std::string& prev_id, const std::string& cur_id,
                              const std::string& prev_factors, const std::string& cur_factors) {
  std::vector<const io::GpkgRow*> prev, cur;
  const std::size_t run_col = col(l.places, "run_id"), rank_col = col(l.places, "rank");
  for (const auto& r : l.places.rows) {
    if (text(r.values[run_col]) == prev_id) prev.push_back(&r);
    if (text(r.values[run_col]) == cur_id) cur.push_back(&r);
  }
  nlohmann::json fresh = nlohmann::json::array(), persistent = nlohmann::json::array(), gone = nlohmann::json::array();
  std::set<const io::GpkgRow*> matched_prev;
  for (const auto* c : cur) {
    bool found = false;
    for (const auto* p : prev)
      if (io::overlap(c->geometry, p->geometry)) {
        found = true;
        matched_prev.insert(p);
      }
    (found ? persistent : fresh).push_back(integer(c->values[rank_col]));
  }
  for (const auto* p : prev)
    if (matched_prev.count(p) == 0) gone.push_back(integer(p->values[rank_col]));
  const auto pf = split(prev_factors), cf = split(cur_factors);
  nlohmann::json entering = nlohmann::json::array(), leaving = nlohmann::json::array();
  for (const auto& f : cf)
    if (pf.count(f) == 0) entering.push_back(f);
  for (const auto& f : pf)
    if (cf.count(f) == 0) leaving.push_back(f);
  return {{"previous_run", prev_id},
          {"places_new", fresh},
          {"places_persistent", persistent},
          {"places_no_longer_high_risk", gone},
          {"factors_entering", entering},
          {"factors_leaving", leaving},
          {"rule", "a place persists when it shares area with a place of the previous run; ranks are this run's "
                   "(new, persistent) and the previous run's (no longer high-risk)"}};
}

// The latest run of `study` before `as_of` (ISO dates compare as text) that
// `usable` accepts, or nullptr.
template <class Usable>
const io::GpkgRow* previous_run(const io::GpkgLayer& runs, const std::string& study, const std::string& as_of,
                                Usable usable) {
  const std::size_t st = col(runs, "study"), as = col(runs, "as_of");
  const io::GpkgRow* prev = nullptr;
  for (const auto& row : runs.rows)
    if (text(row.values[st]) == study && text(row.values[as]) < as_of &&
        (prev == nullptr || text(row.values[as]) > text(prev->values[as])) && usable(row))
      prev = &row;
  return prev;
}

}  // namespace

WeeklyResult run_weekly(const WeeklyOptions& o) {
  StudyConfig config = load_study_config(o.study_file);
  apply_as_of(config, o.as_of);
  const std::int64_t as_of_s = config.incidents.train->end_s;
  io::prepare_output_dir(o.runs_dir);
  const LedgerStore store = ledger_store(config, o.runs_dir);
  Ledger ledger = read_ledger(read_ledger_tables(store));

  WeeklyResult r;
  const std::string run_id = config.name + "-" + o.as_of;
  r.out_dir = (fs::path(o.runs_dir) / run_id).string();

  // Reuse the latest model selected for this study unless it is due for re-selection.
  std::string model_path, model_id, model_as_of;
  {
    const std::size_t id_c = col(ledger.models, "model_id"), st_c = col(ledger.models, "study"),
                      as_c = col(ledger.models, "as_of"), p_c = col(ledger.models, "path");
    std::int64_t best = INT64_MIN;
    for (const auto& row : ledger.models.rows) {
      if (text(row.values[st_c]) != config.name) continue;
      const auto t = parse_civil_time(text(row.values[as_c]), "%Y-%m-%d");
      if (!t || *t > as_of_s || *t <= best) continue;
      if (as_of_s - *t >= config.schedule.reselect_weeks * 7 * 86400) continue;
      if (!fs::exists(text(row.values[p_c]))) continue;
      best = *t;
      model_id = text(row.values[id_c]);
      model_path = text(row.values[p_c]);
      model_as_of = text(row.values[as_c]);
    }
  }
  r.reselected = model_path.empty();
  const std::int64_t forecast_end = as_of_s + config.schedule.forecast_days * 86400;
  nlohmann::json extra;
  extra["schedule"] = {{"as_of", o.as_of},
                       {"training_window", {{"start", config.incidents.train_start}, {"end", config.incidents.train_end}}},
                       {"forecast_window", {{"start", o.as_of}, {"end", format_civil_date(forecast_end - 86400)}}},
                       {"reselect_weeks", config.schedule.reselect_weeks},
                       {"model", r.reselected ? "selected in this run" : "re-applied from " + model_id},
                       {"model_as_of", r.reselected ? o.as_of : model_as_of}};
  // The previous run of this study, whose places the briefing compares with.
  const std::size_t folder_c = col(ledger.runs, "folder");
  if (const io::GpkgRow* prev = previous_run(ledger.runs, config.name, o.as_of, [&](const io::GpkgRow& row) {
        return fs::is_directory(text(row.values[folder_c]));
      }))
    r.previous_dir = text(prev->values[folder_c]);
  RunOptions ro;
  ro.study_file = o.study_file;
  ro.out_dir = r.out_dir;
  ro.model_file = model_path;
  ro.previous_run = r.previous_dir;
  // The run is recorded in the ledger as it is when the products are ready
  // (other runs may have been recorded meanwhile), under the ledger lock, and
  // the report gains what changed before it is written. The products are
  // committed first and the ledger after them: a run killed in between leaves
  // a complete dated folder the ledger does not list, never a ledger row
  // without its folder.
  std::optional<LedgerLock> lock;
  std::string grid_crs;
  ro.before_report = [&](const std::string& staged_dir, nlohmann::json& report) {
    lock.emplace(store.database ? (fs::path(o.runs_dir) / ".ledger.lock").string() : store.location + ".lock");
    ledger = read_ledger(read_ledger_tables(store));
    grid_crs = report["grid"]["crs"].get<std::string>();
    r.model_id = r.reselected ? run_id : model_id;  // a model is named by the run that selected it
    std::string factors;
    for (const auto& f : report["model"]["factors"]) factors += (factors.empty() ? "" : ";") + f["name"].get<std::string>();
    if (r.reselected) {
      ledger.models.rows.push_back({{}, {r.model_id, config.name, o.as_of,
                                         fs::absolute(fs::path(r.out_dir) / "model.json").lexically_normal().string()}});
    }
    // This run replaces an earlier record of the same run id.
    auto drop_run = [&](io::GpkgLayer& t) {
      const std::size_t c = col(t, "run_id");
      t.rows.erase(std::remove_if(t.rows.begin(), t.rows.end(), [&](const io::GpkgRow& row) { return text(row.values[c]) == run_id; }),
                   t.rows.end());
    };
    drop_run(ledger.runs);
    drop_run(ledger.places);
    // Mode "additive" has no places: no headline, no places.gpkg (NULLs in the ledger).
    const nlohmann::json headline = report.value("headline", nlohmann::json::object());
    auto headline_value = [&](const char* key) -> io::GpkgValue {
      if (!headline.contains(key)) return {};
      if (headline[key].is_number_integer()) return headline[key].get<std::int64_t>();
      return headline[key].get<double>();
    };
    std::string inc_path = config.incidents.source.path;
    if (inc_path.rfind("/vsigzip/", 0) == 0) inc_path = inc_path.substr(9);
    ledger.runs.rows.push_back(
        {{},
         {run_id, config.name, o.as_of, config.incidents.train_start, config.incidents.train_end,
          format_civil_date(forecast_end - 86400), r.model_id, r.reselected ? o.as_of : model_as_of,
          std::int64_t{r.reselected ? 1 : 0}, fs::absolute(r.out_dir).lexically_normal().string(),
          io::sha256_file(config.file),
          io::is_database_source(inc_path) ? report["incidents"].value("rows_sha256", "") : io::sha256_file(inc_path),
          report["incidents"]["counts"]["counted"].get<std::int64_t>(), headline_value("places"),
          headline_value("place_area_share"), headline_value("place_incident_share"), factors,
          report["provenance"]["created_utc"].get<std::string>(),
          report.contains("goal") ? io::GpkgValue{report["goal"]["statement"].get<std::string>()} : io::GpkgValue{},
          report.contains("goal") && report["goal"]["window"]["end"].is_string()
              ? io::GpkgValue{report["goal"]["window"]["start"].get<std::string>() + " .. " +
                              report["goal"]["window"]["end"].get<std::string>() + " vs " +
                              report["goal"]["baseline_window"]["start"].get<std::string>() + " .. " +
                              report["goal"]["baseline_window"]["end"].get<std::string>()}
              : io::GpkgValue{},
          goal_value(report, "citywide", "baseline"), goal_value(report, "citywide", "observed"),
          goal_value(report, "citywide", "target"), goal_value(report, "places", "baseline"),
          goal_value(report, "places", "observed"), goal_value(report, "places", "target")}});
    const std::string places_gpkg = (fs::path(staged_dir) / "places.gpkg").string();
    for (const auto& t : fs::exists(places_gpkg) ? io::read_gpkg(places_gpkg) : std::vector<io::GpkgLayer>{}) {
      if (t.name != "places") continue;
      const std::size_t rank = col(t, "rank"), exp = col(t, "expected"), obs = col(t, "observed_train");
      for (const auto& row : t.rows)
        ledger.places.rows.push_back({row.geometry, {run_id, row.values[rank], row.values[exp], row.values[obs]}});
    }

    // What changed since the previous run of this study.
    {
      const std::size_t id = col(ledger.runs, "run_id"), fc = col(ledger.runs, "factors");
      const io::GpkgRow* prev = previous_run(ledger.runs, config.name, o.as_of, [](const io::GpkgRow&) { return true; });
      report["change"] = prev == nullptr ? nlohmann::json{{"previous_run", nullptr}}
                                         : change_between(ledger, text(prev->values[id]), run_id,
                                                          text(prev->values[fc]), factors);
    }
  };
  r.files = run_study_config(config, ro, extra);
  const io::Crs crs = io::resolve_crs(grid_crs, "the run's grid CRS");
  if (store.database)
    io::write_pg_tables(store.location, store.password, crs, {ledger.runs, ledger.models, ledger.places});
  else
    io::write_gpkg(store.location, crs, {ledger.runs, ledger.models, ledger.places});
  return r;
}
std::string history_text(const std::string& study_file, const std::string& runs_dir) {
  const StudyConfig config = load_study_config(study_file);
  const LedgerStore store = ledger_store(config, runs_dir);
  const std::vector<io::GpkgLayer> tables = read_ledger_tables(store);
  if (std::none_of(tables.begin(), tables.end(), [](const io::GpkgLayer& t) { return t.name == "runs"; }))
    throw DataError("no run ledger " + std::string(store.database ? "(table runs) in " : "at ") + store.shown() +
                    " (run `rtm run " + study_file + " --as-of DATE --runs " + runs_dir + "` first)");
  const Ledger l = read_ledger(tables);
  std::vector<const io::GpkgRow*> runs;
  const std::size_t st = col(l.runs, "study"), as = col(l.runs, "as_of");
  for (const auto& row : l.runs.rows)
    if (text(row.values[st]) == config.name) runs.push_back(&row);
  std::sort(runs.begin(), runs.end(), [&](auto* a, auto* b) { return text(a->values[as]) < text(b->values[as]); });
  std::ostringstream o;
  o << "study " << config.name << ": " << runs.size() << " run(s) in " << store.shown() << "\n\n";
  char line[400];
  std::snprintf(line, sizeof line, "%-11s %-24s %-10s %9s %7s %8s %8s\n", "as of", "model", "selected", "incidents",
                "places", "area %", "incid. %");
  o << line;
  for (const auto* r : runs) {
    std::snprintf(line, sizeof line, "%-11s %-24s %-10s %9lld %7lld %8.1f %8.1f\n", text(r->values[as]).c_str(),
                  text(r->values[col(l.runs, "model_id")]).c_str(),
                  integer(r->values[col(l.runs, "reselected")]) != 0 ? "yes" : "reused",
                  static_cast<long long>(integer(r->values[col(l.runs, "incidents_counted")])),
                  static_cast<long long>(integer(r->values[col(l.runs, "places")])),
                  100.0 * real(r->values[col(l.runs, "place_area_share")]),
                  100.0 * real(r->values[col(l.runs, "place_incident_share")]));
    o << line;
  }
  // Progress towards the goal, run by run, with the counts behind it.
  const std::size_t gs = col(l.runs, "goal");
  if (std::any_of(runs.begin(), runs.end(), [&](auto* r) { return !text(r->values[gs]).empty(); })) {
    auto count = [&](const io::GpkgRow* r, const char* c) -> std::string {
      const auto& v = r->values[col(l.runs, c)];
      return std::holds_alternative<std::int64_t>(v) ? std::to_string(std::get<std::int64_t>(v)) : "-";
    };
    auto scope = [&](const io::GpkgRow* r, const char* base_c, const char* obs_c, const char* target_c) {
      const auto& b = r->values[col(l.runs, base_c)];
      const auto& ob = r->values[col(l.runs, obs_c)];
      const auto& t = r->values[col(l.runs, target_c)];
      char cell[120];
      if (!std::holds_alternative<std::int64_t>(b) || !std::holds_alternative<std::int64_t>(ob) ||
          !std::holds_alternative<double>(t)) {
        std::snprintf(cell, sizeof cell, "%8s %8s %8s %8s %-5s", "-", "-", "-", "-", "-");
        return std::string(cell);
      }
      const auto base = std::get<std::int64_t>(b), obs = std::get<std::int64_t>(ob);
      char change[32] = "n/a";
      if (base > 0)
        std::snprintf(change, sizeof change, "%+.1f%%", 100.0 * static_cast<double>(obs - base) / static_cast<double>(base));
      std::snprintf(cell, sizeof cell, "%8s %8s %8.1f %8s %-5s", count(r, obs_c).c_str(), count(r, base_c).c_str(),
                    std::get<double>(t), change, static_cast<double>(obs) <= std::get<double>(t) ? "yes" : "no");
      return std::string(cell);
    };
    o << "\ngoal: " << text(runs.back()->values[gs]) << " (the latest run's goal; each row as its run computed it)\n";
    std::snprintf(line, sizeof line, "%-11s %-52s | %-44s | %-44s\n", "", "", "citywide", "in the run's places");
    o << line;
    std::snprintf(line, sizeof line, "%-11s %-52s | %8s %8s %8s %8s %-5s | %8s %8s %8s %8s %-5s\n", "as of",
                  "weeks compared", "observed", "baseline", "target", "change", "track", "observed", "baseline",
                  "target", "change", "track");
    o << line;
    for (const auto* r : runs) {
      const std::string window = text(r->values[col(l.runs, "goal_window")]);
      std::snprintf(line, sizeof line, "%-11s %-52s | %s | %s\n", text(r->values[as]).c_str(),
                    window.empty() ? (text(r->values[gs]).empty() ? "no goal" : "not started") : window.c_str(),
                    scope(r, "goal_city_baseline", "goal_city_observed", "goal_city_target").c_str(),
                    scope(r, "goal_places_baseline", "goal_places_observed", "goal_places_target").c_str());
      o << line;
    }
  }
  if (runs.size() >= 2) {
    const auto* cur = runs.back();
    const auto* prev = runs[runs.size() - 2];
    const nlohmann::json ch = change_between(l, text(prev->values[col(l.runs, "run_id")]),
                                             text(cur->values[col(l.runs, "run_id")]),
                                             text(prev->values[col(l.runs, "factors")]),
                                             text(cur->values[col(l.runs, "factors")]));
    o << "\nchanges in " << text(cur->values[as]) << " since " << text(prev->values[as]) << ":\n"
      << "  places new: " << ch["places_new"].size() << ", persistent: " << ch["places_persistent"].size()
      << ", no longer high-risk: " << ch["places_no_longer_high_risk"].size() << "\n"
      << "  factors entering: " << (ch["factors_entering"].empty() ? "none" : ch["factors_entering"].dump()) << "\n"
      << "  factors leaving: " << (ch["factors_leaving"].empty() ? "none" : ch["factors_leaving"].dump()) << "\n";
  }
  return o.str();
}

}  // namespace rtm::pipeline
