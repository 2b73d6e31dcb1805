# Reference values: regtest(model = "rma") of a fit with the analyst's weights (metafor refits the model with the
# same weights and the predictor added). dat.bcg log risk ratios; weights written in this script.
# Run from this folder: Rscript make_weighted_regtest_reference.R   (writes weighted_regtest.json)
suppressMessages({library(metafor); library(jsonlite)})
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
w <- round(1 / (dat$vi + 0.1) * seq(1, 2, length.out = 13), 6)
out <- list(versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor"))),
            yi = as.numeric(dat$yi), vi = as.numeric(dat$vi), weights = w, cases = list())
for (m in c("REML", "DL")) for (tst in c("z", "knha")) {
  r <- rma(yi, vi, data = dat, weights = w, method = m, test = tst, control = list(threshold = 1e-12))
  rt <- regtest(r)
  out$cases[[paste(m, tst, sep = "_")]] <- list(method = m, test = tst, zval = rt$zval, pval = rt$pval,
    coef = as.numeric(coef(rt$fit)), se = as.numeric(rt$fit$se), est = rt$est, ci_lb = rt$ci.lb, ci_ub = rt$ci.ub)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "weighted_regtest.json")
