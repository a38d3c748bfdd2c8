# The R pipeline that bench/run.sh times against `rtm run` (config/chicago.toml):
# the same steps as rtm, as an analyst would write them with sf, spatstat,
# glmnet and MASS (Debian's r-cran-* packages; nothing else).
#   Rscript bench/pipeline.R [CELL_SIZE_M] [DATA_DIR]
# CELL_SIZE_M defaults to 100; DATA_DIR to ../shared/data/chicago beside the
# checkout. Prints "key value" lines (rpipe.*: per-step wall seconds, counts,
# the selected factors) for bench/table.py; progress goes to stderr.
#
# Steps (what rtm does, see engine/pipeline/study.cpp, ops/operationalize.cpp,
# pipeline/model_step.cpp, model/selection.cpp, pipeline/recommend_step.cpp):
#  read     study area (sf, unioned), incidents (read.csv of the .csv.gz, rows
#           without coordinates or a parsable date dropped, 2017-01-01..2017-12-31
#           inclusive), the nine layers (st_read / read.csv), all projected to
#           EPSG:26971 with st_transform.
#  grid     rtm's grid (GridSpec::covering: cells aligned to multiples of the
#           cell size over the area's bounding box); study cells = centre inside
#           or on the area (st_intersects); incidents inside the area counted in
#           their cell when that cell is a study cell (tabulate).
#  operationalize  per layer, bands 100..600 m (3 blocks of 200 m by half
#           blocks): proximity = spatstat nncross distance from the cell centre
#           to the nearest feature <= band; density = spatstat density.ppp,
#           quartic kernel, sigma = h/sqrt(8) (spatstat's sigma is the kernel's
#           SD; see bench/reference.R), edge = FALSE, on a pixel grid whose
#           pixel centres are the cell centres, 1 where > mean + 2 SD (population
#           SD over the study cells). 108 candidates; constant ones dropped.
#  screen   cv.glmnet(family = "poisson", alpha = 0.5, foldid) with rtm's own
#           fold assignment (std::mt19937_64 seeded 1, Fisher-Yates, emulated
#           below; its time is printed as rpipe.folds_s and not counted in the
#           total: an analyst would call sample()); non-zero coefficients at
#           lambda.min, at most one band per factor and operationalization
#           (largest |beta| * sd(column), as rtm).
#  stepwise MASS::stepAIC, direction "both" from the null model, k = log(n),
#           once on glm(poisson) and once on MASS::glm.nb (NB2, theta
#           re-estimated at every move, as addterm/dropterm refit); the family
#           with the lower BIC() (NB counts theta as a parameter, as rtm).
#  score    RRV = exp(beta); risk = exp(sum of the positive betas present - min),
#           lowest study cell = 1.
#  places   cells in the highest class (> mean + 2 SD of the risk score) joined
#           by 8-connectivity (spatstat connected()), groups of >= 2 cells,
#           ranked by expected incidents (sum of exp(eta)).
# Deviations from rtm (what rtm run does and this does not, or differently):
#  - spatstat's density.ppp snaps each point to its pixel centre before its FFT
#    convolution, so its densities differ from rtm's exact quartic sums (up to
#    58 % of the peak at the 100 m band, see README "Benchmarks"); some density
#    candidates are therefore 0/1 in other cells, and the screening and
#    stepwise can pick other bands or factors.
#    RTM_R_DENSITY=exact replaces density.ppp by the exact quartic sum at the
#    cell centres (spatstat crosspairs within 600 m, summed per cell): the
#    check that the other steps are the same as rtm's, not the analyst's way.
#  - Layers are clipped to the grid's box padded by 600 m instead of to the
#    area buffered by 600 m: no candidate changes (a feature farther than 600 m
#    from every study cell centre is in no band), only fewer points are tested.
#  - No input hashing, no duplicate-row report, no drop reasons, no exposure
#    (recent KDE, Getis-Ord Gi*), no per-place time profiles, narratives or
#    investment leverage, and no outputs written (rtm run writes GeoTIFFs, a
#    GeoPackage, report.json, summary.md, a PDF briefing and a PNG map): the R
#    pipeline does strictly less work than rtm run.
#  - The study settings are written here (from config/chicago.toml), not read
#    from the TOML file (no TOML reader among the Debian R packages).

# --- rtm's fold assignment (engine/model/elastic_net.cpp make_folds) in base R:
# std::mt19937_64 seeded with `seed`, Fisher-Yates with rng() % i, fold = rank % k + 1.
# 64-bit words are kept as two doubles (high and low 32 bits); bit operations go
# through bitwAnd/bitwXor on the two's-complement int of each half.
bit32 <- function(op, a, b)  # on 16-bit halves: R's integers hold no 0x80000000
  op(as.integer(a %/% 65536), as.integer(b %/% 65536)) * 65536 + op(as.integer(a %% 65536), as.integer(b %% 65536))
xor32 <- function(a, b) bit32(bitwXor, a, b)
and32 <- function(a, b) bit32(bitwAnd, a, b)
w64 <- function(hi, lo) list(hi = hi, lo = lo)
xor64 <- function(a, b) w64(xor32(a$hi, b$hi), xor32(a$lo, b$lo))
and64 <- function(a, b) w64(and32(a$hi, b$hi), and32(a$lo, b$lo))
shr64 <- function(a, k) {
  if (k >= 32) return(w64(0 * a$hi, floor(a$hi / 2^(k - 32))))
  w64(floor(a$hi / 2^k), floor(a$lo / 2^k) + (a$hi %% 2^k) * 2^(32 - k))
}
shl64 <- function(a, k) {
  if (k >= 32) return(w64((a$lo * 2^(k - 32)) %% 2^32, 0 * a$lo))
  w64((a$hi * 2^k) %% 2^32 + floor(a$lo / 2^(32 - k)), (a$lo * 2^k) %% 2^32)
}
hex64 <- function(h) w64(strtoi(substr(h, 1, 4), 16L) * 65536 + strtoi(substr(h, 5, 8), 16L),
                         strtoi(substr(h, 9, 12), 16L) * 65536 + strtoi(substr(h, 13, 16), 16L))
mul64 <- function(a, b) {  # scalar words, mod 2^64, through 16-bit limbs
  la <- c(a$lo %% 65536, a$lo %/% 65536, a$hi %% 65536, a$hi %/% 65536)
  lb <- c(b$lo %% 65536, b$lo %/% 65536, b$hi %% 65536, b$hi %/% 65536)
  r <- numeric(4); carry <- 0
  for (k in 1:4) {
    s <- carry
    for (i in 1:k) s <- s + la[i] * lb[k - i + 1]
    r[k] <- s %% 65536; carry <- s %/% 65536
  }
  w64(r[4] * 65536 + r[3], r[2] * 65536 + r[1])
}
add64_small <- function(a, v) { lo <- a$lo + v; w64((a$hi + lo %/% 2^32) %% 2^32, lo %% 2^32) }
mt64_draws <- function(seed, count) {
  NN <- 312; MM <- 156
  f <- hex64("5851F42D4C957F2D")
  hi <- numeric(NN); lo <- numeric(NN)
  x <- w64(0, seed); hi[1] <- 0; lo[1] <- seed
  for (i in 1:(NN - 1)) {
    x <- add64_small(mul64(f, xor64(x, shr64(x, 62))), i)
    hi[i + 1] <- x$hi; lo[i + 1] <- x$lo
  }
  A <- hex64("B5026F5AA96619E9")
  um <- hex64("FFFFFFFF80000000"); lm <- hex64("000000007FFFFFFF")
  twist_part <- function(i, inext, imm) {  # 1-based indices, vectors
    y <- w64(and32(hi[i], um$hi) + and32(hi[inext], lm$hi), and32(lo[i], um$lo) + and32(lo[inext], lm$lo))
    odd <- y$lo %% 2 == 1
    v <- xor64(w64(hi[imm], lo[imm]), shr64(y, 1))
    w64(ifelse(odd, xor32(v$hi, A$hi), v$hi), ifelse(odd, xor32(v$lo, A$lo), v$lo))
  }
  m1 <- hex64("5555555555555555"); m2 <- hex64("71D67FFFEDA60000"); m3 <- hex64("FFF7EEE000000000")
  out_hi <- numeric(0); out_lo <- numeric(0)
  while (length(out_hi) < count) {
    i <- 1:(NN - MM); v <- twist_part(i, i + 1, i + MM); hi[i] <- v$hi; lo[i] <- v$lo
    i <- (NN - MM + 1):(NN - 1); v <- twist_part(i, i + 1, i + MM - NN); hi[i] <- v$hi; lo[i] <- v$lo
    v <- twist_part(NN, 1, MM); hi[NN] <- v$hi; lo[NN] <- v$lo
    y <- w64(hi, lo)
    y <- xor64(y, and64(shr64(y, 29), m1))
    y <- xor64(y, and64(shl64(y, 17), m2))
    y <- xor64(y, and64(shl64(y, 37), m3))
    y <- xor64(y, shr64(y, 43))
    out_hi <- c(out_hi, y$hi); out_lo <- c(out_lo, y$lo)
  }
  w64(out_hi[1:count], out_lo[1:count])
}
rtm_folds <- function(n, k, seed) {
  i <- n:2
  r <- mt64_draws(seed, length(i))
  j <- ((r$hi %% i) * (2^32 %% i) + r$lo %% i) %% i  # rng() % i, exactly
  order <- 0:(n - 1)
  for (t in seq_along(i)) {  # swap(order[i-1], order[j]) (0-based)
    a <- i[t]; b <- j[t] + 1
    tmp <- order[a]; order[a] <- order[b]; order[b] <- tmp
  }
  fold <- integer(n)
  fold[order + 1] <- (0:(n - 1)) %% k + 1L
  fold
}

suppressPackageStartupMessages({
  library(sf)
  library(spatstat)
  library(glmnet)
  library(MASS)
})
args <- commandArgs(trailingOnly = TRUE)
cs <- if (length(args) >= 1) as.numeric(args[1]) else 100
data_dir <- if (length(args) >= 2) args[2] else {
  here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)[1])))
  file.path(here, "..", "..", "shared", "data", "chicago")
}
stopifnot(is.finite(cs), cs > 0, dir.exists(data_dir))

# config/chicago.toml
crs <- 26971
block <- 200
bands <- seq(block / 2, 3 * block, by = block / 2)  # half blocks up to 3 blocks
train <- c("2017-01-01", "2017-12-31")
alpha <- 0.5; nfolds <- 10; seed <- 1
layer_files <- list(
  abandoned_buildings = "environment/abandonBuildings.geojson",
  abandoned_cars = "environment/abandoned_cars_shp/abandoned_cars.shp",
  graffiti = "environment/graffiti_shp_no_dbf/graffiti.shp",
  liquor_retail = "environment/liquorRetail.geojson",
  liquor_stores = "environment/liquor_stores_2015_geoda.geojson",
  sanitation = "environment/sanitation.geojson",
  street_lights_out = "environment/streetLightsOut.geojson",
  supermarkets = "environment/supermarkets_2015_geoda.geojson",
  schools = "environment/cps_schools.csv")

secs <- list(); cpu <- list()
tick <- function() { p <- proc.time(); c(p[["elapsed"]], p[["user.self"]] + p[["sys.self"]]) }
step <- function(name, t0) {  # wall and CPU seconds since t0
  d <- tick() - t0
  secs[[name]] <<- d[1]; cpu[[name]] <<- d[2]
  message(sprintf("R pipeline: %s %.2f s wall, %.2f s CPU", name, d[1], d[2]))
}
say <- function(key, value) cat(key, " ", value, "\n", sep = "")
xy_of <- function(g) { m <- st_coordinates(g); list(x = m[, 1], y = m[, 2]) }

# ---- read
t0 <- tick()
area <- st_union(st_transform(st_read(file.path(data_dir, "boundaries/chicagoBoundary.geojson"), quiet = TRUE), crs))
inc <- read.csv(gzfile(file.path(data_dir, "incidents/chicago_aggravated_assaults_2010_2019.csv.gz")),
                colClasses = c(date = "character", longitude = "numeric", latitude = "numeric"))
day <- as.Date(substr(inc$date, 1, 10), "%Y-%m-%d")
inc <- inc[!is.na(inc$longitude) & !is.na(inc$latitude) & !is.na(day) &
           day >= as.Date(train[1]) & day <= as.Date(train[2]), ]
inc <- st_transform(st_as_sf(inc, coords = c("longitude", "latitude"), crs = 4326), crs)
layers <- lapply(layer_files, function(f) {
  p <- file.path(data_dir, f)
  g <- if (grepl("\\.csv$", f)) {
    d <- read.csv(p)
    d <- d[!is.na(d$Longitude) & !is.na(d$Latitude), ]
    st_as_sf(d, coords = c("Longitude", "Latitude"), crs = 4326)
  } else st_read(p, quiet = TRUE)
  g <- st_geometry(g)
  st_transform(g[!st_is_empty(g)], crs)
})
step("read", t0)

# ---- grid, study cells, incident counts
t0 <- tick()
bb <- st_bbox(area)
west <- floor(bb[["xmin"]] / cs) * cs
north <- ceiling(bb[["ymax"]] / cs) * cs
ncol <- round(((floor(bb[["xmax"]] / cs) + 1) * cs - west) / cs)
nrow <- round((north - (ceiling(bb[["ymin"]] / cs) - 1) * cs) / cs)
gx <- rep(west + (0:(ncol - 1) + 0.5) * cs, times = nrow)   # row-major from the north, as rtm
gy <- rep(north - (0:(nrow - 1) + 0.5) * cs, each = ncol)
inside <- lengths(st_intersects(st_as_sf(data.frame(x = gx, y = gy), coords = c("x", "y"), crs = crs), area)) > 0
study <- which(inside)                       # linear index + 1 of the study cells
n <- length(study)
cx <- gx[study]; cy <- gy[study]
ip <- xy_of(inc[lengths(st_intersects(inc, area)) > 0, ])
ic <- floor((ip$x - west) / cs); ir <- floor((north - ip$y) / cs)
lin <- ir * ncol + ic + 1
ok <- ic >= 0 & ir >= 0 & ic < ncol & ir < nrow
ok[ok] <- inside[lin[ok]]
y <- tabulate(lin[ok], nbins = ncol * nrow)[study]
step("grid", t0)
say("rpipe.grid", sprintf("%dx%d", ncol, nrow))
say("rpipe.cells", n)
say("rpipe.incidents", sum(y))
say("rpipe.cells_with_incidents", sum(y > 0))

# ---- operationalize
pad <- ceiling(max(bands) / cs) + 1
W <- owin(c(west - pad * cs, west + (ncol + pad) * cs), c(north - (nrow + pad) * cs, north + pad * cs))
cells_ppp <- ppp(cx, cy, window = W)
ccol <- round((cx - west) / cs - 0.5)        # 0-based grid column and row of each study cell
crow <- round((north - cy) / cs - 0.5)
pix <- cbind(nrow + pad - crow, pad + ccol + 1)  # its pixel in spatstat's matrix (row 1 = south)
dichotomize <- function(v) {
  m <- mean(v); s <- sqrt(mean((v - m)^2))
  if (s > 0) v > m + 2 * s else logical(length(v))
}
t0 <- tick()
cols <- list()
for (L in names(layers)) {
  p <- xy_of(layers[[L]])
  keep <- inside.owin(p$x, p$y, W)
  X <- ppp(p$x[keep], p$y[keep], window = W, check = FALSE)
  d <- nncross(cells_ppp, X, what = "dist")
  for (b in bands) cols[[sprintf("%s.proximity.%gm", L, b)]] <- d <= b
}
step("proximity", t0)
exact <- Sys.getenv("RTM_R_DENSITY", "spatstat") == "exact"
say("rpipe.density_method", if (exact) "exact (crosspairs quartic sum)" else "spatstat density.ppp (FFT on pixels)")
t0 <- tick()
for (L in names(layers)) {
  p <- xy_of(layers[[L]])
  keep <- inside.owin(p$x, p$y, W)
  X <- ppp(p$x[keep], p$y[keep], window = W, check = FALSE)
  if (exact) {  # the quartic sum at the cell centres themselves, as rtm computes it
    pr <- crosspairs(cells_ppp, X, rmax = max(bands), what = "ijd")
  }
  for (b in bands) {
    v <- if (exact) {
      u <- pr$d^2 / b^2
      w <- ifelse(u < 1, 3 / (pi * b^2) * (1 - u)^2, 0)
      r <- rowsum(w, pr$i)
      out <- numeric(n); out[as.integer(rownames(r))] <- r[, 1]; out
    } else {
      im <- density.ppp(X, sigma = b / sqrt(8), kernel = "quartic", edge = FALSE,
                        dimyx = c(nrow + 2 * pad, ncol + 2 * pad))
      im$v[pix]
    }
    cols[[sprintf("%s.density.%gm", L, b)]] <- dichotomize(v)
  }
}
step("density", t0)
x <- do.call(cbind, cols)
storage.mode(x) <- "double"
ones <- colSums(x)
say("rpipe.candidates", ncol(x))
say("rpipe.cells_with_1", paste(sprintf("%s=%d", colnames(x), ones), collapse = ","))
say("rpipe.constant_candidates", sum(ones == 0 | ones == n))
x <- x[, ones > 0 & ones < n, drop = FALSE]
order_rtm <- unlist(lapply(names(layers), function(L)
  c(sprintf("%s.proximity.%gm", L, bands), sprintf("%s.density.%gm", L, bands))))
x <- x[, intersect(order_rtm, colnames(x)), drop = FALSE]   # rtm's column order

# ---- screening: elastic-net Poisson, 10-fold CV
t0 <- tick()
fold <- rtm_folds(n, nfolds, seed)
secs$folds <- (tick() - t0)[1]; cpu$folds <- (tick() - t0)[2]
t0 <- tick()
cv <- cv.glmnet(x, y, family = "poisson", alpha = alpha, foldid = fold)
beta <- as.numeric(coef(cv, s = "lambda.min"))[-1]
m <- colMeans(x)
strength <- abs(beta) * sqrt(m * (1 - m))
group <- sub("\\.[^.]*$", "", colnames(x))          # factor.operationalization
nz <- which(beta != 0)
best <- tapply(nz, group[nz], function(j) j[which.max(strength[j])])  # first of ties, as rtm
screened <- colnames(x)[sort(unlist(best))]
step("screen", t0)
say("rpipe.lambda_min", signif(cv$lambda.min, 6))
say("rpipe.lambda_min_index", which(cv$lambda == cv$lambda.min))
say("rpipe.nonzero", length(nz))
say("rpipe.screened", paste(screened, collapse = ","))

# ---- stepwise BIC, Poisson and NB2
df <- data.frame(y = y, x[, screened, drop = FALSE], check.names = FALSE)
scope <- list(lower = ~1, upper = reformulate(sprintf("`%s`", screened), response = NULL))
t0 <- tick()
fit_p <- stepAIC(glm(y ~ 1, family = poisson, data = df), scope = scope, direction = "both",
                 k = log(n), trace = 0)
step("stepwise_poisson", t0)
t0 <- tick()
nb_warnings <- 0
fit_nb <- withCallingHandlers(
  tryCatch(stepAIC(glm.nb(y ~ 1, data = df), scope = scope, direction = "both", k = log(n), trace = 0),
           error = function(e) { message("R pipeline: glm.nb stepwise failed: ", conditionMessage(e)); NULL }),
  warning = function(w) { nb_warnings <<- nb_warnings + 1; invokeRestart("muffleWarning") })
step("stepwise_nb", t0)
say("rpipe.bic_poisson", sprintf("%.1f", BIC(fit_p)))
if (!is.null(fit_nb)) {
  say("rpipe.bic_nb2", sprintf("%.1f", BIC(fit_nb)))
  say("rpipe.theta", sprintf("%.4g", fit_nb$theta))
}
say("rpipe.nb_warnings", nb_warnings)
fit <- if (!is.null(fit_nb) && BIC(fit_nb) < BIC(fit_p)) fit_nb else fit_p
say("rpipe.family", if (identical(fit, fit_p)) "poisson" else "nb2")

# ---- score: RRVs and the risk score
t0 <- tick()
b <- coef(fit)
terms <- gsub("`", "", names(b)[-1])
se <- sqrt(diag(vcov(fit)))[-1]
eta <- b[1] + drop(x[, terms, drop = FALSE] %*% b[-1])
pos <- b[-1] > 0
s <- drop(x[, terms[pos], drop = FALSE] %*% b[-1][pos])
risk <- exp(s - min(s))
step("score", t0)
say("rpipe.risk_max", sprintf("%.4g", max(risk)))
o <- order(-b[-1])
for (k in o) say("rpipe.factor", sprintf("%s coef %.4f se %.4f rrv %.3f%s", terms[k], b[-1][k], se[k],
                                         exp(b[-1][k]), if (b[-1][k] < 0) " protective" else ""))

# ---- places: highest-class cells joined by 8-connectivity
t0 <- tick()
mu <- mean(risk); sdv <- sqrt(mean((risk - mu)^2))
top <- sdv > 0 & risk > mu + 2 * sdv
mask <- matrix(FALSE, nrow, ncol)                 # spatstat: row 1 = south
mask[cbind(nrow - crow, ccol + 1)] <- top
lab <- connected(owin(c(west, west + ncol * cs), c(north - nrow * cs, north), mask = mask))
id <- as.integer(as.character(lab$v[cbind(nrow - crow, ccol + 1)]))
id[!top] <- NA
size <- tabulate(id)
expct <- tapply(exp(eta), factor(id, levels = seq_along(size)), sum)
places <- which(size >= 2)
places <- places[order(-expct[places])]
step("places", t0)
say("rpipe.highest_cells", sum(top))
say("rpipe.places", length(places))
say("rpipe.top5_expected", paste(sprintf("%.0f", expct[head(places, 5)]), collapse = ","))
say("rpipe.top5_cells", paste(size[head(places, 5)], collapse = ","))

for (k in names(secs)) say(sprintf("rpipe.%s_s", k), sprintf("%.3f", secs[[k]]))
say("rpipe.operationalize_s", sprintf("%.3f", secs$proximity + secs$density))
say("rpipe.stepwise_s", sprintf("%.3f", secs$stepwise_poisson + secs$stepwise_nb))
say("rpipe.total_s", sprintf("%.3f", sum(unlist(secs)) - secs$folds))
for (k in names(cpu)) say(sprintf("rpipe.%s_cpu_s", k), sprintf("%.3f", cpu[[k]]))
say("rpipe.total_cpu_s", sprintf("%.3f", sum(unlist(cpu)) - cpu$folds))
