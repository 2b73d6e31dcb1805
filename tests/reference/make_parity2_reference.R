# Reference values for issue 11 items 5-9 (metafor parity II): regtest, robust (CR1 and CR2) with moderators,
# three-level models with moderators (ML/REML, profile CIs), rma.mh, rma.peto, the new escalc measures, gosh k = 16.
# Run from this folder: Rscript make_parity2_reference.R   (writes parity2_reference.json)
suppressMessages({library(metafor); library(metadat); library(clubSandwich); library(jsonlite)})
`%||%` <- function(a, b) if (is.null(a)) b else a
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))
tab <- function(d) as.list(d)
out <- list(versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                            metadat = as.character(packageVersion("metadat")),
                            clubSandwich = as.character(packageVersion("clubSandwich")),
                            jsonlite = as.character(packageVersion("jsonlite"))))

# ---- escalc: the new measures ------------------------------------------------------------------------------------
es_keys <- function(e) list(yi = num(e$yi), vi = num(e$vi))
esc <- list()
# proportions: Pritz (1997), plus a small table with 0 and all events (continuity correction)
prop <- data.frame(xi = c(dat.pritz1997$xi, 0, 7), ni = c(dat.pritz1997$ni, 12, 7))
esc$proportions <- list(data = tab(prop), cases = list())
for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) {
  vts <- switch(m, PR = c("LS", "UB", "AV"), PLN = c("LS", "AV"), PLO = c("LS", "AV"), "LS")
  for (vt in vts) esc$proportions$cases[[paste(m, vt, sep = "_")]] <-
    c(list(measure = m, vtype = vt), es_keys(escalc(m, xi = xi, ni = ni, data = prop, vtype = vt)))
}
# incidence rates: Hart et al. (1999), plus a zero-count row
rate <- rbind(dat.hart1999[, c("x1i", "t1i", "x2i", "t2i")], data.frame(x1i = 0, t1i = 250, x2i = 4, t2i = 240))
esc$rates <- list(data = tab(rate), cases = list(
  IR_LS = c(list(measure = "IR", vtype = "LS"), es_keys(escalc("IR", xi = x1i, ti = t1i, data = rate))),
  IRR_LS = c(list(measure = "IRR", vtype = "LS"), es_keys(escalc("IRR", x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i, data = rate)))))
# standardised mean change (a Morris (2008)-style pre-post table written here)
chg <- data.frame(m1i = c(30.6, 23.5, 0.5, 53.4, 35.6), m2i = c(38.5, 26.8, 0.7, 75.5, 36.0),
                  sd1i = c(15.0, 3.1, 0.1, 14.5, 4.7), sd2i = c(11.6, 4.1, 0.1, 4.4, 4.6),
                  ni = c(20, 50, 9, 10, 14), ri = c(0.47, 0.64, 0.77, 0.89, 0.44))
esc$change <- list(data = tab(chg), cases = list(
  SMCC_LS = c(list(measure = "SMCC", vtype = "LS"), es_keys(escalc("SMCC", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = ri, data = chg))),
  SMCC_LS2 = c(list(measure = "SMCC", vtype = "LS2"), es_keys(escalc("SMCC", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = ri, data = chg, vtype = "LS2"))),
  SMCRH_LS = c(list(measure = "SMCRH", vtype = "LS"), es_keys(escalc("SMCRH", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = ri, data = chg)))))
# partial and semi-partial correlations: Aloe (2013)
aloe <- dat.aloe2013
esc$partial <- list(data = tab(aloe[, c("n", "tval", "preds", "R2")]), cases = list())
for (vt in c("LS", "AV")) {
  esc$partial$cases[[paste0("PCOR_", vt)]] <- c(list(measure = "PCOR", vtype = vt), es_keys(escalc("PCOR", ti = tval, ni = n, mi = preds, data = aloe, vtype = vt)))
  esc$partial$cases[[paste0("SPCOR_", vt)]] <- c(list(measure = "SPCOR", vtype = vt), es_keys(escalc("SPCOR", ti = tval, ni = n, mi = preds, r2i = R2, data = aloe, vtype = vt)))
}
esc$partial$cases$ZPCOR_LS <- c(list(measure = "ZPCOR", vtype = "LS"), es_keys(escalc("ZPCOR", ti = tval, ni = n, mi = preds, data = aloe)))
# point-biserial, biserial and d -> log odds: Normand (1999)
nor <- dat.normand1999
esc$means <- list(data = tab(nor[, c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")]), cases = list())
for (vt in c("LS", "ST", "CS")) esc$means$cases[[paste0("RPB_", vt)]] <- c(list(measure = "RPB", vtype = vt),
  es_keys(escalc("RPB", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nor, vtype = vt)))
for (m in c("RBIS", "D2ORN", "D2ORL")) esc$means$cases[[paste0(m, "_LS")]] <- c(list(measure = m, vtype = "LS"),
  es_keys(escalc(m, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nor)))
# log odds -> d: BCG trials, plus a zero-cell table
bcg <- rbind(dat.bcg[, c("tpos", "tneg", "cpos", "cneg")], data.frame(tpos = 0, tneg = 40, cpos = 3, cneg = 37))
esc$counts <- list(data = tab(bcg), cases = list())
for (m in c("OR2DN", "OR2DL")) esc$counts$cases[[paste0(m, "_LS")]] <- c(list(measure = m, vtype = "LS"),
  es_keys(escalc(m, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)))
out$escalc <- esc

# ---- regtest ---------------------------------------------------------------------------------------------------
reg_keys <- function(r) {
  list(model = r$model, predictor = r$predictor, statistic = num(r$zval), p = num(r$pval), df = num(r$dfs),
       limit_estimate = num(r$est), ci_lower = num(r$ci.lb), ci_upper = num(r$ci.ub),
       coef = num(coef(r$fit)), se = num(if (r$model == "lm") coef(summary(r$fit))[, 2] else r$fit$se),
       tau2 = if (r$model == "rma") num(r$fit$tau2) else NULL)
}
d <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
out$regtest <- list(data = list(yi = num(d$yi), vi = num(d$vi), ni = num(attr(d$yi, "ni")), ablat = d$ablat), cases = list())
fits <- list(REML_z = rma(yi, vi, data = d), DL_knha = rma(yi, vi, data = d, method = "DL", test = "knha"),
             FE_z = rma(yi, vi, data = d, method = "FE"), REML_z_ablat = rma(yi, vi, mods = ~ ablat, data = d))
for (f in names(fits)) for (mo in c("rma", "lm")) for (pr in c("sei", "vi", "ni", "ninv", "sqrtninv"))
  out$regtest$cases[[paste(f, mo, pr, sep = "_")]] <- c(list(fit = f), reg_keys(regtest(fits[[f]], model = mo, predictor = pr)))

# ---- Mantel-Haenszel and Peto ----------------------------------------------------------------------------------
mh_keys <- function(r) list(estimate = num(r$beta), se = num(r$se), statistic = num(r$zval), p = num(r$pval),
  ci_lower = num(r$ci.lb), ci_upper = num(r$ci.ub), q = num(r$QE), q_p = num(r$QEp), i2 = num(r$I2), h2 = num(r$H2),
  k = num(r$k), k_pooled = num(r$k.pos %||% r$k.yi), cmh = num(r$MH), cmh_p = num(r$MHp), tarone = num(r$TA),
  tarone_p = num(r$TAp))
col <- dat.collins1985a
yusd <- dat.yusuf1985[!is.na(dat.yusuf1985$ai) & !is.na(dat.yusuf1985$ci), ]
yus <- yusd[yusd$table == "6", ]
yus9 <- yusd[yusd$table == "9", ]
out$mh <- list(bcg = list(data = tab(dat.bcg[, c("tpos", "tneg", "cpos", "cneg")]), cases = list()),
               collins1985a = list(data = list(ai = col$b.xti, n1i = col$nti, ci = col$b.xci, n2i = col$nci), cases = list()))
for (m in c("OR", "RR", "RD")) {
  out$mh$bcg$cases[[m]] <- mh_keys(rma.mh(measure = m, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))
  out$mh$collins1985a$cases[[m]] <- mh_keys(rma.mh(measure = m, ai = b.xti, n1i = nti, ci = b.xci, n2i = nci, data = col))
}
out$mh$collins1985a$cases$OR_nocorrect <- mh_keys(rma.mh(measure = "OR", ai = b.xti, n1i = nti, ci = b.xci, n2i = nci, data = col, correct = FALSE))
out$peto <- list(
  bcg = list(data = tab(dat.bcg[, c("tpos", "tneg", "cpos", "cneg")]),
             result = mh_keys(rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))),
  yusuf1985_table6 = list(data = list(ai = yus$ai, n1i = yus$n1i, ci = yus$ci, n2i = yus$n2i),
                          result = mh_keys(rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = yus))),
  yusuf1985_table9 = list(data = list(ai = yus9$ai, n1i = yus9$n1i, ci = yus9$ci, n2i = yus9$n2i),
                           result = mh_keys(rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = yus9))),
  collins1985a = list(data = list(ai = col$b.xti, n1i = col$nti, ci = col$b.xci, n2i = col$nci),
                      result = mh_keys(rma.peto(ai = b.xti, n1i = nti, ci = b.xci, n2i = nci, data = col))))

# ---- robust: CR1 (metafor) and CR2 (clubSandwich), models with moderators -------------------------------------
rob_keys <- function(r) list(estimate = num(r$beta), se = num(r$se), statistic = num(r$zval), df = num(r$ddf),
  p = num(r$pval), ci_lower = num(r$ci.lb), ci_upper = num(r$ci.ub), qm = num(r$QM), qm_df = num(r$QMdf))
kon <- dat.konstantopoulos2011
uni <- rma(yi, vi, mods = ~ year, data = kon)
uni0 <- rma(yi, vi, data = kon)
mv <- list(REML = rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = kon),
           ML = rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = kon, method = "ML"),
           REML0 = rma.mv(yi, vi, random = ~ 1 | district/school, data = kon),
           ML0 = rma.mv(yi, vi, random = ~ 1 | district/school, data = kon, method = "ML"))
kon$yc <- kon$year - 1990; kon$yc2 <- kon$yc^2  # two moderators: the HTZ test of q = 2 contrasts
uni2 <- rma(yi, vi, mods = ~ yc + yc2, data = kon)
mv2 <- rma.mv(yi, vi, mods = ~ yc + yc2, random = ~ 1 | district/school, data = kon)
out$robust <- list(data = list(yi = kon$yi, vi = kon$vi, year = kon$year, yc = kon$yc, yc2 = kon$yc2,
                               district = kon$district, school = kon$school), cases = list())
for (cs in c(FALSE, TRUE)) {
  tag <- if (cs) "CR2" else "CR1"
  out$robust$cases[[paste0("uni_year_", tag)]] <- rob_keys(robust(uni, cluster = kon$district, clubSandwich = cs))
  out$robust$cases[[paste0("uni_", tag)]] <- rob_keys(robust(uni0, cluster = kon$district, clubSandwich = cs))
  out$robust$cases[[paste0("mv_REML_", tag)]] <- rob_keys(robust(mv$REML, cluster = kon$district, clubSandwich = cs))
  out$robust$cases[[paste0("mv_ML_", tag)]] <- rob_keys(robust(mv$ML, cluster = kon$district, clubSandwich = cs))
  out$robust$cases[[paste0("uni_quad_", tag)]] <- rob_keys(robust(uni2, cluster = kon$district, clubSandwich = cs))
  out$robust$cases[[paste0("mv_quad_", tag)]] <- rob_keys(robust(mv2, cluster = kon$district, clubSandwich = cs))
}
out$three_level <- list()
for (f in names(mv)) {
  r <- mv[[f]]; ci <- confint(r)
  out$three_level[[f]] <- list(estimate = num(r$beta), se = num(r$se), statistic = num(r$zval), p = num(r$pval),
    ci_lower = num(r$ci.lb), ci_upper = num(r$ci.ub), sigma2 = num(r$sigma2), loglik = num(logLik(r)),
    q = num(r$QE), q_p = num(r$QEp), qm = num(r$QM), qm_p = num(r$QMp),
    sigma2_ci_lower = c(num(ci[[1]]$random[1, 2]), num(ci[[2]]$random[1, 2])),
    sigma2_ci_upper = c(num(ci[[1]]$random[1, 3]), num(ci[[2]]$random[1, 3])))
}

# ---- gosh: k = 16, all 65,535 subsets (metafor's default) -----------------------------------------------------
g16 <- kon[1:16, ]
g <- gosh(rma(yi, vi, data = g16, method = "FE"), progbar = FALSE)
out$gosh16 <- list(yi = g16$yi, vi = g16$vi, n_subsets = nrow(g$res), estimate_sum = sum(g$res$estimate),
                   estimate_min = min(g$res$estimate), estimate_max = max(g$res$estimate),
                   i2_sum = sum(g$res$I2), q_sum = sum(g$res$QE))

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = FALSE),
           "parity2_reference.json")
