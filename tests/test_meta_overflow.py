"""Effect sizes so large that their squares overflow double precision: every estimator gives a result.

Reference values come from R 4.2.2 with metafor 3.8.1 (run 2026-11-30), y = c(1, 2, -1) * s, v = c(.1, .2, .1):

- s = 1e200: ``rma(y, v, method=m, test=t)`` stops with "singular matrix 'a' in solve" for every m in REML, ML,
  DL, HE, SJ, PM, EB, HS, HSk and both tests; only ``method="GENQ", weights=1/v`` returns, with tau2 = Inf,
  se = NaN, I2 = NaN, H2 = Inf. The true tau2 (about 2.3e400) is beyond the largest double. ruptstats'
  deliberate difference: tau2 = inf (null in JSON) with a note saying so, the estimate is the tau2 -> inf limit
  of the random-effects estimate (the unweighted mean, the weights 1/(vi + tau2) being equal), I2 = 100 and
  H2 = inf (their limits), the z-test's SE, statistic and p undefined (NaN, null in JSON: the variance
  (vi + tau2)/k is infinite), and the Knapp-Hartung SE at its exact, finite, tau2-free limit
  sqrt(sum (yi - ybar)^2 / (k (k - 1))) (the t-test of the unweighted mean).
- s = 1e150 and 1e100: DL, HE, SJ, PM, EB and HS return finite values (pasted below; se.tau2 is Inf or NaN in
  metafor, where ruptstats evaluates the same formula without overflowing tau2^2); REML and ML do not return
  within 20 s (``timeout 20 Rscript``), so their values come from the equivalent rescaled problem
  ``rma(c(1, 2, -1), c(.1, .2, .1) * 1e-200, method=m)`` times 1e100 (tau2 times 1e200): the estimators are
  scale equivariant.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from tolerances import ALGEBRAIC, EXACT

from ruptstats.cli.meta import main
from ruptstats.meta import rma
from ruptstats.meta.estimators import OVERFLOW_NOTE, estimate_tau2

V = np.array([0.1, 0.2, 0.1])
BASE = np.array([1.0, 2.0, -1.0])
METHODS = ("REML", "ML", "DL", "HE", "SJ", "PM", "EB", "HS")
CLOSED = EXACT  # values equal to metafor's up to rounding (closed forms of the same few operations)
ITERATIVE = ALGEBRAIC  # metafor stops its iterations early (EB, PM), or the comparison is with a rescaled fit


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", ["z", "knha"])
def test_tau2_beyond_the_largest_double_gives_a_result(method, test):
    res = rma(BASE * 1e200, V, method=method, test=test)
    assert math.isinf(res.tau2)
    assert OVERFLOW_NOTE in res.notes
    # the unweighted mean, (1 + 2 - 1)/3 * 1e200 (exact arithmetic, rounded once)
    assert res.estimate == pytest.approx(2e200 / 3, rel=1e-15)
    assert res.i2 == 100.0 and math.isinf(res.h2)
    if test == "z":
        assert math.isinf(res.se) and math.isnan(res.statistic) and math.isnan(res.p)
    else:
        # deviations 1/3, 4/3, -5/3 (x 1e200): sum of squares 42/9, / (k (k - 1)) = 7/9, se = sqrt(7)/3 * 1e200;
        # t = (2/3) / (sqrt(7)/3) = 2/sqrt(7); metafor's KnHa at s = 1e150 (tau2 >> vi) prints the same digits:
        # se = 8.8191710368819698e+149, p = 0.52859547920896832
        assert res.se == pytest.approx(math.sqrt(7) / 3 * 1e200, rel=CLOSED)
        assert res.statistic == pytest.approx(2 / math.sqrt(7), rel=CLOSED)
        assert res.p == pytest.approx(0.52859547920896832, rel=1e-12)
        assert res.df == 2
        assert res.ci_lower < res.estimate < res.ci_upper and math.isfinite(res.ci_lower)
    assert math.isinf(res.pi_lower) and math.isinf(res.pi_upper)
    assert res.tau2_ci_lower is None


def test_estimate_tau2_reports_overflow_for_every_method():
    for method in METHODS:
        est = estimate_tau2(BASE * 1e200, V, method=method)
        assert math.isinf(est.tau2) and est.note == OVERFLOW_NOTE, method


# metafor 3.8.1: rma(c(1,2,-1)*1e150, c(.1,.2,.1), method=m, test=t) -> tau2, b, se, pval, pi.lb (predict())
METAFOR_1E150 = {
    ("DL", "z"): (2.2499999999999994e+300, 6.6666666666666681e+149, 8.6602540378443855e+149, 0.44141832678205351,
                  -2.7280905355618473e+150),
    ("DL", "knha"): (2.2499999999999994e+300, 6.6666666666666681e+149, 8.8191710368819698e+149,
                     0.52859547920896832, None),
    ("HE", "z"): (2.3333333333333335e+300, 6.6666666666666681e+149, 8.8191710368819698e+149, 0.44969179796889092,
                  -2.7903848544908175e+150),
    ("SJ", "z"): (2.3333333333333335e+300, 6.6666666666666681e+149, 8.8191710368819698e+149, 0.44969179796889092,
                  -2.7903848544908175e+150),
    ("PM", "z"): (2.3333333333333335e+300, 6.6666666666666681e+149, 8.8191710368819698e+149, 0.44969179796889092,
                  -2.7903848544908175e+150),
    ("EB", "knha"): (2.3333333333333335e+300, 6.6666666666666681e+149, 8.8191710368819698e+149,
                     0.52859547920896832, None),
    ("HS", "z"): (1.4400000000000003e+300, 6.6666666666666626e+149, 6.9282032302755084e+149, 0.33592381315173592,
                  -2.0491390951161458e+150),
    ("HS", "knha"): (1.4400000000000003e+300, 6.6666666666666626e+149, 8.819171036881968e+149, 0.52859547920896843,
                     None),
}

# metafor 3.8.1: rma(c(1,2,-1), c(.1,.2,.1)*1e-200, method=m, test=t); times 1e100 (tau2 times 1e200) this is the
# fit to y*1e100, v (metafor itself does not return on that table within 20 s)
METAFOR_RESCALED = {
    ("REML", "z"): (2.3333333333333326, 0.6666666666666663, 0.88191710368819654, 0.44969179796889092,
                    -2.7903848544908172),
    ("REML", "knha"): (2.3333333333333326, 0.6666666666666663, 0.88191710368819665, 0.52859547920896843,
                       -6.9224994005268545),
    ("ML", "z"): (1.5555555555555554, 0.66666666666666652, 0.72008229982309546, 0.35453947977350136,
                  -2.1560040804494132),
    ("ML", "knha"): (1.5555555555555554, 0.66666666666666652, 0.88191710368819676, 0.52859547920896843,
                     -5.9057439410617629),
}


@pytest.mark.parametrize("key", sorted(METAFOR_1E150))
def test_squares_that_overflow_with_a_representable_tau2_match_metafor(key):
    method, test = key
    tau2, b, se, p, pi_lower = METAFOR_1E150[key]
    res = rma(BASE * 1e150, V, method=method, test=test)
    tol = ITERATIVE if method in ("PM", "EB") else CLOSED
    assert res.tau2 == pytest.approx(tau2, rel=tol)
    assert res.estimate == pytest.approx(b, rel=tol)
    assert res.se == pytest.approx(se, rel=tol)
    assert res.p == pytest.approx(p, rel=1e-12)
    if pi_lower is not None:
        assert res.pi_lower == pytest.approx(pi_lower, rel=tol)
    assert math.isfinite(res.tau2_se)  # metafor: se.tau2 = Inf (DL, HE, PM, EB, HS) or NaN (SJ)
    assert res.i2 == pytest.approx(100.0, rel=1e-12)


@pytest.mark.parametrize("key", sorted(METAFOR_RESCALED))
@pytest.mark.parametrize("scale", [1e100, 1e150])
def test_likelihood_estimators_on_large_values_match_metafor_on_the_rescaled_table(key, scale):
    method, test = key
    tau2, b, se, p, pi_lower = METAFOR_RESCALED[key]
    res = rma(BASE * scale, V, method=method, test=test)
    assert res.tau2 == pytest.approx(tau2 * scale**2, rel=ITERATIVE)
    assert res.estimate == pytest.approx(b * scale, rel=ITERATIVE)
    assert res.se == pytest.approx(se * scale, rel=ITERATIVE)
    assert res.p == pytest.approx(p, rel=ITERATIVE)
    assert res.pi_lower == pytest.approx(pi_lower * scale, rel=ITERATIVE)


@pytest.mark.parametrize("method", ["DL", "HE", "SJ", "HS"])
def test_tau2_se_of_large_values_is_the_rescaled_se(method):
    # scale equivariance: se(tau2) of (y * 1e100, v) equals 1e80 * se(tau2) of (y * 1e60, v * 1e-80), a table on
    # which neither tau2^2 (~1e241) nor (1/vi)^2 (~1e162) overflows; metafor reports Inf (or NaN for SJ) on the first
    big = estimate_tau2(BASE * 1e100, V, method=method)
    small = estimate_tau2(BASE * 1e60, V * 1e-80, method=method)
    assert math.isfinite(small.se)
    assert big.se == pytest.approx(small.se * 1e80, rel=1e-12)
    assert big.tau2 == pytest.approx(small.tau2 * 1e80, rel=1e-12)


def test_ordinary_values_are_not_rescaled():
    # metafor 3.8.1: rma(c(1,2,-1), c(.1,.2,.1), method="REML")$tau2 = 2.1913986...; the rescaling path only
    # starts above a spread of 2^128, so these fits are unchanged
    res = rma(BASE, V, method="REML")
    assert res.tau2 == pytest.approx(2.1913986264675875, rel=1e-9)
    assert OVERFLOW_NOTE not in res.notes


TABLE = "study,yi,vi,g\na,1e200,0.1,x\nb,2e200,0.2,x\nc,-1e200,0.1,y\nd,3e200,0.1,y\ne,5e199,0.3,x\n"


@pytest.mark.parametrize("method", ["REML", "DL", "PM", "HS"])
@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("extra", [[], ["--sensitivity"], ["--bias"], ["--subgroup", "g"],
                                   ["--subgroup", "g", "--common-tau2"]])
def test_cli_json_is_strict_with_a_note(tmp_path, capsys, method, test, extra):
    path = tmp_path / "big.csv"
    path.write_text(TABLE)
    rc = main([str(path), "--method", method, "--test", test, "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert rc == 0, err
    payload = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    model = payload.get("overall", payload) if "tau2" not in payload else payload
    assert model["tau2"] is None
    assert any("exceeds the largest double" in n for n in payload["notes"])
    assert model["i2"] == 100.0


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown"])
def test_cli_other_formats(tmp_path, capsys, fmt):
    path = tmp_path / "big.csv"
    path.write_text(TABLE)
    rc = main([str(path), "--method", "REML", "--format", fmt])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert out.strip()


@pytest.mark.parametrize("test", ["z", "knha"])
def test_permutation_test_of_overflowing_effects_is_undefined_not_an_error(tmp_path, capsys, test):
    """A moderator on effects whose tau2 is infinite: the Wald statistic QM is beyond double precision (the
    coefficient covariance overflows), so QM and its permutation p are null with notes, not an error
    (was 'the computation failed ... ZeroDivisionError')."""
    path = tmp_path / "big4.csv"
    path.write_text("study,yi,vi,year\na,1e200,0.1,2001\nb,2e200,0.2,2002\nc,-1e200,0.1,2003\nd,3e200,0.3,2004\n",
                    encoding="utf-8")
    status = main([str(path), "--yi", "yi", "--vi", "vi", "--moderator", "year", "--permutations", "50", "--seed",
                   "1", "--test", test, "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    perm = out["permutation_test"]
    assert perm["qm"] is None and perm["qm_p"] is None
    assert any(note.startswith("qm is undefined") for note in perm["notes"])
