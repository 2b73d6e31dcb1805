# Reference values for ruptstats.effects (COR/UCOR/ZCOR, SMCR, zero-cell handling, aggregate, conversions).
# Run from this folder:  Rscript make_effects_reference.R   -> effects_reference.json
# Every input is written next to its output, so the tests need nothing but the JSON.
suppressMessages({library(metafor); library(metadat); library(jsonlite)})
v <- function(x) as.numeric(x)
cases <- list()

# 1. Correlations: Molloy et al. (2014), k = 16 (metadat::dat.molloy2014).
d <- dat.molloy2014
cor_ref <- list(data = "metadat::dat.molloy2014", ri = d$ri, ni = d$ni)
for (ms in c("COR", "UCOR", "ZCOR")) {
  e <- escalc(measure = ms, ri = ri, ni = ni, data = d)
  cor_ref[[ms]] <- list(yi = v(e$yi), vi = v(e$vi), call = sprintf('escalc(measure = "%s", ri = ri, ni = ni, data = dat.molloy2014)', ms))
}
big <- data.frame(ri = c(0, 0.05, -0.3, 0.6, 0.02, -0.12), ni = c(400, 1000, 5000, 20000, 326, 5))
e <- escalc(measure = "UCOR", ri = ri, ni = ni, data = big)
cor_ref$UCOR_large_n <- list(ri = big$ri, ni = big$ni, yi = v(e$yi), vi = v(e$vi),
  note = "large n, where scipy's hyp2f1 fails; call: escalc(measure = 'UCOR', ri, ni)")

# 2. Pre-post standardised mean change (synthetic pre-post summaries of six therapy studies; the inputs are
#    invented, the outputs are metafor's). m1i = post-test mean, m2i = pre-test mean, sd1i = pre-test SD.
pp <- data.frame(m_post = c(12.1, 18.4, 9.7, 22.0, 15.5, 30.2), m_pre = c(16.3, 21.0, 14.2, 21.1, 19.9, 35.8),
                 sd_pre = c(5.2, 6.8, 4.1, 7.5, 5.9, 9.3), ni = c(24, 41, 15, 60, 33, 8),
                 ri = c(0.55, 0.62, 0.40, 0.71, 0.50, 0.35))
e <- escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = pp)
smcr_ref <- c(as.list(pp), list(yi = v(e$yi), vi = v(e$vi),
  call = 'escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = pp)'))

# 3. Zero cells: every measure x every 'to' (add = 1/2 and add = 1), plus drop00 = TRUE.
z <- data.frame(ai = c(0, 3, 12, 0, 7, 5), bi = c(20, 17, 30, 25, 0, 45), ci = c(4, 0, 10, 0, 9, 8), di = c(16, 22, 35, 24, 0, 42))
zero <- list(ai = z$ai, bi = z$bi, ci = z$ci, di = z$di, cases = list())
for (ms in c("OR", "RR", "RD")) for (to in c("only0", "all", "if0all", "none")) for (add in c(1/2, 1)) {
  e <- suppressWarnings(escalc(measure = ms, ai = ai, bi = bi, ci = ci, di = di, data = z, add = add, to = to))
  zero$cases[[length(zero$cases) + 1]] <- list(measure = ms, to = to, add = add, drop00 = FALSE,
    yi = ifelse(is.finite(e$yi), v(e$yi), NA), vi = ifelse(is.finite(e$vi), v(e$vi), NA))
}
for (ms in c("OR", "RR", "RD")) {
  e <- suppressWarnings(escalc(measure = ms, ai = ai, bi = bi, ci = ci, di = di, data = z, drop00 = TRUE))
  zero$cases[[length(zero$cases) + 1]] <- list(measure = ms, to = "only0", add = 0.5, drop00 = TRUE,
    yi = ifelse(is.finite(e$yi), v(e$yi), NA), vi = ifelse(is.finite(e$vi), v(e$vi), NA))
}
zero$note <- "non-finite or NA values are null; call: escalc(measure, ai, bi, ci, di, data = z, add = add, to = to[, drop00 = TRUE])"

# 4. aggregate.escalc with compound symmetry: Assink et al. (2016), 100 effects in 17 studies.
a <- escalc(measure = "SMD", yi = yi, vi = vi, data = dat.assink2016)
agg <- list(data = "metadat::dat.assink2016", study = a$study, yi = v(a$yi), vi = v(a$vi), rho = c(0.6, 0), results = list())
for (rho in c(0.6, 0)) for (w in c(TRUE, FALSE)) {
  g <- aggregate(a, cluster = study, rho = rho, struct = "CS", weighted = w, addk = TRUE)
  agg$results[[length(agg$results) + 1]] <- list(rho = rho, weighted = w, study = g$study, yi = v(g$yi), vi = v(g$vi), k = g$ki,
    call = sprintf("aggregate(escalc(measure = 'SMD', yi = yi, vi = vi, data = dat.assink2016), cluster = study, rho = %s, struct = 'CS', weighted = %s, addk = TRUE)", rho, w))
}

# 5. Cross-checks of the textbook conversions against metafor or base R.
t2 <- data.frame(ai = c(15, 30, 8, 44), bi = c(25, 70, 32, 56), ci = c(8, 18, 12, 30), di = c(32, 82, 28, 70))
e_or <- escalc(measure = "OR", ai = ai, bi = bi, ci = ci, di = di, data = t2)
e_dl <- escalc(measure = "OR2DL", ai = ai, bi = bi, ci = ci, di = di, data = t2)
e_phi <- escalc(measure = "PHI", ai = ai, bi = bi, ci = ci, di = di, data = t2)
chi2 <- sapply(seq_len(nrow(t2)), function(i) unname(suppressWarnings(chisq.test(matrix(unlist(t2[i, ]), 2, byrow = TRUE), correct = FALSE))$statistic))
tt <- data.frame(ti = c(2.31, -1.05, 0.42, 3.9), n1i = c(20, 35, 12, 60), n2i = c(22, 30, 12, 58))
e_t <- escalc(measure = "SMD", ti = ti, n1i = n1i, n2i = n2i, data = tt)
eq <- data.frame(m1i = c(12.1, 18.4, 9.7), m2i = c(16.3, 21.0, 14.2), sd = c(5.2, 6.8, 4.1), ni = c(24, 41, 15), ri = c(0.55, 0.62, 0.40))
eq$t <- (eq$m1i - eq$m2i) / (eq$sd * sqrt(2 * (1 - eq$ri)) / sqrt(eq$ni))
e_eq <- escalc(measure = "SMCR", m1i = m1i, m2i = m2i, sd1i = sd, ni = ni, ri = ri, data = eq)
ps <- c(0.5, 0.05, 0.01, 0.001, 1)
ci <- data.frame(est = c(2.0, 0.45, 1.3), lb = c(1.2, 0.21, 0.9), ub = c(3.4, 0.95, 1.9))
conv <- list(
  log_or_to_d = list(ai = t2$ai, bi = t2$bi, ci = t2$ci, di = t2$di, log_or = v(e_or$yi), v_log_or = v(e_or$vi),
                     d = v(e_dl$yi), vd = v(e_dl$vi), call = 'escalc(measure = "OR2DL", ai, bi, ci, di)'),
  chi2_to_r = list(ai = t2$ai, bi = t2$bi, ci = t2$ci, di = t2$di, chi2 = chi2, n = rowSums(t2), r = v(e_phi$yi),
                   call = 'chisq.test(correct = FALSE)$statistic; escalc(measure = "PHI", ai, bi, ci, di)'),
  t_to_d = list(ti = tt$ti, n1i = tt$n1i, n2i = tt$n2i, g = v(e_t$yi), vg = v(e_t$vi),
                call = 'escalc(measure = "SMD", ti = ti, n1i = n1i, n2i = n2i): g = c(m) * t * sqrt(1/n1 + 1/n2)'),
  paired_t_to_d = list(m1i = eq$m1i, m2i = eq$m2i, sd = eq$sd, ni = eq$ni, ri = eq$ri, t = eq$t, g = v(e_eq$yi),
                       call = 'escalc(measure = "SMCR", m1i, m2i, sd1i = sd, ni, ri) with equal SDs; t = (m1 - m2) / (sd * sqrt(2 (1 - r)) / sqrt(n))'),
  p_to_z = list(p = ps, z = qnorm(1 - ps / 2), call = "qnorm(1 - p / 2)"),
  ci_to_se = list(estimate = ci$est, lower = ci$lb, upper = ci$ub, yi = log(ci$est), se = (log(ci$ub) - log(ci$lb)) / (2 * qnorm(0.975)),
                  call = "(log(ub) - log(lb)) / (2 * qnorm(0.975))")
)

ref <- list(generated_by = "tests/reference/make_effects_reference.R", r_version = R.version.string,
            metafor = as.character(packageVersion("metafor")), metadat = as.character(packageVersion("metadat")),
            correlations = cor_ref, smcr = smcr_ref, zero_cells = zero, aggregate = agg, conversions = conv)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE), "effects_reference.json")
cat("ok\n")
