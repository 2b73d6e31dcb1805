# Reference values for ruptstats.conditions (compare_conditions, study_effects).
# Run from this folder:  Rscript make_conditions_reference.R
#   -> conditions_a.csv, conditions_b.csv, conditions_c.csv (seeded synthetic client tables) and
#      conditions_reference.json (every statistic, with the R call that produced it and the versions).
# The client tables are invented (seeded draws, rounded to one decimal so the CSV holds the exact values).
suppressMessages({library(metafor); library(jsonlite)})
v <- function(x) { x <- as.numeric(x); ifelse(is.finite(x), x, NA) }
conds <- c("none", "unrepaired", "repaired")
pairs <- list(c("repaired", "unrepaired"), c("repaired", "none"), c("unrepaired", "none"))
pname <- function(p) paste0(p[1], "_vs_", p[2])

make_table <- function(seed, n, shift, p_drop, covariate = FALSE) {
  set.seed(seed)
  condition <- rep(conds, n)
  pre <- round(rnorm(sum(n), 80, 12), 1)
  post <- round(pre + rep(shift, n) + rnorm(sum(n), 0, rep(c(8, 11, 6), n)), 1)
  dropout <- rbinom(sum(n), 1, rep(p_drop, n)) == 1
  out <- data.frame(study = paste0("seed", seed), client = sprintf("c%03d", seq_len(sum(n))), condition = condition,
                    pre = pre, post = post, dropout = dropout)
  if (covariate) out$age <- round(rnorm(sum(n), 35, 9), 1)
  out
}
# a: 20/15/18 clients, one client without post (excluded from the outcome analyses, kept for dropout)
a <- make_table(11, c(20, 15, 18), c(-12, -3, -15), c(0.35, 0.55, 0.30))
a$post[7] <- NA
# b: unequal n 30/6/4, few dropouts -> expected counts < 5 -> Fisher's exact test
b <- make_table(22, c(30, 6, 4), c(5, -2, 8), c(0.10, 0.5, 0.0))
# c: 12/10/9 with an age covariate; reference "unrepaired" for the ANCOVA and the odds ratios
c <- make_table(33, c(12, 10, 9), c(-10, -2, -11), c(0.3, 0.5, 0.2), covariate = TRUE)
write.csv(a, "conditions_a.csv", row.names = FALSE, na = "")
write.csv(b, "conditions_b.csv", row.names = FALSE, na = "")
write.csv(c, "conditions_c.csv", row.names = FALSE, na = "")

games_howell <- function(y, g) {  # from its formula: ptukey of sqrt(2)|t| with Welch df, k = 3 groups
  k <- nlevels(g); out <- c()
  for (p in pairs) {
    a <- y[g == p[1]]; b <- y[g == p[2]]
    va <- var(a) / length(a); vb <- var(b) / length(b)
    t <- (mean(a) - mean(b)) / sqrt(va + vb)
    df <- (va + vb)^2 / (va^2 / (length(a) - 1) + vb^2 / (length(b) - 1))
    out[pname(p)] <- ptukey(sqrt(2) * abs(t), k, df, lower.tail = FALSE)
  }
  out
}

analyse <- function(d, outcome, baseline, reference, covariates = character(0), hib) {
  dd <- d[!is.na(d[[outcome]]) & (is.null(baseline) || TRUE), ]
  if (!is.null(baseline)) dd <- dd[!is.na(dd[[baseline]]), ]
  dd$condition <- factor(dd$condition, levels = conds)
  y <- if (is.null(baseline)) dd[[outcome]] else dd[[outcome]] - dd[[baseline]]
  g <- dd$condition
  lvl <- 0.95
  desc <- lapply(conds, function(k) { x <- y[g == k]; n <- length(x); se <- sd(x) / sqrt(n)
    list(condition = k, n = n, mean = mean(x), sd = sd(x), se = se,
         ci_lower = mean(x) - qt(0.975, n - 1) * se, ci_upper = mean(x) + qt(0.975, n - 1) * se) })
  fit <- aov(y ~ g); tab <- summary(fit)[[1]]
  ow <- oneway.test(y ~ g, var.equal = TRUE)
  anova_ref <- list(f = v(ow$statistic), df1 = v(ow$parameter[1]), df2 = v(ow$parameter[2]), p = v(ow$p.value),
                    eta2 = tab[1, "Sum Sq"] / sum(tab[, "Sum Sq"]), aov_f = v(tab[1, "F value"]))
  wl <- oneway.test(y ~ g, var.equal = FALSE)
  kw <- kruskal.test(signif(y, 12) ~ g)  # decimal ties stay ties (ruptstats.conditions.omnibus.tie_values)
  tk <- TukeyHSD(fit)$g
  tukey <- sapply(pairs, function(p) { nm <- paste0(p[1], "-", p[2]); if (nm %in% rownames(tk)) tk[nm, "p adj"]
    else tk[paste0(p[2], "-", p[1]), "p adj"] })
  welch_p <- sapply(pairs, function(p) t.test(y[g == p[1]], y[g == p[2]], var.equal = FALSE)$p.value)
  pw <- pairwise.t.test(y, g, pool.sd = FALSE, p.adjust.method = "holm")$p.value
  holm_pw <- sapply(pairs, function(p) if (!is.na(pw[p[1], p[2]])) pw[p[1], p[2]] else pw[p[2], p[1]])
  gh <- games_howell(y, g)
  contrasts <- list()
  for (i in seq_along(pairs)) {
    p <- pairs[[i]]; x1 <- y[g == p[1]]; x2 <- y[g == p[2]]
    e <- escalc("SMD", m1i = mean(x1), sd1i = sd(x1), n1i = length(x1), m2i = mean(x2), sd2i = sd(x2), n2i = length(x2))
    contrasts[[i]] <- list(contrast = pname(p), mean_difference = mean(x1) - mean(x2), hedges_g = v(e$yi), vi = v(e$vi),
      ci_lower = v(e$yi) - qnorm(0.975) * sqrt(v(e$vi)), ci_upper = v(e$yi) + qnorm(0.975) * sqrt(v(e$vi)),
      p_tukey = v(tukey[i]), p_games_howell = v(gh[pname(p)]), p_welch = v(welch_p[i]),
      p_holm = v(p.adjust(welch_p, "holm")[i]), p_holm_pairwise_t_test = v(holm_pw[i]))
  }
  out <- list(outcome = outcome, baseline = baseline, reference = reference, covariates = covariates,
    higher_is_better = hib, n = as.list(setNames(as.numeric(table(g)), conds)), descriptives = desc,
    anova = anova_ref, welch = list(f = v(wl$statistic), df1 = v(wl$parameter[1]), df2 = v(wl$parameter[2]), p = v(wl$p.value)),
    kruskal = list(h = v(kw$statistic), df = v(kw$parameter), p = v(kw$p.value)), contrasts = contrasts,
    calls = c(anova = "oneway.test(y ~ g, var.equal = TRUE); eta2 from summary(aov(y ~ g))",
              welch = "oneway.test(y ~ g, var.equal = FALSE)", kruskal = "kruskal.test(signif(y, 12) ~ g)",
              p_tukey = "TukeyHSD(aov(y ~ g))", p_games_howell = "ptukey(sqrt(2)*|t|, 3, Welch df, lower.tail = FALSE)",
              p_holm = "p.adjust(t.test(var.equal = FALSE) p-values, 'holm') == pairwise.t.test(pool.sd = FALSE, 'holm')",
              hedges_g = "escalc('SMD', ...); CI yi -/+ qnorm(.975) sqrt(vi)"))
  # ANCOVA: outcome ~ baseline (+ covariates) + condition, treatment coding against the reference
  if (!is.null(baseline) || length(covariates)) {
    terms <- c(baseline, covariates)
    dd$cond_r <- relevel(g, ref = reference)
    f0 <- reformulate(terms, response = outcome); f1 <- reformulate(c(terms, "cond_r"), response = outcome)
    m0 <- lm(f0, data = dd); m1 <- lm(f1, data = dd)
    av <- anova(m0, m1)
    cf <- summary(m1)$coefficients; ci <- confint(m1)
    others <- setdiff(conds, reference)
    nd <- as.data.frame(lapply(dd[terms], function(x) rep(mean(x), 3)))
    nd$cond_r <- factor(conds, levels = levels(dd$cond_r))
    pr <- predict(m1, nd, se.fit = TRUE)
    crit <- qt(0.975, m1$df.residual)
    out$ancova <- list(f = v(av$F[2]), df1 = v(av$Df[2]), df2 = v(av$Res.Df[2]), p = v(av[2, "Pr(>F)"]),
      coefficients = as.list(setNames(v(cf[paste0("cond_r", others), "Estimate"]), others)),
      coefficient_rows = lapply(others, function(k) { nm <- paste0("cond_r", k)
        list(term = k, estimate = cf[nm, 1], se = cf[nm, 2], statistic = cf[nm, 3], p = cf[nm, 4],
             ci_lower = ci[nm, 1], ci_upper = ci[nm, 2]) }),
      adjusted_means = lapply(1:3, function(i) list(condition = conds[i], adjusted_mean = v(pr$fit[i]),
        se = v(pr$se.fit[i]), ci_lower = v(pr$fit[i] - crit * pr$se.fit[i]), ci_upper = v(pr$fit[i] + crit * pr$se.fit[i]))),
      call = "anova(lm(outcome ~ terms), lm(outcome ~ terms + relevel(condition, reference))); predict(se.fit = TRUE) at mean terms")
  }
  # dropout (all clients with a condition and a dropout status, whether or not the outcome is known)
  dg <- factor(d$condition, levels = conds); dr <- d$dropout
  ct <- table(dg, factor(dr, levels = c(TRUE, FALSE)))
  ct <- ct[rowSums(ct) > 0, , drop = FALSE]
  expected <- outer(rowSums(ct), colSums(ct)) / sum(ct)
  if (any(expected < 5)) {
    ft <- fisher.test(ct); test <- list(method = "fisher", statistic = NA, df = NA, p = v(ft$p.value), call = "fisher.test(table)")
  } else {
    cs <- chisq.test(ct, correct = FALSE)
    test <- list(method = "chisq", statistic = v(cs$statistic), df = v(cs$parameter), p = v(cs$p.value),
                 call = "chisq.test(table, correct = FALSE)")
  }
  test$min_expected <- min(expected)
  gl <- suppressWarnings(glm(dr ~ relevel(dg, ref = reference), family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100)))
  gc <- summary(gl)$coefficients; gci <- confint.default(gl)
  logit <- list()
  for (k in setdiff(conds, reference)) {
    nm <- paste0("relevel(dg, ref = reference)", k)
    cells <- c(sum(dr[dg == k]), sum(!dr[dg == k]), sum(dr[dg == reference]), sum(!dr[dg == reference]))
    if (any(cells == 0)) {  # separation: no finite MLE (glm stops at a huge estimate); ruptstats gives null
      for (key in c("or_", "log_or_", "se_", "p_", "ci_lower_", "ci_upper_")) logit[[paste0(key, k)]] <- NA
      next
    }
    logit[[paste0("or_", k)]] <- exp(gc[nm, 1]); logit[[paste0("log_or_", k)]] <- gc[nm, 1]
    logit[[paste0("se_", k)]] <- gc[nm, 2]; logit[[paste0("p_", k)]] <- gc[nm, 4]
    logit[[paste0("ci_lower_", k)]] <- exp(gci[nm, 1]); logit[[paste0("ci_upper_", k)]] <- exp(gci[nm, 2])
  }
  props <- lapply(conds, function(k) {  # Wilson score interval: prop.test(x, n, correct = FALSE)$conf.int
    x <- sum(dr[dg == k]); n <- sum(dg == k)
    ci <- if (n > 0) suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = lvl)$conf.int) else c(NA, NA)
    list(condition = k, n = n, dropouts = x, proportion = mean(dr[dg == k]), ci_lower = v(ci[1]), ci_upper = v(ci[2]),
         ci_call = "prop.test(dropouts, n, correct = FALSE)$conf.int") })
  out$dropout <- list(proportions = props, test = test, logit = logit,
                      call = "glm(dropout ~ relevel(condition, reference), binomial, epsilon = 1e-14); confint.default")
  # study_effects: signed so that positive = better for the first group
  s <- if (hib) 1 else -1
  rows <- list()
  for (i in seq_along(pairs)) {
    p <- pairs[[i]]; x1 <- y[g == p[1]]; x2 <- y[g == p[2]]
    e <- escalc("SMD", m1i = mean(x1), sd1i = sd(x1), n1i = length(x1), m2i = mean(x2), sd2i = sd(x2), n2i = length(x2))
    n1 <- length(x1); n2 <- length(x2); aa <- (n1 + n2)^2 / (n1 * n2); yi <- s * v(e$yi)
    rows[[length(rows) + 1]] <- list(contrast = pname(p), measure = "SMD", yi = yi, vi = v(e$vi), n1 = n1, n2 = n2,
                                     r = yi / sqrt(yi^2 + aa), n = n1 + n2)
  }
  for (p in pairs) {
    a1 <- sum(dr[dg == p[1]]); n1 <- sum(dg == p[1]); c1 <- sum(dr[dg == p[2]]); n2 <- sum(dg == p[2])
    e <- escalc("OR", ai = a1, bi = n1 - a1, ci = c1, di = n2 - c1)
    rows[[length(rows) + 1]] <- list(contrast = paste0("dropout_", pname(p)), measure = "OR", yi = -v(e$yi),
                                     vi = v(e$vi), n1 = n1, n2 = n2, r = NA, n = n1 + n2)
  }
  rup <- g %in% c("repaired", "unrepaired")
  rpb <- s * cor(as.numeric(g[rup] == "repaired"), y[rup])
  e <- escalc("COR", ri = rpb, ni = sum(rup))
  rows[[length(rows) + 1]] <- list(contrast = "repair_outcome_correlation", measure = "COR", yi = v(e$yi), vi = v(e$vi),
                                   n1 = sum(g == "repaired"), n2 = sum(g == "unrepaired"), r = rpb, n = sum(rup))
  out$study_effects <- rows
  out$study_effects_calls <- c(SMD = "s * escalc('SMD', ...)$yi; r = yi / sqrt(yi^2 + (n1+n2)^2/(n1 n2))",
                               OR = "-escalc('OR', ai = dropouts A, bi = completers A, ci, di)$yi",
                               COR = "s * cor(repaired (1/0), y) over ruptured clients; escalc('COR')")
  out
}

ref <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  cases = list(
    a_change = c(list(file = "conditions_a.csv"), analyse(a, "post", "pre", "none", hib = FALSE)),
    a_post = c(list(file = "conditions_a.csv"), analyse(a, "post", NULL, "none", hib = FALSE)),
    b_post = c(list(file = "conditions_b.csv"), analyse(b, "post", NULL, "none", hib = TRUE)),
    c_change_age = c(list(file = "conditions_c.csv"), analyse(c, "post", "pre", "unrepaired", "age", hib = FALSE))))
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE),
           "conditions_reference.json")
