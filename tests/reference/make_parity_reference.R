# Reference values for issue 11 ("metafor parity II", items 1-4): model formulas, EE, weights, the escalc
# entry, predict(), fitstats(), anova() (Wald and LRT), missing values, vi = 0, rstandard(), rstudent(),
# blup(), ranef(), profile() and confint() of rma.uni models.
# Run from this folder: Rscript make_parity_reference.R  (writes parity_reference.json and the CSVs it uses)
suppressMessages({library(metafor); library(jsonlite)})
num <- function(x) { x <- as.numeric(x); x }

model_out <- function(res) {
  fs <- fitstats(res, REML = FALSE); fr <- fitstats(res, REML = TRUE)
  list(terms = rownames(res$beta), beta = num(res$beta), se = num(res$se), zval = num(res$zval),
       pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2),
       se_tau2 = num(res$se.tau2), QE = num(res$QE), QEp = num(res$QEp), QM = num(res$QM), QMp = num(res$QMp),
       QMdf = num(res$QMdf), I2 = num(res$I2), H2 = num(res$H2), R2 = if (is.null(res$R2)) NULL else num(res$R2),
       k = res$k, ddf = num(res$ddf),
       ll_ML = num(fs[1]), dev_ML = num(fs[2]), AIC_ML = num(fs[3]), BIC_ML = num(fs[4]), AICc_ML = num(fs[5]),
       ll_REML = num(fr[1]), dev_REML = num(fr[2]), AIC_REML = num(fr[3]), BIC_REML = num(fr[4]),
       AICc_REML = num(fr[5]), logLik = num(logLik(res)), deviance = num(deviance(res)), AIC = num(AIC(res)),
       BIC = num(BIC(res)), AICc = num(fitstats(res)[5]))
}
pred_out <- function(p) list(pred = num(p$pred), se = num(p$se), ci_lb = num(p$ci.lb), ci_ub = num(p$ci.ub),
                             pi_lb = if (is.null(p$pi.lb)) NULL else num(p$pi.lb),
                             pi_ub = if (is.null(p$pi.ub)) NULL else num(p$pi.ub))
resid_out <- function(r) list(resid = num(r$resid), se = num(r$se), z = num(r$z))
blup_out <- function(b) list(pred = num(b$pred), se = num(b$se), pi_lb = num(b$pi.lb), pi_ub = num(b$pi.ub))
wald_out <- function(a) list(QM = num(a$QM), QMdf = num(a$QMdf), QMp = num(a$QMp))
lrt_out <- function(a) list(LRT = num(a$LRT), pval = num(a$pval), parms_f = a$parms.f, parms_r = a$parms.r,
                            fit_f = num(a$fit.stats.f), fit_r = num(a$fit.stats.r), QE_f = num(a$QE.f),
                            QE_r = num(a$QE.r), tau2_f = num(a$tau2.f), tau2_r = num(a$tau2.r), R2 = num(a$R2))
confint_out <- function(ci) list(estimate = num(ci$random[, 1]), ci_lb = num(ci$random[, 2]),
                                 ci_ub = num(ci$random[, 3]))

# data (written beside the values; the Python tests read these files)
bcg <- dat.bcg
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
bcg$ni <- with(bcg, tpos + tneg + cpos + cneg)
write.csv(data.frame(dat.bcg, yi = num(bcg$yi), vi = num(bcg$vi), ni = bcg$ni), "parity_bcg.csv", row.names = FALSE)
rau <- dat.raudenbush1985
rau$weeks.c <- ifelse(rau$weeks > 3, 3, rau$weeks)
write.csv(data.frame(study = rau$study, author = rau$author, year = rau$year, weeks = rau$weeks,
                     weeks_c = rau$weeks.c, yi = num(rau$yi), vi = num(rau$vi)), "parity_raudenbush1985.csv",
          row.names = FALSE)
mol <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
write.csv(data.frame(authors = mol$authors, year = mol$year, ni = mol$ni, ri = mol$ri, controls = mol$controls,
                     design = mol$design, meanage = mol$meanage, quality = mol$quality, yi = num(mol$yi),
                     vi = num(mol$vi)), "parity_molloy2014.csv", row.names = FALSE)

out <- list(versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                            metadat = as.character(packageVersion("metadat")),
                            jsonlite = as.character(packageVersion("jsonlite"))), cases = list())
add <- function(name, call, ...) out$cases[[name]] <<- c(list(call = call), list(...))

# 1. BCG, log risk ratios, mods = ~ ablat + year (metafor's tests: test_analysis_example_berkey1995 et al.)
r <- rma(yi, vi, mods = ~ ablat + year, data = bcg)
add("bcg_ablat_year_REML", "rma(yi, vi, mods = ~ ablat + year, data = bcg)", model = model_out(r),
    predict_new = pred_out(predict(r, newmods = rbind(c(10, 1950), c(30, 1970), c(50, 1980)))),
    predict_fitted = pred_out(predict(r)), rstandard = resid_out(rstandard(r)), rstudent = resid_out(rstudent(r)),
    blup = blup_out(blup(r)), ranef = blup_out(ranef(r)), confint = confint_out(confint(r)),
    wald_btt_2 = wald_out(anova(r, btt = 2)), wald_btt_23 = wald_out(anova(r, btt = 2:3)),
    profile = list(tau2 = num(profile(r, steps = 5, progbar = FALSE, plot = FALSE)$tau2),
                   ll = num(profile(r, steps = 5, progbar = FALSE, plot = FALSE)$ll)))
r <- rma(yi, vi, mods = ~ ablat + year, data = bcg, test = "knha")
add("bcg_ablat_year_REML_knha", "rma(yi, vi, mods = ~ ablat + year, data = bcg, test = 'knha')", model = model_out(r),
    predict_new = pred_out(predict(r, newmods = rbind(c(10, 1950), c(30, 1970)))),
    rstandard = resid_out(rstandard(r)), rstudent = resid_out(rstudent(r)), blup = blup_out(blup(r)),
    wald_btt_2 = wald_out(anova(r, btt = 2)))
for (m in c("ML", "DL", "EE")) {
  r <- rma(yi, vi, mods = ~ ablat + year, data = bcg, method = m)
  add(paste0("bcg_ablat_year_", m), sprintf("rma(yi, vi, mods = ~ ablat + year, data = bcg, method = '%s')", m),
      model = model_out(r), predict_new = pred_out(predict(r, newmods = c(30, 1970))),
      rstandard = resid_out(rstandard(r)), rstudent = resid_out(rstudent(r)))
}
# 2. factors, interactions, I(), no intercept
r <- rma(yi, vi, mods = ~ factor(alloc), data = bcg)
add("bcg_factor_alloc", "rma(yi, vi, mods = ~ factor(alloc), data = bcg)", model = model_out(r),
    confint = confint_out(confint(r)), wald_alloc = wald_out(anova(r, btt = 2:3)))
r <- rma(yi, vi, mods = ~ ablat * factor(alloc) + I(year - 1948), data = bcg)
add("bcg_interaction", "rma(yi, vi, mods = ~ ablat * factor(alloc) + I(year - 1948), data = bcg)", model = model_out(r))
r <- rma(yi, vi, mods = ~ alloc - 1, data = bcg)
add("bcg_alloc_no_intercept", "rma(yi, vi, mods = ~ alloc - 1, data = bcg)", model = model_out(r))
# 3. intercept-only: EE, REML, knha; escalc entry
r <- rma(yi, vi, data = bcg, method = "EE")
add("bcg_EE", "rma(yi, vi, data = bcg, method = 'EE')", model = model_out(r), predict = pred_out(predict(r)),
    rstandard = resid_out(rstandard(r)), rstudent = resid_out(rstudent(r)))
r <- rma(yi, vi, data = bcg)
add("bcg_REML", "rma(yi, vi, data = bcg)", model = model_out(r), predict = pred_out(predict(r)),
    predict_exp = pred_out(predict(r, transf = exp)), rstandard = resid_out(rstandard(r)),
    rstudent = resid_out(rstudent(r)), blup = blup_out(blup(r)), ranef = blup_out(ranef(r)),
    confint = confint_out(confint(r)),
    profile = list(tau2 = num(profile(r, steps = 6, progbar = FALSE, plot = FALSE)$tau2),
                   ll = num(profile(r, steps = 6, progbar = FALSE, plot = FALSE)$ll)))
r <- rma(yi, vi, data = bcg, test = "knha", method = "DL")
add("bcg_DL_knha", "rma(yi, vi, data = bcg, test = 'knha', method = 'DL')", model = model_out(r),
    predict = pred_out(predict(r)), rstudent = resid_out(rstudent(r)), blup = blup_out(blup(r)))
r <- rma(measure = "OR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add("bcg_escalc_OR", "rma(measure = 'OR', ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)",
    model = model_out(r), predict_exp = pred_out(predict(r, transf = exp)))
# 4. likelihood-ratio tests
f <- rma(yi, vi, mods = ~ ablat + year, data = bcg, method = "ML")
rd <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "ML")
add("lrt_ML_year", "anova(rma(yi, vi, mods = ~ ablat + year, method = 'ML'), rma(yi, vi, mods = ~ ablat, method = 'ML'))",
    lrt = lrt_out(anova(f, rd)))
rd0 <- rma(yi, vi, data = bcg, method = "ML")
add("lrt_ML_intercept", "anova(rma(yi, vi, mods = ~ ablat + year, method = 'ML'), rma(yi, vi, method = 'ML'))",
    lrt = lrt_out(anova(f, rd0)))
f <- rma(yi, vi, data = bcg); rd <- rma(yi, vi, data = bcg, method = "EE")
add("lrt_REML_vs_EE", "anova(rma(yi, vi, data = bcg), rma(yi, vi, data = bcg, method = 'EE'))", lrt = lrt_out(anova(f, rd)))
f <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "EE"); rd <- rma(yi, vi, data = bcg, method = "EE")
add("lrt_EE", "anova(rma(yi, vi, mods = ~ ablat, method = 'EE'), rma(yi, vi, method = 'EE'))", lrt = lrt_out(anova(f, rd)))
# 5. user weights (rma.uni weights =)
r <- rma(yi, vi, weights = ni, mods = ~ ablat, data = bcg)
add("bcg_weights_ni", "rma(yi, vi, weights = ni, mods = ~ ablat, data = bcg)", model = model_out(r),
    predict_new = pred_out(predict(r, newmods = c(10, 40))), rstandard = resid_out(rstandard(r)),
    rstudent = resid_out(rstudent(r)))
r <- rma(yi, vi, weights = ni, data = bcg, test = "knha")
add("bcg_weights_ni_knha", "rma(yi, vi, weights = ni, data = bcg, test = 'knha')", model = model_out(r),
    predict = pred_out(predict(r)), rstandard = resid_out(rstandard(r)))
# 6. missing values: metafor drops rows with a missing yi, vi or moderator
bm <- bcg; bm$yi[3] <- NA; bm$ablat[5] <- NA; bm$vi[9] <- NA
write.csv(data.frame(author = bm$author, year = bm$year, ablat = bm$ablat, alloc = bm$alloc, yi = num(bm$yi),
                     vi = num(bm$vi)), "parity_bcg_missing.csv", row.names = FALSE)
r <- suppressWarnings(rma(yi, vi, mods = ~ ablat, data = bm))
add("bcg_missing", "rma(yi, vi, mods = ~ ablat, data = bcg with yi[3], ablat[5], vi[9] set to NA)",
    model = model_out(r), dropped_rows = which(!r$not.na))
# 7. vi = 0: rma() reproduces lm() (metafor's test_misc_rma_vs_lm.r)
r <- rma(yi, 0, mods = ~ ablat, data = bcg)
l <- lm(yi ~ ablat, data = bcg)
add("bcg_vi0_lm", "rma(yi, 0, mods = ~ ablat, data = bcg) against lm(yi ~ ablat)", model = model_out(r),
    lm_coef = num(coef(l)), lm_se = num(sqrt(diag(vcov(l)))), lm_sigma2 = summary(l)$sigma^2)
# 8. Raudenbush (1985) teacher expectancy: mods = ~ weeks.c (metafor's test_analysis_example_raudenbush2009)
r <- rma(yi, vi, mods = ~ weeks_c, data = read.csv("parity_raudenbush1985.csv"))
add("raudenbush_weeks", "rma(yi, vi, mods = ~ weeks.c, data = dat.raudenbush1985)", model = model_out(r),
    predict_new = pred_out(predict(r, newmods = 0:3)), blup = blup_out(blup(r)), rstandard = resid_out(rstandard(r)),
    rstudent = resid_out(rstudent(r)), confint = confint_out(confint(r)))
r <- rma(yi, vi, data = read.csv("parity_raudenbush1985.csv"))
add("raudenbush_REML", "rma(yi, vi, data = dat.raudenbush1985)", model = model_out(r), blup = blup_out(blup(r)),
    ranef = blup_out(ranef(r)))
# 9. Molloy (2014), Fisher z, mods = ~ meanage (one study without a mean age) and factor(design)
md <- read.csv("parity_molloy2014.csv")
r <- suppressWarnings(rma(yi, vi, mods = ~ meanage + factor(design), data = md))
add("molloy_meanage_design", "rma(yi, vi, mods = ~ meanage + factor(design), data = dat.molloy2014)",
    model = model_out(r), dropped_rows = which(!r$not.na),
    predict_new = pred_out(predict(r, newmods = c(40, 1), transf = transf.ztor)))
write(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE), "parity_reference.json")
