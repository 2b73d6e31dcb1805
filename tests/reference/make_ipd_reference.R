# Reference values for ruptstats.mixed.one_stage / two_stage_vs_one_stage (issue 13 item 4) from lme4, lmerTest,
# lm and metafor.
# Run from this folder:  Rscript make_ipd_reference.R
#   -> ipd_clients.csv (a seeded synthetic client table: 4 studies with 15-30 clients each, columns study, client,
#      condition, pre, post; values rounded to 3 decimals so the CSV holds the exact numbers; two missing post
#      values and one missing condition) and ipd_reference.json: per case the R call and its coefficients, the
#      variance components and the two-stage study estimates and pooled model, with the R and package versions.
suppressMessages({library(lme4); library(lmerTest); library(metafor); library(jsonlite)})
r3 <- function(x) round(x, 3)
conds <- c("none", "unrepaired", "repaired")

set.seed(1301)
sizes <- c(18, 30, 15, 24)
studies <- sprintf("Study %s", LETTERS[1:4])
d <- data.frame(study = rep(studies, sizes), client = unlist(lapply(sizes, function(n) sprintf("c%02d", 1:n))))
d$condition <- unlist(lapply(sizes, function(n) sample(rep(conds, length.out = n))))
shift <- rnorm(4, 0, 9)
d$pre <- r3(rnorm(nrow(d), 80, 12))
d$post <- r3(20 + 0.6 * d$pre + shift[match(d$study, studies)] - 6 * (d$condition == "repaired") +
             1.5 * (d$condition == "unrepaired") + rnorm(nrow(d), 0, 7))
d$post[c(5, 40)] <- NA
d$condition[22] <- NA
write.csv(d, "ipd_clients.csv", row.names = FALSE, na = "")

dat <- read.csv("ipd_clients.csv", na.strings = c("", "NA"))
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5))
coefs <- function(co, dfcol) {
  df <- if (is.null(dfcol)) rep(NA, nrow(co)) else co[, dfcol]
  data.frame(term = rownames(co), estimate = co[, "Estimate"], se = co[, "Std. Error"], df = df,
             statistic = co[, "t value"], p = co[, "Pr(>|t|)"],
             ci_lower = co[, "Estimate"] - qt(0.975, df) * co[, "Std. Error"],
             ci_upper = co[, "Estimate"] + qt(0.975, df) * co[, "Std. Error"], row.names = NULL)
}
with_ref <- function(x, ref) { x$condition <- relevel(factor(x$condition, levels = conds), ref = ref); x }

one_random <- function(name, formula, ref) {
  m <- suppressMessages(lmerTest::lmer(as.formula(formula), data = with_ref(dat, ref), control = tight))
  vc <- as.data.frame(VarCorr(m))
  list(name = name, formula = formula, reference = ref, study_effect = "random",
       call = sprintf("summary(lmerTest::lmer(%s, data = dat, control = tight)) with condition relevelled to '%s'", formula, ref),
       fixed = coefs(summary(m)$coefficients, "df"), tau2 = vc$vcov[vc$grp == "study"],
       sigma2 = vc$vcov[vc$grp == "Residual"], n_obs = nobs(m))
}
one_fixed <- function(name, formula, ref, data = dat) {
  m <- lm(as.formula(formula), data = with_ref(data, ref))
  co <- summary(m)$coefficients
  fx <- coefs(co, NULL)
  fx$df <- m$df.residual
  fx$ci_lower <- co[, 1] - qt(0.975, m$df.residual) * co[, 2]
  fx$ci_upper <- co[, 1] + qt(0.975, m$df.residual) * co[, 2]
  list(name = name, formula = formula, reference = ref, study_effect = "fixed",
       call = sprintf("summary(lm(%s, data = dat)) with condition relevelled to '%s'", formula, ref),
       fixed = fx, sigma2 = summary(m)$sigma^2, n_obs = nobs(m))
}
two_stage <- function(name, baseline) {
  rows <- lapply(studies, function(s) {
    x <- dat[dat$study == s & !is.na(dat$condition), ]
    if (baseline) {
      m <- lm(post ~ pre + condition, data = with_ref(x, "unrepaired"))
      co <- summary(m)$coefficients["conditionrepaired", ]
      data.frame(study = s, yi = co[["Estimate"]], vi = co[["Std. Error"]]^2)
    } else {
      a <- x$post[x$condition == "repaired" & !is.na(x$post)]
      b <- x$post[x$condition == "unrepaired" & !is.na(x$post)]
      es <- escalc("MD", m1i = mean(a), sd1i = sd(a), n1i = length(a), m2i = mean(b), sd2i = sd(b), n2i = length(b))
      data.frame(study = s, yi = as.numeric(es$yi), vi = as.numeric(es$vi))
    }
  })
  tab <- do.call(rbind, rows)
  res <- rma(yi, vi, data = tab, method = "REML", control = list(threshold = 1e-12, maxiter = 1000))
  list(name = name, baseline = baseline,
       call = if (baseline) "per study: lm(post ~ pre + condition) (reference unrepaired), conditionrepaired estimate and SE^2; rma(yi, vi, method = 'REML', control = list(threshold = 1e-12))"
              else "per study: escalc('MD', repaired vs unrepaired post means, SDs, n); rma(yi, vi, method = 'REML', control = list(threshold = 1e-12))",
       studies = tab, estimate = as.numeric(res$beta), se = res$se, ci_lower = res$ci.lb, ci_upper = res$ci.ub,
       p = res$pval, tau2 = res$tau2)
}

out <- list(
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                  lmerTest = as.character(packageVersion("lmerTest")),
                  metafor = as.character(packageVersion("metafor")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  one_stage = list(
    one_random("random_baseline_none", "post ~ pre + condition + (1 | study)", "none"),
    one_random("random_baseline_unrepaired", "post ~ pre + condition + (1 | study)", "unrepaired"),
    one_random("random_unrepaired", "post ~ condition + (1 | study)", "unrepaired"),
    one_fixed("fixed_baseline_none", "post ~ pre + condition + study", "none"),
    one_fixed("one_study_a", "post ~ condition", "unrepaired", data = dat[dat$study == "Study A", ])),
  two_stage = list(two_stage("two_stage_md", FALSE), two_stage("two_stage_ancova", TRUE)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", dataframe = "rows", pretty = TRUE),
           "ipd_reference.json")
