# Reference elastic-net Poisson path and cross-validation for
# tests/unit/model_vs_r_test.cpp.
#
# Usage: Rscript --vanilla glmnet_reference.R design.csv out.txt
#   design.csv: columns y, x1..xk and fold (fold id 1..K per row).
#   out.txt:    one "key value value ..." line per quantity, numbers printed
#               with 17 significant digits; coefficients one line per lambda
#               ("coef_<k> a0 b1 .. bk", k = 1-based lambda index).
# Needs glmnet (and its dependencies).
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript glmnet_reference.R design.csv out.txt")
suppressPackageStartupMessages(library(glmnet))

d <- read.csv(args[1])
xs <- grep("^x[0-9]+$", names(d), value = TRUE)
x <- as.matrix(d[, xs])
y <- d$y
fold <- d$fold
alpha <- 0.5

out <- file(args[2], "w")
put <- function(key, v) {
  v <- if (is.numeric(v)) sprintf("%.17g", unname(v)) else as.character(v)
  writeLines(paste(c(key, v), collapse = " "), out)
}
put("r_version", paste(R.version$major, R.version$minor, sep = "."))
put("glmnet_version", as.character(packageVersion("glmnet")))
put("rows", nrow(x))
put("columns", ncol(x))

# The path glmnet chooses itself (default nlambda = 100, lambda.min.ratio,
# standardize = TRUE, early stop), solved to a tight tolerance.
fit <- glmnet(x, y, family = "poisson", alpha = alpha, thresh = 1e-14, maxit = 1e6)
put("lambda", fit$lambda)
put("dev_ratio", fit$dev.ratio)
put("null_dev", fit$nulldev)
cf <- as.matrix(coef(fit))  # (k+1) x nlambda, intercept first, original scale
for (k in seq_len(ncol(cf))) put(paste0("coef_", k), cf[, k])

# Cross-validation with the given folds, mean Poisson deviance, two ways:
# cv_*:  cv.glmnet as usually called (lambda = NULL). Each fold then fits its
#        own lambda path and its predictions at the full-data lambdas are
#        linearly interpolated between the fold's lambdas (alignment = "lambda").
# cvl_*: cv.glmnet(lambda = fit$lambda): every fold is fitted exactly at the
#        full-data lambdas (no interpolation).
cv <- cv.glmnet(x, y, family = "poisson", alpha = alpha, foldid = fold, thresh = 1e-14, maxit = 1e6,
                type.measure = "deviance")
put("cv_lambda", cv$lambda)
put("cv_lambda_min", cv$lambda.min)
put("cv_index_min", which(cv$lambda == cv$lambda.min))  # 1-based
put("cv_cvm", cv$cvm)
put("cv_cvsd", cv$cvsd)
cvl <- cv.glmnet(x, y, family = "poisson", alpha = alpha, foldid = fold, thresh = 1e-14, maxit = 1e6,
                 type.measure = "deviance", lambda = fit$lambda)
put("cvl_lambda", cvl$lambda)
put("cvl_lambda_min", cvl$lambda.min)
put("cvl_index_min", which(cvl$lambda == cvl$lambda.min))  # 1-based
put("cvl_cvm", cvl$cvm)
put("cvl_cvsd", cvl$cvsd)
put("done", 1)
close(out)
