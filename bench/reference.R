# R references for bench/run.sh, on the files rtm_bench_stages exported:
#   Rscript bench/reference.R OUTDIR LAYER [LAYER...]
# density: spatstat density.ppp, quartic kernel, on a pixel grid aligned with
#   the study grid (pixel centres = cell centres), no edge correction (ours has
#   none). spatstat's sigma is the kernel's SD per coordinate: its quartic
#   kernel (3/pi)(1 - r^2)^2 on the unit disc has sd 1/sqrt(8)
#   (spatstat.explore:::lookup2DkernelInfo("quartic")$sd), so support h means
#   sigma = h / sqrt(8).
# enet: cv.glmnet(family = "poisson") on the same 0/1 design, response, alpha
#   and fold ids.
# Only the density and cv.glmnet calls are timed. Prints "key value" lines.
suppressPackageStartupMessages({
  library(spatstat)
  library(glmnet)
})
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
layers <- args[-1]
g <- scan(file.path(out, "grid.txt"), quiet = TRUE)
west <- g[1]; north <- g[2]; cs <- g[3]; ncol <- g[4]; nrow <- g[5]
cells <- read.csv(file.path(out, "cells.csv"))

for (L in layers) {
  pts <- read.csv(file.path(out, paste0(L, ".points.csv")))
  ours <- read.csv(file.path(out, paste0(L, ".density.csv")))
  bands <- as.numeric(sub("^h", "", names(ours)))
  pad <- ceiling(max(bands) / cs) + 1
  W <- owin(c(west - pad * cs, west + (ncol + pad) * cs), c(north - (nrow + pad) * cs, north + pad * cs))
  inside <- inside.owin(pts$x, pts$y, W)
  X <- ppp(pts$x[inside], pts$y[inside], window = W)
  secs <- 0
  worst <- 0
  per <- character(0)
  for (b in seq_along(bands)) {
    t <- system.time(
      d <- density.ppp(X, sigma = bands[b] / sqrt(8), kernel = "quartic", edge = FALSE,
                       dimyx = c(nrow + 2 * pad, ncol + 2 * pad))
    )[["elapsed"]]
    secs <- secs + t
    ss <- d[list(x = cells$x, y = cells$y)]
    rel <- max(abs(ss - ours[[b]])) / max(ours[[b]])
    worst <- max(worst, rel)
    per <- c(per, sprintf("%gm:%.3g", bands[b], rel))
  }
  cat(sprintf("%s.spatstat.points_outside %d\n", L, sum(!inside)))
  cat(sprintf("%s.spatstat.s %.4f\n", L, secs))
  cat(sprintf("%s.spatstat.max_rel_diff %.3g\n", L, worst))
  cat(sprintf("%s.spatstat.per_band %s\n", L, paste(per, collapse = ",")))
}

m <- as.matrix(read.csv(file.path(out, "design.csv"), check.names = FALSE))
y <- m[, 1]; fold <- m[, 2]; x <- m[, -(1:2)]
storage.mode(x) <- "double"
alpha <- as.numeric(args_alpha <- Sys.getenv("RTM_BENCH_ALPHA", "0.5"))
t <- system.time(cv <- cv.glmnet(x, y, family = "poisson", alpha = alpha, foldid = fold))[["elapsed"]]
ours <- read.csv(file.path(out, "lambda.csv"))
cat(sprintf("enet.glmnet_s %.4f\n", t))
cat(sprintf("enet.glmnet_lambda_min %.10g\n", cv$lambda.min))
cat(sprintf("enet.glmnet_lambda_min_index %d\n", which(cv$lambda == cv$lambda.min)))
cat(sprintf("enet.glmnet_lambdas %d\n", length(cv$lambda)))
k <- min(length(cv$lambda), nrow(ours))
cat(sprintf("enet.path_max_rel_diff %.3g\n", max(abs(cv$lambda[1:k] - ours$lambda[1:k]) / cv$lambda[1:k])))
cat(sprintf("enet.cvm_max_rel_diff %.3g\n", max(abs(cv$cvm[1:k] - ours$cvm[1:k]) / cv$cvm[1:k])))
