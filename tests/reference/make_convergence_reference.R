# Reference values for tables on which metafor's default Fisher scoring fails ("Fisher scoring algorithm did
# not converge"): one study of n = 5,000 among eight of n = 36-60 (found by a seeded search over such tables).
# metafor reaches the maximum with a smaller step (stepadj = 0.25) and a tight threshold; those are the values.
# Run from this folder: Rscript make_convergence_reference.R
suppressMessages({library(metafor); library(jsonlite)})
tables <- list(
  big_study_a = list(r = c(0.08, 0.21, 0.22, 0.23, 0.32, 0.31, 0.09, 0.27, 0.33), n = c(5000, 39, 60, 46, 41, 38, 60, 42, 45)),
  big_study_b = list(r = c(0.14, -0.07, -0.07, -0.09, -0.05, -0.1, -0.08, -0.08, -0.07), n = c(5000, 54, 57, 36, 49, 46, 57, 44, 41)))
out <- list(metafor = as.character(packageVersion("metafor")), R = R.version.string, tables = list())
for (nm in names(tables)) {
  d <- tables[[nm]]; e <- escalc("ZCOR", ri = d$r, ni = d$n)
  entry <- list(r = d$r, n = d$n, default_fails = list())
  for (m in c("REML", "ML")) {
    fail <- inherits(try(rma(yi, vi, data = e, method = m), silent = TRUE), "try-error")
    entry$default_fails[[m]] <- fail
    fit <- rma(yi, vi, data = e, method = m, control = list(stepadj = 0.25, maxiter = 100000, threshold = 1e-12))
    entry[[m]] <- list(tau2 = fit$tau2, estimate = as.numeric(fit$b), se = fit$se, tau2_se = fit$se.tau2,
                       ll = as.numeric(logLik(fit)))
  }
  out$tables[[nm]] <- entry
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "convergence.json")
cat("ok\n")
