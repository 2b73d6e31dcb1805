# Reference values for the randomized parity sweep (issues 10/11: "equal to metafor on any data"): each case is a
# small table on which a sweep of random tables found ruptstats and metafor 3.8.1 apart; the table is simulated
# here (seeded) and stored beside the values, with the R call that produced them.
# Run from this folder: Rscript make_sweep_reference.R   (writes sweep_reference.json)
# control: threshold = 1e-12 (and tol = 1e-12) make metafor's iterations converge to about machine precision.
suppressMessages({library(metafor); library(jsonlite)})
ctl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
num <- function(x) unname(as.numeric(x))
table_of <- function(seed, k, tau = 0.3) {
  set.seed(seed)
  vi <- round(runif(k, 0.01, 0.2), 4)
  data.frame(yi = round(rnorm(k, 0.2, sqrt(vi + tau^2)), 4), vi = vi, x = round(rnorm(k, 50, 10), 2),
             g = rep_len(c("a", "b", "c"), k), cl = rep_len(1:4, k))
}
robust_keys <- function(rb) list(beta = num(rb$beta), se = num(rb$se), zval = num(rb$zval), pval = num(rb$pval),
                                 dfs = num(rb$dfs), ci_lb = num(rb$ci.lb), ci_ub = num(rb$ci.ub), QM = rb$QM,
                                 QMp = rb$QMp, QMdf = num(rb$QMdf))
cases <- list()

# 1. robust() of a test = "knha" fit: metafor's CR1 bread is x$vb, which carries the Knapp-Hartung factor s2w.
d1 <- table_of(1, 12)
for (mods in c("~ 1", "~ x")) {
  res <- rma(yi, vi, mods = as.formula(mods), data = d1, test = "knha", control = ctl)
  cases[[paste0("robust_cr1_knha_", if (mods == "~ 1") "intercept" else "x")]] <- list(
    kind = "robust", data = d1, method = "REML", test = "knha", mods = mods, clubsandwich = FALSE,
    call = paste0("robust(rma(yi, vi, mods = ", mods, ", test = 'knha', control = ctl), cluster = cl)"),
    s2w = res$s2w, value = robust_keys(robust(res, cluster = d1$cl)))
}

# 2. robust() of a model without an intercept: the Wald test covers every coefficient (metafor's btt = 1:p).
d2 <- table_of(2, 16)
res <- rma(yi, vi, mods = ~ factor(g) - 1, data = d2, control = ctl)
for (cs in c(FALSE, TRUE)) {
  cases[[paste0("robust_", if (cs) "cr2" else "cr1", "_no_intercept")]] <- list(
    kind = "robust", data = d2, method = "REML", test = "z", mods = "~ factor(g) - 1", clubsandwich = cs,
    call = paste0("robust(rma(yi, vi, mods = ~ factor(g) - 1, control = ctl), cluster = cl, clubSandwich = ", cs, ")"),
    value = robust_keys(robust(res, cluster = d2$cl, clubSandwich = cs)))
}

# 3. pseudo-R2 when the intercept-only model's tau2 is 0: metafor reports R2 = 0.
d3 <- table_of(3, 10, tau = 0)
d3$yi <- round(0.2 + (d3$yi - 0.2) * 0.3, 4)  # less spread than sampling error: intercept-only tau2 = 0
for (m in c("ML", "REML", "DL")) {
  res0 <- rma(yi, vi, data = d3, method = m, control = ctl)
  res <- rma(yi, vi, mods = ~ x, data = d3, method = m, control = ctl)
  cases[[paste0("r2_zero_tau2_", m)]] <- list(kind = "r2", data = d3, method = m, test = "z", mods = "~ x",
    call = paste0("rma(yi, vi, mods = ~ x, method = '", m, "', control = ctl)$R2"),
    tau2_intercept_only = res0$tau2, value = list(R2 = res$R2, tau2 = res$tau2))
}

# 4. a three-level model whose within-cluster variance lies on the boundary 0: plain Fisher scoring cycled
#    around the optimum there (ConvergenceError); metafor's rma.mv is run with BFGS and reltol = 1e-14, which
#    stops within about 1e-7 of the boundary.
yi <- c(-0.9108, -0.4104, -1.8116, 0.7415, 0.5884, -0.4902, -0.2315, 1.2819, -0.8077, -0.9372, -0.6019, -1.7040, 1.4057, 0.4932, 0.6645, 0.4099, -0.1824, -0.4659, 0.8953, -0.3974, -0.1100, -0.6436, 0.4788, -0.5896, -1.0304, 0.6072, -2.1932, -0.1915, -0.0259)
vi <- c(1.6999, 1.0675, 1.1144, 1.4204, 1.3120, 0.8977, 1.7236, 1.3927, 0.3773, 1.0196, 0.6509, 1.0361, 1.9099, 1.8068, 0.0588, 0.6404, 1.2045, 1.1117, 1.3501, 1.2176, 0.2857, 1.5341, 1.9231, 0.3597, 0.8469, 1.5937, 1.9041, 0.7334, 0.5150)
cl <- c(1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 6, 6, 7, 8, 8, 9, 9, 10, 10, 10, 10, 10)
d4 <- data.frame(yi = yi, vi = vi, cl = cl, id = seq_along(yi))
for (m in c("REML", "ML")) {
  f <- rma.mv(yi, vi, random = ~ 1 | cl/id, data = d4, method = m,
              control = list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-14, maxit = 10000))
  cases[[paste0("three_level_boundary_", m)]] <- list(kind = "three_level", data = d4[, c("yi", "vi", "cl")],
    method = m, call = paste0("rma.mv(yi, vi, random = ~ 1 | cl/id, method = '", m,
                              "', control = list(optimizer = 'optim', optmethod = 'BFGS', reltol = 1e-14))"),
    value = list(beta = num(f$beta), se = num(f$se), sigma2 = num(f$sigma2), QE = f$QE,
                 logLik = as.numeric(logLik(f))))
}

# 5. deleting the only study of a factor level leaves the model matrix rank-deficient: metafor's influence()
#    and rstudent() leave that study's row NA (ruptstats refitted and reported numbers of order 1e15).
d5 <- table_of(5, 10)
d5$g <- c("b", "b", "c", "b", "a", "c", "c", "b", "c", "b")  # level "a": study 5 only
res <- rma(yi, vi, mods = ~ x + factor(g), data = d5, method = "DL", control = ctl)
inf <- influence(res)
resw <- rma(yi, vi, mods = ~ x + factor(g), data = d5, method = "DL", weights = 1 / vi, control = ctl)
cases$deletion_rank_deficient <- list(kind = "deletion", data = d5, method = "DL", test = "z",
  mods = "~ x + factor(g)",
  call = "influence(rma(yi, vi, mods = ~ x + factor(g), method = 'DL', control = ctl)); rstudent(...), also with weights = 1 / vi",
  value = list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
               cov_r = num(inf$inf$cov.r), tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
               hat = num(inf$inf$hat), rstudent_z = num(rstudent(res)$z),
               rstudent_z_weighted = num(rstudent(resw)$z)))

# 6. influence() of a fit with the analyst's weights (weights = w): metafor refits each deletion with the weights
#    and takes the hat values, DFFITS and DFBETAS from H = X (X'AX)^-1 X'A and weight = 100 a / sum(a)
#    (ruptstats used the inverse-variance formulas and deletions without the weights).
d6 <- table_of(6, 9)
d6$w <- round(runif(9, 1, 10), 2)
for (mods in c("~ 1", "~ x")) for (tst in c("z", "knha")) {
  res <- rma(yi, vi, mods = as.formula(mods), data = d6, weights = w, test = tst, control = ctl)
  inf <- influence(res)
  cases[[paste0("influence_weights_", if (mods == "~ 1") "intercept" else "x", "_", tst)]] <- list(
    kind = "influence_weights", data = d6, method = "REML", test = tst, mods = mods,
    call = paste0("influence(rma(yi, vi, mods = ", mods, ", weights = w, test = '", tst, "', control = ctl))"),
    value = list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
                 cov_r = num(inf$inf$cov.r), tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
                 hat = num(inf$inf$hat), weight = num(inf$inf$weight), inf = as.vector(inf$inf$inf == "*"),
                 dfbs = unname(as.matrix(inf$dfbs))))
}

# 7. leave1out() and cumul() of a fit with the analyst's weights: metafor refits every subset with its weights
#    (ruptstats refitted without them).
for (tst in c("z", "knha")) {
  res <- rma(yi, vi, data = d6, weights = w, test = tst, control = ctl)
  seqs <- list(leave1out = leave1out(res), cumul = cumul(res))
  for (fn in names(seqs)) {
    l <- seqs[[fn]]
    cases[[paste0(fn, "_weights_", tst)]] <- list(kind = "sequence_weights", fn = fn, data = d6, method = "REML",
      test = tst, call = paste0(fn, "(rma(yi, vi, weights = w, test = '", tst, "', control = ctl))"),
      value = list(estimate = num(l$estimate), se = num(l$se), ci_lb = num(l$ci.lb), ci_ub = num(l$ci.ub),
                   pval = num(l$pval), Q = num(l$Q), tau2 = num(l$tau2), I2 = num(l$I2)))
  }
}

# 8. rstudent()/influence() of a k = 2 fit with test = "knha": each deletion leaves one study and no residual df,
#    and metafor refits it with a z test (s2w = 1); ruptstats took s2w = 0 and reported infinite residuals.
d8 <- data.frame(yi = c(0.1, 0.5), vi = c(0.02, 0.03), w = c(1, 2))
for (wt in c(FALSE, TRUE)) {
  res <- if (wt) rma(yi, vi, data = d8, weights = w, method = "DL", test = "knha")
         else rma(yi, vi, data = d8, method = "DL", test = "knha")
  inf <- influence(res)
  cases[[paste0("deletion_k2_knha", if (wt) "_weights" else "")]] <- list(kind = "deletion_k2", data = d8,
    method = "DL", test = "knha", weighted = wt,
    call = paste0("influence(rma(yi, vi, ", if (wt) "weights = w, " else "", "method = 'DL', test = 'knha'))"),
    value = list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
                 cov_r = num(inf$inf$cov.r), rstudent_se = num(rstudent(res)$se),
                 inf = as.vector(inf$inf$inf == "*")))
}

# 9. permutest() of a model without an intercept: the omnibus test covers every coefficient (metafor's btt),
#    also in each permuted fit (ruptstats tested all but the first).
d9 <- table_of(9, 6)
for (m in c("DL", "REML")) {
  res <- rma(yi, vi, mods = ~ factor(g) - 1, data = d9, method = m, control = ctl)
  pt <- permutest(res, exact = TRUE, control = ctl)
  cases[[paste0("permutest_no_intercept_", m)]] <- list(kind = "permutest", data = d9, method = m, test = "z",
    mods = "~ factor(g) - 1",
    call = paste0("permutest(rma(yi, vi, mods = ~ factor(g) - 1, method = '", m, "', control = ctl), exact = TRUE)"),
    value = list(QM = res$QM, QMp = pt$QMp, pval = num(pt$pval)))
}

out <- list(versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                            clubSandwich = as.character(packageVersion("clubSandwich")),
                            jsonlite = as.character(packageVersion("jsonlite"))),
            control = ctl, cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE, dataframe = "columns"),
           "sweep_reference.json")
