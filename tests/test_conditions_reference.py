"""compare_conditions and study_effects against R: tests/reference/conditions_reference.json, made by
tests/reference/make_conditions_reference.R (R 4.2.2, metafor 3.8.1; versions in the JSON's ``versions`` key) from
the seeded synthetic client tables conditions_{a,b,c}.csv written by the same script. Each R call is recorded in the
JSON beside its values (``calls``, ``call``)."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tolerances import CLOSED_FORM, FISHER, PTUKEY, ZERO_ATOL

from ruptstats.conditions import compare_conditions, study_effects

REF = Path(__file__).parent / "reference"
R = json.loads((REF / "conditions_reference.json").read_text(encoding="utf-8"))
CLOSED_FORM_REL = CLOSED_FORM  # closed forms (F, t, chi-square, escalc, lm, Wald): R and numpy differ only by rounding
PTUKEY_REL = PTUKEY
FISHER_REL = FISHER
CASES = {"a_change": dict(outcome="post", baseline="pre", reference="none", covariates=(), higher_is_better=False),
         "a_post": dict(outcome="post", reference="none", higher_is_better=False),
         "b_post": dict(outcome="post", reference="none", higher_is_better=True),
         "c_change_age": dict(outcome="post", baseline="pre", reference="unrepaired", covariates=("age",),
                              higher_is_better=False)}


def _close(got, want, rel=CLOSED_FORM_REL):
    if want is None:
        assert got is None or (isinstance(got, float) and math.isnan(got)), (got, want)
        return
    assert got is not None, want
    assert math.isclose(got, want, rel_tol=rel, abs_tol=ZERO_ATOL), (got, want)


def _run(name):
    case = R["cases"][name]
    clients = pd.read_csv(REF / case["file"])
    return compare_conditions(clients, dropout="dropout", **CASES[name]), case


def test_reference_grid_is_complete():
    # the R script writes these four cases; a shrunken JSON must fail here, not pass quietly
    assert set(R["cases"]) == set(CASES)
    assert R["versions"]["metafor"] == "3.8.1" and R["versions"]["R"].startswith("R version 4.2.2")
    for case in R["cases"].values():
        assert len(case["contrasts"]) == 3 and len(case["descriptives"]) == 3 and len(case["study_effects"]) == 7
    assert R["cases"]["a_change"]["dropout"]["test"]["method"] == "chisq"
    assert R["cases"]["b_post"]["dropout"]["test"]["method"] == "fisher"
    assert "ancova" in R["cases"]["a_change"] and "ancova" in R["cases"]["c_change_age"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_descriptives_and_omnibus_equal_r(name):
    res, ref = _run(name)
    out = res.to_dict()
    assert out["n"] == {k: int(v) for k, v in ref["n"].items()}
    for got, want in zip(out["descriptives"], ref["descriptives"]):
        assert got["condition"] == want["condition"] and got["n"] == want["n"]
        for key in ("mean", "sd", "se", "ci_lower", "ci_upper"):
            _close(got[key], want[key])
    for key in ("f", "df1", "df2", "p", "eta2"):  # oneway.test(var.equal = TRUE), summary(aov)
        _close(out["anova"][key], ref["anova"][key])
    _close(out["anova"]["f"], ref["anova"]["aov_f"])
    for key in ("f", "df1", "df2", "p"):  # oneway.test(var.equal = FALSE)
        _close(out["welch"][key], ref["welch"][key])
    for key in ("h", "df", "p"):  # kruskal.test
        _close(out["kruskal"][key], ref["kruskal"][key])


@pytest.mark.parametrize("name", sorted(CASES))
def test_contrasts_equal_r(name):
    res, ref = _run(name)
    for got, want in zip(res.to_dict()["contrasts"], ref["contrasts"]):
        assert got["contrast"] == want["contrast"]
        for key in ("mean_difference", "hedges_g", "ci_lower", "ci_upper", "p_welch", "p_holm"):
            _close(got[key], want[key])
        _close(got["p_holm"], want["p_holm_pairwise_t_test"])  # pairwise.t.test(pool.sd = FALSE, "holm")
        _close(got["p_tukey"], want["p_tukey"], PTUKEY_REL)  # TukeyHSD
        _close(got["p_games_howell"], want["p_games_howell"], PTUKEY_REL)  # ptukey formula in the R script


@pytest.mark.parametrize("name", ["a_change", "c_change_age"])
def test_ancova_equals_r_lm(name):
    res, ref = _run(name)
    got, want = res.to_dict()["ancova"], ref["ancova"]
    for key in ("f", "df1", "df2", "p"):  # anova(lm(post ~ pre [+ age]), lm(... + condition))
        _close(got[key], want[key])
    assert set(got["coefficients"]) == set(want["coefficients"])
    for key, value in want["coefficients"].items():
        _close(got["coefficients"][key], value)
    for g, w in zip(got["coefficient_rows"], want["coefficient_rows"]):  # summary(lm), confint(lm)
        assert g["term"] == w["term"]
        for key in ("estimate", "se", "statistic", "p", "ci_lower", "ci_upper"):
            _close(g[key], w[key])
    for g, w in zip(got["adjusted_means"], want["adjusted_means"]):  # predict(se.fit = TRUE) at mean pre (age)
        assert g["condition"] == w["condition"]
        for key in ("adjusted_mean", "se", "ci_lower", "ci_upper"):
            _close(g[key], w[key])


@pytest.mark.parametrize("name", sorted(CASES))
def test_dropout_equals_r(name):
    res, ref = _run(name)
    got, want = res.to_dict()["dropout"], ref["dropout"]
    for g, w in zip(got["proportions"], want["proportions"]):
        assert (g["condition"], g["n"], g["dropouts"]) == (w["condition"], w["n"], w["dropouts"])
        _close(g["proportion"], w["proportion"])
    assert got["test"]["method"] == want["test"]["method"]
    _close(got["test"]["min_expected"], want["test"]["min_expected"])
    _close(got["test"]["p"], want["test"]["p"], FISHER_REL if want["test"]["method"] == "fisher" else CLOSED_FORM_REL)
    if want["test"]["method"] == "chisq":  # chisq.test(correct = FALSE)
        _close(got["test"]["statistic"], want["test"]["statistic"])
        assert got["test"]["df"] == want["test"]["df"]
    assert set(got["logit"]) == set(want["logit"])
    for key, value in want["logit"].items():  # glm(binomial, epsilon = 1e-14), confint.default
        _close(got["logit"][key], value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_study_effects_equal_metafor(name):
    res, ref = _run(name)
    table = study_effects(res)
    assert list(table["contrast"]) == [r["contrast"] for r in ref["study_effects"]]
    for row, want in zip(table.to_dict("records"), ref["study_effects"]):
        assert row["measure"] == want["measure"]
        assert (row["n1"], row["n2"], row["n"]) == (want["n1"], want["n2"], want["n"])
        for key in ("yi", "vi", "r"):  # escalc SMD / OR / COR, signed; r = yi / sqrt(yi^2 + a); cor()
            value = row[key]
            _close(None if isinstance(value, float) and math.isnan(value) else value, want[key])


def test_b_repaired_vs_none_dropout_separation_is_null_with_note():
    # conditions_b.csv: no repaired client dropped out (R: glm warns "fitted probabilities numerically 0 or 1")
    res, _ = _run("b_post")
    assert res.dropout["logit"]["or_repaired"] is None
    assert any("separation" in note for note in res.notes)
    assert any("Fisher" in note for note in res.notes)
