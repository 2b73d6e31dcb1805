"""Bad input to escalc: a DataError naming the file, the 1-based data row and the column; nothing dropped
silently. The tables are small invented examples; each case states the rule it breaks."""

import numpy as np
import pandas as pd
import pytest
from tolerances import EXACT

from ruptstats.effects import escalc
from ruptstats.exceptions import DataError, DataWarning, OptionError

GROUPS = pd.DataFrame({"m1": [10.0, 12.0, 9.0], "s1": [2.0, 3.0, 2.5], "n1": [20, 25, 30],
                       "m2": [9.0, 11.0, 8.0], "s2": [2.2, 2.8, 2.4], "n2": [21, 24, 29]})
TWO = dict(m1i="m1", sd1i="s1", n1i="n1", m2i="m2", sd2i="s2", n2i="n2")
CELLS = pd.DataFrame({"a": [3, 5, 0], "b": [17, 15, 20], "c": [6, 2, 4], "d": [14, 18, 16],
                      "g1": [20, 20, 20], "g2": [20, 20, 20]})
CORR = pd.DataFrame({"r": [0.3, 0.1, -0.2], "n": [40, 55, 61]})


def _error(table, column, row_index, value, **kwargs):
    bad = table.copy().astype(object)
    bad.loc[row_index, column] = value
    bad.attrs["source"] = "studies.csv"
    with pytest.raises(DataError) as err:
        escalc(bad, **kwargs)
    assert (err.value.source, err.value.row, err.value.column) == ("studies.csv", row_index + 1, column)
    assert str(err.value).startswith(f"studies.csv: row {row_index + 1}, column '{column}': ")
    return str(err.value)


@pytest.mark.parametrize("column, value, match", [
    ("s1", 0.0, "greater than 0"), ("s2", -1.5, "greater than 0"),
    ("n1", 1, "at least 2"), ("n2", 12.5, "whole number"),
    ("m1", "ten", "expected a number, got 'ten'"), ("m2", "", "empty"), ("s1", np.nan, "empty"),
])
def test_two_group_cells(column, value, match):
    assert match in _error(GROUPS, column, 1, value, measure="SMD", **TWO)


def test_rom_needs_positive_means():
    assert "greater than 0" in _error(GROUPS, "m2", 2, -3.0, measure="ROM", **TWO)


@pytest.mark.parametrize("column, value, match", [
    ("a", -1, "0 or more"), ("d", 2.5, "whole number"), ("c", "x", "expected a number"),
])
def test_2x2_cells(column, value, match):
    assert match in _error(CELLS, column, 0, value, measure="OR", ai="a", bi="b", ci="c", di="d")


def test_events_above_group_size():
    msg = _error(CELLS, "a", 1, 25, measure="RR", ai="a", n1i="g1", ci="c", n2i="g2")
    assert "25 events are more than the group size g1 = 20" in msg


@pytest.mark.parametrize("value, match", [(1.0, "between -1 and 1"), (-1.2, "between -1 and 1")])
def test_correlation_outside_the_open_interval(value, match):
    assert match in _error(CORR, "r", 2, value, measure="ZCOR", ri="r", ni="n")


def test_correlation_sample_size_too_small():
    assert "at least 4" in _error(CORR, "n", 0, 3, measure="ZCOR", ri="r", ni="n")
    assert "at least 5" in _error(CORR, "n", 0, 4, measure="UCOR", ri="r", ni="n")


def test_smcr_correlation_and_size():
    pp = pd.DataFrame({"post": [10.0], "pre": [12.0], "sd": [3.0], "n": [20], "rho": [0.5]})
    args = dict(measure="SMCR", m1i="post", m2i="pre", sd1i="sd", ni="n", ri="rho")
    assert "between -1 and 1" in _error(pp, "rho", 0, 1.0, **args)
    assert "at least 3" in _error(pp, "n", 0, 2, **args)


def test_missing_cells_dropped_only_on_request_and_reported():
    bad = GROUPS.copy()
    bad.loc[[0, 2], "m2"] = np.nan
    with pytest.raises(DataError, match="row 1, column 'm2'.*missing='drop'"):
        escalc(bad, measure="MD", **TWO)
    with pytest.warns(DataWarning, match=r"dropped 2 row\(s\).*row 1 \('m2'\), row 3 \('m2'\)"):
        out = escalc(bad, measure="MD", missing="drop", **TWO)
    assert out.attrs["dropped_rows"] == [1, 3] and out.index.tolist() == [1]


def test_errors_after_dropping_still_name_the_original_row():
    bad = GROUPS.copy().astype(object)
    bad.loc[0, "m2"] = np.nan
    bad.loc[2, "s1"] = -2.0
    with pytest.warns(DataWarning), pytest.raises(DataError) as err:
        escalc(bad, measure="MD", missing="drop", **TWO)
    assert (err.value.row, err.value.column) == (3, "s1")


def test_options():
    with pytest.raises(OptionError, match="measure='XYZ' is not allowed"):
        escalc(GROUPS, measure="XYZ", **TWO)
    with pytest.raises(OptionError, match="not given: sd2i"):
        escalc(GROUPS, measure="SMD", m1i="m1", sd1i="s1", n1i="n1", m2i="m2", n2i="n2")
    with pytest.raises(OptionError, match="to='some'"):
        escalc(CELLS, measure="OR", ai="a", bi="b", ci="c", di="d", to="some")
    with pytest.raises(OptionError, match="missing='skip'"):
        escalc(GROUPS, measure="MD", missing="skip", **TWO)
    with pytest.raises(OptionError, match=r"differ in length: ri \(2\), ni \(3\)"):
        escalc(measure="COR", ri=[0.1, 0.2], ni=[10, 20, 30])
    with pytest.raises(DataError, match="no column named 'mean1'"):
        escalc(GROUPS, measure="MD", **{**TWO, "m1i": "mean1"})


def test_zero_cells_are_corrected_and_listed():
    out = escalc(CELLS, measure="OR", ai="a", bi="b", ci="c", di="d")
    assert out.attrs["continuity_rows"] == [3]
    # metafor's default: 1/2 added to each cell of row 3 only -> log((0.5 * 16.5) / (20.5 * 4.5))
    assert out["yi"].iloc[2] == pytest.approx(np.log(0.5 * 16.5 / (20.5 * 4.5)), rel=EXACT)


def test_empty_group_size_is_named_when_cells_come_from_sizes():
    bad = CELLS.copy()
    bad.loc[1, "g2"] = np.nan
    with pytest.raises(DataError) as err:
        escalc(bad, measure="RD", ai="a", n1i="g1", ci="c", n2i="g2")
    assert (err.value.row, err.value.column) == (2, "g2")
