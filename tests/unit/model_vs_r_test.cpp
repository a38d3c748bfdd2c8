// The count models against independent implementations in R, run by the test
// itself: stats::glm (Poisson), MASS::glm.nb (NB2), glmnet and cv.glmnet
// (elastic-net Poisson). The scripts are tests/reference/*.R; the data set is
// generated here, written to a temporary CSV and read by both sides, so the
// reference numbers are regenerated on every run. Rscript (with glmnet and
// MASS) is required: without it these tests fail, they do not skip.
//
// Set RTM_REFERENCE_VERBOSE=1 to print the measured maximum differences,
// RTM_REFERENCE_KEEP=1 to keep the temporary CSV and R output.
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
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/bitset.hpp"
#include "model/design.hpp"
#include "model/elastic_net.hpp"
#include "model/glm.hpp"

namespace fs = std::filesystem;

namespace {


void report(const std::string& line) { rtm_test::reference_report(line); }

std::string fmt(double v) { return rtm_test::fmt3(v); }

// ---------------------------------------------------------------- data set --

constexpr std::size_t kRows = 3000;
constexpr std::size_t kCols = 8;
constexpr int kFolds = 10;

// Eight binary columns with prevalences from ~4% to ~60% (so glmnet's
// standardization matters), two correlated pairs (x1-x2, x3-x4) and three
// columns without effect (x6-x8, so that cross-validation has an interior
// minimum); counts drawn from an NB2 model with theta 1.8. mt19937_64's output
// sequence is fixed by the standard and the binary columns and uniforms are
// built from its bits without std:: distributions (only the NB inversion uses
// libm), so the data do not depend on the standard library. Both sides read
// the same CSV in any case.
struct Data {
  std::vector<double> y;
  std::vector<rtm::Bitset> x;
  std::vector<int> fold;
};

const Data& data() {
  static const Data d = [] {
    Data out;
    std::mt19937_64 rng(20240607u);
    auto permille = [&rng](std::uint64_t p) { return rng() % 1000u < p; };
    auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
    const double b0 = std::log(0.4);
    const double beta[kCols] = {0.6, 0.3, 0.2, -0.15, 0.1, 0.0, 0.0, 0.0};
    const double theta = 1.8;
    out.x.assign(kCols, rtm::Bitset(kRows));
    out.y.resize(kRows);
    for (std::size_t i = 0; i < kRows; ++i) {
      bool v[kCols];
      v[0] = permille(40);                // ~4%
      v[1] = permille(v[0] ? 600 : 100);  // ~12%, with x1
      v[2] = permille(250);               // 25%
      v[3] = permille(v[2] ? 700 : 300);  // ~40%, with x3
      v[4] = permille(600);               // 60%
      v[5] = permille(150);               // 15%, no effect
      v[6] = permille(80);                // 8%, no effect
      v[7] = permille(300);               // 30%, no effect
      double eta = b0;
      for (std::size_t j = 0; j < kCols; ++j)
        if (v[j]) {
          out.x[j].set(i);
          eta += beta[j];
        }
      const double mu = std::exp(eta);
      // NB2 by inversion of the CDF: p(0) = (theta/(theta+mu))^theta,
      // p(k+1) = p(k) (k+theta)/(k+1) mu/(mu+theta).
      const double u = uniform();
      double p = std::pow(theta / (theta + mu), theta), cdf = p;
      int k = 0;
      while (cdf < u && k < 10000) {
        p *= (k + theta) / (k + 1.0) * mu / (mu + theta);
        ++k;
        cdf += p;
      }
      out.y[i] = k;
    }
    out.fold = rtm::model::make_folds(kRows, kFolds, 7u);
    return out;
  }();
  return d;
}

rtm::model::Design design() {
  const Data& d = data();
  rtm::model::Design des;
  des.y = d.y;
  for (std::size_t j = 0; j < kCols; ++j) {
    des.columns.push_back(&d.x[j]);
    des.names.push_back("x" + std::to_string(j + 1));
  }
  return des;
}

// -------------------------------------------------------------- R plumbing --

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("rtm-reference-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    if (const char* keep = std::getenv("RTM_REFERENCE_KEEP"); keep != nullptr && *keep != '\0') {
      std::printf("[reference] kept %s\n", path.string().c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

std::string quote(const std::string& s) { return rtm_test::shell_quote(s); }

std::string slurp(const fs::path& p) { return rtm_test::slurp(p); }

using Reference = std::map<std::string, std::vector<std::string>>;

struct RResult {
  bool ok = false;
  std::string error;  // why it failed (command, exit status, R's stderr)
  Reference values;
};

// Writes the data set as CSV, runs `Rscript --vanilla <script> <csv> <out>`
// and parses the "key value ..." lines it writes.
RResult run_r_script(const std::string& script_name) {
  RResult r;
  if (std::system("command -v Rscript >/dev/null 2>&1") != 0) {
    r.error =
        "Rscript is not on PATH. The [reference] tests need R with the glmnet and MASS packages "
        "(Debian: apt-get install r-base-core r-cran-glmnet r-cran-mass, as scripts/install-deps.sh does).";
    return r;
  }
  TempDir tmp;
  const fs::path csv = tmp.path / "design.csv", out = tmp.path / "reference.txt", err = tmp.path / "stderr.txt";
  {
    const Data& d = data();
    std::ofstream f(csv);
    f << "y";
    for (std::size_t j = 0; j < kCols; ++j) f << ",x" << j + 1;
    f << ",fold\n";
    for (std::size_t i = 0; i < kRows; ++i) {
      f << static_cast<long>(d.y[i]);
      for (std::size_t j = 0; j < kCols; ++j) f << ',' << (d.x[j].test(i) ? 1 : 0);
      f << ',' << d.fold[i] << '\n';
    }
  }
  const std::string script = std::string(RTM_SOURCE_DIR) + "/tests/reference/" + script_name;
  const std::string cmd = "Rscript --vanilla " + quote(script) + " " + quote(csv.string()) + " " +
                          quote(out.string()) + " >/dev/null 2>" + quote(err.string());
  const int status = std::system(cmd.c_str());
  if (status != 0) {
    r.error = "`" + cmd + "` failed (status " + std::to_string(status) + "):\n" + slurp(err);
    return r;
  }
  for (auto& [key, vals] : rtm_test::read_key_values(out)) r.values[key] = vals;
  if (r.values.count("done") == 0) {
    r.error = script_name + " did not finish its output:\n" + slurp(err);
    return r;
  }
  r.ok = true;
  return r;
}

// Runs each script once per test run.
const RResult& glm_reference() {
  static const RResult r = run_r_script("glm_reference.R");
  return r;
}
const RResult& glmnet_reference() {
  static const RResult r = run_r_script("glmnet_reference.R");
  return r;
}

#define REQUIRE_R(res)                 \
  do {                                 \
    if (!(res).ok) FAIL((res).error);  \
  } while (false)

std::vector<double> nums(const Reference& ref, const std::string& key) {
  const auto it = ref.find(key);
  if (it == ref.end()) throw std::runtime_error("R output has no '" + key + "' line");
  std::vector<double> v;
  for (const auto& s : it->second) v.push_back(std::stod(s));
  return v;
}
double num(const Reference& ref, const std::string& key) {
  const auto v = nums(ref, key);
  if (v.size() != 1) throw std::runtime_error("R output '" + key + "' is not one number");
  return v[0];
}
std::string text(const Reference& ref, const std::string& key) {
  const auto it = ref.find(key);
  return it == ref.end() || it->second.empty() ? std::string("?") : it->second[0];
}

double rel_diff(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

// Checks a[i] against b[i] within a relative tolerance; returns the largest relative difference.
double check_rel(const std::string& what, const std::vector<double>& a, const std::vector<double>& b, double tol) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double r = rel_diff(a[i], b[i]);
    worst = std::max(worst, r);
    INFO(what << "[" << i << "]: rtm " << a[i] << ", R " << b[i] << ", relative difference " << r);
    CHECK(r <= tol);
  }
  return worst;
}

std::vector<std::size_t> all_columns() {
  std::vector<std::size_t> c(kCols);
  for (std::size_t j = 0; j < kCols; ++j) c[j] = j;
  return c;
}

}  // namespace

// --------------------------------------------------------------------- GLM --

TEST_CASE("Poisson GLM equals R's glm(family = poisson)", "[reference][model]") {
  const RResult& ref = glm_reference();
  REQUIRE_R(ref);
  const auto& R = ref.values;
  REQUIRE(num(R, "rows") == static_cast<double>(kRows));
  const rtm::model::Design d = design();
  const rtm::model::GlmFit f = rtm::model::fit_glm(d, all_columns(), rtm::model::Family::poisson);
  CHECK(f.converged);
  const double cb = check_rel("poisson beta", f.beta, nums(R, "pois_coef"), 1e-5);
  const double cs = check_rel("poisson se", f.se, nums(R, "pois_se"), 1e-5);
  const double cl = check_rel("poisson loglik", {f.loglik}, {num(R, "pois_loglik")}, 1e-6);
  const double ca = check_rel("poisson aic", {f.aic}, {num(R, "pois_aic")}, 1e-6);
  const double cB = check_rel("poisson bic", {f.bic}, {num(R, "pois_bic")}, 1e-6);
  const double cd = check_rel("poisson deviance", {f.deviance}, {num(R, "pois_deviance")}, 1e-6);
  report("poisson vs R " + text(R, "r_version") + " glm: max rel diff beta " + fmt(cb) + ", se " + fmt(cs) +
         ", loglik " + fmt(cl) + ", aic " + fmt(ca) + ", bic " + fmt(cB) + ", deviance " + fmt(cd));
}

TEST_CASE("NB2 GLM equals MASS::glm.nb", "[reference][model]") {
  const RResult& ref = glm_reference();
  REQUIRE_R(ref);
  const auto& R = ref.values;
  const rtm::model::Design d = design();
  const rtm::model::GlmFit f = rtm::model::fit_glm(d, all_columns(), rtm::model::Family::nb2);
  CHECK(f.converged);
  REQUIRE(std::isfinite(f.theta));
  const double cb = check_rel("nb2 beta", f.beta, nums(R, "nb_coef"), 1e-5);
  const double cs = check_rel("nb2 se", f.se, nums(R, "nb_se"), 1e-5);
  const double ct = check_rel("nb2 theta", {f.theta}, {num(R, "nb_theta")}, 1e-5);
  const double cl = check_rel("nb2 loglik", {f.loglik}, {num(R, "nb_loglik")}, 1e-6);
  // MASS counts theta in AIC and BIC, as rtm does (parameters = coefficients + 1).
  CHECK(f.parameters == static_cast<int>(kCols) + 2);
  const double ca = check_rel("nb2 aic", {f.aic}, {num(R, "nb_aic")}, 1e-6);
  const double cB = check_rel("nb2 bic", {f.bic}, {num(R, "nb_bic")}, 1e-6);
  const double cd = check_rel("nb2 deviance", {f.deviance}, {num(R, "nb_deviance")}, 1e-5);
  report("nb2 vs MASS " + text(R, "mass_version") + " glm.nb: max rel diff beta " + fmt(cb) + ", se " + fmt(cs) +
         ", theta " + fmt(ct) + " (theta " + fmt(f.theta) + "), loglik " + fmt(cl) + ", aic " + fmt(ca) +
         ", bic " + fmt(cB) + ", deviance " + fmt(cd));
}

// The NB2 log-likelihood for fixed means, written out independently of glm.cpp.
static double nb2_ll(const std::vector<double>& y, const std::vector<double>& mu, double t) {
  double ll = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    ll += std::lgamma(y[i] + t) - std::lgamma(t) - std::lgamma(y[i] + 1) + t * std::log(t / (t + mu[i])) +
          y[i] * std::log(mu[i] / (t + mu[i]));
  return ll;
}

TEST_CASE("theta_ml: the maximum of the NB2 likelihood in theta, or the Poisson limit", "[model]") {
  // Less variance than the Poisson (counts 0 or 1 around 0.5): the likelihood
  // rises all the way to theta = infinity.
  std::vector<double> y, mu;
  for (int i = 0; i < 200; ++i) {
    y.push_back(i % 2);
    mu.push_back(0.5);
  }
  CHECK(std::isinf(rtm::model::theta_ml(y, mu)));
  CHECK(nb2_ll(y, mu, 10) < nb2_ll(y, mu, 1e3));
  CHECK(nb2_ll(y, mu, 1e3) < nb2_ll(y, mu, 1e5));
  // More variance (counts 0 or 4 around 1): a finite maximum.
  std::vector<double> y2, mu2;
  for (int i = 0; i < 200; ++i) {
    y2.push_back(i % 4 == 0 ? 4 : 0);
    mu2.push_back(1.0);
  }
  const double t = rtm::model::theta_ml(y2, mu2);
  REQUIRE(std::isfinite(t));
  REQUIRE(t > 0);
  CHECK(nb2_ll(y2, mu2, t) > nb2_ll(y2, mu2, t * 1.01));
  CHECK(nb2_ll(y2, mu2, t) > nb2_ll(y2, mu2, t / 1.01));
  CHECK(nb2_ll(y2, mu2, t) > nb2_ll(y2, mu2, 1e6));
}

// ------------------------------------------------------------- elastic net --

TEST_CASE("elastic-net Poisson coefficients at glmnet's lambdas equal glmnet", "[reference][model]") {
  const RResult& ref = glmnet_reference();
  REQUIRE_R(ref);
  const auto& R = ref.values;
  const std::vector<double> lambdas = nums(R, "lambda");
  REQUIRE(lambdas.size() >= 5);
  const rtm::model::Design d = design();
  rtm::model::ElasticNetOptions o;
  o.alpha = 0.5;
  o.lambdas = lambdas;
  o.thresh = 1e-14;
  const rtm::model::ElasticNetPath p = rtm::model::enet_poisson(d, o);
  REQUIRE(p.lambda.size() == lambdas.size());
  double worst = 0;
  std::size_t nonzero = 0;
  for (std::size_t k = 0; k < lambdas.size(); ++k) {
    const std::vector<double> c = nums(R, "coef_" + std::to_string(k + 1));
    REQUIRE(c.size() == kCols + 1);
    std::vector<double> mine{p.a0[k]};
    mine.insert(mine.end(), p.beta[k].begin(), p.beta[k].end());
    for (std::size_t j = 0; j <= kCols; ++j) {
      const double diff = std::fabs(mine[j] - c[j]);
      worst = std::max(worst, diff);
      if (j > 0 && c[j] != 0) ++nonzero;
      INFO("lambda " << k + 1 << " (" << lambdas[k] << "), " << (j == 0 ? std::string("intercept")
                                                                          : "x" + std::to_string(j))
                     << ": rtm " << mine[j] << ", glmnet " << c[j]);
      CHECK(diff <= 1e-4);
    }
  }
  CHECK(nonzero > 0);
  // The null deviance and the fraction of deviance explained agree too.
  const double cn = check_rel("null deviance", {p.null_deviance}, {num(R, "null_dev")}, 1e-9);
  const std::vector<double> dr = nums(R, "dev_ratio");
  double worst_dr = 0;
  for (std::size_t k = 0; k < dr.size(); ++k) worst_dr = std::max(worst_dr, std::fabs(p.dev_ratio[k] - dr[k]));
  CHECK(worst_dr <= 1e-6);
  report("elastic net vs glmnet " + text(R, "glmnet_version") + " at its " + std::to_string(lambdas.size()) +
         " lambdas: max abs diff coefficients " + fmt(worst) + ", dev.ratio " + fmt(worst_dr) +
         ", null deviance rel " + fmt(cn));
}

TEST_CASE("elastic-net lambda sequence and path length equal glmnet's", "[reference][model]") {
  const RResult& ref = glmnet_reference();
  REQUIRE_R(ref);
  const auto& R = ref.values;
  const std::vector<double> lambdas = nums(R, "lambda");
  const rtm::model::Design d = design();
  rtm::model::ElasticNetOptions o;
  o.alpha = 0.5;
  o.thresh = 1e-14;
  const rtm::model::ElasticNetPath p = rtm::model::enet_poisson(d, o);
  const std::size_t common = std::min(p.lambda.size(), lambdas.size());
  REQUIRE(common > 0);
  const double lmax = check_rel("lambda_max", {p.lambda[0]}, {lambdas[0]}, 1e-6);
  double worst = 0;
  for (std::size_t k = 0; k < common; ++k) {
    const double r = rel_diff(p.lambda[k], lambdas[k]);
    worst = std::max(worst, r);
    INFO("lambda " << k + 1 << ": rtm " << p.lambda[k] << ", glmnet " << lambdas[k]);
    CHECK(r <= 1e-6);
  }
  // glmnet stops a path it chose itself early. For the Poisson family
  // (glmnetpp's ElnetPathPoissonBase: sml = 10 * fdev, compared with the fit
  // mnlam - 1 = 4 lambdas back) that is at the first 1-based k >= 5 with
  //   (dev.ratio[k] - dev.ratio[k-4]) / dev.ratio[k] < 1e-4  or  dev.ratio[k] > 0.999.
  // (glmnet's Gaussian rule, (rsq[k] - rsq[k-1]) < 1e-5 rsq[k], is a different one.)
  std::size_t glmnet_rule_stop = p.dev_ratio.size();
  for (std::size_t k = 4; k < p.dev_ratio.size(); ++k) {
    const double r = p.dev_ratio[k];
    if ((r - p.dev_ratio[k - 4]) / r < 1e-4 || r > 0.999) {
      glmnet_rule_stop = k + 1;
      break;
    }
  }
  INFO("rtm's path has " << p.lambda.size() << " lambdas, glmnet's " << lambdas.size()
                         << "; glmnet's Poisson stopping rule applied to rtm's own dev.ratio stops at "
                         << glmnet_rule_stop);
  CHECK(p.lambda.size() == lambdas.size());
  report("lambda sequence vs glmnet: lambda_max rel diff " + fmt(lmax) + ", max rel diff " + fmt(worst) +
         ", path length rtm " + std::to_string(p.lambda.size()) + " / glmnet " + std::to_string(lambdas.size()) +
         " (glmnet's rule on rtm's dev.ratio: " + std::to_string(glmnet_rule_stop) + ")");
}

// The same mechanics on both sides: the folds are fitted exactly at the
// full-data lambdas (glmnet's, given to both).
TEST_CASE("elastic-net cross-validation equals cv.glmnet(lambda = ...) with the same folds", "[reference][model]") {
  const RResult& ref = glmnet_reference();
  REQUIRE_R(ref);
  const auto& R = ref.values;
  const std::vector<double> lambdas = nums(R, "cvl_lambda"), cvm = nums(R, "cvl_cvm"), cvsd = nums(R, "cvl_cvsd");
  const auto r_best = static_cast<std::size_t>(num(R, "cvl_index_min")) - 1;
  const rtm::model::Design d = design();
  rtm::model::ElasticNetOptions o;
  o.alpha = 0.5;
  o.thresh = 1e-14;
  o.lambdas = lambdas;
  const rtm::model::CrossValidation cv = rtm::model::cv_enet_poisson(d, o, data().fold);
  REQUIRE(cv.cvm.size() == cvm.size());
  const double cm = check_rel("cvm", cv.cvm, cvm, 1e-6);
  const double cs = check_rel("cvsd", cv.cvsd, cvsd, 1e-5);
  // The minimum must be clear of the runner-up by more than the agreement, or
  // the index comparison would mean nothing.
  std::vector<double> sorted = cvm;
  std::sort(sorted.begin(), sorted.end());
  const double gap = (sorted[1] - sorted[0]) / sorted[0];
  CHECK(gap > 100 * cm);
  INFO("lambda.min: rtm index " << cv.best + 1 << ", cv.glmnet index " << r_best + 1);
  CHECK(cv.best == r_best);
  CHECK(r_best > 0);
  CHECK(r_best + 1 < lambdas.size());  // an interior minimum: the test data are built for one
  report("cv vs cv.glmnet(lambda = path): lambda.min index rtm " + std::to_string(cv.best + 1) + " / R " +
         std::to_string(r_best + 1) + " of " + std::to_string(lambdas.size()) + ", max rel diff cvm " + fmt(cm) +
         ", cvsd " + fmt(cs) + " (gap to the runner-up " + fmt(gap) + ")");
}

// cv.glmnet as usually called: its folds fit their own lambda paths and are
// interpolated at the full-data lambdas, while rtm fits every fold exactly at
// the full-data lambdas. That costs up to ~1e-4 relative in cvm here (measured
// between the two cv.glmnet calls), hence the looser tolerance.
TEST_CASE("elastic-net cross-validation on its own path agrees with cv.glmnet's default", "[reference][model]") {
  const RResult& ref = glmnet_reference();
  REQUIRE_R(ref);
  const auto& R = ref.values;
  const std::vector<double> lambdas = nums(R, "cv_lambda"), cvm = nums(R, "cv_cvm"), cvm_exact = nums(R, "cvl_cvm");
  const auto r_best = static_cast<std::size_t>(num(R, "cv_index_min")) - 1;
  const rtm::model::Design d = design();
  rtm::model::ElasticNetOptions o;
  o.alpha = 0.5;
  o.thresh = 1e-14;
  const rtm::model::CrossValidation cv = rtm::model::cv_enet_poisson(d, o, data().fold);
  const std::size_t common = std::min(cv.cvm.size(), cvm.size());
  REQUIRE(common > 0);
  double worst = 0, interp = 0;
  for (std::size_t k = 0; k < common; ++k) {
    const double r = rel_diff(cv.cvm[k], cvm[k]);
    worst = std::max(worst, r);
    interp = std::max(interp, rel_diff(cvm_exact[k], cvm[k]));
    INFO("cvm at lambda " << k + 1 << " (rtm " << cv.path.lambda[k] << ", glmnet " << lambdas[k] << "): rtm "
                          << cv.cvm[k] << ", cv.glmnet " << cvm[k]);
    CHECK(r <= 5e-4);
  }
  INFO("cross-validated lambdas: rtm " << cv.cvm.size() << ", cv.glmnet " << cvm.size());
  CHECK(cv.cvm.size() == cvm.size());
  INFO("lambda.min: rtm index " << cv.best + 1 << " (" << cv.path.lambda[cv.best] << "), cv.glmnet index "
                                << r_best + 1 << " (" << num(R, "cv_lambda_min") << ")");
  CHECK(cv.best == r_best);
  const double lmin = rel_diff(cv.path.lambda[cv.best], num(R, "cv_lambda_min"));
  CHECK(lmin <= 1e-6);
  report("cv vs cv.glmnet (default, interpolated folds): lambda.min index rtm " + std::to_string(cv.best + 1) +
         " / R " + std::to_string(r_best + 1) + ", lambda.min rel diff " + fmt(lmin) + ", max rel diff cvm " +
         fmt(worst) + " (cv.glmnet exact vs interpolated: " + fmt(interp) + ")");
}
