"""Meta-regression, common-tau2 subgroups and permutation tests against metafor 3.8.1.

Sources: molloy2014.json / bcg.json (make_reference_shared.R: ``coef_keys(fit_rma(es, method, test, mods))``)
and analyses_reference.json (make_analyses_reference.R). Term names: metafor's ``intrcpt`` is ``intercept``,
``designprospective`` is ``design[prospective]``.
"""

import re

import numpy as np
import pandas as pd
import pytest
from analyses_helpers import (ANALYSES, bcg, close, load, molloy)
from tolerances import CLOSED_FORM, EXACT, ITERATIVE

from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import meta_regression, permutation_test, rma, subgroup_analysis

COEF_KEYS = ("estimate", "se", "statistic", "p", "ci_lower", "ci_upper")
MODEL_KEYS = ("qm", "qm_p", "tau2", "q_residual", "q_residual_p")


def _term(name: str) -> str:
    """metafor's coefficient name in our spelling (intrcpt -> intercept, designprospective -> design[...])."""
    if name == "intrcpt":
        return "intercept"
    for mod in ("design", "controls", "alloc"):
        if name.startswith(mod) and name != mod:
            return f"{mod}[{name[len(mod):]}]"
    return name


def check_against(res, ref, rtol):
    assert res.k == ref["k"]
    assert list(res.terms) == [_term(c["term"]) for c in ref["coefficients"]]
    for key in COEF_KEYS:
        close(getattr(res, key), [c[key] for c in ref["coefficients"]], rtol)
    for key in MODEL_KEYS:
        close(getattr(res, key), ref[key], rtol)
    close(0.0 if res.r2 is None else res.r2, ref["r2"], rtol)
    assert res.qm_df == ref["qm_df"] and res.q_residual_df == ref["q_residual_df"]


CASES = [  # (data, moderators, test, method, reference file, key)
    (molloy, ["meanage"], "z", "REML", "molloy2014.json", "meta_regression_meanage_REML"),
    (molloy, ["meanage"], "knha", "REML", "molloy2014.json", "meta_regression_meanage_REML_knha"),
    (molloy, ["design"], "z", "REML", "molloy2014.json", "meta_regression_design_REML"),
    (bcg, ["ablat"], "z", "REML", "bcg.json", "meta_regression_ablat_REML"),
    (bcg, ["ablat"], "knha", "REML", "bcg.json", "meta_regression_ablat_REML_knha"),
    (molloy, ["design", "controls", "meanage"], "z", "REML", None, "meta_regression_design_controls_meanage_REML"),
    (molloy, ["design", "controls", "meanage"], "knha", "REML", None,
     "meta_regression_design_controls_meanage_REML_knha"),
    (molloy, ["design"], "z", "DL", None, "meta_regression_design_DL"),
    (bcg, ["ablat", "alloc"], "z", "REML", None, "meta_regression_ablat_alloc_REML"),
    (bcg, ["ablat", "alloc"], "knha", "REML", None, "meta_regression_ablat_alloc_REML_knha"),
]


@pytest.mark.parametrize("data, mods, test, method, file, key", CASES, ids=[c[-1] for c in CASES])
def test_meta_regression_equals_metafor(data, mods, test, method, file, key):
    # rma(yi, vi, mods = ~ <mods>, method = <method>, test = <test>) -> coef_keys()
    ref = load(file)[key] if file else ANALYSES["molloy2014" if data is molloy else "bcg"][key]
    res = meta_regression(data(), mods, method=method, test=test)
    rtol = CLOSED_FORM if method == "DL" else ITERATIVE
    check_against(res, ref, rtol)
    assert (res.df is None) == (test == "z")


def test_meta_regression_from_a_result_uses_its_settings():
    d = molloy()
    res = rma(d.yi, d.vi, study=d.study, test="knha")
    mr = meta_regression(res, d[["meanage"]])
    check_against(mr, load("molloy2014.json")["meta_regression_meanage_REML_knha"], ITERATIVE)
    assert mr.study == res.study


def test_missing_moderator_rows_are_left_out_of_that_model_only():
    d = bcg()
    d.loc[[2, 7], "ablat"] = np.nan
    mr = meta_regression(d, ["ablat"], study="author")
    assert mr.k == 11 and mr.excluded == (d.author[2], d.author[7])
    direct = meta_regression(d.drop(index=[2, 7]), ["ablat"])
    np.testing.assert_array_equal(mr.estimate, direct.estimate)
    out = mr.to_dict()
    assert out["n_excluded"] == 2 and "left out" in " ".join(out["notes"])


def test_categorical_levels_are_sorted_with_the_first_as_reference():
    mr = meta_regression(bcg(), ["alloc"])
    assert mr.terms == ("intercept", "alloc[random]", "alloc[systematic]")
    assert mr.reference_levels == {"alloc": "alternate"}
    frame = mr.summary_frame()
    assert list(frame.columns) == ["term", *COEF_KEYS] and len(frame) == 3
    w = 1 / (mr.vi + mr.tau2)
    np.testing.assert_allclose(mr.weight, 100 * w / w.sum(), rtol=EXACT)
    assert re.search(r"Test of moderators: QM\(2\)", mr.summary())


@pytest.mark.parametrize("mods, err, fragment", [
    (["nope"], DataError, "not a column"),
    ([], OptionError, "empty"),
    (["ablat", "ablat"], OptionError, "more than once"),
    (["ablat", "latitude_copy"], DataError, "not of full rank"),
    (["alloc", "trial_label"], DataError, "cannot estimate"),
])
def test_bad_moderators_raise_clear_errors(mods, err, fragment):
    d = bcg()
    d["latitude_copy"] = 2 * d.ablat
    d["trial_label"] = [f"trial {i}" for i in range(len(d))]  # 12 dummies + 2 + intercept > 13 studies
    with pytest.raises(err, match=fragment):
        meta_regression(d, mods)


def test_common_tau2_subgroups_equal_the_no_intercept_meta_regression():
    # rma(yi, vi, mods = ~ 0 + design) and QM of rma(yi, vi, mods = ~ design)
    ref = ANALYSES["molloy2014"]["subgroups_common_tau2_design_REML"]
    d = molloy()
    sg = subgroup_analysis(rma(d.yi, d.vi, study=d.study), d.design, tau2_model="common", name="design")
    order = [list(sg.levels).index(level) for level in ref["levels"]]
    for key in ("estimate", "se", "ci_lower", "ci_upper"):
        close(getattr(sg, key)[order], ref[key], ITERATIVE)
    for key in ("tau2", "qm", "qm_p"):
        close(getattr(sg, key), ref[key], ITERATIVE)
    assert sg.qm_df == ref["qm_df"]
    assert sg.to_dict()["subgroups"][0]["k"] == int((d.design == sg.levels[0]).sum())


def test_exact_permutation_test_of_a_meta_regression():
    # permutest(rma(yi, vi, mods = ~ design), iter = 1e5): 16!/(5! 11!) = 4368 distinct permutations, exact
    ref = ANALYSES["molloy2014"]["permutest_design_REML"]
    pt = permutation_test(meta_regression(molloy(), ["design"]), iterations=100000)
    assert pt.exact and pt.iterations == 4368 and pt.seed is None
    close(pt.p, ref["p"], CLOSED_FORM)
    close(pt.qm_p, ref["qm_p"], CLOSED_FORM)


def test_exact_sign_flip_test_of_an_intercept_only_model():
    # permutest(rma(yi, vi, method = "DL"), iter = 1e4) on dat.bcg: 2^13 = 8192 sign patterns, exact
    ref = ANALYSES["bcg"]["permutest_intercept_DL"]
    b = bcg()
    pt = permutation_test(rma(b.yi, b.vi, method="DL"), iterations=10000)
    assert pt.exact and pt.iterations == 2**13
    close(pt.p, [ref["p"]], CLOSED_FORM)
    close(pt.qm_p, ref["qm_p"], CLOSED_FORM)


def test_random_permutations_are_seeded():
    mr = meta_regression(bcg(), ["ablat"], method="DL")
    a = permutation_test(mr, iterations=200, seed=11)
    b = permutation_test(mr, iterations=200, seed=11)
    c = permutation_test(mr, iterations=200, seed=12)
    assert not a.exact and a.iterations == 200
    np.testing.assert_array_equal(a.p, b.p)
    assert a.qm_p == b.qm_p and not np.array_equal(np.r_[a.p, a.qm_p], np.r_[c.p, c.qm_p])
    # the observed arrangement counts, so p >= 1/iterations; the latitude effect is strong in dat.bcg
    assert 1 / 200 <= a.qm_p < 0.05
    with pytest.raises(OptionError, match="seed"):
        permutation_test(mr, iterations=200)
    with pytest.raises(OptionError, match="iterations"):
        permutation_test(mr, iterations=1, seed=1)
