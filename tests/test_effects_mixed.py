"""Mixed-report study tables (convert_table). Expected values are built from the individual conversion
functions, which tests/test_effects_convert.py checks against Borenstein et al. (2009) and R, and from escalc,
which tests/test_effects_escalc.py checks against metafor 3.8.1."""

import numpy as np
import pandas as pd
import pytest
from tolerances import EXACT

from ruptstats.effects import convert, convert_table, escalc, zcor
from ruptstats.exceptions import DataError, DataWarning, OptionError


# One table in form A; the numbers are invented study reports (no external source needed: every expected
# value below is computed from the functions under test's verified building blocks).
FORM_A = pd.DataFrame({
    "study": ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"],
    "statistic": ["r", "t", "F", "chi2", "p", "or", "means", "counts", "d"],
    "value": [0.31, 2.10, 4.41, 6.0, 0.03, 2.0, None, None, 0.45],
    "n": [50, None, None, 80, 60, None, None, None, None],
    "n1": [None, 20, 20, None, None, 40, 25, None, 30],
    "n2": [None, 22, 22, None, None, 40, 25, None, 31],
    "sign": [None, None, 1, -1, 1, None, None, None, None],
    "ci_lower": [None, None, None, None, None, 1.2, None, None, None],
    "ci_upper": [None, None, None, None, None, 3.4, None, None, None],
    "m1": [None] * 6 + [10.0, None, None], "sd1": [None] * 6 + [2.0, None, None],
    "m2": [None] * 6 + [9.0, None, None], "sd2": [None] * 6 + [2.5, None, None],
    "ai": [None] * 7 + [0, None], "bi": [None] * 7 + [20, None],
    "ci": [None] * 7 + [5, None], "di": [None] * 7 + [15, None],
})


def _expected_d(row):
    """(d, v_d, n1, n2) of a d-type row of FORM_A from the conversion functions."""
    kind = row["statistic"]
    if kind == "t":
        d, v = convert.t_to_d(row["value"], row["n1"], row["n2"])
    elif kind == "F":
        d, v = convert.f_to_d(row["value"], row["n1"], row["n2"], sign=row["sign"])
    elif kind == "d":
        d, v = np.atleast_1d(row["value"]), convert.var_d(row["value"], row["n1"], row["n2"])
    elif kind == "or":
        d, v = convert.log_or_to_d(*convert.ci_to_yi_vi(row["value"], row["ci_lower"], row["ci_upper"]))
    elif kind == "means":
        es = escalc(measure="SMD", m1i=[10.0], sd1i=[2.0], n1i=[25], m2i=[9.0], sd2i=[2.5], n2i=[25])
        d, v = es["yi"].to_numpy(), es["vi"].to_numpy()
    else:  # counts
        es = escalc(measure="OR", ai=[0], bi=[20], ci=[5], di=[15])
        d, v = convert.log_or_to_d(es["yi"], es["vi"])
        return float(d[0]), float(v[0]), 20.0, 20.0
    return float(d[0]), float(v[0]), float(row["n1"]), float(row["n2"])


def test_form_a_to_smd_equals_the_conversion_functions():
    out = convert_table(FORM_A, to="SMD")
    for _, row in out.iterrows():
        if row["statistic"] in ("r", "chi2", "p"):
            fn = {"r": lambda: (np.atleast_1d(row["value"]), convert.var_r(row["value"], row["n"])),
                  "chi2": lambda: convert.chi2_to_r(row["value"], row["n"], sign=row["sign"]),
                  "p": lambda: convert.p_to_r(row["value"], row["n"], sign=row["sign"])}[row["statistic"]]
            d, v = convert.r_to_d(*fn())
            want = (float(d[0]), float(v[0]))
        else:
            want = _expected_d(row)[:2]
        assert (row["yi"], row["vi"]) == pytest.approx(want, rel=EXACT), row["study"]
    assert list(out["measure"].unique()) == ["SMD"] and out.attrs["measure"] == "SMD"


def test_form_a_to_zcor_goes_through_r_with_the_total_n():
    out = convert_table(FORM_A, to="ZCOR").set_index("study")
    z, vz = zcor([0.31], [50])
    assert (out.loc["S1", "yi"], out.loc["S1", "vi"]) == pytest.approx((z[0], vz[0]), rel=EXACT)
    d, vd, n1, n2 = _expected_d(FORM_A.set_index("study").loc["S2"].rename({"study": "x"}))
    r, _ = convert.d_to_r(d, vd, n1, n2)
    assert out.loc["S2", "yi"] == pytest.approx(np.arctanh(r[0]), rel=EXACT)
    assert out.loc["S2", "vi"] == pytest.approx(1 / (n1 + n2 - 3), rel=EXACT)


def test_conversion_column_records_each_rows_path():
    got = convert_table(FORM_A, to="ZCOR")["conversion"].tolist()
    assert got == ["r -> z", "t -> d -> r -> z", "F -> d -> r -> z", "chi2 -> r -> z", "p -> r -> z",
                   "OR with CI -> log OR -> d -> r -> z", "means -> g -> r -> z",
                   "2x2 counts (+1/2 to each cell: a zero cell) -> log OR -> d -> r -> z", "d -> r -> z"]


def test_form_b_filled_columns_equal_form_a():
    rows = FORM_A[FORM_A["statistic"].isin(["r", "t", "F", "p", "means"])]
    wide = rows.drop(columns=["statistic", "value"]).copy()
    for kind in ("r", "t", "F", "p"):
        wide[kind] = np.where(rows["statistic"] == kind, rows["value"], np.nan)
    a = convert_table(rows, to="COR")
    b = convert_table(wide, to="COR")
    np.testing.assert_allclose(b["yi"], a["yi"], rtol=EXACT)
    np.testing.assert_allclose(b["vi"], a["vi"], rtol=EXACT)
    assert b["conversion"].tolist() == a["conversion"].tolist()


def test_same_study_reported_as_t_f_and_d_agrees():
    d, _ = convert.t_to_d(2.5, 30, 35)
    table = pd.DataFrame({"statistic": ["t", "F", "d"], "value": [2.5, 6.25, float(d[0])],
                          "n1": [30] * 3, "n2": [35] * 3, "sign": [None, 1, None]})
    out = convert_table(table, to="COR")
    np.testing.assert_allclose(out["yi"], out["yi"].iloc[0], rtol=EXACT)
    np.testing.assert_allclose(out["vi"], out["vi"].iloc[0], rtol=EXACT)


def test_columns_mapping_renames_the_vocabulary():
    table = pd.DataFrame({"kind": ["r"], "stat": [0.3], "N": [40]})
    out = convert_table(table, statistic="kind", columns={"value": "stat", "n": "N"}, to="COR")
    # COR variance (1 - r^2)^2 / (n - 1) with r = 0.3, n = 40 (Borenstein et al., 2009, eq. 6.1; metafor's COR)
    assert out["vi"].iloc[0] == pytest.approx((1 - 0.09) ** 2 / 39, rel=EXACT)
    with pytest.raises(OptionError, match="'size' is not a field"):
        convert_table(table, statistic="kind", columns={"size": "N"})


def test_paired_t_converts_to_smd_only():
    table = pd.DataFrame({"statistic": ["t_paired"], "value": [3.0], "n": [25], "r_prepost": [0.6]})
    d, vd = convert.paired_t_to_d(3.0, 25, 0.6)
    out = convert_table(table, to="SMD")
    assert (out["yi"].iloc[0], out["vi"].iloc[0]) == pytest.approx((d[0], vd[0]), rel=EXACT)
    with pytest.raises(DataError, match="paired") as err:
        convert_table(table, to="COR")
    assert err.value.row == 1


@pytest.mark.parametrize("change, row, column, match", [
    ({"statistic": (2, "beta")}, 3, "statistic", "unknown statistic 'beta'"),
    ({"n": (0, None)}, 1, "n", "empty"),
    ({"value": (0, 1.2)}, 1, "value", "between -1 and 1"),
    ({"value": (4, 1.7)}, 5, "value", r"p-value in \(0, 1\]"),
    ({"sign": (2, None)}, 3, "sign", "empty"),
    ({"n1": (1, "twenty")}, 2, "n1", "expected a number"),
    ({"sd2": (6, 0.0)}, 7, "sd2", "greater than 0"),
    ({"bi": (7, -3)}, 8, "bi", "0 or more"),
])
def test_bad_cells_name_row_and_column(change, row, column, match):
    table = FORM_A.copy().astype(object)
    for col, (i, value) in change.items():
        table.loc[i, col] = value
    table.attrs["source"] = "studies.csv"
    with pytest.raises(DataError, match=match) as err:
        convert_table(table, to="SMD")
    assert (err.value.row, err.value.column, err.value.source) == (row, column, "studies.csv")


def test_form_b_row_with_two_statistics_is_an_error():
    table = pd.DataFrame({"r": [0.3, 0.2], "t": [None, 2.0], "n": [40, 40], "n1": [20, 20], "n2": [20, 20]})
    with pytest.raises(DataError, match="exactly one statistic") as err:
        convert_table(table)
    assert err.value.row == 2


def test_missing_cells_are_dropped_only_on_request_and_reported():
    table = FORM_A.copy()
    table.loc[1, "n2"] = None
    with pytest.raises(DataError, match="missing='drop'"):
        convert_table(table, to="SMD")
    with pytest.warns(DataWarning, match=r"row 2 \('n2'\)"):
        out = convert_table(table, to="SMD", missing="drop")
    assert out.attrs["dropped_rows"] == [2] and len(out) == len(table) - 1
    assert "S2" not in set(out["study"])


def test_or_row_without_group_sizes_cannot_become_a_correlation():
    table = pd.DataFrame({"statistic": ["or"], "value": [2.0], "ci_lower": [1.2], "ci_upper": [3.4]})
    assert np.isfinite(convert_table(table, to="SMD")["yi"].iloc[0])
    with pytest.raises(DataError, match="group sizes n1 and n2"):
        convert_table(table, to="ZCOR")


def test_unknown_target_is_an_option_error():
    with pytest.raises(OptionError, match="to='OR'"):
        convert_table(FORM_A, to="OR")
