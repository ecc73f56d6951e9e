# Generator of tests/reference/r_did_mpdta_aggte.csv: R `did` on mpdta, full precision.
#
# Requirements: R >= 4.2 with did (>= 2.3, or 2.1.2 with upstream commit 9229716), DRDID,
# BMisc from CRAN. `did` is not packaged in Debian, so run this where CRAN is reachable:
#
#   Rscript -e 'install.packages("did", repos = "https://cloud.r-project.org")'
#   Rscript tests/reference/r_did_mpdta_aggte.R jeugdlib/data/embedded/external/mpdta.csv \
#       tests/reference/r_did_mpdta_aggte.csv
#
# The input is the mpdta panel embedded in jeugdlib (identical to did::mpdta). Every
# ATT(g,t) and every aggregation uses analytic standard errors (bstrap = FALSE), for the
# never-treated and the not-yet-treated control group.

suppressPackageStartupMessages(library(did))

args <- commandArgs(trailingOnly = TRUE)
input <- if (length(args) >= 1) args[[1]] else "jeugdlib/data/embedded/external/mpdta.csv"
output <- if (length(args) >= 2) args[[2]] else "tests/reference/r_did_mpdta_aggte.csv"
mpdta <- read.csv(input)

rows <- function(case, kind, key, att, se) {
  data.frame(case = case, kind = kind, key = as.character(key), att = att, se = se,
             stringsAsFactors = FALSE)
}

# one aggte: the overall row first, then one row per group / event time / period
agg_rows <- function(case, kind, a) {
  rbind(rows(case, kind, "overall", a$overall.att, a$overall.se),
        if (is.null(a$egt)) NULL else rows(case, kind, a$egt, a$att.egt, a$se.egt))
}

out <- list()
for (case in c("never", "notyet")) {
  cg <- if (case == "never") "nevertreated" else "notyettreated"
  gt <- att_gt(yname = "lemp", tname = "year", idname = "countyreal", gname = "first.treat",
               data = mpdta, control_group = cg, base_period = "varying", xformla = NULL,
               bstrap = FALSE, cband = FALSE)
  out[[length(out) + 1]] <- rows(case, "gt", paste(gt$group, gt$t, sep = "_"), gt$att, gt$se)
  for (type in c("simple", "group", "dynamic", "calendar")) {
    out[[length(out) + 1]] <- agg_rows(case, type, aggte(gt, type = type, bstrap = FALSE, cband = FALSE,
                                                         na.rm = TRUE))
  }
  out[[length(out) + 1]] <- agg_rows(case, "dyn_bal1", aggte(gt, type = "dynamic", balance_e = 1,
                                                             bstrap = FALSE, cband = FALSE, na.rm = TRUE))
  out[[length(out) + 1]] <- agg_rows(case, "dyn_m2p2", aggte(gt, type = "dynamic", min_e = -2, max_e = 2,
                                                             bstrap = FALSE, cband = FALSE, na.rm = TRUE))
}
write.csv(do.call(rbind, out), output, row.names = FALSE)
