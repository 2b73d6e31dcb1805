# Reference values for ruptstats.mixed (mixed_model) from lme4 and lmerTest.
# Run from this folder:  Rscript make_mixed_reference.R
#   -> mixed_{intercept,nested,crossed,slope,singular,unbalanced}.csv (seeded synthetic session tables, values
#      rounded to 3 decimals so the CSV holds the exact numbers) and mixed_reference.json: per case the formula,
#      the table, REML or ML, lmerTest's summary() coefficients (Satterthwaite df), as.data.frame(VarCorr(m)),
#      logLik/AIC/BIC, ngrps, isSingular, getME(m, "theta") and sigma(m), with the R and package versions.
suppressMessages({library(lme4); library(lmerTest); library(jsonlite)})
r3 <- function(x) round(x, 3)
conds <- c("none", "repaired", "unrepaired")

# random intercept: 40 clients x 8 sessions, a client-level condition
set.seed(101)
nc <- 40; ns <- 8
d1 <- data.frame(client = rep(sprintf("c%02d", 1:nc), each = ns), session = rep(1:ns, nc),
                 condition = rep(sample(conds, nc, replace = TRUE), each = ns))
d1$y <- r3(20 + 0.4 * d1$session + ifelse(d1$condition == "unrepaired", 2, 0) +
           rep(rnorm(nc, 0, 2), each = ns) + rnorm(nrow(d1), 0, 3))
write.csv(d1, "mixed_intercept.csv", row.names = FALSE, na = "")

# nested: 8 therapists x 5 clients x 7 sessions (client ids repeat across therapists, as in real exports)
set.seed(202)
d2 <- expand.grid(session = 1:7, client = sprintf("c%d", 1:5), therapist = sprintf("t%d", 1:8),
                  stringsAsFactors = FALSE)
d2 <- d2[, c("therapist", "client", "session")]
tk <- rnorm(8, 0, 1.5); ck <- rnorm(40, 0, 2)
d2$y <- r3(10 + 0.3 * d2$session + tk[match(d2$therapist, sprintf("t%d", 1:8))] +
           ck[as.integer(factor(paste(d2$therapist, d2$client)))] + rnorm(nrow(d2), 0, 2.5))
write.csv(d2, "mixed_nested.csv", row.names = FALSE, na = "")

# crossed: 30 clients x 6 raters, each session rated by one rater
set.seed(303)
d3 <- data.frame(client = rep(sprintf("c%02d", 1:30), each = 10), session = rep(1:10, 30))
d3$rater <- sprintf("r%d", sample(1:6, nrow(d3), replace = TRUE))
d3$x <- r3(rnorm(nrow(d3)))
rk <- rnorm(6, 0, 1); ck3 <- rnorm(30, 0, 1.5)
d3$y <- r3(5 + 0.8 * d3$x + ck3[as.integer(factor(d3$client))] + rk[as.integer(factor(d3$rater))] +
           rnorm(nrow(d3), 0, 1.2))
write.csv(d3, "mixed_crossed.csv", row.names = FALSE, na = "")

# random slope: 30 clients x 12 sessions, correlated intercepts and slopes
set.seed(404)
nc <- 30; ns <- 12
d4 <- data.frame(client = rep(sprintf("c%02d", 1:nc), each = ns), session = rep(0:(ns - 1), nc))
b0 <- rnorm(nc, 0, 2); b1 <- 0.5 * b0 / 2 * 0.3 + rnorm(nc, 0, 0.3)
d4$y <- r3(15 + 0.2 * d4$session + b0[as.integer(factor(d4$client))] +
           b1[as.integer(factor(d4$client))] * d4$session + rnorm(nrow(d4), 0, 1.5))
write.csv(d4, "mixed_slope.csv", row.names = FALSE, na = "")

# singular: no client effect at all, a seed on which the REML client variance is 0 (isSingular)
seed <- 500
repeat {
  set.seed(seed)
  d5 <- data.frame(client = rep(sprintf("c%02d", 1:25), each = 6), session = rep(1:6, 25))
  d5$x <- r3(rnorm(nrow(d5)))
  d5$y <- r3(3 + 0.5 * d5$x + rnorm(nrow(d5), 0, 1))
  m5 <- suppressMessages(lmer(y ~ x + (1 | client), data = d5))
  if (isSingular(m5) && getME(m5, "theta")[[1]] == 0) break
  seed <- seed + 1
}
write.csv(d5, "mixed_singular.csv", row.names = FALSE, na = "")

# unbalanced: 45 clients with 1 to 40 sessions, missing values in y, session and condition
set.seed(606)
nc <- 45
len <- c(1, 40, 2, sample(1:40, nc - 3, replace = TRUE))
d6 <- data.frame(client = rep(sprintf("c%02d", 1:nc), len), session = unlist(lapply(len, seq_len)))
d6$condition <- rep(sample(conds, nc, replace = TRUE), len)
ck6 <- rnorm(nc, 0, 1.8)
d6$y <- r3(30 - 0.15 * d6$session + ifelse(d6$condition == "repaired", -1.5, 0) +
           0.05 * d6$session * (d6$condition == "unrepaired") + ck6[as.integer(factor(d6$client))] +
           rnorm(nrow(d6), 0, 2))
d6$y[sample(nrow(d6), 15)] <- NA
d6$session[sample(nrow(d6), 6)] <- NA
d6$condition[sample(nrow(d6), 4)] <- NA
write.csv(d6, "mixed_unbalanced.csv", row.names = FALSE, na = "")

cases <- list(
  list(name = "intercept_reml", file = "mixed_intercept.csv", formula = "y ~ session + condition + (1 | client)", reml = TRUE),
  list(name = "intercept_ml", file = "mixed_intercept.csv", formula = "y ~ session + condition + (1 | client)", reml = FALSE),
  list(name = "nested_reml", file = "mixed_nested.csv", formula = "y ~ session + (1 | therapist/client)", reml = TRUE),
  list(name = "nested_ml", file = "mixed_nested.csv", formula = "y ~ session + (1 | therapist/client)", reml = FALSE),
  list(name = "crossed_reml", file = "mixed_crossed.csv", formula = "y ~ x + (1 | client) + (1 | rater)", reml = TRUE),
  list(name = "crossed_ml", file = "mixed_crossed.csv", formula = "y ~ x + (1 | client) + (1 | rater)", reml = FALSE),
  list(name = "slope_reml", file = "mixed_slope.csv", formula = "y ~ session + (session | client)", reml = TRUE),
  list(name = "slope_ml", file = "mixed_slope.csv", formula = "y ~ session + (session | client)", reml = FALSE),
  list(name = "slope_uncorrelated_reml", file = "mixed_slope.csv", formula = "y ~ session + (session || client)", reml = TRUE),
  list(name = "slope_uncorrelated_ml", file = "mixed_slope.csv", formula = "y ~ session + (session || client)", reml = FALSE),
  list(name = "singular_reml", file = "mixed_singular.csv", formula = "y ~ x + (1 | client)", reml = TRUE),
  list(name = "unbalanced_reml", file = "mixed_unbalanced.csv",
       formula = "y ~ session + condition + session:condition + (1 | client)", reml = TRUE),
  list(name = "unbalanced_ml", file = "mixed_unbalanced.csv",
       formula = "y ~ session + condition + session:condition + (1 | client)", reml = FALSE)
)

# lme4's default stopping rule (nloptwrap, tolerances near 1e-6) stops short on the random-slope table (lme4 warns
# "Model failed to converge with max|grad| = 0.0034" and theta differs from the optimum in the 3rd digit), so every
# case is fitted to lme4's optimum with bobyqa and a tight final trust radius; the criterion is the same.
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5))
fit_case <- function(cs) {
  dat <- read.csv(cs$file, na.strings = c("", "NA"))  # empty cells are missing values, as in ruptstats
  m <- suppressMessages(suppressWarnings(lmerTest::lmer(as.formula(cs$formula), data = dat, REML = cs$reml,
                                                           control = tight)))
  co <- summary(m)$coefficients
  qt975 <- qt(0.975, co[, "df"])
  vc <- as.data.frame(VarCorr(m))
  ll <- logLik(m)
  list(name = cs$name, file = cs$file, formula = cs$formula, reml = cs$reml,
       call = sprintf("summary(lmerTest::lmer(%s, data = read.csv('%s', na.strings = c('', 'NA')), REML = %s, control = lmerControl(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-12, maxfun = 1e5))))", cs$formula, cs$file, cs$reml),
       fixed = data.frame(term = rownames(co), estimate = co[, "Estimate"], se = co[, "Std. Error"], df = co[, "df"],
                          statistic = co[, "t value"], p = co[, "Pr(>|t|)"],
                          ci_lower = co[, "Estimate"] - qt975 * co[, "Std. Error"],
                          ci_upper = co[, "Estimate"] + qt975 * co[, "Std. Error"], row.names = NULL),
       variance = data.frame(group = vc$grp, var1 = vc$var1, var2 = vc$var2, vcov = vc$vcov, sdcor = vc$sdcor),
       loglik = as.numeric(ll), aic = AIC(m), bic = BIC(m), n_obs = nobs(m),
       n_groups = as.list(ngrps(m)), singular = isSingular(m), theta = unname(getME(m, "theta")), sigma = sigma(m),
       deviance_criterion = unname(if (cs$reml) getME(m, "devcomp")$cmp[["REML"]] else deviance(m)))
}
out <- list(
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                  lmerTest = as.character(packageVersion("lmerTest")),
                  jsonlite = as.character(packageVersion("jsonlite")),
                  numDeriv = as.character(packageVersion("numDeriv"))),
  singular_seed = seed,
  cases = lapply(cases, fit_case))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", dataframe = "rows", pretty = TRUE),
           "mixed_reference.json")
