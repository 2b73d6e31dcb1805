"""Leave-one-out, influence, cumulative, Baujat and GOSH against metafor 3.8.1.

Sources: molloy2014.json ``leave_one_out_REML`` (make_reference_shared.R ``loo_keys(rma(yi, vi))``) and
analyses_reference.json (make_analyses_reference.R: ``leave1out``, ``influence(res)$inf``, ``cumul(res, order =
year)``, ``baujat(res)``, ``gosh(res)`` on the first 10 studies of dat.molloy2014).
"""

import numpy as np
import pytest
from analyses_helpers import ANALYSES, bcg, close, load, molloy
from tolerances import CLOSED_FORM, EXACT, ITERATIVE, PRINTED_8_SIGNIFICANT

from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import baujat, cumulative, influence, leave_one_out, meta_regression, rma
from ruptstats.meta.gosh_subsets import DEFAULT_SEED, gosh

INFLUENCE_KEYS = ("rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted", "q_deleted", "hat", "weight")
SERIES_KEYS = ("estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q")


def fitted(name, mods=None, test="z"):
    d = molloy() if name == "molloy2014" else bcg()
    labels = d.study if name == "molloy2014" else d.author
    if mods:
        return meta_regression(d.assign(label=labels), mods, study="label", test=test), d
    return rma(d.yi, d.vi, study=labels), d


@pytest.mark.parametrize("name, ref", [
    ("molloy2014", load("molloy2014.json")["leave_one_out_REML"]),
    ("bcg", ANALYSES["bcg"]["leave_one_out_REML"]),
])
def test_leave_one_out(name, ref):
    res, _ = fitted(name)
    loo = leave_one_out(res)
    assert list(loo.study) == [r["study"] for r in ref]
    for key in SERIES_KEYS:
        close(getattr(loo, key), [r[key] for r in ref], ITERATIVE)
    rows = loo.to_dict()
    assert len(rows) == res.k and {"study", "estimate", "ci_lower", "ci_upper", "i2"} <= set(rows[0])


@pytest.mark.parametrize("name, mods, key", [
    ("molloy2014", None, "influence_REML"),
    ("molloy2014", ["design"], "influence_design_REML"),
    ("bcg", None, "influence_REML"),
    ("bcg", ["ablat"], "influence_ablat_REML"),
    ("molloy2014", ["meanage"], "influence_meanage_REML_knha"),
])
def test_influence_diagnostics(name, mods, key):
    ref = ANALYSES[name][key]
    res, _ = fitted(name, mods, test="knha" if key.endswith("knha") else "z")
    inf = influence(res)
    assert list(inf.study) == ref["study"]
    for k in INFLUENCE_KEYS:
        close(getattr(inf, k), ref[k], ITERATIVE)
    assert inf.influential.tolist() == ref["influential"]


def test_influence_flags_as_metafor_does():
    # A planted outlier under a common-effect model. R: y <- c(.10, .12, .08, .11, .09, .13, .10, .95);
    # i <- influence(rma(y, rep(.004, 8), method = "FE"))$inf: inf = "*" "" "*" "" "*" "" "*" "*",
    # cook.d[8] = 22.3510204, rstudent[8] = 12.508283 (pchisq(cook.d, 1) > .5 flags studies 1, 3, 5, 7 too)
    y = np.array([0.10, 0.12, 0.08, 0.11, 0.09, 0.13, 0.10, 0.95])
    inf = influence(rma(y, np.full(8, 0.004), method="FE"))
    assert inf.influential.tolist() == [True, False, True, False, True, False, True, True]
    close([inf.cooks_distance[-1], inf.rstudent[-1]], [22.3510204, 12.508283], PRINTED_8_SIGNIFICANT)


@pytest.mark.parametrize("name", ["molloy2014", "bcg"])
def test_cumulative_by_year(name):
    ref = ANALYSES[name]["cumulative_year_REML"]
    res, d = fitted(name)
    cm = cumulative(res, d.year)
    assert list(cm.study) == ref["study"]
    for key in SERIES_KEYS:
        close(getattr(cm, key), ref[key], ITERATIVE)
    assert cm.estimate[-1] == pytest.approx(res.estimate, rel=EXACT)
    rev = cumulative(res, d.year, decreasing=True)
    assert rev.study[0] == d.loc[d.year.idxmax(), "study" if name == "molloy2014" else "author"]


def test_cumulative_rejects_missing_order_values():
    res, d = fitted("bcg")
    year = d.year.astype(float)
    year[3] = np.nan
    with pytest.raises(DataError, match="missing"):
        cumulative(res, year)
    with pytest.raises(DataError, match="values for"):
        cumulative(res, [1, 2])


@pytest.mark.parametrize("name", ["molloy2014", "bcg"])
def test_baujat_coordinates(name):
    ref = ANALYSES[name]["baujat_REML"]
    b = baujat(fitted(name)[0])
    close(b.x, ref["x"], ITERATIVE)
    close(b.y, ref["y"], ITERATIVE)
    assert list(b.summary_frame().columns) == ["study", "x", "y"]


@pytest.mark.parametrize("method", ["FE", "DL"])
def test_gosh_all_subsets_of_ten_studies(method):
    # gosh(rma(yi, vi, data = es[1:10, ], method = <method>)): 1023 subsets ordered by size as metafor orders them
    ref = ANALYSES["molloy2014"][f"gosh_first10_{method}"]
    d = molloy().iloc[:10]
    g = gosh(rma(d.yi, d.vi, method=method))
    assert g.exact and g.incl.shape == (1023, 10)
    assert ["".join(str(int(b)) for b in row) for row in g.incl] == ref["incl"]
    close(g.k, ref["k"], 0)
    for key in ("estimate", "q", "i2", "h2", "tau2"):
        close(getattr(g, key), ref[key], CLOSED_FORM)


def test_gosh_random_subsets_are_seeded():
    d = molloy()
    res = rma(d.yi, d.vi, method="DL")
    a, b = gosh(res, max_subsets=500, seed=5), gosh(res, max_subsets=500, seed=5)
    c = gosh(res, max_subsets=500, seed=6)
    assert not a.exact and a.k.size == 500 and a.k.min() >= 1
    np.testing.assert_array_equal(a.incl, b.incl)
    assert not np.array_equal(a.incl, c.incl)
    np.testing.assert_array_equal(a.k, a.incl.sum(axis=1))
    default = gosh(res, max_subsets=500)  # no seed: the documented default seed, reported in the result
    assert default.seed == DEFAULT_SEED
    np.testing.assert_array_equal(default.incl, gosh(res, max_subsets=500, seed=DEFAULT_SEED).incl)
    with pytest.raises(OptionError, match="FE or DL"):
        gosh(rma(d.yi, d.vi))


def test_leave_one_out_needs_an_intercept_only_model():
    res, _ = fitted("bcg", ["ablat"])
    with pytest.raises(OptionError, match="intercept-only"):
        leave_one_out(res)
