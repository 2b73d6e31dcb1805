"""Properties of compare_conditions / study_effects on random client tables (hypothesis): invariances that hold
for any data, whatever the sample. Outcomes are whole numbers (questionnaire totals), so shifting them is exact."""

import json
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tolerances import ALGEBRAIC, ZERO_ATOL

from ruptstats.conditions import compare_conditions, study_effects

REL = ALGEBRAIC  # the same arithmetic on shifted/relabelled data: only rounding differs
CONDS = ("none", "unrepaired", "repaired")


@st.composite
def client_tables(draw, min_size=0):
    sizes = [draw(st.integers(min_size, 7)) for _ in CONDS]
    rows = []
    for cond, n in zip(CONDS, sizes):
        for _ in range(n):
            rows.append({"condition": cond, "pre": draw(st.integers(0, 180)), "post": draw(st.integers(0, 180)),
                         "dropout": draw(st.booleans())})
    return pd.DataFrame(rows, columns=["condition", "pre", "post", "dropout"]).astype(
        {"pre": float, "post": float})


def _same(a, b):
    if a is None or b is None:
        assert a is None and b is None, (a, b)
    else:
        assert math.isclose(a, b, rel_tol=REL, abs_tol=ALGEBRAIC), (a, b)


FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(client_tables())
def test_to_dict_is_strict_json_on_any_table(data):
    res = compare_conditions(data, outcome="post", baseline="pre", dropout="dropout")
    json.dumps(res.to_dict(), allow_nan=False)
    assert sum(res.n.values()) == len(data)
    table = study_effects(res, higher_is_better=False)
    assert len(table) == 7


@FAST
@given(client_tables(min_size=2), st.integers(-50, 50))
def test_adding_a_constant_to_the_outcome_changes_no_test_statistic(data, shift):
    a = compare_conditions(data, outcome="post")
    b = compare_conditions(data.assign(post=data["post"] + shift), outcome="post")
    for key in ("anova", "welch", "kruskal"):
        if getattr(a, key) is None:
            assert getattr(b, key) is None
            continue
        for stat, value in getattr(a, key).items():
            _same(value, getattr(b, key)[stat])
    for ra, rb in zip(a.contrasts, b.contrasts):
        for key in ("mean_difference", "hedges_g", "ci_lower", "ci_upper", "p_tukey", "p_games_howell", "p_holm"):
            _same(ra[key], rb[key])


@FAST
@given(client_tables(min_size=2))
def test_swapping_repaired_and_unrepaired_flips_the_signs(data):
    swapped = data.assign(condition=data["condition"].replace({"repaired": "unrepaired", "unrepaired": "repaired"}))
    a = compare_conditions(data, outcome="post", baseline="pre")
    b = compare_conditions(swapped, outcome="post", baseline="pre")
    ra, rb = a.contrasts[0], b.contrasts[0]  # repaired_vs_unrepaired
    for key in ("mean_difference", "hedges_g"):
        _same(ra[key], None if rb[key] is None else -rb[key])
    _same(ra["ci_lower"], None if rb["ci_upper"] is None else -rb["ci_upper"])
    for key in ("p_tukey", "p_games_howell"):
        _same(ra[key], rb[key])
    for key in ("anova", "welch", "kruskal"):
        if getattr(a, key) is not None:
            _same(getattr(a, key)["p"], getattr(b, key)["p"])
    # the Eubanks correlation flips with the labels too
    ta, tb = study_effects(a, higher_is_better=True), study_effects(b, higher_is_better=True)
    ya, yb = ta["yi"].iloc[-1], tb["yi"].iloc[-1]
    assert (np.isnan(ya) and np.isnan(yb)) or math.isclose(ya, -yb, rel_tol=REL, abs_tol=ZERO_ATOL)


@FAST
@given(client_tables(min_size=2))
def test_direction_flips_outcome_rows_not_dropout_rows(data):
    res = compare_conditions(data, outcome="post", dropout="dropout")
    up, down = study_effects(res, higher_is_better=True), study_effects(res, higher_is_better=False)
    outcome_rows = up["measure"].isin(["SMD", "COR"]).to_numpy()
    np.testing.assert_allclose(up["yi"][outcome_rows], -down["yi"][outcome_rows], rtol=REL, atol=ZERO_ATOL)
    np.testing.assert_allclose(up["r"][outcome_rows], -down["r"][outcome_rows], rtol=REL, atol=ZERO_ATOL)
    np.testing.assert_array_equal(up["yi"][~outcome_rows], down["yi"][~outcome_rows])
    np.testing.assert_array_equal(up["vi"], down["vi"])


@FAST
@given(client_tables(min_size=3))
def test_less_dropout_in_the_first_group_gives_a_positive_log_or(data):
    res = compare_conditions(data, outcome="post", dropout="dropout")
    table = study_effects(res, higher_is_better=True).set_index("contrast")
    props = {r["condition"]: r["proportion"] for r in res.dropout["proportions"]}
    for first, second in (("repaired", "unrepaired"), ("repaired", "none"), ("unrepaired", "none")):
        if min(props[first], props[second]) == 0 or max(props[first], props[second]) == 1:
            continue  # a zero cell: metafor adds 1/2 to every cell, which can reverse the sign (as in R)
        yi = table.loc[f"dropout_{first}_vs_{second}", "yi"]
        if props[first] < props[second]:
            assert yi > 0
        elif props[first] > props[second]:
            assert yi < 0
        else:
            assert yi == 0 or abs(yi) < ZERO_ATOL
