# Kaplan-Meier with left truncation, the reference for jeugdlib.trajectories.durations.
# Input: km_input.csv (make_km_inputs.py). Output: r_survival_km_output.csv (full precision).
# R survival 3.5-3 (Debian r-cran-survival). Run from the repository root:
#   Rscript tests/reference/r_survival_km.R
library(survival)
here <- "tests/reference"
x <- read.csv(file.path(here, "km_input.csv"))
f <- survfit(Surv(entry, duration, event) ~ 1, data = x)
out <- data.frame(time = f$time, n_risk = f$n.risk, n_event = f$n.event, surv = f$surv)
out$median <- unname(summary(f)$table["median"])
write.csv(format(out, digits = 17), file.path(here, "r_survival_km_output.csv"), row.names = FALSE, quote = FALSE)
cat("median", summary(f)$table["median"], "rows", nrow(out), "\n")
