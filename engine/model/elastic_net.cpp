#include "model/elastic_net.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/progress.hpp"
#include "model/patterns.hpp"

namespace rtm::model {

namespace {


// The design over groups of cells sharing a row pattern: glmnet with
// observation weights. A group of n_g cells with counts summing to Y_g enters
// with weight n_g and response Y_g / n_g: its weighted IRLS weight, working
// residual, score and curvature equal the sums over its cells, and the column
// means and SDs are the cell-level ones, so the fit is the cell-level fit.
// Deviances use the cell-level sum of y log y per group. A fold's fit uses the
// same groups with the sums over its training cells only.
struct GroupStats {
  std::vector<double> n, y, yb, ylogy;  // per group: cells, sum of counts, mean count, sum y log y
  explicit GroupStats(std::size_t G = 0) : n(G, 0.0), y(G, 0.0), yb(G, 0.0), ylogy(G, 0.0) {}
  void add(std::size_t g, double yi) {
    n[g] += 1;
    y[g] += yi;
    if (yi > 0) ylogy[g] += yi * std::log(yi);
  }
  void finish() {
    for (std::size_t k = 0; k < n.size(); ++k) yb[k] = n[k] > 0 ? y[k] / n[k] : 0.0;
  }
};

struct GroupDesign {
  std::size_t p = 0;
  std::vector<Bitset> cols;  // per design column, over groups
  std::vector<bool> dense;   // more ones than zeros: the solver works on the zeros (complement)
  std::vector<std::vector<std::uint32_t>> idx;  // per column, the groups it is 1 in (0 in when dense)
  GroupStats all;            // over all the cells grouped
  std::size_t size() const { return all.n.size(); }
};

GroupDesign group_design(const Patterns& P, std::size_t p) {
  GroupDesign g;
  g.p = p;
  const std::size_t G = P.size();
  g.cols.assign(p, Bitset(G));
  for (std::size_t k = 0; k < G; ++k)
    for (std::size_t j = 0; j < p; ++j)
      if (P.bit(k, j)) g.cols[j].set(k);
  g.dense.assign(p, false);
  g.idx.resize(p);
  for (std::size_t j = 0; j < p; ++j) {
    g.dense[j] = 2 * g.cols[j].count() > G;
    auto push = [&](std::size_t k) { g.idx[j].push_back(static_cast<std::uint32_t>(k)); };
    if (g.dense[j])
      g.cols[j].for_each_zero(push);
    else
      g.cols[j].for_each(push);
  }
  g.all.n = P.n;
  g.all.y = P.y;
  g.all.ylogy = P.ylogy;
  g.all.yb.resize(G);
  g.all.finish();
  return g;
}

// sum of x[i] over i in idx, with four partial sums (the adds of one chain
// would wait on each other; the order of the sum is fixed, so deterministic).
double gather_sum(const std::vector<std::uint32_t>& idx, const std::vector<double>& x) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const std::size_t m = idx.size(), m4 = m - m % 4;
  const std::uint32_t* ix = idx.data();
  const double* xv = x.data();
  for (std::size_t k = 0; k < m4; k += 4) {
    a0 += xv[ix[k]];
    a1 += xv[ix[k + 1]];
    a2 += xv[ix[k + 2]];
    a3 += xv[ix[k + 3]];
  }
  for (std::size_t k = m4; k < m; ++k) a0 += xv[ix[k]];
  return (a0 + a1) + (a2 + a3);
}

std::vector<std::size_t> all_columns(const Design& d) {
  std::vector<std::size_t> c(d.cols());
  std::iota(c.begin(), c.end(), 0);
  return c;
}

// Poisson deviance of a group whose cells all have mean mu.
double group_deviance(const GroupStats& st, std::size_t k, double mu) {
  return 2.0 * (st.ylogy[k] - (st.y[k] > 0 ? st.y[k] * std::log(mu) : 0.0) - st.y[k] + st.n[k] * mu);
}

struct Solver {
  const GroupDesign& gd;
  const GroupStats& st;
  const ElasticNetOptions& o;
  std::vector<double> v;  // group weights (cells, or 0 for groups left out)
  double n = 0;           // cells in
  std::size_t p = 0;
  std::vector<double> m, s;  // column mean and population SD over cells in
  std::vector<bool> usable;  // s > 0
  std::vector<bool> dense;   // more ones than zeros: work on the zeros (complement)
  // state (standardized scale)
  double b0 = 0;
  std::vector<double> b;
  std::vector<double> eta, mu;

  Solver(const GroupDesign& design, const GroupStats& stats, const ElasticNetOptions& opts)
      : gd(design), st(stats), o(opts), v(stats.n), p(design.p) {
    const std::size_t rows = gd.size();
    n = std::accumulate(v.begin(), v.end(), 0.0);
    m.assign(p, 0);
    s.assign(p, 0);
    usable.assign(p, false);
    for (std::size_t j = 0; j < p; ++j) {
      double ones = 0;
      gd.cols[j].for_each([&](std::size_t i) { ones += v[i]; });
      m[j] = ones / n;
      s[j] = std::sqrt(m[j] * (1.0 - m[j]));
      usable[j] = s[j] > 1e-12;
    }
    dense.assign(p, false);
    dense = gd.dense;
    b.assign(p, 0.0);
    double ybar = 0;
    for (std::size_t i = 0; i < rows; ++i)
      if (v[i] > 0) ybar += st.y[i];
    ybar /= n;
    if (!(ybar > 0)) throw ModelError("no incidents in the rows to fit");
    b0 = std::log(ybar);
    eta.assign(rows, b0);
    mu.assign(rows, ybar);
  }

  double lambda_max(double alpha) const {
    double ybar = std::exp(b0);
    double best = 0;
    double sum_r = 0;
    for (std::size_t i = 0; i < gd.size(); ++i) sum_r += v[i] * (st.yb[i] - ybar);
    for (std::size_t j = 0; j < p; ++j) {
      if (!usable[j]) continue;
      double ones = 0;
      gd.cols[j].for_each([&](std::size_t i) { ones += v[i] * (st.yb[i] - ybar); });
      const double g = std::fabs((ones - m[j] * sum_r) / s[j]) / n;
      best = std::max(best, g);
    }
    return best / std::max(alpha, 1e-3);
  }

  void recompute_eta() {
    double shift = b0;
    for (std::size_t j = 0; j < p; ++j)
      if (b[j] != 0) shift -= b[j] * m[j] / s[j];
    for (std::size_t j = 0; j < p; ++j)
      if (b[j] != 0 && dense[j]) shift += b[j] / s[j];
    std::fill(eta.begin(), eta.end(), shift);
    for (std::size_t j = 0; j < p; ++j) {
      if (b[j] == 0) continue;
      const double bj = b[j] / s[j];
      if (dense[j])
        for (std::uint32_t i : gd.idx[j]) eta[i] -= bj;
      else
        for (std::uint32_t i : gd.idx[j]) eta[i] += bj;
    }
    for (std::size_t i = 0; i < eta.size(); ++i) mu[i] = std::exp(eta[i]);
  }

  double deviance() const {
    double dev = 0;
    for (std::size_t i = 0; i < gd.size(); ++i)
      if (v[i] > 0) dev += group_deviance(st, i, mu[i]);
    return dev;
  }

  // One lambda: IRLS outer loop, coordinate descent inside, warm start.
  double tol = 1e-12;

  void fit(double lambda) {
    const double l1 = lambda * o.alpha, l2 = lambda * (1.0 - o.alpha);
    const std::size_t rows = gd.size();
    std::vector<double> w(rows), wq(rows), w1(p), curv(p);  // wq: weight times working residual
    for (int outer = 0; outer < 200; ++outer) {
      double W = 0, swq = 0;
      for (std::size_t i = 0; i < rows; ++i) {
        w[i] = v[i] * mu[i];
        wq[i] = w[i] * ((st.yb[i] - mu[i]) / mu[i]);  // working residual z - eta, weighted
        W += w[i];
        swq += wq[i];
      }
      for (std::size_t j = 0; j < p; ++j) {
        if (!usable[j]) continue;
        double s1 = gather_sum(gd.idx[j], w);
        if (dense[j]) {
          s1 = W - s1;
        }
        w1[j] = s1;
        curv[j] = (s1 * (1.0 - 2.0 * m[j]) + m[j] * m[j] * W) / (n * s[j] * s[j]);
      }
      // residual r_i = q_i + c (c: a shift shared by all rows)
      double c = 0;
      const std::vector<double> b_start = b;
      const double b0_start = b0;
      auto sweep = [&](bool active_only) {
        double worst = 0;
        // intercept
        {
          const double delta = (swq + c * W) / W;
          b0 += delta;
          c -= delta;
          worst = std::max(worst, W / n * delta * delta);
        }
        for (std::size_t j = 0; j < p; ++j) {
          if (!usable[j] || (active_only && b[j] == 0)) continue;
          double sq1 = gather_sum(gd.idx[j], wq);
          if (dense[j]) {
            sq1 = swq - sq1;
          }
          const double ones_r = sq1 + c * w1[j];
          const double all_r = swq + c * W;
          const double grad = (ones_r - m[j] * all_r) / (s[j] * n);
          const double u = grad + curv[j] * b[j];
          const double mag = std::fabs(u) - l1;
          const double nb = mag > 0 ? std::copysign(mag, u) / (curv[j] + l2) : 0.0;
          const double delta = nb - b[j];
          if (delta == 0) continue;
          b[j] = nb;
          // r -= delta * (x - m)/s : ones get -delta/s, everyone +delta*m/s
          const double dq = delta / s[j];
          if (dense[j]) {  // ones -= dq  ==  everyone -= dq (in c), zeros += dq
            for (std::uint32_t i : gd.idx[j]) wq[i] += dq * w[i];
            swq += dq * (W - w1[j]);
            c -= dq;
          } else {
            for (std::uint32_t i : gd.idx[j]) wq[i] -= dq * w[i];
            swq -= dq * w1[j];
          }
          c += delta * m[j] / s[j];
          worst = std::max(worst, curv[j] * delta * delta);
        }
        return worst;
      };
      int sweeps = 0;
      while (true) {
        const double full = sweep(false);
        if (++sweeps > o.max_sweeps) throw ModelError("elastic net: coordinate descent did not converge");
        if (full < tol) break;
        while (sweep(true) >= tol)
          if (++sweeps > o.max_sweeps) throw ModelError("elastic net: coordinate descent did not converge");
      }
      recompute_eta();
      // Converged when the outer step moves no coefficient by more than the
      // inner tolerance, measured the same way (curvature * change^2).
      double change = W / n * (b0 - b0_start) * (b0 - b0_start);
      for (std::size_t j = 0; j < p; ++j)
        if (usable[j]) change = std::max(change, curv[j] * (b[j] - b_start[j]) * (b[j] - b_start[j]));
      if (change < 10 * tol) return;
    }
    throw ModelError("elastic net: the IRLS loop did not converge at lambda " + std::to_string(lambda));
  }
};

ElasticNetPath enet_path(const GroupDesign& gd, const GroupStats& st, const ElasticNetOptions& o) {
  Solver sv(gd, st, o);
  ElasticNetPath path;
  path.null_deviance = sv.deviance();
  sv.tol = o.thresh * path.null_deviance / sv.n;
  std::vector<double> lambdas = o.lambdas;
  const bool user = !lambdas.empty();
  if (!user) {
    const double lmax = sv.lambda_max(o.alpha);
    const double ratio = o.lambda_min_ratio > 0 ? o.lambda_min_ratio : (sv.n < static_cast<double>(sv.p) ? 1e-2 : 1e-4);
    for (int k = 0; k < o.nlambda; ++k)
      lambdas.push_back(lmax * std::pow(ratio, static_cast<double>(k) / (o.nlambda - 1)));
  }
  for (std::size_t k = 0; k < lambdas.size(); ++k) {
    sv.fit(lambdas[k]);
    const double dev = sv.deviance();
    path.lambda.push_back(lambdas[k]);
    std::vector<double> beta(sv.p, 0.0);
    double a0 = sv.b0;
    for (std::size_t j = 0; j < sv.p; ++j) {
      if (sv.b[j] == 0) continue;
      beta[j] = sv.b[j] / sv.s[j];
      a0 -= beta[j] * sv.m[j];
    }
    path.a0.push_back(a0);
    path.beta.push_back(beta);
    path.dev_ratio.push_back(1.0 - dev / path.null_deviance);
    // glmnet stops a path it chose itself when the deviance explained stalls;
    // for the Poisson family it compares with the fit 4 lambdas back, with
    // 10 times the Gaussian threshold (glmnetpp).
    if (!user && k + 1 >= 5) {
      const double r = path.dev_ratio[k], r0 = path.dev_ratio[k - 4];
      if ((r - r0) / r < 1e-4 || r > 0.999) break;
    }
  }
  return path;
}

}  // namespace

ElasticNetPath enet_poisson(const Design& d, const ElasticNetOptions& o, const std::vector<std::uint8_t>& row_in) {
  const GroupDesign gd = group_design(group_rows(d, all_columns(d), nullptr, row_in.empty() ? nullptr : &row_in), d.cols());
  return enet_path(gd, gd.all, o);
}

std::vector<int> make_folds(std::size_t n, int k, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);  // Fisher-Yates, portable
  std::vector<int> fold(n);
  for (std::size_t r = 0; r < n; ++r) fold[order[r]] = static_cast<int>(r % static_cast<std::size_t>(k)) + 1;
  return fold;
}

CrossValidation cv_enet_poisson(const Design& d, const ElasticNetOptions& o, const std::vector<int>& fold) {
  CrossValidation cv;
  cv.fold = fold;
  const Patterns P = group_rows(d, all_columns(d));
  const GroupDesign gd = group_design(P, d.cols());
  const std::size_t G = gd.size();
  cv.patterns = G;
  cv.path = enet_path(gd, gd.all, o);
  const int k = *std::max_element(fold.begin(), fold.end());
  ElasticNetOptions fo = o;
  fo.lambdas = cv.path.lambda;
  const std::size_t L = cv.path.lambda.size();
  std::vector<std::vector<double>> dev(static_cast<std::size_t>(k), std::vector<double>(L, 0.0));
  std::vector<double> fold_n(static_cast<std::size_t>(k), 0.0);
  std::vector<std::size_t> held_groups(static_cast<std::size_t>(k), 0);
  Progress progress("cross-validating the elastic net", k);
  // Folds are independent: fit them on all cores, each writing its own slot.
  // A fold's fit runs over the same row patterns, with the sums over the
  // cells of the other folds (a pattern only in this fold gets weight 0).
  parallel_for(static_cast<std::size_t>(k), [&](std::size_t fold_index) {
    const int f = static_cast<int>(fold_index) + 1;
    GroupStats train(G), held(G);
    for (std::size_t i = 0; i < d.rows(); ++i) (fold[i] == f ? held : train).add(P.row_group[i], d.y[i]);
    train.finish();
    std::vector<std::size_t> hg;  // groups with held-out cells, and the columns that are 1 in each
    double held_n = 0;
    for (std::size_t g = 0; g < G; ++g)
      if (held.n[g] > 0) {
        hg.push_back(g);
        held_n += held.n[g];
      }
    std::vector<std::vector<std::uint32_t>> row_cols(hg.size());
    for (std::size_t h = 0; h < hg.size(); ++h)
      for (std::size_t j = 0; j < d.cols(); ++j)
        if (gd.cols[j].test(hg[h])) row_cols[h].push_back(static_cast<std::uint32_t>(j));
    const ElasticNetPath fp = enet_path(gd, train, fo);
    auto& fd = dev[static_cast<std::size_t>(f - 1)];
    for (std::size_t l = 0; l < L; ++l) {
      double sum = 0;
      for (std::size_t h = 0; h < hg.size(); ++h) {
        double eta = fp.a0[l];
        for (std::uint32_t j : row_cols[h]) eta += fp.beta[l][j];
        sum += group_deviance(held, hg[h], std::exp(eta));
      }
      fd[l] = sum / held_n;
    }
    fold_n[static_cast<std::size_t>(f - 1)] = held_n;
    held_groups[static_cast<std::size_t>(f - 1)] = hg.size();
  });
  for (std::size_t g : held_groups) cv.fold_patterns += g;
  progress.advance(k);
  const double total = std::accumulate(fold_n.begin(), fold_n.end(), 0.0);
  cv.cvm.assign(L, 0.0);
  cv.cvsd.assign(L, 0.0);
  for (std::size_t l = 0; l < L; ++l) {
    for (std::size_t f = 0; f < dev.size(); ++f) cv.cvm[l] += dev[f][l] * fold_n[f] / total;
    double ss = 0;
    for (std::size_t f = 0; f < dev.size(); ++f) ss += (dev[f][l] - cv.cvm[l]) * (dev[f][l] - cv.cvm[l]) * fold_n[f] / total;
    cv.cvsd[l] = std::sqrt(ss / (k - 1));
  }
  // lambda.min: the largest lambda reaching the minimum mean deviance.
  const double best = *std::min_element(cv.cvm.begin(), cv.cvm.end());
  for (std::size_t l = 0; l < L; ++l)
    if (cv.cvm[l] <= best) {
      cv.best = l;
      break;
    }
  return cv;
}

}  // namespace rtm::model
