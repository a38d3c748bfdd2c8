# Reference Poisson and NB2 fits for tests/unit/model_vs_r_test.cpp.
#
# Usage: Rscript --vanilla glm_reference.R design.csv out.txt
#   design.csv: columns y, x1..xk (a `fold` column, if present, is ignored).
#   out.txt:    one "key value value ..." line per quantity, numbers printed
#               with 17 significant digits.
# Needs only base R (stats) and MASS.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript glm_reference.R design.csv out.txt")
suppressPackageStartupMessages(library(MASS))

d <- read.csv(args[1])
d$fold <- NULL
xs <- grep("^x[0-9]+$", names(d), value = TRUE)
d <- d[, c("y", xs)]
n <- nrow(d)

out <- file(args[2], "w")
put <- function(key, v) {
  v <- if (is.numeric(v)) sprintf("%.17g", unname(v)) else as.character(v)
  writeLines(paste(c(key, v), collapse = " "), out)
}
put("r_version", paste(R.version$major, R.version$minor, sep = "."))
put("mass_version", as.character(packageVersion("MASS")))
put("rows", n)
put("columns", length(xs))

# Poisson: stats::glm, tight IRLS convergence.
pf <- glm(y ~ ., family = poisson, data = d, control = glm.control(epsilon = 1e-12, maxit = 100))
if (!pf$converged) stop("poisson glm did not converge")
ps <- summary(pf)$coefficients
put("pois_coef", ps[, 1])
put("pois_se", ps[, 2])
put("pois_loglik", as.numeric(logLik(pf)))
put("pois_aic", AIC(pf))
put("pois_bic", BIC(pf))
put("pois_deviance", deviance(pf))

# NB2: MASS::glm.nb (variance mu + mu^2/theta). SEs from summary() are
# conditional on theta (dispersion 1). logLik/AIC/BIC count theta as a parameter.
nf <- glm.nb(y ~ ., data = d, control = glm.control(epsilon = 1e-12, maxit = 100))
if (!is.null(nf$th.warn)) stop("glm.nb: ", nf$th.warn)
ns <- summary(nf)$coefficients
put("nb_coef", ns[, 1])
put("nb_se", ns[, 2])
put("nb_theta", nf$theta)
put("nb_theta_se", nf$SE.theta)
put("nb_loglik", as.numeric(logLik(nf)))
put("nb_aic", AIC(nf))
put("nb_bic", BIC(nf))
put("nb_deviance", deviance(nf))
put("done", 1)
close(out)
