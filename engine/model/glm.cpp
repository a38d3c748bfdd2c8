#include "model/glm.hpp"

#include <Eigen/Dense>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "model/patterns.hpp"

namespace rtm::model {

const char* to_string(Family f) {
  switch (f) {
    case Family::poisson: return "poisson";
    case Family::nb2: return "nb2";
    case Family::nbii: return "nbii";
  }
  return "?";
}

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// Differences of special functions at (t + y) and t. Counts are small
// integers, where the differences are exact finite sums (psi(t+y) - psi(t) =
// sum_{j<y} 1/(t+j), and likewise for trigamma and lgamma): much faster than
// the special functions, with the special functions as the fallback.
bool small_count(double y) { return y >= 0 && y < 200 && y == std::floor(y); }
double digamma_diff(double t, double y) {
  if (!small_count(y)) return boost::math::digamma(t + y) - boost::math::digamma(t);
  double s = 0;
  for (int j = 0; j < static_cast<int>(y); ++j) s += 1.0 / (t + j);
  return s;
}
double trigamma_diff(double t, double y) {
  if (!small_count(y)) return boost::math::trigamma(t + y) - boost::math::trigamma(t);
  double s = 0;
  for (int j = 0; j < static_cast<int>(y); ++j) s -= 1.0 / ((t + j) * (t + j));
  return s;
}
double lgamma_diff(double t, double y) {
  if (!small_count(y)) return std::lgamma(t + y) - std::lgamma(t);
  double s = 0;
  for (int j = 0; j < static_cast<int>(y); ++j) s += std::log(t + j);
  return s;
}

MatrixXd dense_design(const Design& d, const std::vector<std::size_t>& columns) {
  const auto n = static_cast<Eigen::Index>(d.rows());
  MatrixXd X = MatrixXd::Zero(n, static_cast<Eigen::Index>(columns.size() + 1));
  X.col(0).setOnes();
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const auto c = static_cast<Eigen::Index>(j + 1);
    d.columns[columns[j]]->for_each([&](std::size_t i) { X(static_cast<Eigen::Index>(i), c) = 1.0; });
  }
  return X;
}

double ylogy_over(double y, double mu) { return y > 0 ? y * std::log(y / mu) : 0.0; }

double poisson_deviance(const std::vector<double>& y, const VectorXd& mu) {
  double dev = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double m = mu(static_cast<Eigen::Index>(i));
    dev += 2.0 * (ylogy_over(y[i], m) - (y[i] - m));
  }
  return dev;
}

double nb2_deviance(const std::vector<double>& y, const VectorXd& mu, double theta) {
  double dev = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double m = mu(static_cast<Eigen::Index>(i));
    dev += 2.0 * (ylogy_over(y[i], m) - (y[i] + theta) * std::log((y[i] + theta) / (m + theta)));
  }
  return dev;
}

struct Irls {
  VectorXd beta, eta, mu;
  MatrixXd xtwx;  // at convergence: the Fisher information
  double deviance = 0;
  int iterations = 0;
  bool converged = false;
};

// IRLS for a log-link GLM with variance mu (Poisson) or mu + mu^2/theta (NB2).
Irls irls(const MatrixXd& X, const std::vector<double>& y, double theta, const VectorXd* eta_start,
          const GlmOptions& o) {
  const auto n = X.rows();
  Irls r;
  if (eta_start != nullptr) {
    r.eta = *eta_start;
  } else {
    r.eta.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) r.eta(i) = std::log(y[static_cast<std::size_t>(i)] + 0.1);
  }
  r.mu = r.eta.array().exp();
  const bool nb = std::isfinite(theta);
  double dev_old = std::numeric_limits<double>::infinity();
  VectorXd w(n), z(n);
  for (r.iterations = 1; r.iterations <= o.max_iterations; ++r.iterations) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const double m = r.mu(i);
      w(i) = nb ? m / (1.0 + m / theta) : m;
      z(i) = r.eta(i) + (y[static_cast<std::size_t>(i)] - m) / m;
    }
    r.xtwx = X.transpose() * w.asDiagonal() * X;
    Eigen::LDLT<MatrixXd> ldlt(r.xtwx);
    if (ldlt.info() != Eigen::Success || !ldlt.isPositive() ||
        ldlt.vectorD().minCoeff() <= 1e-12 * std::max(1.0, ldlt.vectorD().maxCoeff()))
      throw ModelError("the design is singular (a candidate duplicates another or is constant over the cells)");
    r.beta = ldlt.solve(X.transpose() * (w.asDiagonal() * z));
    r.eta = X * r.beta;
    r.mu = r.eta.array().exp();
    r.deviance = nb ? nb2_deviance(y, r.mu, theta) : poisson_deviance(y, r.mu);
    if (!std::isfinite(r.deviance)) throw ModelError("the fit diverged (deviance is not finite)");
    if (std::fabs(r.deviance - dev_old) / (std::fabs(r.deviance) + 0.1) < o.tolerance) {
      r.converged = true;
      break;
    }
    dev_old = r.deviance;
  }
  // Fisher information at the final estimate.
  for (Eigen::Index i = 0; i < n; ++i) {
    const double m = r.mu(i);
    w(i) = nb ? m / (1.0 + m / theta) : m;
  }
  r.xtwx = X.transpose() * w.asDiagonal() * X;
  return r;
}

std::vector<double> to_std(const VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

double nbii_loglik(const std::vector<double>& y, const VectorXd& mu, double sigma) {
  double ll = 0;
  const double l1s = std::log1p(sigma), ls = std::log(sigma);
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double r = mu(static_cast<Eigen::Index>(i)) / sigma;
    ll += lgamma_diff(r, y[i]) - std::lgamma(y[i] + 1.0) - r * l1s + y[i] * (ls - l1s);
  }
  return ll;
}

// d loglik / d sigma for fixed means.
double nbii_dsigma(const std::vector<double>& y, const VectorXd& mu, double sigma) {
  double g = 0;
  const double l1s = std::log1p(sigma);
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double m = mu(static_cast<Eigen::Index>(i)), r = m / sigma;
    g += (digamma_diff(r, y[i]) - l1s) * (-m / (sigma * sigma)) - r / (1.0 + sigma) + y[i] / sigma -
         y[i] / (1.0 + sigma);
  }
  return g;
}

// Maximizes the NBII log-likelihood over sigma for fixed means (Newton on log sigma).
double nbii_sigma(const std::vector<double>& y, const VectorXd& mu, double sigma) {
  double s = std::log(sigma);
  for (int it = 0; it < 100; ++it) {
    const double sg = std::exp(s);
    const double g = nbii_dsigma(y, mu, sg) * sg;  // d/ds
    const double h = 1e-5;
    const double g2 = (nbii_dsigma(y, mu, std::exp(s + h)) * std::exp(s + h) -
                       nbii_dsigma(y, mu, std::exp(s - h)) * std::exp(s - h)) / (2 * h);
    double step = g2 < 0 ? -g / g2 : (g > 0 ? 1.0 : -1.0);
    step = std::clamp(step, -2.0, 2.0);
    const double ll0 = nbii_loglik(y, mu, sg);
    while (std::fabs(step) > 1e-14 && !(nbii_loglik(y, mu, std::exp(s + step)) >= ll0)) step /= 2;
    s += step;
    if (s < -20) return std::exp(-20.0);
    if (std::fabs(step) < 1e-10) break;
  }
  return std::exp(s);
}

// NBII (gamlss): y ~ NB(size = mu/sigma, prob = 1/(1+sigma)), variance mu (1 + sigma).
// Alternates a damped Newton step for beta (fixed sigma) and the ML sigma.
GlmFit fit_nbii(const Design& d, const std::vector<std::size_t>& columns, const GlmOptions& o, const GlmFit* warm) {
  const MatrixXd X = dense_design(d, columns);
  const auto n = X.rows();
  VectorXd warm_eta;
  if (warm != nullptr) warm_eta = Eigen::Map<const VectorXd>(warm->eta.data(), static_cast<Eigen::Index>(warm->eta.size()));
  Irls start = irls(X, d.y, std::numeric_limits<double>::infinity(), warm != nullptr ? &warm_eta : nullptr, o);
  VectorXd beta = start.beta, eta = start.eta, mu = start.mu;
  double sigma = nbii_sigma(d.y, mu, warm != nullptr && warm->sigma > 0 ? warm->sigma
                                                                         : std::max(1e-3, start.deviance / static_cast<double>(n)));
  double ll = nbii_loglik(d.y, mu, sigma);
  GlmFit f;
  f.family = Family::nbii;
  f.columns = columns;
  VectorXd g(n), w(n);
  MatrixXd info;
  int it = 0;
  for (; it < o.max_iterations * 10; ++it) {
    const double ll_start = ll;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double m = mu(i), r = m / sigma, yi = d.y[static_cast<std::size_t>(i)];
      const double gi = (digamma_diff(r, yi) - std::log1p(sigma)) / sigma;
      const double hi = trigamma_diff(r, yi) / (sigma * sigma);
      g(i) = m * gi;
      w(i) = -(m * gi + m * m * hi);  // observed information of eta_i
      if (!(w(i) > 0)) w(i) = m / (1.0 + sigma);
    }
    info = X.transpose() * w.asDiagonal() * X;
    Eigen::LDLT<MatrixXd> ldlt(info);
    if (ldlt.info() != Eigen::Success || !ldlt.isPositive())
      throw ModelError("the design is singular (a candidate duplicates another or is constant over the cells)");
    VectorXd step = ldlt.solve(X.transpose() * g);
    double t = 1.0;
    VectorXd nb, ne, nm;
    double nll = -std::numeric_limits<double>::infinity();
    for (int h = 0; h < 40; ++h, t /= 2) {
      nb = beta + t * step;
      ne = X * nb;
      nm = ne.array().exp();
      nll = nbii_loglik(d.y, nm, sigma);
      if (nll >= ll) break;
    }
    if (nll >= ll) {
      beta = nb;
      eta = ne;
      mu = nm;
      ll = nll;
    }
    sigma = nbii_sigma(d.y, mu, sigma);
    ll = nbii_loglik(d.y, mu, sigma);
    if (std::fabs(ll - ll_start) < o.tolerance * (std::fabs(ll) + 0.1) && step.cwiseAbs().maxCoeff() < 1e-6) {
      f.converged = true;
      break;
    }
  }
  if (!f.converged)
    throw ModelError("the nbii model did not converge in " + std::to_string(o.max_iterations * 10) + " iterations");
  // Observed information for beta at the optimum (conditional on sigma).
  for (Eigen::Index i = 0; i < n; ++i) {
    const double m = mu(i), r = m / sigma, yi = d.y[static_cast<std::size_t>(i)];
    const double gi = (digamma_diff(r, yi) - std::log1p(sigma)) / sigma;
    const double hi = trigamma_diff(r, yi) / (sigma * sigma);
    w(i) = -(m * gi + m * m * hi);
  }
  info = X.transpose() * w.asDiagonal() * X;
  const MatrixXd cov = info.inverse();
  f.beta = to_std(beta);
  for (Eigen::Index j = 0; j < cov.rows(); ++j) f.se.push_back(std::sqrt(cov(j, j)));
  f.sigma = sigma;
  f.eta = to_std(eta);
  f.loglik = ll;
  f.iterations = it + 1;
  const double nn = static_cast<double>(n);
  f.parameters = static_cast<int>(X.cols()) + 1;
  f.aic = -2.0 * ll + 2.0 * f.parameters;
  f.bic = -2.0 * ll + std::log(nn) * f.parameters;
  double chi2 = 0, dev = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double m = mu(i), yi = d.y[static_cast<std::size_t>(i)];
    chi2 += (yi - m) * (yi - m) / (m * (1.0 + sigma));
    dev += 2.0 * (ylogy_over(yi, m) - (yi - m));
  }
  f.deviance = dev;
  f.pearson_dispersion = chi2 / std::max(1.0, nn - static_cast<double>(X.cols()));
  return f;
}


// ---- The same fits over groups of cells sharing a row pattern (Poisson, NB2).

double xlogm(double yv, double m) { return yv > 0 ? yv * std::log(m) : 0.0; }

double grouped_poisson_deviance(const Patterns& P, const CountStats& cs, const VectorXd& mu) {
  double s = 0;
  for (std::size_t g = 0; g < P.size(); ++g) {
    const double m = mu(static_cast<Eigen::Index>(g));
    s += P.n[g] * m - xlogm(P.y[g], m);
  }
  return 2.0 * (cs.ylogy - cs.ysum + s);
}

// sum over cells of (y + theta) log1p(y / theta): depends on theta only.
double count_log1p_sum(const CountStats& cs, double theta) {
  double s = 0;
  for (const auto& [v, k] : cs.hist) s += k * (v + theta) * std::log1p(v / theta);
  return s;
}

// Per cell ylogy(y/mu) - (y+theta) log((y+theta)/(mu+theta)) = y log y - y log mu
// - (y+theta) log1p(y/theta) + (y+theta) log1p(mu/theta): no term of size theta.
double grouped_nb2_deviance(const Patterns& P, const CountStats& cs, const VectorXd& mu, double theta,
                            double log1p_sum) {
  double s = 0;
  for (std::size_t g = 0; g < P.size(); ++g) {
    const double m = mu(static_cast<Eigen::Index>(g));
    s += (P.y[g] + P.n[g] * theta) * std::log1p(m / theta) - xlogm(P.y[g], m);
  }
  return 2.0 * (cs.ylogy - log1p_sum + s);
}

double grouped_poisson_loglik(const Patterns& P, const CountStats& cs, const VectorXd& mu) {
  double ll = 0;
  for (std::size_t g = 0; g < P.size(); ++g) {
    const double m = mu(static_cast<Eigen::Index>(g));
    ll += xlogm(P.y[g], m) - P.n[g] * m;
  }
  return ll - cs.lgamma1;
}

double grouped_nb2_loglik(const Patterns& P, const CountStats& cs, const VectorXd& mu, double theta) {
  if (!std::isfinite(theta)) return grouped_poisson_loglik(P, cs, mu);
  double ll = 0;
  for (const auto& [v, k] : cs.hist) ll += k * lgamma_diff(theta, v);
  for (std::size_t g = 0; g < P.size(); ++g) {
    const double m = mu(static_cast<Eigen::Index>(g));
    ll += P.n[g] * theta * std::log(theta / (theta + m)) + (P.y[g] > 0 ? P.y[g] * std::log(m / (theta + m)) : 0.0);
  }
  return ll - cs.lgamma1;
}

// The theta maximizing an NB2 likelihood with fixed means, given its score
// and information in theta (the caller has ruled out the Poisson limit: the
// counts have excess variance). MASS's Newton iteration from its moment start
// t0; where Newton fails (it leaves (0, 1e6] or does not settle) bisection of
// the score in log theta. Beyond 1e6 the NB2 and Poisson likelihoods agree to
// the precision that matters (infinity is returned); a score still falling at
// 1e-10 means the likelihood keeps rising as theta goes to 0 (0 is returned:
// no fit).
template <class Score, class Info>
double maximize_theta(double t0, int max_iterations, Score score, Info info) {
  double t = t0;
  for (int it = 0; it < max_iterations; ++it) {
    t = std::fabs(t);
    const double i = info(t);
    const double del = score(t) / i;
    t += del;
    if (!std::isfinite(t) || t <= 0 || t > 1e6) break;
    // A maximum (positive information), not a minimum Newton may also find.
    if (std::fabs(del) < 1e-10 * std::max(1.0, t) && i > 0) return t;
  }
  double lo = 1e-10, hi = 1e6;
  if (score(hi) >= 0) return std::numeric_limits<double>::infinity();
  if (score(lo) <= 0) return 0.0;
  for (int it = 0; it < 200 && hi / lo - 1.0 > 1e-13; ++it) {
    const double mid = std::sqrt(lo * hi);
    (score(mid) > 0 ? lo : hi) = mid;
  }
  return std::sqrt(lo * hi);
}

// MASS::theta.ml over groups (the same iteration as theta_ml).
double grouped_theta_ml(const Patterns& P, const CountStats& cs, const VectorXd& mu, int max_iterations = 50) {
  const double n = cs.n;
  const double inf = std::numeric_limits<double>::infinity();
  const std::size_t G = P.size();
  auto m_ = [&](std::size_t g) { return mu(static_cast<Eigen::Index>(g)); };
  double excess = 0;
  for (std::size_t g = 0; g < G; ++g) excess += P.y2[g] - 2.0 * m_(g) * P.y[g] + P.n[g] * m_(g) * m_(g);
  excess -= cs.ysum;
  if (excess <= 0) return inf;
  auto score = [&](double t) {
    double sc = 0;
    for (const auto& [v, k] : cs.hist) sc += k * digamma_diff(t, v);
    for (std::size_t g = 0; g < G; ++g) {
      const double m = m_(g);
      sc += -P.n[g] * std::log1p(m / t) + (P.n[g] * m - P.y[g]) / (m + t);
    }
    return sc;
  };
  double s = 0;
  for (std::size_t g = 0; g < G; ++g) {
    const double m = m_(g);
    s += P.y2[g] / (m * m) - 2.0 * P.y[g] / m + P.n[g];
  }
  auto info = [&](double t) {
    double i = 0;
    for (const auto& [v, k] : cs.hist) i -= k * trigamma_diff(t, v);
    i -= n / t;
    for (std::size_t g = 0; g < G; ++g) {
      const double m = m_(g);
      i += 2.0 * P.n[g] / (m + t) - (P.y[g] + P.n[g] * t) / ((m + t) * (m + t));
    }
    return i;
  };
  return maximize_theta(n / s, max_iterations, score, info);
}

// IRLS over groups; with no start, the first step is the one irls() takes
// from eta = log(y + 0.1) per cell (aggregated through P.l01).
Irls grouped_irls(const MatrixXd& X, const Patterns& P, const CountStats& cs, double theta, const VectorXd* eta_start,
                  const GlmOptions& o) {
  const auto G = X.rows();
  Irls r;
  const bool nb = std::isfinite(theta);
  const double l1s = nb ? count_log1p_sum(cs, theta) : 0.0;
  if (eta_start != nullptr) {
    r.eta = *eta_start;
    r.mu = r.eta.array().exp();
  }
  double dev_old = std::numeric_limits<double>::infinity();
  VectorXd w(G), wz(G);
  for (r.iterations = 1; r.iterations <= o.max_iterations; ++r.iterations) {
    if (eta_start == nullptr && r.iterations == 1) {
      for (Eigen::Index g = 0; g < G; ++g) {
        const auto gi = static_cast<std::size_t>(g);
        w(g) = P.y[gi] + 0.1 * P.n[gi];
        wz(g) = P.l01[gi] - 0.1 * P.n[gi];
      }
    } else {
      for (Eigen::Index g = 0; g < G; ++g) {
        const auto gi = static_cast<std::size_t>(g);
        const double m = r.mu(g), wu = nb ? m / (1.0 + m / theta) : m;
        w(g) = P.n[gi] * wu;
        wz(g) = wu * (P.n[gi] * r.eta(g) + (P.y[gi] - P.n[gi] * m) / m);
      }
    }
    r.xtwx = X.transpose() * w.asDiagonal() * X;
    Eigen::LDLT<MatrixXd> ldlt(r.xtwx);
    if (ldlt.info() != Eigen::Success || !ldlt.isPositive() ||
        ldlt.vectorD().minCoeff() <= 1e-12 * std::max(1.0, ldlt.vectorD().maxCoeff()))
      throw ModelError("the design is singular (a candidate duplicates another or is constant over the cells)");
    r.beta = ldlt.solve(X.transpose() * wz);
    r.eta = X * r.beta;
    r.mu = r.eta.array().exp();
    r.deviance = nb ? grouped_nb2_deviance(P, cs, r.mu, theta, l1s) : grouped_poisson_deviance(P, cs, r.mu);
    if (!std::isfinite(r.deviance)) throw ModelError("the fit diverged (deviance is not finite)");
    if (std::fabs(r.deviance - dev_old) / (std::fabs(r.deviance) + 0.1) < o.tolerance) {
      r.converged = true;
      break;
    }
    dev_old = r.deviance;
  }
  for (Eigen::Index g = 0; g < G; ++g) {
    const double m = r.mu(g);
    w(g) = P.n[static_cast<std::size_t>(g)] * (nb ? m / (1.0 + m / theta) : m);
  }
  r.xtwx = X.transpose() * w.asDiagonal() * X;
  return r;
}

std::size_t pattern_bit(const Patterns& P, std::size_t column) {
  const auto it = std::find(P.cols.begin(), P.cols.end(), column);
  if (it == P.cols.end()) throw ModelError("internal: a model column outside the grouping");
  return static_cast<std::size_t>(it - P.cols.begin());
}

}  // namespace

double theta_ml(const std::vector<double>& y, const std::vector<double>& mu, int max_iterations) {
  const double n = static_cast<double>(y.size());
  const double inf = std::numeric_limits<double>::infinity();
  // For large theta the log-likelihood is the Poisson one plus
  // sum((y - mu)^2 - y) / (2 theta): without that excess variance it rises
  // all the way to theta = infinity (the Poisson limit).
  double excess = 0;
  for (std::size_t i = 0; i < y.size(); ++i) excess += (y[i] - mu[i]) * (y[i] - mu[i]) - y[i];
  if (excess <= 0) return inf;
  auto score = [&](double t) {
    double sc = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      sc += digamma_diff(t, y[i]) + std::log(t) + 1.0 - std::log(t + mu[i]) - (y[i] + t) / (mu[i] + t);
    return sc;
  };
  double s = 0;  // MASS's moment start: n / s
  for (std::size_t i = 0; i < y.size(); ++i) s += (y[i] / mu[i] - 1.0) * (y[i] / mu[i] - 1.0);
  auto info = [&](double t) {
    double i = 0;
    for (std::size_t k = 0; k < y.size(); ++k)
      i += -trigamma_diff(t, y[k]) - 1.0 / t + 2.0 / (mu[k] + t) - (y[k] + t) / ((mu[k] + t) * (mu[k] + t));
    return i;
  };
  return maximize_theta(n / s, max_iterations, score, info);
}

GlmFit fit_glm_grouped(const Patterns& P, const CountStats& cs, const std::vector<std::size_t>& columns, Family family,
                       const GlmOptions& o, const GlmFit* start) {
  if (family == Family::nbii) throw ModelError("internal: nbii is not fitted over groups");
  if (start != nullptr && (start->family != family || start->beta.size() != start->columns.size() + 1)) start = nullptr;
  const auto G = static_cast<Eigen::Index>(P.size());
  MatrixXd X = MatrixXd::Zero(G, static_cast<Eigen::Index>(columns.size() + 1));
  X.col(0).setOnes();
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const std::size_t b = pattern_bit(P, columns[j]);
    for (Eigen::Index g = 0; g < G; ++g)
      if (P.bit(static_cast<std::size_t>(g), b)) X(g, static_cast<Eigen::Index>(j + 1)) = 1.0;
  }
  const double n = cs.n;
  GlmFit f;
  f.family = family;
  f.columns = columns;
  VectorXd start_eta;
  double start_theta = std::numeric_limits<double>::infinity();
  if (start != nullptr) {
    // The start's linear predictor is constant over each group (its columns are among P's).
    std::vector<std::size_t> bits;
    for (std::size_t c : start->columns) bits.push_back(pattern_bit(P, c));
    start_eta.resize(G);
    for (Eigen::Index g = 0; g < G; ++g) {
      double e = start->beta[0];
      for (std::size_t k = 0; k < bits.size(); ++k)
        if (P.bit(static_cast<std::size_t>(g), bits[k])) e += start->beta[k + 1];
      start_eta(g) = e;
    }
    if (family == Family::nb2 && start->theta > 0) start_theta = start->theta;
  }
  Irls r = grouped_irls(X, P, cs, start_theta, start != nullptr ? &start_eta : nullptr, o);
  double theta = std::numeric_limits<double>::infinity();
  int total_iterations = r.iterations;
  bool converged = r.converged;
  if (family == Family::nb2) {
    theta = grouped_theta_ml(P, cs, r.mu);
    const double d1 = std::sqrt(2.0 * std::max(1.0, n - static_cast<double>(X.cols())));
    double lm = grouped_nb2_loglik(P, cs, r.mu, theta), lm0 = lm + 2.0 * d1, del = 1.0;
    int outer = 0;
    const double nb_tolerance = std::max(o.tolerance, 1e-8);
    while (outer < o.max_iterations &&
           (std::fabs(lm0 - lm) / d1 + (theta > 100 ? 0.0 : std::fabs(del) / std::max(1.0, theta))) > nb_tolerance) {
      if (!std::isfinite(theta)) {
        const VectorXd eta = r.eta;
        r = grouped_irls(X, P, cs, theta, &eta, o);
        total_iterations += r.iterations;
        converged = r.converged;
        lm = grouped_poisson_loglik(P, cs, r.mu);
        break;
      }
      const VectorXd eta = r.eta;
      r = grouped_irls(X, P, cs, theta, &eta, o);
      total_iterations += r.iterations;
      converged = r.converged;
      const double t0 = theta;
      theta = grouped_theta_ml(P, cs, r.mu);
      del = std::isfinite(theta) ? t0 - theta : 0.0;
      lm0 = lm;
      lm = grouped_nb2_loglik(P, cs, r.mu, theta);
      ++outer;
    }
    if (outer >= o.max_iterations) converged = false;
    if (!(theta > 0) || !std::isfinite(lm))
      throw ModelError("the nb2 model did not converge: its dispersion theta ran to 0 (the counts are more "
                       "concentrated in a few cells than a negative binomial can fit; try family = \"poisson\")");
    f.theta = theta;
    f.loglik = lm;
  } else {
    f.loglik = grouped_poisson_loglik(P, cs, r.mu);
  }
  if (!converged)
    throw ModelError(std::string("the ") + to_string(family) + " model did not converge in " +
                     std::to_string(o.max_iterations) + " iterations");
  f.beta = to_std(r.beta);
  const MatrixXd cov = r.xtwx.inverse();
  for (Eigen::Index j = 0; j < cov.rows(); ++j) f.se.push_back(std::sqrt(cov(j, j)));
  f.deviance = r.deviance;
  f.iterations = total_iterations;
  f.converged = converged;
  f.parameters = static_cast<int>(X.cols()) + (family == Family::nb2 ? 1 : 0);
  f.aic = -2.0 * f.loglik + 2.0 * f.parameters;
  f.bic = -2.0 * f.loglik + std::log(n) * f.parameters;
  double chi2 = 0;
  for (std::size_t g = 0; g < P.size(); ++g) {
    const double m = r.mu(static_cast<Eigen::Index>(g));
    const double var = family == Family::nb2 && std::isfinite(theta) ? m + m * m / theta : m;
    chi2 += (P.y2[g] - 2.0 * m * P.y[g] + P.n[g] * m * m) / var;
  }
  f.pearson_dispersion = chi2 / std::max(1.0, n - static_cast<double>(X.cols()));
  return f;
}

void fill_row_eta(const Design& d, GlmFit& f) {
  f.eta.assign(d.rows(), f.beta.empty() ? 0.0 : f.beta[0]);
  for (std::size_t k = 0; k < f.columns.size(); ++k) {
    const double b = f.beta[k + 1];
    d.columns[f.columns[k]]->for_each([&](std::size_t i) { f.eta[i] += b; });
  }
}

GlmFit fit_glm(const Design& d, const std::vector<std::size_t>& columns, Family family, const GlmOptions& o,
               const GlmFit* start) {
  if (start != nullptr && (start->family != family || start->eta.size() != d.rows())) start = nullptr;
  if (family == Family::nbii) return fit_nbii(d, columns, o, start);
  std::vector<std::size_t> cols = columns;
  if (start != nullptr) cols.insert(cols.end(), start->columns.begin(), start->columns.end());
  std::sort(cols.begin(), cols.end());
  cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
  const Patterns P = group_rows(d, cols);
  GlmFit f = fit_glm_grouped(P, count_stats(d.y), columns, family, o, start);
  fill_row_eta(d, f);
  return f;
}

}  // namespace rtm::model
