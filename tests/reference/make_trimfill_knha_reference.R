# Reference values: trimfill() of models fitted with test = "knha" and/or level = 90 on dat.bcg log risk ratios.
# metafor refits the filled data with rma.uni's defaults (z-test, 95% level), whatever the model's test and level.
# Run from this folder: Rscript make_trimfill_knha_reference.R   (writes trimfill_knha.json)
suppressMessages({library(metafor); library(jsonlite)})
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
out <- list(versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor"))),
            yi = as.numeric(dat$yi), vi = as.numeric(dat$vi), cases = list())
for (m in c("REML", "DL")) for (tst in c("z", "knha")) for (lvl in c(95, 90)) {
  r <- rma(yi, vi, data = dat, method = m, test = tst, level = lvl)
  tf <- trimfill(r)
  out$cases[[paste(m, tst, lvl, sep = "_")]] <- list(method = m, test = tst, level = lvl / 100, k0 = tf$k0,
    side = tf$side, beta = as.numeric(tf$beta), se = tf$se, zval = tf$zval, pval = tf$pval, ci_lb = tf$ci.lb,
    ci_ub = tf$ci.ub, tau2 = tf$tau2, out_test = tf$test)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "trimfill_knha.json")
