# Public reference values (metafor / clubSandwich) for the developers' tests: shared/reference/.
source("shared_lib/contract.R"); suppressMessages({library(metadat); library(clubSandwich)})
out_dir <- "."  # run from this folder
methods <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")

# 1. Correlations: Molloy et al. (2014), conscientiousness and medication adherence, k = 16.
d <- dat.molloy2014; d$study <- paste(d$authors, d$year)
write.csv(d[, c("study", "authors", "year", "ni", "ri", "controls", "design", "a_measure", "c_measure", "meanage", "quality")],
          file.path(out_dir, "molloy2014.csv"), row.names = FALSE)
ref <- list(source = "metafor::dat.molloy2014", metafor = as.character(packageVersion("metafor")), measure = "ZCOR",
            scale = "Fisher z; back_transformed = r", models = list())
es <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = d)
for (m in methods) ref$models[[m]] <- model_keys(fit_rma(es, m), transf.ztor)
for (m in c("DL", "REML")) ref$models[[paste0(m, "_knha")]] <- model_keys(fit_rma(es, m, "knha"), transf.ztor)
re <- fit_rma(es, "REML")
ref$escalc <- lapply(seq_len(nrow(d)), function(i) list(study = d$study[i], yi = as.numeric(re$yi[i]), vi = as.numeric(re$vi[i])))
ref$bias_REML <- bias_keys(re)
ref$leave_one_out_REML <- loo_keys(re, d$study)
ref$meta_regression_meanage_REML <- coef_keys(fit_rma(es, "REML", mods = ~ meanage))
ref$meta_regression_meanage_REML_knha <- coef_keys(fit_rma(es, "REML", "knha", mods = ~ meanage))
ref$subgroups_design_REML <- lapply(split(es, es$design), function(s) model_keys(fit_rma(s, "REML"), transf.ztor))
mr <- fit_rma(es, "REML", mods = ~ design)
ref$meta_regression_design_REML <- coef_keys(mr)
write_json_file(ref, file.path(out_dir, "molloy2014.json"))

# 2. Standardised mean differences: Normand (1999), length of stay, k = 9.
d <- dat.normand1999
write.csv(d, file.path(out_dir, "normand1999.csv"), row.names = FALSE)
ref <- list(source = "metafor::dat.normand1999", metafor = as.character(packageVersion("metafor")), escalc = list(), models = list())
for (ms in c("SMD", "SMDH", "MD", "ROM")) {
  e <- escalc(measure = ms, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
  ref$escalc[[ms]] <- lapply(seq_len(nrow(d)), function(i) list(study = d$source[i], yi = as.numeric(e$yi[i]), vi = as.numeric(e$vi[i])))
}
e <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
for (m in c("FE", "DL", "REML", "PM")) ref$models[[paste0("SMD_", m)]] <- model_keys(fit_rma(e, m))
write_json_file(ref, file.path(out_dir, "normand1999.json"))

# 3. 2x2 tables: BCG vaccine trials, k = 13, with absolute latitude as moderator.
d <- dat.bcg
write.csv(d, file.path(out_dir, "bcg.csv"), row.names = FALSE)
ref <- list(source = "metafor::dat.bcg", metafor = as.character(packageVersion("metafor")), escalc = list(), models = list())
for (ms in c("RR", "OR", "RD")) {
  e <- escalc(measure = ms, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = d)
  ref$escalc[[ms]] <- lapply(seq_len(nrow(d)), function(i) list(study = d$author[i], yi = as.numeric(e$yi[i]), vi = as.numeric(e$vi[i])))
}
e <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = d)
for (m in c("FE", "DL", "REML")) ref$models[[paste0("RR_", m)]] <- model_keys(fit_rma(e, m), exp)
ref$meta_regression_ablat_REML <- coef_keys(fit_rma(e, "REML", mods = ~ ablat))
ref$meta_regression_ablat_REML_knha <- coef_keys(fit_rma(e, "REML", "knha", mods = ~ ablat))
write_json_file(ref, file.path(out_dir, "bcg.json"))

# 4. Three-level: Konstantopoulos (2011), schools within districts, k = 56.
d <- dat.konstantopoulos2011
write.csv(d, file.path(out_dir, "konstantopoulos2011.csv"), row.names = FALSE)
ml <- rma.mv(yi, vi, random = ~ 1 | district/school, data = d)
rb <- robust(ml, cluster = d$district, clubSandwich = TRUE)
ref <- list(source = "metafor::dat.konstantopoulos2011", metafor = as.character(packageVersion("metafor")),
            three_level_REML = list(k = ml$k, estimate = num(ml$b), se = num(ml$se), statistic = num(ml$zval), p = num(ml$pval),
                                    ci_lower = num(ml$ci.lb), ci_upper = num(ml$ci.ub),
                                    sigma2_cluster = ml$sigma2[1], sigma2_within = ml$sigma2[2], q = num(ml$QE), q_p = num(ml$QEp),
                                    levels = "random = ~ 1 | district/school"),
            three_level_REML_robust_CR2 = list(estimate = num(rb$b), se = num(rb$se), statistic = num(rb$zval), df = num(rb$ddf),
                                               p = num(rb$pval), ci_lower = num(rb$ci.lb), ci_upper = num(rb$ci.ub),
                                               note = "robust(cluster = district, clubSandwich = TRUE): CR2 with Satterthwaite df"))
write_json_file(ref, file.path(out_dir, "konstantopoulos2011.json"))
cat("ok\n")
