# Reference values for ruptstats.episodes (time_to_repair, repair_by_type, stronger_after_repair).
# Run from this folder:  Rscript make_episodes_reference.R
#   -> episodes_a.csv, episodes_b.csv (seeded synthetic episode tables, invented data) and
#      episodes_reference.json (every statistic, with the R call that produced it, and the R/package versions).
# Alliance values are rounded to two decimals so the CSV holds exactly the values R used.
suppressMessages({library(survival); library(geepack); library(jsonlite)})
v <- function(x) { x <- as.numeric(x); ifelse(is.finite(x), x, NA) }
types <- c("withdrawal", "confrontation", "both")

make_table <- function(seed, n_clients, types_used, strategies, p_repair, rate) {
  set.seed(seed)
  k <- sample(1:4, n_clients, replace = TRUE)
  client <- rep(sprintf("c%02d", seq_len(n_clients)), k)
  n <- length(client)
  type <- sample(types_used, n, replace = TRUE)
  strategy <- sample(strategies, n, replace = TRUE)
  lp <- qlogis(p_repair) + 0.6 * (type == types_used[1]) - 0.5 * (strategy == strategies[1])
  repaired <- runif(n) < plogis(lp)
  latency <- rpois(n, rate * ifelse(type == types_used[1], 0.7, 1.3))
  before <- round(rnorm(n, 4.5, 0.6), 2)
  after <- ifelse(repaired, round(before + rnorm(n, 0.2 + 0.3 * (strategy == strategies[1]), 0.5), 2), NA)
  data.frame(study = "S", client = client, type = type, strategy = strategy, repaired = repaired,
             latency = latency, censored = !repaired, alliance_before = before, alliance_after = after,
             alliance_gain = round(after - before, 2))
}
a <- make_table(1501, 45, types, c("exploratory", "immediate"), 0.6, 3)
b <- make_table(1502, 14, types[1:2], c("exploratory", "immediate"), 0.5, 2)
b$latency[1:3] <- 0  # repaired (or censored) in the onset session
write.csv(a, "episodes_a.csv", row.names = FALSE, na = "")
write.csv(b, "episodes_b.csv", row.names = FALSE, na = "")

km <- function(fit, group) {
  s <- if (is.null(fit$strata)) rep(group, length(fit$time)) else
    rep(sub("^[^=]*=", "", names(fit$strata)), fit$strata)
  list(group = s, time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, survival = fit$surv,
       std_err = v(fit$std.err), ci_lower = v(fit$lower), ci_upper = v(fit$upper))
}
med <- function(fit) { t <- summary(fit)$table; if (is.null(dim(t))) list(all = v(t["median"])) else
  setNames(as.list(v(t[, "median"])), sub("^[^=]*=", "", rownames(t))) }

survival_ref <- function(d, by, levels) {
  d[[by]] <- factor(d[[by]], levels = levels)
  out <- list()
  for (ct in c("log", "log-log")) {
    f0 <- survfit(Surv(latency, repaired) ~ 1, data = d, conf.type = ct)
    f1 <- survfit(as.formula(paste("Surv(latency, repaired) ~", by)), data = d, conf.type = ct)
    out[[ct]] <- list(call = sprintf("survfit(Surv(latency, repaired) ~ %s, conf.type = '%s')", by, ct),
                      all = km(f0, "all"), by = km(f1, NA), median_all = med(f0), median_by = med(f1))
  }
  sd <- survdiff(as.formula(paste("Surv(latency, repaired) ~", by)), data = d)
  df <- sum(sd$n > 0) - 1
  cx <- coxph(as.formula(paste("Surv(latency, repaired) ~", by)), data = d, cluster = client, ties = "efron")
  s <- summary(cx)
  out$logrank <- list(call = sprintf("survdiff(Surv(latency, repaired) ~ %s)", by), chi2 = sd$chisq, df = df,
                      p = pchisq(sd$chisq, df, lower.tail = FALSE))
  out$cox <- list(call = sprintf("coxph(Surv(latency, repaired) ~ %s, cluster = client, ties = 'efron')", by),
                  term = names(coef(cx)), coef = unname(coef(cx)), hr = unname(exp(coef(cx))),
                  robust_se = unname(s$coefficients[, "robust se"]), se = unname(s$coefficients[, "se(coef)"]),
                  ci_lower = unname(s$conf.int[, "lower .95"]), ci_upper = unname(s$conf.int[, "upper .95"]),
                  p = unname(s$coefficients[, "Pr(>|z|)"]), loglik = cx$loglik[2])
  out
}

gee_ref <- function(d, formula, family, levels_type, levels_strategy) {
  d$type <- factor(d$type, levels = levels_type)
  d$strategy <- factor(d$strategy, levels = levels_strategy)
  d <- d[order(d$client), ]
  d$client <- factor(d$client)
  # geepack stops at a change of 1e-4 by default; epsilon = 1e-12 makes the fit the exact solution
  fit <- geeglm(formula, id = client, data = d, family = family, corstr = "exchangeable",
                control = geese.control(epsilon = 1e-12, maxit = 500))
  b <- coef(fit); V <- vcov(fit)
  inter <- grep(":", names(b))
  w <- if (length(inter)) as.numeric(t(b[inter]) %*% solve(V[inter, inter]) %*% b[inter]) else NA
  list(call = sprintf("geeglm(%s, id = client, family = %s, corstr = 'exchangeable', control = geese.control(epsilon = 1e-12))",
                      paste(deparse(formula), collapse = ""), family$family),
       term = names(b), estimate = unname(b), se = unname(sqrt(diag(V))),
       p = unname(2 * pnorm(-abs(b / sqrt(diag(V))))), alpha = unname(fit$geese$alpha),
       scale = unname(fit$geese$gamma), interaction_chi2 = w, interaction_df = length(inter),
       interaction_p = if (length(inter)) pchisq(w, length(inter), lower.tail = FALSE) else NA)
}

stronger_ref <- function(d) {
  r <- d[d$repaired & !is.na(d$alliance_after) & !is.na(d$alliance_before), ]
  x <- sum(r$alliance_after > r$alliance_before); n <- nrow(r)
  pt <- prop.test(x, n, correct = FALSE)
  tt <- t.test(r$alliance_after, r$alliance_before, paired = TRUE)
  list(call = "prop.test(x, n, correct = FALSE); t.test(after, before, paired = TRUE)", x = x, n = n,
       share = x / n, ci_lower = pt$conf.int[1], ci_upper = pt$conf.int[2], mean_gain = unname(tt$estimate),
       gain_ci_lower = tt$conf.int[1], gain_ci_upper = tt$conf.int[2], t = unname(tt$statistic),
       df = unname(tt$parameter), p = tt$p.value)
}

case <- function(d, types_used) {
  strat <- sort(unique(d$strategy))
  list(type = survival_ref(d, "type", types_used), strategy = survival_ref(d, "strategy", strat),
       gee_repaired = gee_ref(d, repaired ~ type * strategy, binomial(), types_used, strat),
       gee_gain = gee_ref(d[d$repaired, ], alliance_gain ~ type * strategy, gaussian(), types_used, strat),
       stronger = stronger_ref(d),
       stronger_by_type = lapply(setNames(types_used, types_used), function(k) stronger_ref(d[d$type == k, ])))
}

out <- list(versions = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                            geepack = as.character(packageVersion("geepack")),
                            jsonlite = as.character(packageVersion("jsonlite"))),
            a = case(a, types), b = case(b, types[1:2]))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), "episodes_reference.json")
