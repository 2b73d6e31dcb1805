# Reference values for the cumulative meta-analysis with Knapp-Hartung tests (issue 10): metafor's cumul() on a
# model fitted with test = "knha" reports the first step (k = 1, no residual df) with a z test.
# Run from this folder: Rscript make_cumulative_knha_reference.R
suppressMessages({library(metafor); library(jsonlite)})
d <- data.frame(study = paste0("S", 1:6), yi = c(0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
                vi = c(0.015, 0.02, 0.025, 0.03, 0.035, 0.04), year = c(2003, 2001, 2002, 2006, 2004, 2005))
out <- list(metafor = as.character(packageVersion("metafor")), R = R.version.string, data = d, methods = list())
for (m in c("REML", "DL")) {
  res <- rma(yi, vi, data = d, method = m, test = "knha")
  cu <- as.data.frame(cumul(res, order = d$year))
  out$methods[[m]] <- list(estimate = cu$estimate, se = cu$se, statistic = cu$tval, p = cu$pval,
                           ci_lower = cu$ci.lb, ci_upper = cu$ci.ub, q = cu$Q, q_p = cu$Qp, tau2 = cu$tau2)
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, dataframe = "columns"),
           "cumulative_knha.json")
cat("ok\n")
