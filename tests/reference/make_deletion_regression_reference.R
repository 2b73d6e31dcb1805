# Reference values for issue 10 item 6: influence() of meta-regressions with k > 200, where ruptstats computes the
# deletion fits from moment series (ruptstats/meta/_deletion_regression.py) instead of refitting each deletion.
# The data are simulated here (seeded) and written next to the results.
# Run from this folder: Rscript make_deletion_regression_reference.R
#   (writes deletion_regression.csv and deletion_regression.json)
# control: threshold = 1e-12 and tol = 1e-12 make metafor's refits (Fisher scoring, uniroot) converge to about
# machine precision, the precision at which ruptstats solves every deletion for k > 200.
suppressMessages({library(metafor); library(jsonlite)})
set.seed(20261130)
k <- 210
d <- data.frame(study = sprintf("s%03d", 1:k), x1 = round(rnorm(k), 3), x2 = rbinom(k, 1, 0.4),
                vi = round(runif(k, 0.01, 0.2), 4))
d$yi <- round(0.2 + 0.1 * d$x1 - 0.15 * d$x2 + rnorm(k, 0, sqrt(d$vi + 0.05)), 4)
d$site <- ifelse(seq_len(k) == 7, "c", ifelse(seq_len(k) %% 2 == 0, "a", "b"))  # level "c": one study only
write.csv(d, "deletion_regression.csv", row.names = FALSE)
ctl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
num <- function(x) unname(as.numeric(x))
keys <- function(res) {
  inf <- influence(res)
  list(QE = res$QE, QEp = res$QEp, tau2 = res$tau2, beta = num(res$beta),rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cooks_distance = num(inf$inf$cook.d),
       cov_ratio = num(inf$inf$cov.r), tau2_deleted = num(inf$inf$tau2.del), q_deleted = num(inf$inf$QE.del),
       hat = num(inf$inf$hat), dfbetas = lapply(as.data.frame(inf$dfbs), num))
}
cases <- list()
for (m in c("REML", "ML", "DL", "HE", "HS", "SJ", "EB", "PM", "FE")) {
  cases[[paste0(m, "_z")]] <- c(list(method = m, test = "z", mods = "~ x1 + x2"),
                                keys(rma(yi, vi, mods = ~ x1 + x2, data = d, method = m, control = ctl)))
}
cases$REML_knha <- c(list(method = "REML", test = "knha", mods = "~ x1 + x2"),
                     keys(rma(yi, vi, mods = ~ x1 + x2, data = d, test = "knha", control = ctl)))
cases$REML_no_intercept <- c(list(method = "REML", test = "z", mods = "~ x1 + x2 - 1"),
                             keys(rma(yi, vi, mods = ~ x1 + x2 - 1, data = d, control = ctl)))
cases$DL_singleton_level <- c(list(method = "DL", test = "z", mods = "~ x1 + site"),
                              keys(rma(yi, vi, mods = ~ x1 + site, data = d, method = "DL", control = ctl)))
out <- list(versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                            jsonlite = as.character(packageVersion("jsonlite"))),
            control = ctl, cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE), "deletion_regression.json")
