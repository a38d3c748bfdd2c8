# Reference Getis-Ord Gi* for tests/unit/gistar_vs_spdep_test.cpp.
#
# Usage: Rscript --vanilla gistar_reference.R cells.csv out.txt d1 [d2 ...]
#   cells.csv: columns x, y (cell centres, metres) and count, one row per
#              study cell in the engine's compact order.
#   d1 ...:    distance bands in metres.
#   out.txt:   one "key value value ..." line per quantity, numbers printed
#              with 17 significant digits. For each band d (printed with %g):
#              card_<d> (neighbours per cell, self included), z_<d>
#              (spdep::localG), p_<d> (2 * pnorm(-|z|)) and q_<d>
#              (p.adjust(p, "BH")). The last line is "done 1".
#
# Weights: binary distance band including the cell itself, the Gi* of
# Getis & Ord (1995):
#   localG(x, nb2listw(include.self(dnearneigh(coords, 0, d)), style = "B"))
# dnearneigh's bounds are c("GT", "LE"): a neighbour at exactly d is included.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) stop("usage: Rscript gistar_reference.R cells.csv out.txt d1 [d2 ...]")
if (!requireNamespace("spdep", quietly = TRUE))
  stop("the R package spdep is not installed (Debian: apt-get install r-cran-spdep)")
suppressPackageStartupMessages(library(spdep))

d <- read.csv(args[1])
coords <- cbind(d$x, d$y)
bands <- as.numeric(args[3:length(args)])

out <- file(args[2], "w")
put <- function(key, v) {
  v <- if (is.numeric(v)) sprintf("%.17g", unname(v)) else as.character(v)
  writeLines(paste(c(key, v), collapse = " "), out)
}
put("r_version", paste(R.version$major, R.version$minor, sep = "."))
put("spdep_version", as.character(packageVersion("spdep")))
put("cells", nrow(d))
for (band in bands) {
  key <- sprintf("%g", band)
  nb <- include.self(dnearneigh(coords, 0, band))
  lw <- nb2listw(nb, style = "B")
  z <- as.numeric(localG(d$count, lw))
  p <- 2 * pnorm(-abs(z))
  put(paste0("card_", key), card(nb))
  put(paste0("z_", key), z)
  put(paste0("p_", key), p)
  put(paste0("q_", key), p.adjust(p, method = "BH"))
}
put("done", 1)
close(out)
