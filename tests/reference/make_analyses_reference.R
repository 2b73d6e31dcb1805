# Reference values for ruptstats' analyses (issue 4): meta-regression, publication bias, sensitivity,
# permutation tests, selection model, GOSH, three-level models and CR2 robust inference.
# Run from this folder: Rscript make_analyses_reference.R  (writes analyses_reference.json)
source("shared_lib/contract.R"); suppressMessages({library(metadat); library(clubSandwich)})
ver <- list(R = paste(R.version$major, R.version$minor, sep = "."), metafor = as.character(packageVersion("metafor")),
            clubSandwich = as.character(packageVersion("clubSandwich")), metadat = as.character(packageVersion("metadat")))
vec <- function(x) as.numeric(x)
infl_keys <- function(res, labels) {
  inf <- influence(res)$inf
  list(study = labels, rstudent = vec(inf$rstudent), dffits = vec(inf$dffits), cooks_distance = vec(inf$cook.d),
       cov_ratio = vec(inf$cov.r), tau2_deleted = vec(inf$tau2.del), q_deleted = vec(inf$QE.del),
       hat = vec(inf$hat), weight = vec(inf$weight), influential = inf$inf == "*")
}
cumul_keys <- function(res, order, labels) {
  cm <- cumul(res, order = order)
  list(study = labels[order(order)], estimate = vec(cm$estimate), se = vec(cm$se), ci_lower = vec(cm$ci.lb),
       ci_upper = vec(cm$ci.ub), tau2 = vec(cm$tau2), i2 = vec(cm$I2), q = vec(cm$Q))
}
baujat_keys <- function(res) { b <- baujat(res, progbar = FALSE); dev.off(); list(x = vec(b$x), y = vec(b$y)) }
pet_peese_keys <- function(res) {
  pet <- summary(lm(res$yi ~ sqrt(res$vi), weights = 1 / res$vi))$coefficients
  peese <- summary(lm(res$yi ~ res$vi, weights = 1 / res$vi))$coefficients
  row <- function(cf) list(estimate = cf[1, 1], se = cf[1, 2], statistic = cf[1, 3], p = cf[1, 4],
                           slope = cf[2, 1], slope_se = cf[2, 2])
  list(pet = row(pet), peese = row(peese), df = res$k - 2,
       note = "lm(yi ~ sqrt(vi), weights = 1/vi) and lm(yi ~ vi, weights = 1/vi); intercepts are the PET and PEESE estimates")
}
sel_keys <- function(res, control) {
  sel <- selmodel(res, type = "stepfun", steps = 0.025, control = control)
  list(estimate = num(sel$beta), se = num(sel$se), tau2 = num(sel$tau2), delta = vec(sel$delta), lrt = num(sel$LRT),
       lrt_p = num(sel$LRTp), ll = num(sel$fit.stats["ll", "ML"]),
       call = paste0("selmodel(res, type = 'stepfun', steps = 0.025, control = ", deparse1(control), ")"))
}
perm_keys <- function(res, iter) {
  set.seed(1); pt <- permutest(res, iter = iter, progbar = FALSE)
  list(exact = TRUE, p = vec(pt$pval), qm_p = num(pt$QMp), iter = iter,
       note = "exact permutation test (metafor enumerates all distinct permutations when their number <= iter)")
}
gosh_keys <- function(res) {
  g <- gosh(res, progbar = FALSE)
  list(incl = apply(g$incl, 1, function(r) paste(as.integer(r), collapse = "")), k = vec(g$res$k), q = vec(g$res$QE),
       i2 = vec(g$res$I2), h2 = vec(g$res$H2), tau2 = vec(g$res$tau2), estimate = vec(g$res$estimate))
}
out <- list(versions = ver)

# 1. Molloy et al. (2014), ZCOR, REML (the model of molloy2014.json).
d <- dat.molloy2014; d$study <- paste(d$authors, d$year)
es <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = d)
re <- rma(yi, vi, data = es)
m <- list()
m$influence_REML <- infl_keys(re, d$study)
m$cumulative_year_REML <- cumul_keys(re, d$year, d$study)
m$baujat_REML <- baujat_keys(re)
tf <- trimfill(re, estimator = "R0")
m$trimfill_R0_REML <- list(k0 = tf$k0, side = tf$side, estimate = num(tf$b), se = num(tf$se), ci_lower = num(tf$ci.lb),
                           ci_upper = num(tf$ci.ub), tau2 = num(tf$tau2), filled_yi = vec(tf$yi[tf$fill]))
tf_keys <- function(tf) list(k0 = tf$k0, side = tf$side, estimate = num(tf$b), se = num(tf$se), ci_lower = num(tf$ci.lb),
                             ci_upper = num(tf$ci.ub), tau2 = num(tf$tau2), filled_yi = vec(tf$yi[tf$fill]))
fe <- rma(yi, vi, data = es, method = "FE")
m$trimfill_R0_FE <- tf_keys(trimfill(fe, estimator = "R0"))  # k0 > 0 with R0
m$trimfill_L0_FE <- tf_keys(trimfill(fe))
tl <- trimfill(re)
m$trimfill_L0_REML_filled <- list(k0 = tl$k0, filled_yi = vec(tl$yi[tl$fill]), filled_vi = vec(tl$vi[tl$fill]))
m$failsafe_n <- list(rosenthal = fsn(yi, vi, data = es)$fsnum, orwin = fsn(yi, vi, data = es, type = "Orwin")$fsnum,
                     orwin_target = fsn(yi, vi, data = es, type = "Orwin")$target)
m$ranktest <- { rk <- ranktest(re); list(tau = num(rk$tau), p = num(rk$pval), exact = FALSE) }
m$pet_peese <- pet_peese_keys(re)
# Nelder-Mead with a tight tolerance reaches the maximum (BFGS's default stops ~1e-5 short in the estimates)
m$selection_model_stepfun_025 <- sel_keys(re, list(optimizer = "Nelder-Mead", reltol = 1e-16, maxit = 100000))
m$selection_model_stepfun_025_bfgs <- sel_keys(re, list(reltol = 1e-14, maxit = 10000))
mr <- rma(yi, vi, mods = ~ design, data = es)
m$permutest_design_REML <- perm_keys(mr, 1e5)
m$influence_design_REML <- infl_keys(mr, d$study)
m$influence_meanage_REML_knha <- infl_keys(rma(yi, vi, mods = ~ meanage, data = es, test = "knha"), d$study)
cm <- rma(yi, vi, mods = ~ 0 + design, data = es)
m$subgroups_common_tau2_design_REML <- list(levels = sub("^design", "", rownames(cm$beta)), estimate = vec(cm$beta),
  se = vec(cm$se), ci_lower = vec(cm$ci.lb), ci_upper = vec(cm$ci.ub), tau2 = num(cm$tau2),
  qm = num(mr$QM), qm_df = mr$m, qm_p = num(mr$QMp), note = "rma(yi, vi, mods = ~ 0 + design) and the QM test of rma(yi, vi, mods = ~ design)")
m$meta_regression_design_controls_meanage_REML <- coef_keys(rma(yi, vi, mods = ~ design + controls + meanage, data = es))
m$meta_regression_design_controls_meanage_REML_knha <- coef_keys(rma(yi, vi, mods = ~ design + controls + meanage, data = es, test = "knha"))
m$meta_regression_design_DL <- coef_keys(rma(yi, vi, mods = ~ design, data = es, method = "DL"))
dl10 <- rma(yi, vi, data = es[1:10, ], method = "DL")
m$gosh_first10_DL <- gosh_keys(dl10)
m$gosh_first10_FE <- gosh_keys(rma(yi, vi, data = es[1:10, ], method = "FE"))
out$molloy2014 <- m

# 2. BCG trials, log risk ratios, REML.
b <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
rb <- rma(yi, vi, data = b)
g <- list()
g$bias_REML <- bias_keys(rb)
g$failsafe_n <- list(orwin = fsn(yi, vi, data = b, type = "Orwin")$fsnum)
g$ranktest <- { rk <- ranktest(rb); list(tau = num(rk$tau), p = num(rk$pval), exact = TRUE) }
tf <- trimfill(rb, estimator = "R0")
g$trimfill_R0_REML <- list(k0 = tf$k0, side = tf$side, estimate = num(tf$b), se = num(tf$se), ci_lower = num(tf$ci.lb),
                           ci_upper = num(tf$ci.ub), tau2 = num(tf$tau2))
g$pet_peese <- pet_peese_keys(rb)
g$leave_one_out_REML <- loo_keys(rb, b$author)
g$influence_REML <- infl_keys(rb, b$author)
g$cumulative_year_REML <- cumul_keys(rb, b$year, b$author)
g$baujat_REML <- baujat_keys(rb)
ma <- rma(yi, vi, mods = ~ ablat, data = b)
g$influence_ablat_REML <- infl_keys(ma, b$author)
g$meta_regression_ablat_alloc_REML <- coef_keys(rma(yi, vi, mods = ~ ablat + alloc, data = b))
g$meta_regression_ablat_alloc_REML_knha <- coef_keys(rma(yi, vi, mods = ~ ablat + alloc, data = b, test = "knha"))
g$permutest_intercept_DL <- perm_keys(rma(yi, vi, data = b, method = "DL"), 1e4)
out$bcg <- g

# 3. Konstantopoulos (2011): level-wise I2 (Cheung, 2014; metafor FAQ) and clubSandwich's CR2 test.
d <- dat.konstantopoulos2011
ml <- rma.mv(yi, vi, random = ~ 1 | district/school, data = d)
W <- diag(1 / d$vi); X <- model.matrix(ml); P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
i2 <- 100 * ml$sigma2 / (sum(ml$sigma2) + (ml$k - ml$p) / sum(diag(P)))
ct <- coef_test(ml, vcov = "CR2", cluster = d$district, test = "Satterthwaite")
ru <- rma(yi, vi, data = d)
cu <- coef_test(ru, vcov = "CR2", cluster = d$district, test = "Satterthwaite")
out$konstantopoulos2011 <- list(
  three_level_REML = list(i2_cluster = i2[1], i2_within = i2[2], ll = num(logLik(ml)), sigma2_cluster = ml$sigma2[1],
                          sigma2_within = ml$sigma2[2], se = num(ml$se)),
  clubsandwich_CR2 = list(se = num(ct$SE), df = num(ct$df_Satt), p = num(ct$p_Satt),
                          call = "coef_test(rma.mv(yi, vi, random = ~ 1 | district/school), vcov = 'CR2', cluster = district, test = 'Satterthwaite')"),
  clubsandwich_CR2_rma_uni = list(estimate = num(ru$b), se = num(cu$SE), df = num(cu$df_Satt), p = num(cu$p_Satt),
                                  call = "coef_test(rma(yi, vi), vcov = 'CR2', cluster = district, test = 'Satterthwaite')"))
write_json_file(out, "analyses_reference.json")
cat("ok\n")
