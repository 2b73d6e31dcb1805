"""The one vocabulary of ruptstats: every JSON key, result attribute and output column, with its meaning and
the name metafor gives the same quantity.

A name is decided once and used everywhere (attributes, ``summary_frame()`` columns, ``to_dict()`` keys, the
command line's JSON). ``tests/test_vocabulary.py`` checks that every key of every result's ``to_dict()`` and
every column the effect-size functions add is listed here, so a new name cannot drift in unnoticed: add it
here, with its meaning, when you add it to a result.

``metafor`` is the name of the same value in R's metafor (``res$tau2``, ``influence(res)$inf$cook.d``,
``escalc()$yi``); ``None`` where metafor has no such value or prints it without a name.

>>> VOCABULARY["i2"].meaning
'I²: share of the total variance due to between-study heterogeneity, in percent'
>>> metafor_name("cooks_distance")
'cook.d'
>>> unknown_names({"estimate": 0.3, "estimat": 0.3})
['estimat']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLI_SECTIONS", "Term", "VOCABULARY", "metafor_name", "unknown_names"]


@dataclass(frozen=True)
class Term:
    """One name of the vocabulary: what it means (with units) and metafor's name for it."""

    meaning: str
    metafor: str | None = None


_T = Term

#: name -> Term, for every value a result, table or JSON payload of ruptstats carries
VOCABULARY: dict[str, Term] = {
    # --- the pooled model (MetaResult, and the models inside other results) ---
    "k": _T("number of studies (or of effect sizes) in the model", "k"),
    "n_total": _T("total sample size over the studies, when per-study n was given"),
    "method": _T("between-study variance estimator (FE, DL, HE, HS, SJ, ML, REML, EB, PM)", "method"),
    "test": _T("test of the coefficients: 'z' (normal) or 'knha' (Knapp-Hartung t)", "test"),
    "measure": _T("effect-size measure (e.g. ZCOR, SMD, OR)", "measure"),
    "level": _T("confidence level, a proportion (0.95)", "level"),
    "estimate": _T("pooled (or per-row) effect on the analysis scale", "b / beta / estimate"),
    "se": _T("standard error of the estimate", "se"),
    "statistic": _T("test statistic: z, or t with test='knha'", "zval / tval"),
    "p": _T("two-sided p-value", "pval"),
    "df": _T("degrees of freedom of the t test (None for z tests)", "ddf"),
    "ci_lower": _T("lower confidence limit", "ci.lb"),
    "ci_upper": _T("upper confidence limit", "ci.ub"),
    "pi_lower": _T("lower prediction-interval limit", "pi.lb"),
    "pi_upper": _T("upper prediction-interval limit", "pi.ub"),
    "tau2": _T("between-study variance τ² (0 for the common-effect model)", "tau2"),
    "tau2_se": _T("standard error of τ²", "se.tau2"),
    "tau": _T("square root of τ²", "tau"),
    "tau2_ci_lower": _T("Q-profile lower confidence limit of τ²", "confint(res)$random['tau^2', 'ci.lb']"),
    "tau2_ci_upper": _T("Q-profile upper confidence limit of τ²", "confint(res)$random['tau^2', 'ci.ub']"),
    "i2": _T("I²: share of the total variance due to between-study heterogeneity, in percent", "I2"),
    "i2_ci_lower": _T("lower confidence limit of I² (percent)", "confint(res)$random['I^2(%)', 'ci.lb']"),
    "i2_ci_upper": _T("upper confidence limit of I² (percent)", "confint(res)$random['I^2(%)', 'ci.ub']"),
    "h2": _T("H²: total variance over sampling variance", "H2"),
    "h2_ci_lower": _T("lower confidence limit of H²", "confint(res)$random['H^2', 'ci.lb']"),
    "h2_ci_upper": _T("upper confidence limit of H²", "confint(res)$random['H^2', 'ci.ub']"),
    "q": _T("Cochran's Q (test for heterogeneity)", "QE"),
    "q_df": _T("degrees of freedom of Q (k - p)", "k - p"),
    "q_p": _T("p-value of Q", "QEp"),
    "back_transformed": _T("estimate and intervals on the reported scale (r, OR, ...), when the measure has one",
                           "predict(res, transf = ...)"),
    "notes": _T("messages about the fit (fallbacks, undefined quantities, excluded rows)"),
    "studies": _T("one record per study (study, yi, vi, weight, ...)"),
    "study": _T("study label", "slab"),
    "yi": _T("effect size on the analysis scale", "yi"),
    "vi": _T("sampling variance of yi", "vi"),
    "weight": _T("weight of the study, percent of the model's total", "weights(res)"),
    "n": _T("sample size", "ni"),
    "kind": _T("row type of a summary frame: 'study' or 'pooled'"),
    "excluded": _T("studies left out (missing moderator, label or cluster)"),
    "n_excluded": _T("number of studies left out"),
    # --- effect-size tables (escalc, convert_table, aggregate) ---
    "conversion": _T("how a row's statistic was converted, e.g. 't -> d -> r -> z'"),
    "combined_rows": _T("number of input rows combined into this study's effect (aggregate)"),
    # --- meta-regression and subgroups ---
    "coefficients": _T("one record per model coefficient", "coef(summary(res))"),
    "term": _T("name of a model coefficient (intercept, moderator or dummy)", "rownames(coef(summary(res)))"),
    "terms": _T("the model coefficients' names"),
    "intercept": _T("intercept of a regression (Egger's test: the asymmetry estimate)"),
    "qm": _T("omnibus test of the moderators (Q_M, or F with knha)", "QM"),
    "qm_df": _T("numerator degrees of freedom of the omnibus test", "QMdf"),
    "qm_p": _T("p-value of the omnibus test", "QMp"),
    "q_residual": _T("residual heterogeneity statistic Q_E", "QE"),
    "q_residual_df": _T("degrees of freedom of Q_E", "k - p"),
    "q_residual_p": _T("p-value of Q_E", "QEp"),
    "r2": _T("pseudo-R²: share of τ² accounted for by the moderators, percent", "R2"),
    "reference_levels": _T("reference level of each categorical moderator"),
    "variable": _T("name of the grouping variable"),
    "subgroup": _T("level of the grouping variable"),
    "subgroups": _T("one model (or record) per subgroup"),
    "subgroup_variable": _T("name of the grouping variable of a subgroup analysis"),
    "subgroup_tau2": _T("'separate' or 'common' τ² across subgroups (the tau2_model option)"),
    "tau2_model": _T("'separate' or 'common' τ² across subgroups"),
    "subgroup_test": _T("test of subgroup differences {q, df, p}", "QM of rma(mods = ~ factor)"),
    "subgroup_excluded": _T("studies without a subgroup label"),
    # --- publication bias ---
    "alpha": _T("significance level of a fail-safe N", "alpha"),
    "rosenthal": _T("Rosenthal's fail-safe N", "fsn(type = 'Rosenthal')$fsnum"),
    "orwin": _T("Orwin's fail-safe N", "fsn(type = 'Orwin')$fsnum"),
    "orwin_target": _T("target effect of Orwin's fail-safe N", "fsn(type = 'Orwin')$target"),
    "limit_estimate": _T("Egger's limit estimate (the effect at SE = 0)", "regtest(res)$est"),
    "pet_estimate": _T("PET: intercept of the regression on the SE"),
    "pet_se": _T("standard error of the PET estimate"),
    "pet_statistic": _T("test statistic of the PET estimate"),
    "pet_p": _T("p-value of the PET estimate"),
    "peese_estimate": _T("PEESE: intercept of the regression on the variance"),
    "peese_se": _T("standard error of the PEESE estimate"),
    "peese_statistic": _T("test statistic of the PEESE estimate"),
    "peese_p": _T("p-value of the PEESE estimate"),
    "chosen": _T("which of PET or PEESE the conditional rule chose"),
    "estimator": _T("trim-and-fill estimator of the number of missing studies (L0, R0)",
                    "trimfill(estimator = )"),
    "side": _T("side on which studies are filled in (left, right)", "side"),
    "k0": _T("estimated number of missing studies", "k0"),
    "se_k0": _T("standard error of k0", "se.k0"),
    "filled": _T("whether each study was filled in by trim and fill", "fill"),
    "steps": _T("p-value cut points of the step-function selection model", "steps"),
    "delta": _T("relative selection weights per p-value interval (first fixed at 1)", "delta"),
    "k_per_interval": _T("number of studies per p-value interval", "ptable$k"),
    "estimate_unadjusted": _T("the estimate of the model without selection"),
    "tau2_unadjusted": _T("τ² of the model without selection"),
    "loglik": _T("maximised log-likelihood of the model (ML, or REML where the model was fitted by REML)", "ll / logLik"),
    "loglik_unadjusted": _T("log-likelihood of the model without selection", "ll0"),
    "lrt": _T("likelihood-ratio test statistic", "LRT"),
    "lrt_df": _T("degrees of freedom of the likelihood-ratio test", "LRTdf"),
    "lrt_p": _T("p-value of the likelihood-ratio test", "LRTp"),
    # --- sensitivity and influence ---
    "rstudent": _T("externally studentized residual", "rstudent"),
    "dffits": _T("DFFITS: standardized change of the fitted value when the study is deleted", "dffits"),
    "cooks_distance": _T("Cook's distance", "cook.d"),
    "cov_ratio": _T("covariance ratio det Var(-i) / det Var", "cov.r"),
    "tau2_deleted": _T("τ² of the model without the study", "tau2.del"),
    "q_deleted": _T("Q_E of the model without the study", "QE.del"),
    "hat": _T("hat value (leverage)", "hat"),
    "influential": _T("metafor's influence flag", "inf"),
    "dfbetas": _T("DFBETAS, one column per coefficient (dfbetas_1, dfbetas_2, ...)", "dfbs"),
    "x": _T("Baujat x: squared Pearson residual, the study's contribution to Q", "baujat(res)$x"),
    "y": _T("Baujat y: influence of the study on the fitted (pooled) value", "baujat(res)$y"),
    # --- permutation, GOSH, multilevel, cluster-robust ---
    "iterations": _T("number of permutations (or subsets) used", "permutest(iter = )"),
    "exact": _T("whether all permutations (or subsets) were enumerated", "permutest(exact = )"),
    "seed": _T("random seed of a sampled analysis (None when exact)"),
    "n_subsets": _T("number of GOSH subsets fitted"),
    "estimate_min": _T("smallest GOSH subset estimate"),
    "estimate_max": _T("largest GOSH subset estimate"),
    "i2_min": _T("smallest GOSH subset I² (percent)"),
    "i2_max": _T("largest GOSH subset I² (percent)"),
    "sigma2_cluster": _T("between-cluster variance of the three-level model", "sigma2[1]"),
    "sigma2_within": _T("within-cluster (between-effect) variance of the three-level model", "sigma2[2]"),
    "i2_cluster": _T("I² at the cluster level, percent"),
    "i2_within": _T("I² within clusters, percent"),
    "n_clusters": _T("number of clusters", "n"),
    # --- the three-condition comparison (ConditionComparison, study_effects; no metafor counterpart) ---
    "condition": _T("client or session condition: none, unrepaired or repaired"),
    "conditions": _T("the conditions of a table or test, in the order none, unrepaired, repaired"),
    "none": _T("the no-rupture condition (a count or value for it)"),
    "unrepaired": _T("the unrepaired-rupture condition (a count or value for it)"),
    "repaired": _T("the repaired-rupture condition (a count or value for it)"),
    "reference": _T("the reference condition of coefficients and odds ratios"),
    "outcome": _T("the outcome column analysed (its name)"),
    "baseline": _T("the baseline column (pre-treatment score), or None"),
    "analysed": _T("what the one-way analyses used: 'change' (outcome - baseline) or the outcome's name"),
    "higher_is_better": _T("True when a higher outcome score is better (ORS, WAI-SR, SRS), False when it is worse "
                           "(OQ-45, PHQ-9, BDI-II)"),
    "covariates": _T("covariates of the ANCOVA (names)"),
    "descriptives": _T("rows per condition: n, mean, sd, se and the CI of the mean"),
    "mean": _T("mean of the analysed values"),
    "sd": _T("standard deviation (n - 1 denominator)"),
    "value": _T("a client's analysed value"),
    "values": _T("the analysed values per client (no identifiers)"),
    "anova": _T("one-way ANOVA (R's oneway.test(var.equal = TRUE), aov)"),
    "welch": _T("Welch's one-way ANOVA (R's oneway.test(var.equal = FALSE))"),
    "kruskal": _T("Kruskal-Wallis rank-sum test (R's kruskal.test)"),
    "ancova": _T("ANCOVA: outcome ~ baseline + covariates + condition (R's lm and anova of nested models)"),
    "f": _T("F statistic"),
    "df1": _T("numerator degrees of freedom"),
    "df2": _T("denominator degrees of freedom"),
    "eta2": _T("eta squared, SS between / SS total"),
    "h": _T("Kruskal-Wallis H statistic (ties corrected)"),
    "at": _T("covariate values at which adjusted means are computed (their means)"),
    "adjusted_means": _T("ANCOVA adjusted means per condition"),
    "adjusted_mean": _T("a condition's ANCOVA adjusted mean"),
    "coefficient_rows": _T("ANCOVA coefficients with se, statistic, p and CI"),
    "contrasts": _T("rows per pairwise contrast of conditions"),
    "contrast": _T("which comparison a row holds, A_vs_B (e.g. repaired_vs_unrepaired)"),
    "mean_difference": _T("mean of A minus mean of B"),
    "hedges_g": _T("(mean A - mean B) / pooled SD times Hedges' exact J", "yi of escalc('SMD')"),
    "mean1": _T("mean of the first group of a contrast", "m1i"),
    "mean2": _T("mean of the second group of a contrast", "m2i"),
    "sd1": _T("SD of the first group of a contrast", "sd1i"),
    "sd2": _T("SD of the second group of a contrast", "sd2i"),
    "n1": _T("size of the first group of a contrast", "n1i"),
    "n2": _T("size of the second group of a contrast", "n2i"),
    "p_tukey": _T("Tukey HSD p-value over the three conditions (R's TukeyHSD)"),
    "p_games_howell": _T("Games-Howell p-value"),
    "p_welch": _T("Welch two-sample t test p-value (R's t.test)"),
    "p_holm": _T("Holm-adjusted Welch p-value of the three contrasts (R's pairwise.t.test(pool.sd = FALSE))"),
    "dropout": _T("dropout analysis: proportions per condition, chi-square or Fisher test, logistic regression"),
    "dropouts": _T("number of clients who dropped out"),
    "proportion": _T("proportion of clients who dropped out"),
    "proportions": _T("dropout proportion per condition"),
    "min_expected": _T("smallest expected cell count of the chi-square test (Fisher's exact test below 5)"),
    "logit": _T("logistic regression of dropout on condition (R's glm(binomial), Wald CIs)"),
    "or_unrepaired": _T("odds ratio of dropout, unrepaired vs the reference"),
    "or_repaired": _T("odds ratio of dropout, repaired vs the reference"),
    "log_or_unrepaired": _T("log odds ratio of dropout, unrepaired vs the reference"),
    "log_or_repaired": _T("log odds ratio of dropout, repaired vs the reference"),
    "se_unrepaired": _T("standard error of log_or_unrepaired"),
    "se_repaired": _T("standard error of log_or_repaired"),
    "p_unrepaired": _T("Wald p-value of log_or_unrepaired"),
    "p_repaired": _T("Wald p-value of log_or_repaired"),
    "ci_lower_unrepaired": _T("lower Wald confidence limit of or_unrepaired"),
    "ci_upper_unrepaired": _T("upper Wald confidence limit of or_unrepaired"),
    "ci_lower_repaired": _T("lower Wald confidence limit of or_repaired"),
    "ci_upper_repaired": _T("upper Wald confidence limit of or_repaired"),
    "direction": _T("study_effects: what a positive yi means, in words"),
    "r": _T("correlation (study_effects: r from d, or the point-biserial repair-outcome r)", "ri"),
    # --- session studies: the load report (SessionReport.to_dict) and python -m ruptstats.sessions ---
    "source": _T("the data file a table was read from"),
    "mapping": _T("the TOML mapping file used (or '(no mapping)')"),
    "layout": _T("'long' (a row per session) or 'wide' (a row per client)"),
    "n_rows_read": _T("data rows in the file (wide: client rows)"),
    "n_rows": _T("session rows in the loaded table"),
    "empty_sessions": _T("wide layout: client x session blocks without any value"),
    "renamed": _T("pairs (file column, canonical name)"),
    "client_level": _T("columns checked to be constant within a client"),
    "dropped_columns": _T("file columns not kept"),
    "missing_codes": _T("pairs (column, cells set to missing by missing-value codes)"),
    "instruments": _T("scored instruments, 'key: name'"),
    "issues": _T("findings of the checks: level, check, message, column, rows"),
    "excluded_rows": _T("1-based file rows excluded"),
    "rule": _T("the rupture/repair rule (its label, or the mapping's [rule] table)"),
    "condition_by": _T("how a client's condition follows from its sessions: 'any' or 'last'"),
    "pseudonymised": _T("identifier columns replaced by keyed pseudonyms"),
    "counts": _T("rows study, rule, level, condition, n: clients or sessions per condition"),
    "report": _T("the load report of a study (SessionReport)"),
    "comparison": _T("the three-condition comparison of a study (ConditionComparison)"),
    "prorated": _T("per scored instrument: scores prorated from partly missing items"),
    "client_file": _T("the client-level file joined to a study's sessions, or None"),
    "rules": _T("--compare-rules: counts per rule, level and condition"),
    # --- session-level mixed models (MixedModelResult; lme4/lmerTest names in the meanings) ---
    "formula": _T("model formula in lme4 syntax, as given"),
    "fixed": _T("fixed effects, one row each (lmerTest's summary(m)$coefficients with t-based CIs)"),
    "variance": _T("variance components as lme4's as.data.frame(VarCorr(m)), one row each"),
    "group": _T("grouping factor of a variance component (lme4's grp; 'Residual' for the residual), or the "
                "group of a curve or row ('all' without grouping)"),
    "var1": _T("first random-effect term of a variance component (lme4's var1; None for the residual)"),
    "var2": _T("second term of a covariance row (lme4's var2; None for a variance)"),
    "vcov": _T("variance or covariance of a component (lme4's vcov)"),
    "sdcor": _T("standard deviation, or correlation for a covariance row (lme4's sdcor)"),
    "aic": _T("Akaike information criterion, -2 logLik + 2 (number of parameters) (R's AIC)", "AIC(res)"),
    "bic": _T("Bayesian information criterion, -2 logLik + log(n) (number of parameters) (R's BIC)", "BIC(res)"),
    "deviance": _T("mixed models: REML criterion or -2 log-likelihood (lme4); meta-analysis: -2 (loglik - "
                   "saturated loglik) for ML, -2 loglik for REML (metafor)", "deviance(res)"),
    "n_obs": _T("number of rows (sessions) analysed (lme4's nobs)"),
    "n_dropped": _T("rows left out for a missing value in a model column"),
    "n_groups": _T("levels of each grouping factor, rows of {group, n} (lme4's ngrps)"),
    "icc": _T("intraclass correlation: random-intercept variance(s) / (those + residual variance)"),
    "converged": _T("whether the iterative fit converged (mixed models, GEE); rma_batch: metafor's own algorithm gave "
                    "the row's estimate (False: the bracketed fallback, as rma() notes)"),
    "singular": _T("boundary fit: a variance at 0 or a correlation at +-1 (lme4's isSingular)"),
    "lag": _T("session_model: how many sessions ahead the outcome is taken within the client"),
    "decompose": _T("session_model: whether predictors are split into within- and between-client parts"),
    "effects": _T("session_model: the within/between (or total) effect rows"),
    "model": _T("session_model: the fitted mixed model's to_dict(); in a model-comparison table, the row: "
                "'full' or 'reduced'; regtest: which regression test ran, 'lm' (weighted least squares) or 'rma' "
                "(meta-regression)", "regtest(res)$model"),
    "predictor": _T("session_model: the session-level predictor a row is about; regtest: its predictor, sei, vi, "
                    "ni, ninv or sqrtninv", "regtest(res)$predictor"),
    "part": _T("session_model: 'within' (deviation from the client mean), 'between' (client mean) or 'total'"),
    # --- batch fits, bootstrap, power and simulation (rma_batch, bootstrap, meta_power, simulate_power,
    #     ruptstats.simulate) ---
    "n_boot": _T("number of bootstrap replicates", "R (boot)"),
    "n_reps": _T("number of simulation replicates (with a result)"),
    "n_analysed": _T("simulate_power: replicates whose analysis gave an estimate"),
    "power": _T("probability of rejecting the null hypothesis (closed form or share of replicates)"),
    "power_se": _T("Monte Carlo standard error of a simulated power, sqrt(p(1 - p)/n_reps)"),
    "mean_estimate": _T("mean of the estimates over simulation replicates"),
    "truth": _T("the true value a simulation generated the data with"),
    "true_smd": _T("true standardised mean difference, repaired minus unrepaired clients, in outcome SDs"),
    "estimate_bias": _T("mean estimate minus the truth over simulation replicates"),
    "rmse": _T("root mean squared error of the estimates over simulation replicates"),
    "coverage": _T("share of replicates whose confidence interval holds the truth"),
    "coverage_se": _T("Monte Carlo standard error of the coverage, sqrt(c(1 - c)/n_reps)"),
    "mean_ci_width": _T("mean width of the confidence intervals over replicates"),
    "mean_tau2": _T("mean τ² estimate over replicates"),
    "mean_k": _T("mean number of studies per meta-analysis over replicates"),
    "n_clients": _T("number of clients: of a study (simulation design), or clusters in a model"),
    "n_sessions": _T("simulation design: planned sessions per client (client table: session rows of a client)"),
    "n_therapists": _T("simulation design: number of therapists of a study"),
    "rupture_rate": _T("simulation design: probability of a rupture in an attended session"),
    "withdrawal_share": _T("simulation design: share of ruptures that are withdrawal ruptures"),
    "repair_probability": _T("simulation design: probability that a rupture is repaired"),
    "effect_repaired": _T("simulation design: outcome shift of repaired clients from the first rupture, in SDs"),
    "effect_unrepaired": _T("simulation design: outcome shift of unrepaired clients from the first rupture, in SDs"),
    "outcome_mean": _T("simulation design: outcome mean"),
    "outcome_sd": _T("simulation design: SD of the end-of-treatment outcome within a condition"),
    "outcome_icc": _T("simulation design: share of the outcome variance between clients"),
    "outcome_trend": _T("simulation design: outcome change per session"),
    "alliance_mean": _T("simulation design: mean alliance (SRS total)"),
    "alliance_sd": _T("simulation design: between-client SD of the alliance"),
    "dip": _T("simulation design: depth of the alliance dip at a rupture, in alliance SDs"),
    "dropout_hazard": _T("simulation design: per-session dropout hazard"),
    "dropout_hazard_ratio": _T("simulation design: hazard ratio of dropout after an unrepaired rupture"),
    "missing_session_rate": _T("simulation design: probability that a session is missed"),
    "missing_item_rate": _T("simulation design: probability that a questionnaire item is missing"),
}
# --- rupture episodes (rupture_episodes, TimeToRepair, RepairByType, StrongerAfterRepair; issue 15; no metafor
# counterpart: the R functions that give the same values are named) ---
VOCABULARY.update({
    "client": _T("client identifier (episode tables only: never in a to_dict)"),
    "rater": _T("who rated a session: client, therapist or observer"),
    "episode": _T("number of a rupture episode within its client (1, 2, ...)"),
    "onset": _T("session number at which a rupture episode began"),
    "type": _T("rupture type of the onset session: withdrawal, confrontation or both"),
    "strategy": _T("coded repair strategy of an episode (the lab's own categories)"),
    "repair_session": _T("session number at which an episode was repaired (missing when censored)"),
    "latency": _T("sessions from the onset to the repair, or to the client's last session when censored"),
    "censored": _T("True when an episode was never repaired (censored at the client's last session)"),
    "alliance_before": _T("mean alliance of up to m sessions before an episode's onset"),
    "alliance_dip": _T("alliance at the onset minus alliance_before"),
    "alliance_after": _T("mean alliance of up to m sessions after the repair"),
    "alliance_gain": _T("alliance_after minus alliance_before"),
    "by": _T("the grouping column of a time-to-repair analysis (None: one curve)"),
    "conf_type": _T("Kaplan-Meier CI transformation: 'log' or 'log-log' (survfit's conf.type)"),
    "n_episodes": _T("number of rupture episodes analysed"),
    "n_repaired": _T("number of episodes repaired (events of the time-to-repair analysis)"),
    "km": _T("Kaplan-Meier rows: group, time, n_risk, n_event, survival, ci_lower, ci_upper (R survfit)"),
    "time": _T("latency in sessions at which a Kaplan-Meier row holds (survfit's time)"),
    "n_risk": _T("episodes still at risk (neither repaired nor censored) just before time (survfit's n.risk)"),
    "n_event": _T("episodes repaired at time (survfit's n.event)"),
    "survival": _T("Kaplan-Meier share of episodes not yet repaired after time (survfit's surv)"),
    "median": _T("median latency per group (quantile.survfit; null when fewer than half are repaired)"),
    "within": _T("rows group, sessions, share: Kaplan-Meier share repaired within that many sessions"),
    "sessions": _T("a number of sessions (the horizon of a 'within' row)"),
    "share": _T("a proportion between 0 and 1"),
    "logrank": _T("log-rank test of equal repair hazards across groups (R survdiff): chi2, df, p"),
    "chi2": _T("chi-square statistic"),
    "cox": _T("Cox model rows term, hr, ci_lower, ci_upper, p (coxph, Efron ties, cluster = client robust SE)"),
    "hr": _T("hazard ratio of repair vs the reference group (exp(coef) of coxph)"),
    "repair": _T("logistic GEE of whether an episode was repaired (geepack::geeglm, binomial, exchangeable)"),
    "gain": _T("linear GEE of the alliance gain of repaired episodes (geepack::geeglm, gaussian, exchangeable)"),
    "family": _T("GLM family of a GEE: binomial or gaussian"),
    "interaction": _T("joint Wald test of the type x strategy terms: chi2, df, p"),
    "working_correlation": _T("exchangeable working correlation alpha of a GEE (geeglm's alpha)"),
    "scale": _T("GEE scale parameter phi (geeglm's gamma)"),
    "odds_ratio": _T("exp(estimate) of a logistic model"),
    "or_ci_lower": _T("lower Wald confidence limit of the odds ratio"),
    "or_ci_upper": _T("upper Wald confidence limit of the odds ratio"),
    "rows": _T("one record per group of a small test"),
    "n_stronger": _T("repaired episodes whose alliance after the repair exceeds the level before the rupture"),
    "mean_gain": _T("mean alliance gain (after - before) of repaired episodes"),
    "gain_ci_lower": _T("lower paired-t confidence limit of the mean gain (R t.test(paired = TRUE))"),
    "gain_ci_upper": _T("upper paired-t confidence limit of the mean gain"),
    "status": _T("episode status: repaired or censored"),
    "anchor": _T("what an offset counts from: the onset or the episode's end (repair or censoring)"),
    "offset": _T("session rows from the anchor (negative: before)"),
    "position": _T("x coordinate of a point of the alliance-around-episodes figure"),
    "first_session": _T("a client's first session number"),
    "last_session": _T("a client's last session number"),
})
# --- metafor parity II (issue 11): regtest, robust, three-level moderators, rma.mh / rma.peto ---
VOCABULARY.update({
    "limit_ci_lower": _T("lower confidence limit of the limit estimate", "regtest(res)$ci.lb"),
    "limit_ci_upper": _T("upper confidence limit of the limit estimate", "regtest(res)$ci.ub"),
    "sigma2_cluster_ci_lower": _T("profile-likelihood lower limit of sigma2_cluster",
                                  "confint(res)[[1]]$random[1, 'ci.lb']"),
    "sigma2_cluster_ci_upper": _T("profile-likelihood upper limit of sigma2_cluster",
                                  "confint(res)[[1]]$random[1, 'ci.ub']"),
    "sigma2_within_ci_lower": _T("profile-likelihood lower limit of sigma2_within",
                                 "confint(res)[[2]]$random[1, 'ci.lb']"),
    "sigma2_within_ci_upper": _T("profile-likelihood upper limit of sigma2_within",
                                 "confint(res)[[2]]$random[1, 'ci.ub']"),
    "cmh": _T("Cochran-Mantel-Haenszel statistic of OR = 1 (1 df)", "MH"),
    "cmh_p": _T("p-value of the Cochran-Mantel-Haenszel test", "MHp"),
    "tarone": _T("Tarone's statistic of homogeneity of the odds ratios", "TA"),
    "tarone_p": _T("p-value of Tarone's test", "TAp"),
})

# --- metafor's model interface (predict, fitstats, anova, rstandard/rstudent, blup/ranef, profile, confint;
# issue 11) ---
VOCABULARY.update({
    "predictions": _T("one record per predicted value", "predict(res)"),
    "label": _T("label of a predicted value (study label, or 1, 2, ... for new moderator values)", "slab"),
    "pred": _T("predicted value (average true effect for given moderators, or a BLUP)", "pred"),
    "transformed": _T("whether transf was applied to predictions (the SE is then not reported)", "transf"),
    "aicc": _T("AIC with the small-sample correction", "AICc(res)"),
    "reml": _T("True for restricted (REML) likelihood values, False for ML", "fitstats(res, REML = )"),
    "parms": _T("number of model parameters (coefficients plus tau2 unless equal-effects)", "parms"),
    "full": _T("fit statistics of the full model of a likelihood-ratio test", "fit.stats.f"),
    "reduced": _T("fit statistics of the reduced model of a likelihood-ratio test", "fit.stats.r"),
    "q_full": _T("Q_E of the full model", "QE.f"),
    "q_reduced": _T("Q_E of the reduced model", "QE.r"),
    "tau2_full": _T("tau2 of the full model", "tau2.f"),
    "tau2_reduced": _T("tau2 of the reduced model", "tau2.r"),
    "resid": _T("residual (rstandard: y - fitted; rstudent: y - prediction without the study)", "resid"),
    "z": _T("standardised residual: resid / se", "z"),
    "tau_ci_lower": _T("Q-profile lower confidence limit of tau", "confint(res)$random['tau', 'ci.lb']"),
    "tau_ci_upper": _T("Q-profile upper confidence limit of tau", "confint(res)$random['tau', 'ci.ub']"),
    "tau2_hat": _T("the model's tau2 estimate (in a profile)", "vc"),
    "loglik_max": _T("log-likelihood at the model's tau2 estimate (in a profile)", "maxll"),
})

# --- one-stage vs two-stage IPD models and predictions (OneStageResult, IPDComparison, predict_fixed; issue 13
# items 4 and 5) ---
VOCABULARY.update({
    "study_effect": _T("one_stage: 'random' study intercepts (lme4 (1 | study)) or 'fixed' study dummies (lm)"),
    "sigma2": _T("residual variance of a linear (mixed) model (lme4's sigma(m)^2; summary(lm)$sigma^2)"),
    "n_studies": _T("number of studies with analysed clients in a one-stage model"),
    "one_stage": _T("the one-stage IPD model's to_dict(): all studies' clients in one model"),
    "two_stage": _T("the two-stage pooled model's to_dict(): each study's estimate pooled by rma", "rma(yi, vi)"),
    "approach": _T("row type of a one- vs two-stage table: 'study', 'two_stage' or 'one_stage'"),
    "session": _T("session number within a client (the x of a predicted trajectory)"),
})


#: section names of the command line's JSON (one analysis each; each section is a result's ``to_dict()``)
CLI_SECTIONS: dict[str, str] = {
    "example": "the notice that the bundled example is synthetic",
    "bias": "the publication-bias analyses",
    "egger": "Egger's regression test",
    "begg": "Begg and Mazumdar's rank correlation test",
    "failsafe_n": "fail-safe N (Rosenthal, Orwin)",
    "pet_peese": "PET-PEESE",
    "trimfill": "trim and fill",
    "selection_model": "the step-function selection model",
    "leave_one_out": "leave-one-out analysis",
    "influence": "influence diagnostics",
    "cumulative": "cumulative meta-analysis",
    "meta_regression": "meta-regression",
    "permutation_test": "permutation test",
    "subgroups_common_tau2": "subgroups with a common τ²",
    "three_level": "three-level model",
    "robust": "cluster-robust inference",
    "gosh": "GOSH summary",
    "error": "why an analysis could not be run",
    "path": "file a table was written to",
}


def _base(name: str) -> str:
    """``dfbetas_2`` -> ``dfbetas``: indexed columns of a k x p array share their base name."""
    head, _, tail = name.rpartition("_")
    return head if head and tail.isdigit() else name


def metafor_name(name: str) -> str | None:
    """metafor's name for a vocabulary name (``None`` where metafor has none); KeyError if unknown."""
    return VOCABULARY[_base(name)].metafor


def unknown_names(names) -> list[str]:
    """The names (e.g. a ``to_dict()``'s keys) that are neither in :data:`VOCABULARY` nor in :data:`CLI_SECTIONS`."""
    return sorted(n for n in names if _base(n) not in VOCABULARY and n not in CLI_SECTIONS)


# --- the median's confidence interval and the sessions command's episode summary (issue 15, items 6 and 7) ---
VOCABULARY.update({
    "median_ci": _T("rows group, ci_lower, ci_upper: confidence interval of each Kaplan-Meier median "
                    "(quantile.survfit's lower and upper; null when a confidence curve never reaches 0.5)"),
})
CLI_SECTIONS.update({
    "episodes": "a study's rupture-episode summary (python -m ruptstats.sessions --episodes)",
    "time_to_repair": "Kaplan-Meier time to repair of a study's episodes (TimeToRepair.to_dict())",
    "stronger_after_repair": "share of repaired episodes with a stronger alliance (StrongerAfterRepair.to_dict())",
})
