"""Hostile tables against every loader (issue 10, deliverables 1, 2, 4 and 7).

The contract: a loader returns a table, or raises a :class:`~ruptstats.exceptions.RuptstatsError` whose message is
one line naming the file (and the 1-based data row and column where they apply), in words (no numpy reprs); with
pseudonymisation on, no message, warning or report holds a raw identifier. Every table here is written by the
test itself; the expected values are read off the table (no computation is involved).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruptstats.exceptions import DataError, RuptstatsError, TableReadError
from ruptstats.sessions import read_clients, read_sessions
from ruptstats.tables import read_table

FORMATS = (".csv", ".xlsx", ".parquet", ".json", ".sav", ".dta")
SECRET = "SECRETCLIENT42"
KEY = "a-test-key-of-32-bytes-for-hmac!"


def write(frame: pd.DataFrame, path) -> str:
    """Write ``frame`` in the format of ``path``'s extension (identifiers stay text where the format allows)."""
    path = str(path)
    if path.endswith(".csv"):
        frame.to_csv(path, index=False)
    elif path.endswith(".xlsx"):
        frame.to_excel(path, index=False)
    elif path.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    elif path.endswith(".json"):
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(frame.astype(object).where(frame.notna(), None).to_dict(orient="records"), fh)
    elif path.endswith(".sav"):
        pyreadstat.write_sav(frame, path)
    elif path.endswith(".dta"):
        pyreadstat.write_dta(frame, path)
    return path


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    assert "np.float64" not in text and "np.int64" not in text and "dtype(" not in text, text
    return text


def quiet(fn, *args, **kwargs):
    """``fn(...)`` with its DataWarnings collected; returns (result, warning texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    return result, [str(w.message) for w in caught]


# -- identifiers are text in every reader ------------------------------------------------------------------------

@pytest.mark.parametrize("ext", FORMATS)
def test_identifier_007_stays_distinct_from_7_and_joins(tmp_path, ext):
    # clients '007' and '7' are two people; written as text they must come back as text in every format
    sessions = pd.DataFrame({"client": ["007", "007", "7", "7"], "session": [1, 2, 1, 2],
                             "alliance": [4.0, 4.5, 3.0, 3.5]})
    clients = pd.DataFrame({"client": ["007", "7"], "pre": [80.0, 95.0]})
    s = read_sessions(write(sessions, tmp_path / f"s{ext}")).sessions
    c = read_clients(write(clients, tmp_path / f"c{ext}")).clients
    assert sorted(s["client"].astype(str).unique()) == ["007", "7"]
    assert sorted(c["client"].astype(str)) == ["007", "7"]
    assert set(s["client"].astype(str)) == set(c["client"].astype(str))  # the two files join


@pytest.mark.parametrize("engine", ["pandas", "pyarrow"])
def test_read_table_reads_requested_columns_as_text(tmp_path, engine):
    p = tmp_path / "ids.csv"
    p.write_text("client,x\n007,1\n7,2\n", encoding="utf-8")
    assert read_table(p, categorical=["client"], engine=engine)["client"].tolist() == ["007", "7"]


# -- duplicated names, ragged rows -------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_duplicated_column_names_name_both(tmp_path, ext):
    p = tmp_path / f"dup{ext}"
    if ext == ".csv":
        p.write_text("study,r,n,r\nA,0.1,20,0.2\nB,0.2,30,0.3\n", encoding="utf-8")
    else:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active.append(["study", "r", "n", "r"])
        wb.active.append(["A", 0.1, 20, 0.2])
        wb.save(p)
    with pytest.raises(TableReadError) as err:
        read_table(p)
    text = one_line(err.value)
    assert "columns 2 and 4 are both named 'r'" in text and str(p) in text


@pytest.mark.parametrize("engine", ["pandas", "pyarrow"])
def test_ragged_row_gives_the_data_row_and_counts_never_the_row(tmp_path, engine):
    p = tmp_path / "ragged.csv"
    p.write_text(f"client,session,alliance\nA,1,3\n{SECRET},2,4,9\nB,1,2\n", encoding="utf-8")
    with pytest.raises(TableReadError) as err:
        read_sessions(p, key=KEY, engine=engine)
    text = one_line(err.value)
    assert SECRET not in text
    assert "data row 2 has 4 fields but the header has 3 columns" in text and str(p) in text


# -- privacy: no identifier in any message when pseudonymising ---------------------------------------------------

@pytest.mark.parametrize("ext", FORMATS)
def test_identifier_in_a_numeric_column_is_not_echoed_when_pseudonymising(tmp_path, ext):
    frame = pd.DataFrame({"client": ["A", "B"], "session": [1, 1], "alliance": ["3", SECRET]})
    path = write(frame, tmp_path / f"s{ext}")
    with pytest.raises(DataError) as err:
        read_sessions(path, key=KEY)
    text = one_line(err.value)
    assert SECRET not in text
    assert "row 2" in text and "'alliance'" in text and path in text
    with pytest.raises(DataError) as plain:  # without pseudonymisation the value helps the user find it
        read_sessions(path)
    assert SECRET in str(plain.value)


@pytest.mark.parametrize("ext", FORMATS)
def test_no_identifier_in_report_or_warnings_when_pseudonymising(tmp_path, ext):
    frame = pd.DataFrame({"client": [SECRET, SECRET, " B ", "B"], "session": [1, 1, 1, 2],
                          "alliance": [3.0, 4.0, 2.0, 2.5]})
    path = write(frame, tmp_path / f"s{ext}")
    data, texts = quiet(read_sessions, path, key=KEY, missing="drop")
    everything = " ".join(texts) + data.report.summary() + json.dumps(data.report.to_dict(), default=str)
    assert SECRET not in everything and "B " not in everything
    assert SECRET not in set(data.sessions["client"].astype(str))


# -- whitespace, blanks, missing codes, non-finite values --------------------------------------------------------

@pytest.mark.parametrize("loader", ["sessions", "clients"])
def test_surrounding_white_space_is_stripped_and_counted(tmp_path, loader):
    p = tmp_path / "t.csv"
    if loader == "sessions":
        p.write_text("client,session,alliance\nA,1,3\nA ,2,4\n B,1,2\n", encoding="utf-8")
        data, texts = quiet(read_sessions, p)
        ids, issues = data.sessions["client"].astype(str), data.report.issues
    else:
        p.write_text("client,pre\nA ,80\nB\t,95\n", encoding="utf-8")
        data, texts = quiet(read_clients, p)
        ids, issues = data.clients["client"].astype(str), data.issues
    assert sorted(set(ids)) == ["A", "B"]  # 'A ' and 'A' are one client
    found = [i for i in issues if i.check == "whitespace"]
    assert len(found) == 1 and found[0].column == "client"
    assert "2 value(s)" in found[0].message


def test_blank_cells_are_missing_values(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("client,session,alliance,rupture\nA,1,3, \nA,2,  ,yes\nB,1,2,no\n", encoding="utf-8")
    s = read_sessions(p).sessions
    assert s["alliance"].isna().tolist() == [False, True, False]
    assert s["rupture"].isna().tolist() == [True, False, False]


@pytest.mark.parametrize("code", [-9, "-9", " -9 "])
def test_missing_codes_apply_as_numbers_or_text(tmp_path, code):
    p = tmp_path / "t.csv"
    p.write_text("client,session,alliance\nA,1,3\nA,2,-9\nB,1,2\n", encoding="utf-8")
    s = read_sessions(p, {"missing": {"alliance": [code]}}).sessions
    assert s["alliance"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity"])
def test_non_finite_scores_are_errors_naming_the_cell(tmp_path, cell):
    p = tmp_path / "c.csv"
    p.write_text(f"client,pre,post\nA,80,70\nB,{cell},60\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_clients(p)
    text = one_line(err.value)
    assert str(p) in text and "row 2" in text and "'pre'" in text and "finite" in text


def test_wide_client_without_sessions_is_reported(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("client,dropout,s1_alliance,s2_alliance\nA,no,3,4\nB,yes,,\nC,no,2,\n", encoding="utf-8")
    data, texts = quiet(read_sessions, p, {"read": {"layout": "wide"}})
    found = [i for i in data.report.issues if i.check == "client_without_sessions"]
    assert len(found) == 1 and found[0].rows == (2,)
    assert any("no session values" in t for t in texts)


# -- fuzz: random hostile cells ----------------------------------------------------------------------------------

CELLS = st.one_of(st.sampled_from(["", " ", "  ", "nan", "NA", "inf", "-inf", "1e400", "ten", "3,5", "007",
                                   "\t", "yes", "-9", "true", "1.5", "0", "-1", "'x'", "\"q\""]),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.integers(-10**20, 10**20).map(str))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["A", "B", " A", "007", "7", ""]), CELLS, CELLS, CELLS),
                     min_size=1, max_size=6),
       engine=st.sampled_from(["pandas", "pyarrow"]), missing=st.sampled_from(["error", "drop"]))
def test_session_loader_never_raises_anything_else(tmp_path, rows, engine, missing):
    lines = ["client,session,alliance,rupture"] + [",".join(r).replace("\n", " ") for r in rows]
    p = tmp_path / "fuzz.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        data, _ = quiet(read_sessions, p, engine=engine, missing=missing)
    except RuptstatsError as exc:
        text = one_line(exc)
        assert str(p) in text
        return
    assert np.isfinite(data.sessions["alliance"].dropna().to_numpy(dtype=float)).all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["A", "B", "A ", "007", "7", ""]), CELLS, CELLS),
                     min_size=1, max_size=6), missing=st.sampled_from(["error", "drop"]))
def test_client_loader_never_raises_anything_else(tmp_path, rows, missing):
    lines = ["client,pre,dropout"] + [",".join(r) for r in rows]
    p = tmp_path / "fuzz_clients.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        data, _ = quiet(read_clients, p, missing=missing)
    except RuptstatsError as exc:
        text = one_line(exc)
        assert str(p) in text
        return
    assert np.isfinite(data.clients["pre"].dropna().to_numpy(dtype=float)).all()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("ab,;\t\n 01.-\"'é")), max_size=60))
def test_read_table_on_arbitrary_text(tmp_path, text):
    p = tmp_path / "any.csv"
    p.write_text(text, encoding="utf-8")
    for engine in ("pandas", "pyarrow"):
        try:
            read_table(p, engine=engine)
        except RuptstatsError as exc:
            assert str(p) in one_line(exc)


def test_mapping_errors_name_the_mapping_file(tmp_path):
    data = tmp_path / "s.csv"
    data.write_text("client,session,alliance\nA,1,3\n", encoding="utf-8")
    mapping = tmp_path / "study.toml"
    mapping.write_text("[missing]\nnot_a_column = [-9]\n", encoding="utf-8")
    with pytest.raises(RuptstatsError) as err:
        read_sessions(data, mapping)
    assert str(mapping) in one_line(err.value) and "not_a_column" in str(err.value)
