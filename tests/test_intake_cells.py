"""One message format for a bad cell, wherever it enters: ``<file>: row <n>, column '<c>': <expected>, got <found>``,
numbers written plainly (never numpy reprs such as ``np.float64(inf)``). The tables are small invented
examples; each case states the rule the cell breaks."""

import numpy as np
import pandas as pd
import pytest

from ruptstats.effects import aggregate, escalc
from ruptstats.exceptions import DataError
from ruptstats.intake import effects_from_table
from ruptstats.intake.cells import check_rule, check_sample_size, show, to_numbers
from ruptstats.meta import rma
from ruptstats.sessions import load_sessions


def _message(call) -> DataError:
    with pytest.raises(DataError) as err:
        call()
    assert "np." not in str(err.value) and "numpy" not in str(err.value)
    return err.value


def _corr(r, n):
    t = pd.DataFrame({"r": [0.3, r], "n": [50, n]})
    t.attrs["source"] = "studies.csv"
    return t


@pytest.mark.parametrize("r, n, column, tail", [
    ("ten", 50, "r", "expected a number, got 'ten'"),
    (1.5, 50, "r", "must be a correlation strictly between -1 and 1, got 1.5"),
    (0.2, 2.5, "n", "must be a whole number of at least 4"),
    (0.2, np.inf, "n", "got inf"),
])
def test_study_table_and_escalc_give_the_same_message(r, n, column, tail):
    table = _corr(r, n)
    via_meta = _message(lambda: effects_from_table(table))
    via_escalc = _message(lambda: escalc(table, measure="ZCOR", ri="r", ni="n"))
    for err in (via_meta, via_escalc):
        assert (err.source, err.row, err.column) == ("studies.csv", 2, column)
        assert str(err).startswith(f"studies.csv: row 2, column '{column}': ")
        assert tail in str(err)


def test_negative_sample_size_says_so():
    err = _message(lambda: effects_from_table(_corr(0.2, -40)))
    assert str(err) == ("studies.csv: row 2, column 'n': a sample size cannot be negative: it must be a whole "
                        "number of at least 4 (a correlation needs n > 3: its variance is 1/(n - 3)), got -40")


@pytest.mark.parametrize("yi, vi, column, got", [
    ([0.1, np.inf], [0.01, 0.02], "yi", "got inf"),
    ([0.1, 0.2], [0.01, -0.5], "vi", "got -0.5"),
    ([0.1, -np.inf], [0.01, 0.02], "yi", "got -inf"),
])
def test_rma_shows_values_plainly(yi, vi, column, got):
    err = _message(lambda: rma(yi, vi))
    assert (err.row, err.column) == (2, column) and str(err).endswith(got)


def test_variance_rule_is_one_rule_for_pooling_and_aggregating():
    table = pd.DataFrame({"study": ["A", "B"], "yi": [0.1, 0.2], "vi": [0.01, 0.0]})
    via_meta = _message(lambda: effects_from_table(table))
    via_aggregate = _message(lambda: aggregate(table, rho=0.5))
    assert str(via_meta) == str(via_aggregate) == (
        "row 2, column 'vi': must be a positive sampling variance (greater than 0), got 0")


def test_session_numbers_use_the_same_number_message(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("client,session,alliance\nA,1,3\nA,2,abc\nB,1,x\n", encoding="utf-8")
    err = _message(lambda: load_sessions(p, engine="pandas"))
    assert str(err) == f"{p}: row 2, column 'alliance': expected a number, got 'abc' (2 rows: 2, 3)"


def test_several_bad_cells_are_counted():
    with pytest.raises(DataError) as err:
        check_rule(np.array([0.5, 2.0, 1.0, 0.1]), "r", column="r", source="f.csv", rows=[11, 12, 13, 14])
    assert str(err.value) == ("f.csv: row 12, column 'r': must be a correlation strictly between -1 and 1, got 2 "
                              "(2 rows: 12, 13)")


def test_sample_size_check_ignores_empty_cells_and_names_the_first_bad_row():
    check_sample_size([np.nan, 4, 10], 4, column="n")  # empty cells are the missing policy's business
    with pytest.raises(DataError, match=r"row 3, column 'n': must be a whole number of at least 2, got 1.5"):
        check_sample_size([np.nan, 4, 1.5], 2, column="n")


def test_numbers_in_text_columns():
    raw = pd.Series([" 1.5", "", None, "2e1", 3], dtype=object)
    np.testing.assert_array_equal(to_numbers(raw, column="x"), [1.5, np.nan, np.nan, 20.0, 3.0])
    with pytest.raises(DataError, match="expected numbers, got true/false values"):
        to_numbers(pd.Series([True, False]), column="x")


@pytest.mark.parametrize("value, text", [
    (np.float64(np.inf), "inf"), (np.float64(-np.nan), "nan"), (np.int64(3), "3"), (np.float32(0.5), "0.5"),
    (2.0, "2"), ("ten", "'ten'"), (np.bool_(True), "true"),
])
def test_values_are_shown_plainly(value, text):
    assert show(value) == text
