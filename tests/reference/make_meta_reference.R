# Reference values for ruptstats' pooling engine beyond the shared set: the bundled example table, k = 2,
# subgroup differences (separate tau^2), knha prediction intervals and a 90% level.
# Run from this folder: Rscript make_meta_reference.R   (writes meta_reference.json)
source("shared_lib/contract.R")
out <- list(metafor = as.character(packageVersion("metafor")), R = R.version.string)

# 1. The bundled synthetic example (ruptstats/data/example_studies.csv), correlations as Fisher z.
ex <- read.csv("../../ruptstats/data/example_studies.csv")
es <- escalc(measure = "ZCOR", ri = r, ni = n, data = ex)
out$example <- list()
for (m in c("FE", "DL", "REML", "PM")) out$example[[m]] <- model_keys(fit_rma(es, m), transf.ztor)
out$example$REML_knha <- model_keys(fit_rma(es, "REML", "knha"), transf.ztor)
out$example$REML_level90 <- model_keys(rma(yi, vi, data = es, method = "REML", level = 90), transf.ztor)
out$example_weights_REML <- as.numeric(weights(rma(yi, vi, data = es, method = "REML")))

# 2. Subgroups by rater in the example, separate tau^2 per subgroup (REML), and the test of differences:
#    Q_B = QE of a common-effect model of the subgroup estimates with their standard errors.
fits <- lapply(split(es, es$rater), function(s) rma(yi, vi, data = s, method = "REML"))
qb <- rma(sapply(fits, function(f) as.numeric(f$b)), sei = sapply(fits, function(f) f$se), method = "FE")
out$example_subgroups_rater <- list(levels = lapply(fits, function(f) model_keys(f)),
                                    q = qb$QE, df = qb$k - 1, p = qb$QEp)

# 3. k = 2 (molloy2014, first two studies).
d <- dat.molloy2014
e2 <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = d[1:2, ])
out$k2 <- list(yi = as.numeric(e2$yi), vi = as.numeric(e2$vi), models = list())
for (m in c("FE", "DL", "REML", "PM")) out$k2$models[[m]] <- model_keys(fit_rma(e2, m))
out$k2$models$REML_knha <- model_keys(fit_rma(e2, "REML", "knha"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE), "meta_reference.json")
cat("ok\n")
