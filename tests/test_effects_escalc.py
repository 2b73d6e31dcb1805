"""escalc against metafor 3.8.1: normand1999.json (SMD, SMDH, MD, ROM), bcg.json (RR, OR, RD) and
effects_reference.json (COR, UCOR, ZCOR, SMCR, zero cells), all made by the R scripts in tests/reference/."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import ALGEBRAIC, ELEMENTWISE, PUBLISHED_TABLE, ZERO_ATOL

from ruptstats.effects import convert, escalc
from ruptstats.effects.means import hedges_correction
from ruptstats.effects.measures import MEASURES
from ruptstats.exceptions import DataWarning

REF = Path(__file__).parent / "reference"


def _load(name):
    return json.loads((REF / name).read_text(encoding="utf-8"))


NORMAND = _load("normand1999.json")
BCG = _load("bcg.json")
EFFECTS = _load("effects_reference.json")


def _close(got, want):
    want = np.array([np.nan if w is None else w for w in want], dtype=float)
    got = np.asarray(got, dtype=float)
    assert np.array_equal(np.isfinite(got), np.isfinite(want)), (got, want)
    ok = np.isfinite(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=ELEMENTWISE, atol=0)


@pytest.mark.parametrize("measure", ["SMD", "SMDH", "MD", "ROM"])
def test_two_group_measures_equal_metafor_normand1999(measure):
    # tests/reference/normand1999.json: escalc(measure, m1i, sd1i, n1i, m2i, sd2i, n2i, data = dat.normand1999)
    data = pd.read_csv(REF / "normand1999.csv")
    out = escalc(data, measure=measure, m1i="m1i", sd1i="sd1i", n1i="n1i", m2i="m2i", sd2i="sd2i", n2i="n2i")
    ref = NORMAND["escalc"][measure]
    assert list(out["source"]) == [r["study"] for r in ref]
    _close(out["yi"], [r["yi"] for r in ref])
    _close(out["vi"], [r["vi"] for r in ref])
    assert set(out["measure"]) == {measure} and out.attrs["measure"] == measure


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_2x2_measures_equal_metafor_bcg(measure):
    # tests/reference/bcg.json: escalc(measure, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
    data = pd.read_csv(REF / "bcg.csv")
    out = escalc(data, measure=measure, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    _close(out["yi"], [r["yi"] for r in BCG["escalc"][measure]])
    _close(out["vi"], [r["vi"] for r in BCG["escalc"][measure]])


def test_2x2_from_events_and_group_sizes_equals_cells():
    # the same bcg.json values when bi/di are given as group sizes n1i = tpos + tneg, n2i = cpos + cneg
    data = pd.read_csv(REF / "bcg.csv").assign(n1=lambda d: d.tpos + d.tneg, n2=lambda d: d.cpos + d.cneg)
    out = escalc(data, measure="OR", ai="tpos", n1i="n1", ci="cpos", n2i="n2")
    _close(out["yi"], [r["yi"] for r in BCG["escalc"]["OR"]])


@pytest.mark.parametrize("measure", ["COR", "UCOR", "ZCOR"])
def test_correlations_equal_metafor_molloy2014(measure):
    ref = EFFECTS["correlations"]  # escalc(measure, ri, ni, data = dat.molloy2014)
    out = escalc(measure=measure, ri=ref["ri"], ni=ref["ni"])
    _close(out["yi"], ref[measure]["yi"])
    _close(out["vi"], ref[measure]["vi"])


def test_ucor_at_large_n_equals_metafor():
    ref = EFFECTS["correlations"]["UCOR_large_n"]  # escalc("UCOR", ri, ni) with n up to 20000
    out = escalc(measure="UCOR", ri=ref["ri"], ni=ref["ni"])
    _close(out["yi"], ref["yi"])
    _close(out["vi"], ref["vi"])


def test_smcr_equals_metafor():
    ref = EFFECTS["smcr"]  # escalc("SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni, ri)
    data = pd.DataFrame({k: ref[k] for k in ("m_post", "m_pre", "sd_pre", "ni", "ri")})
    out = escalc(data, measure="SMCR", m1i="m_post", m2i="m_pre", sd1i="sd_pre", ni="ni", ri="ri")
    _close(out["yi"], ref["yi"])
    _close(out["vi"], ref["vi"])


def test_smcr_takes_one_correlation_for_all_rows():
    ref = EFFECTS["smcr"]
    data = pd.DataFrame({k: ref[k] for k in ("m_post", "m_pre", "sd_pre", "ni")})
    one = escalc(data, measure="SMCR", m1i="m_post", m2i="m_pre", sd1i="sd_pre", ni="ni", ri=0.5)
    col = escalc(data.assign(r=0.5), measure="SMCR", m1i="m_post", m2i="m_pre", sd1i="sd_pre", ni="ni", ri="r")
    np.testing.assert_array_equal(one["vi"], col["vi"])


@pytest.mark.parametrize("case", EFFECTS["zero_cells"]["cases"],
                         ids=lambda c: f"{c['measure']}-{c['to']}-add{c['add']}-drop00{c['drop00']}")
def test_zero_cell_handling_equals_metafor(case):
    z = EFFECTS["zero_cells"]  # escalc(measure, ai, bi, ci, di, add = add, to = to[, drop00 = TRUE])
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = escalc(measure=case["measure"], ai=z["ai"], bi=z["bi"], ci=z["ci"], di=z["di"], add=case["add"],
                     to=case["to"], drop00=case["drop00"])
    # rows 4 (ai = ci = 0) and 5 (bi = di = 0) are named when drop00 empties them
    assert [str(w.message) for w in caught if issubclass(w.category, DataWarning)] == (
        ["row(s) 4, 5: no events (or only events) in both groups; yi and vi are NaN (drop00=True)"]
        if case["drop00"] else [])
    _close(out["yi"], case["yi"])
    _close(out["vi"], case["vi"])


def test_zero_cell_grid_is_complete():
    # 3 measures x 4 'to' x 2 'add' + 3 drop00 cases; a shrinking grid fails here
    cases = EFFECTS["zero_cells"]["cases"]
    grid = {(c["measure"], c["to"], c["add"], c["drop00"]) for c in cases}
    want = {(m, t, a, False) for m in ("OR", "RR", "RD") for t in ("only0", "all", "if0all", "none")
            for a in (0.5, 1.0)} | {(m, "only0", 0.5, True) for m in ("OR", "RR", "RD")}
    assert grid == want and len(cases) == len(want)


def test_reference_grid_is_complete():
    assert EFFECTS["metafor"] == "3.8.1" and EFFECTS["r_version"].startswith("R version 4.2.2")
    assert len(EFFECTS["correlations"]["ri"]) == 16
    assert all(len(EFFECTS["correlations"][m]["yi"]) == 16 for m in ("COR", "UCOR", "ZCOR"))
    assert len(EFFECTS["correlations"]["UCOR_large_n"]["yi"]) == 6
    assert len(EFFECTS["smcr"]["yi"]) == 6
    assert {len(NORMAND["escalc"][m]) for m in ("SMD", "SMDH", "MD", "ROM")} == {9}
    assert {len(BCG["escalc"][m]) for m in ("RR", "OR", "RD")} == {13}
    assert [(r["rho"], r["weighted"]) for r in EFFECTS["aggregate"]["results"]] == [
        (0.6, True), (0.6, False), (0.0, True), (0.0, False)]
    assert set(EFFECTS["conversions"]) == {"log_or_to_d", "chi2_to_r", "t_to_d", "paired_t_to_d", "p_to_z",
                                           "ci_to_se"}
    # every measure escalc offers is checked against one of these files (the issue-11 measures against
    # parity2_reference.json, whose grid tests/test_parity2_effects.py checks)
    issue11 = {"PR", "PLN", "PLO", "PAS", "PFT", "IR", "IRR", "SMCC", "SMCRH", "PCOR", "ZPCOR", "SPCOR", "RPB",
               "RBIS", "D2ORN", "D2ORL", "OR2DN", "OR2DL"}
    assert set(MEASURES) == {"COR", "UCOR", "ZCOR", "MD", "SMD", "SMDH", "ROM", "OR", "RR", "RD", "SMCR"} | issue11


def test_output_is_a_copy_with_the_callers_rows():
    data = pd.read_csv(REF / "normand1999.csv")
    before = data.copy()
    out = escalc(data, measure="MD", m1i="m1i", sd1i="sd1i", n1i="n1i", m2i="m2i", sd2i="sd2i", n2i="n2i")
    pd.testing.assert_frame_equal(data, before)
    assert list(out.columns) == list(data.columns) + ["yi", "vi", "measure"]


def test_book_example_two_groups():
    # Borenstein et al. (2009), ch. 4, pp. 27-28: means 103/100, SDs 5.5/4.5, n = 50/50 -> g = 0.5924
    # (the book uses J = 1 - 3/(4 df - 1); the exact J agrees to the 4 printed decimals). The book's
    # v_g = J^2 v_d = 0.0411 is not metafor's "LS" variance 1/n1 + 1/n2 + g^2 / (2 N), which escalc follows.
    out = escalc(measure="SMD", m1i=[103.0], sd1i=[5.5], n1i=[50], m2i=[100.0], sd2i=[4.5], n2i=[50])
    assert out["yi"].iloc[0] == pytest.approx(0.5924, abs=PUBLISHED_TABLE)
    assert out["vi"].iloc[0] == pytest.approx(1 / 50 + 1 / 50 + out["yi"].iloc[0] ** 2 / 200, rel=ELEMENTWISE)


# --- properties (hypothesis) ----------------------------------------------------------------------------------

means_ = st.floats(-100, 100)
sds = st.floats(0.1, 50)
ns = st.integers(2, 2000)


@settings(max_examples=150, deadline=None)
@given(m1=means_, s1=sds, n1=ns, m2=means_, s2=sds, n2=ns)
def test_swapping_groups_flips_the_sign(m1, s1, n1, m2, s2, n2):
    for measure in ("MD", "SMD", "SMDH"):
        a = escalc(measure=measure, m1i=[m1], sd1i=[s1], n1i=[n1], m2i=[m2], sd2i=[s2], n2i=[n2])
        b = escalc(measure=measure, m1i=[m2], sd1i=[s2], n1i=[n2], m2i=[m1], sd2i=[s1], n2i=[n1])
        assert b["yi"].iloc[0] == pytest.approx(-a["yi"].iloc[0], rel=ALGEBRAIC, abs=ZERO_ATOL)
        assert b["vi"].iloc[0] == pytest.approx(a["vi"].iloc[0], rel=ALGEBRAIC)


@settings(max_examples=150, deadline=None)
@given(m1=means_, s1=sds, n1=ns, m2=means_, s2=sds, n2=ns)
def test_smd_equals_corrected_d_from_the_pooled_t(m1, s1, n1, m2, s2, n2):
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    t = (m1 - m2) / (sp * np.sqrt(1 / n1 + 1 / n2))
    d, _ = convert.t_to_d(t, n1, n2)
    g = escalc(measure="SMD", m1i=[m1], sd1i=[s1], n1i=[n1], m2i=[m2], sd2i=[s2], n2i=[n2])["yi"].iloc[0]
    assert g == pytest.approx(float(hedges_correction(n1 + n2 - 2) * d[0]), rel=ALGEBRAIC, abs=ZERO_ATOL)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.integers(0, 500), min_size=4, max_size=4))
def test_or_of_the_swapped_table_is_the_negative(cells):
    a, b, c, d = cells
    x = escalc(measure="OR", ai=[a], bi=[b], ci=[c], di=[d])
    y = escalc(measure="OR", ai=[c], bi=[d], ci=[a], di=[b])
    assert y["yi"].iloc[0] == pytest.approx(-x["yi"].iloc[0], rel=ALGEBRAIC, abs=ZERO_ATOL)
    assert y["vi"].iloc[0] == pytest.approx(x["vi"].iloc[0], rel=ALGEBRAIC)
