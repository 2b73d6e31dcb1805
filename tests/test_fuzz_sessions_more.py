"""More hostile inputs against the session side (issue 10): loaders, ``python -m ruptstats.sessions`` and the
steps behind it.

Each case is an input that once broke the contract (a traceback or "internal error", a wrong value in a message,
a silent change of the data, a raw identifier in the output under pseudonymisation). Every table is written by the
test itself; the expected rows, columns and values are read off that table.
"""

from __future__ import annotations

import datetime
import json
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_fuzz_loaders import one_line, quiet

from ruptstats.exceptions import DataError
from ruptstats.sessions import read_clients, read_sessions


def sheet(path, rows) -> str:
    """An .xlsx file whose first sheet holds ``rows`` (the first one the header) as openpyxl writes them."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


# -- cells that are not one value --------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, kind", [({"x": 1}, "an object"), ([1], "a list")])
def test_nested_json_cell_names_the_cell(tmp_path, cell, kind):
    # row 2 of the file holds the nested value in 'rupture' (was: TypeError unhashable type, a traceback)
    p = tmp_path / "s.json"
    p.write_text(json.dumps([{"client": "a", "session": 1, "rupture": 0, "repaired": 0},
                             {"client": "a", "session": 2, "rupture": cell, "repaired": 0}]))
    with pytest.raises(DataError) as err:
        read_sessions(p)
    assert err.value.row == 2 and err.value.column == "rupture"
    assert f"got {kind}" in one_line(err.value) and str(p) in str(err.value)


def test_parquet_list_and_struct_columns_name_the_cell(tmp_path):
    p = tmp_path / "s.parquet"
    pq.write_table(pa.table({"client": ["a", "a"], "session": [1, 2], "rupture": [0, 1], "repaired": [0, 0],
                             "notes": [{"k": 1}, {"k": 2}]}), p)
    with pytest.raises(DataError) as err:
        read_sessions(p)
    assert (err.value.row, err.value.column) == (1, "notes")


def test_parquet_binary_identifiers_are_text(tmp_path):
    # a binary (not string) Parquet column: was ValueError in the identifier-to-text step
    p = tmp_path / "s.parquet"
    pq.write_table(pa.table({"client": [b"007", b"007", b"7"], "session": [1, 2, 1], "rupture": [0, 1, 0],
                             "repaired": [0, 1, 0]}), p)
    data, _ = quiet(read_sessions, p)
    assert data.sessions["client"].astype(str).tolist() == ["007", "007", "7"]
    bad = tmp_path / "b.parquet"
    pq.write_table(pa.table({"client": [b"a", b"\xff"], "session": [1, 1], "rupture": [0, 1],
                             "repaired": [0, 0]}), bad)
    with pytest.raises(DataError) as err:
        read_sessions(bad)
    assert (err.value.row, err.value.column) == (2, "client") and "UTF-8" in one_line(err.value)


# -- dates are not numbers ---------------------------------------------------------------------------------------

def test_excel_date_as_session_number_is_an_error(tmp_path):
    # was: the date's microseconds since 1970 (1704067200000000) kept as the session number
    p = sheet(tmp_path / "s.xlsx", [["client", "session", "rupture", "repaired"],
                                    ["A", datetime.datetime(2024, 1, 1), 0, 0],
                                    ["A", datetime.datetime(2024, 1, 8), 0, 0]])
    with pytest.raises(DataError) as err:
        read_sessions(p)
    assert (err.value.row, err.value.column) == (1, "session") and "date" in one_line(err.value)
    mixed = sheet(tmp_path / "m.xlsx", [["client", "session", "rupture", "repaired", "alliance"],
                                        ["A", 1, 0, 0, 3.5], ["A", 2, 0, 0, datetime.time(3, 0)]])
    with pytest.raises(DataError) as err:
        read_sessions(mixed)
    assert (err.value.row, err.value.column) == (2, "alliance") and "date or a time" in one_line(err.value)


def test_parquet_datetime_score_column_is_an_error(tmp_path):
    # was: 1.7e15 for the date and -9.2e18 for the missing one (NaT), read as alliance scores
    p = tmp_path / "s.parquet"
    pq.write_table(pa.table({"client": ["a", "a"], "session": [1, 2], "rupture": [0, 1], "repaired": [0, 0],
                             "alliance": [None, datetime.datetime(2024, 1, 1)]}), p)
    with pytest.raises(DataError) as err:
        read_sessions(p)
    assert (err.value.row, err.value.column) == (2, "alliance") and "date" in one_line(err.value)
    with pytest.raises(DataError) as err:
        read_clients(p, {"columns": {"alliance": "post"}})
    assert (err.value.row, err.value.column) == (2, "post")


# -- session numbers ---------------------------------------------------------------------------------------------

def test_huge_session_number_is_named_with_its_value(tmp_path):
    # was: "must be 1 or more, got -9223372036854775808" (the int64 cast wrapped) and a RuntimeWarning
    p = tmp_path / "s.csv"
    p.write_text("client,session,rupture,repaired\na,1,0,0\na,99999999999999999999999,0,0\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as err:
            read_sessions(p)
    assert (err.value.row, err.value.column) == (2, "session")
    assert "-9223372036854775808" not in one_line(err.value) and "2^53" in str(err.value)


# -- value labels on identifiers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", [".sav", ".dta"])
def test_identifier_labels_that_merge_two_codes_are_an_error(tmp_path, ext):
    # clients 7 and 9 both labelled 'Anna': was one client (a false "same session twice" when the sessions
    # collide, a silent merge when they do not: here 7 has sessions 1-2, 9 has session 3)
    import pyreadstat

    frame = pd.DataFrame({"client": [7.0, 7.0, 9.0], "session": [1.0, 2.0, 3.0], "rupture": [0.0, 1.0, 0.0],
                          "repaired": [0.0, 1.0, 0.0]})
    p = str(tmp_path / f"s{ext}")
    labels = {"client": {7: "Anna", 9: "Anna"}}
    (pyreadstat.write_sav if ext == ".sav" else pyreadstat.write_dta)(frame, p, variable_value_labels=labels)
    with pytest.raises(DataError) as err:
        read_sessions(p)
    assert err.value.column == "client" and "Anna" not in one_line(err.value)
    with pytest.raises(DataError) as err:
        read_clients(p)
    assert err.value.column == "client"
    distinct = str(tmp_path / f"d{ext}")
    (pyreadstat.write_sav if ext == ".sav" else pyreadstat.write_dta)(
        frame, distinct, variable_value_labels={"client": {7: "Anna", 9: "Ben"}})
    data, _ = quiet(read_sessions, distinct)
    assert data.report.n_clients == 2


# -- rule options of the wrong kind ----------------------------------------------------------------------------

def _canonical_csv(path) -> str:
    """Two clients, three sessions, coded ruptures and an alliance column (every value written here)."""
    pd.DataFrame({"client": ["a"] * 3 + ["b"] * 3, "session": [1, 2, 3] * 2,
                  "rupture": [0, 1, 0, 0, 0, 0], "repaired": [0, 1, 0, 0, 0, 0],
                  "alliance": [4.0, 3.0, 4.5, 5.0, 5.1, 5.2], "resolution": [1, 4, 1, 1, 1, 1]}).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("option, text", [("c=nan", "c=nan must be a finite number"), ("m=inf", "m=inf must be a whole"),
                                          ("c='two'", "c='two' must be a number")])
def test_non_numbers_as_trajectory_options_are_one_line(tmp_path, capsys, option, text):
    # c=nan was accepted (every drop compared False: no rupture anywhere); m=inf: OverflowError, reported as
    # "the computation failed on these data"; c='two': "internal error" from formatting the rule's label
    from ruptstats.cli.sessions import main

    rc = main([_canonical_csv(tmp_path / "s.csv"), "--rule", "trajectory", "--rule-option", option,
               "--higher-is-better"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert text in err and "internal error" not in err


@pytest.mark.parametrize("rule", [{"type": "self_report", "resolution": "resolution", "resolution_threshold": "x"},
                                  {"type": "self_report", "resolution": "resolution", "resolution_range": 5},
                                  {"type": "self_report", "resolution": "resolution",
                                   "resolution_range": ["a", "b"]},
                                  {"type": "observer", "withdrawal": ["alliance"], "resolution": "resolution",
                                   "marker_threshold": "2"}])
def test_self_report_and_observer_options_of_the_wrong_kind(tmp_path, rule):
    # each was a TypeError/ValueError (format code 'g' for str, len() of an int, float < str)
    from ruptstats.exceptions import OptionError
    from ruptstats.sessions import classify_sessions, make_rule

    data, _ = quiet(read_sessions, _canonical_csv(tmp_path / "s.csv"))
    made = make_rule(rule)
    assert isinstance(made.label, str)
    with pytest.raises(OptionError) as err:
        classify_sessions(data.sessions, rule=made)
    one_line(err.value)


# -- mapping errors name the mapping file and its table ----------------------------------------------------------

@pytest.mark.parametrize("toml, where", [
    ('[rule]\ntype = "trajectroy"\n', "[rule]"),
    ('[rule]\ntype = "trajectory"\ncc = 2\n', "[rule]"),
    ('[instruments.x]\ninstrument = "WAI-XX"\nitems = "wai{}"\n', "[instruments.x]"),
    ('[instruments.x]\ninstrument = "SRS"\nitems = 5\n', "[instruments.x]"),  # was TypeError: internal error
    ('[instruments.x]\ninstrument = "SRS"\nitems = ["a", "b"]\n', "[instruments.x]"),
    ('[instruments.x]\ninstrument = "SRS"\nitems = "srs"\n', "[instruments.x]"),
    ('[instruments.x]\nitems = "h{}"\nn_items = 2\nrange = [5, 1]\n', "[instruments.x]"),
])
def test_mapping_errors_name_the_file_and_table(tmp_path, toml, where):
    # each message named the key but not the mapping file (or, for items = 5, was a TypeError)
    from ruptstats.exceptions import OptionError
    from ruptstats.sessions import read_mapping

    p = tmp_path / "m.toml"
    p.write_text(toml)
    with pytest.raises(OptionError) as err:
        read_mapping(p)
    assert one_line(err.value).startswith(f"{p}: {where}")


# -- no numpy reprs, no identifiers -------------------------------------------------------------------------------

def test_item_text_is_not_echoed_when_pseudonymising(tmp_path, monkeypatch):
    # a client identifier pasted into an SRS item cell (row 3, srs2) was shown in the error under pseudonymisation
    monkeypatch.setenv("RUPTSTATS_TEST_KEY", "a-test-key-of-32-bytes-for-hmac!")
    rows = [dict(client=c, session=s, **{f"srs{i}": 5 for i in range(1, 5)})
            for c in ("SECRETA", "SECRETB") for s in (1, 2)]
    frame = pd.DataFrame(rows).astype({"srs2": object})
    frame.loc[2, "srs2"] = "SECRETB"
    p = tmp_path / "s.csv"
    frame.to_csv(p, index=False)
    inst = {"s": {"instrument": "SRS", "items": "srs{}", "target": "alliance"}}
    with pytest.raises(DataError) as err:
        read_sessions(p, {"instruments": inst, "privacy": {"pseudonymise": ["client"],
                                                            "key_env": "RUPTSTATS_TEST_KEY"}})
    assert (err.value.row, err.value.column) == (3, "srs2") and "SECRET" not in one_line(err.value)
    with pytest.raises(DataError) as err:  # without pseudonymisation the cell is shown, as for other columns
        read_sessions(p, {"instruments": inst})
    assert "not a number: 'SECRETB'" in str(err.value)


def test_dropout_and_condition_values_are_shown_in_words(capsys, tmp_path):
    # --dropout post said "got np.float64(50.0)"
    from ruptstats.cli.sessions import main
    from ruptstats.conditions import compare_conditions

    p = tmp_path / "s.csv"
    pd.DataFrame({"client": ["a", "b", "c"], "session": [1, 1, 1], "rupture": [0, 1, 1], "repaired": [0, 0, 1],
                  "post": [50.0, 51.0, 52.0]}).to_csv(p, index=False)
    rc = main([str(p), "--dropout", "post", "--higher-is-better"])
    err = capsys.readouterr().err
    assert rc == 2 and "got 50" in err and "np." not in err, err
    table = pd.DataFrame({"condition": ["none", "unrepaired", np.float64(2.5)], "post": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError) as exc:
        compare_conditions(table, outcome="post", higher_is_better=True)
    assert "got 2.5" in one_line(exc.value) and exc.value.row == 3


# -- wide files ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("columns, text", [
    (["client", "s1_alliance", "s01_alliance"], "'s1_alliance' and 's01_alliance' both hold session 1"),
    (["client", "s1_alliance", "alliance_1"], "'s1_alliance' and 'alliance_1' both hold session 1"),
])
def test_two_wide_columns_for_one_session_are_an_error(tmp_path, columns, text):
    # was: the second column silently replaced the first (alliance 2.0 kept, 1.0 lost without a report)
    p = tmp_path / "w.csv"
    pd.DataFrame([["a", 1.0, 2.0]], columns=columns).to_csv(p, index=False)
    with pytest.raises(DataError) as err:
        read_sessions(p, {"read": {"layout": "wide"}})
    assert text in one_line(err.value)


@pytest.mark.parametrize("columns, pattern, column", [
    (["client", "session", "s1_alliance"], None, "session"),  # was ValueError: label 'session' is not unique
    (["client", "s1_session", "s1_alliance"], None, "s1_session"),  # was ValueError: cannot insert session
    (["client", "sx_alliance", "s1_alliance"], r"^s(?P<session>\w+)_(?P<variable>.+)$", "sx_alliance"),  # int('x')
])
def test_wide_session_numbers_that_cannot_be_read_name_the_column(tmp_path, columns, pattern, column):
    p = tmp_path / "w.csv"
    pd.DataFrame([["a", 1, 2.0]], columns=columns).to_csv(p, index=False)
    read = {"layout": "wide", **({"wide_pattern": pattern} if pattern else {})}
    with pytest.raises(DataError) as err:
        read_sessions(p, {"read": read})
    assert err.value.column == column
    one_line(err.value)


def test_every_row_dropped_says_so(tmp_path, capsys):
    # both rows lack a session number; with --missing drop the command went on and failed with
    # "study 's' is not in the client table's study column (it has )"
    from ruptstats.cli.sessions import main

    p = tmp_path / "s.csv"
    pd.DataFrame({"client": ["a", "a"], "session": [None, None], "rupture": [0, 0], "repaired": [0, 0],
                  "post": [1.0, 1.0]}).to_csv(p, index=False)
    with pytest.raises(DataError, match=r"no session rows left: all 2 rows were excluded \(session is missing"):
        quiet(read_sessions, p, missing="drop")
    rc = main([str(p), "--missing", "drop", "--lower-is-better"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and "no session rows left" in err[-1] and "error" not in "".join(err[:-1])


# -- comparisons -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1e300, 1e160, 1e100])
def test_outcomes_too_large_for_the_arithmetic_are_a_data_error(scale):
    # post = 1..9 times 1e300: was KeyError 'F' from the ANOVA table (pingouin drops F when SS overflow); at
    # 1e100 the ANOVA ran but Welch's df overflowed (variance squared)
    from ruptstats.conditions import compare_conditions

    table = pd.DataFrame({"condition": ["none", "unrepaired", "repaired"] * 3,
                          "post": np.arange(1.0, 10.0) * scale})
    with pytest.raises(DataError) as err:
        compare_conditions(table, outcome="post", higher_is_better=True)
    assert err.value.column == "post" and err.value.row == 9 and "too large" in one_line(err.value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow anywhere (Welch's df squares the variances)
        ok = compare_conditions(table.assign(post=np.arange(1.0, 10.0) * 1e50), outcome="post",
                                higher_is_better=True)
    assert ok.anova is not None and all(row["p_welch"] is not None for row in ok.contrasts)


def test_session_steps_given_something_other_than_a_table():
    # each raised AttributeError ('list' object has no attribute 'columns') or TypeError
    from ruptstats.sessions import (alliance_around_ruptures, classify_sessions, client_conditions,
                                    client_outcomes, compare_rules, condition_counts)

    for step in (classify_sessions, client_conditions, client_outcomes, alliance_around_ruptures,
                 condition_counts, lambda x: compare_rules(x, ["coded"])):
        with pytest.raises(DataError, match="must be a DataFrame .*, got list"):
            step([1, 2])


# -- several studies ---------------------------------------------------------------------------------------------

def _coded_study(path, study=None):
    """Six clients, two per condition (coded rule), post scores 1..6; a study column when ``study`` is given."""
    rows = [{"client": f"c{i}", "session": 1, "rupture": int(i >= 2), "repaired": int(i >= 4), "post": float(i)}
            for i in range(6)]
    frame = pd.DataFrame(rows)
    if study is not None:
        frame.insert(0, "study", study)
    frame.to_csv(path, index=False)
    return str(path)


def test_two_studies_with_one_label_are_an_error(tmp_path, capsys):
    # the same file twice (or a/s.csv and b/s.csv) gave two study-table rows labelled 's', pooled twice, one
    # condition-plot file overwritten by the other and one client table mixing both
    from ruptstats.cli.sessions import main

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = _coded_study(tmp_path / "a" / "s.csv"), _coded_study(tmp_path / "b" / "s.csv")
    for files in ([one, two], [one, one]):
        rc = main(files + ["--higher-is-better", "--study-table", str(tmp_path / "t.csv")])
        err = capsys.readouterr().err
        assert rc == 2 and "study 's' has the label of a study in" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "t.csv").exists()


def test_labels_with_one_file_name_give_two_figures(tmp_path, capsys):
    # 'Study A' and 'Study_A' both became cp_Study_A.png: the second figure replaced the first
    from ruptstats.cli.sessions import main

    a, b = _coded_study(tmp_path / "a.csv", "Study A"), _coded_study(tmp_path / "b.csv", "Study_A")
    rc = main([a, b, "--higher-is-better", "--condition-plot", str(tmp_path / "cp.png")])
    capsys.readouterr()
    assert rc == 0
    assert sorted(p.name for p in tmp_path.glob("cp*.png")) == ["cp_Study_A.png", "cp_Study_A_2.png"]


def test_missing_drop_reaches_the_mappings_client_file(tmp_path, capsys):
    # the client file (row 3 without a client) was read with the mapping's policy only: --missing drop still
    # stopped at "row 3, column 'client': client is missing"
    from ruptstats.cli.sessions import main

    sessions = _coded_study(tmp_path / "s.csv")
    pd.DataFrame({"client": ["c0", "c1", None, "c3", "c4", "c5"], "pre": [1.0] * 6,
                  "post2": [1.0, 2, 3, 4, 5, 6]}).to_csv(tmp_path / "s_clients.csv", index=False)
    (tmp_path / "s.toml").write_text('[clients]\nfile = "s_clients.csv"\n')
    assert main([sessions, "--outcome", "post2", "--higher-is-better"]) == 2
    assert "row 3, column 'client': client is missing" in capsys.readouterr().err
    assert main([sessions, "--outcome", "post2", "--higher-is-better", "--missing", "drop"]) == 0
    err = capsys.readouterr().err
    assert "s_clients.csv: client is missing: rows 3 excluded" in err


def test_adjusted_plot_without_an_estimable_ancova_says_why():
    # one client per condition with a baseline: the message asked to "pass baseline=", which had been passed
    from ruptstats.exceptions import OptionError
    from ruptstats.conditions import compare_conditions
    from ruptstats.plotting import condition_plot

    table = pd.DataFrame({"condition": ["none", "unrepaired", "repaired"], "pre": [1.0, 2.0, 3.0],
                          "post": [2.0, 2.5, 4.0]})
    res = compare_conditions(table, outcome="post", baseline="pre", higher_is_better=True)
    with pytest.raises(OptionError) as err:
        condition_plot(res, adjusted=True)
    assert "could not be estimated (ANCOVA not computed" in one_line(err.value)
    assert "pass baseline=" not in str(err.value)


def test_dropout_text_without_any_client_is_a_sentence():
    # every client without a condition (all ratings missing): the summary printed "Dropout: ."
    from ruptstats.conditions import compare_conditions

    table = pd.DataFrame({"condition": [None, None], "post": [1.0, 2.0], "dropout": [True, False]})
    text = compare_conditions(table, outcome="post", dropout="dropout", higher_is_better=True).summary()
    assert "Dropout: ." not in text and "Dropout: no client with a condition and a dropout status" in text


# -- encodings -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["pandas", "pyarrow"])
@pytest.mark.parametrize("bom, codec", [(b"", "utf-16"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_text_as_excel_exports_it(tmp_path, engine, bom, codec):
    # Excel's "Unicode text" export (UTF-16 with a byte-order mark, tab-separated) was refused as
    # "looks like a binary file, not a text table (found NUL bytes)"
    p = tmp_path / "s.txt"
    text = "client\tsession\trupture\trepaired\tnote\n007\t1\t0\t0\tMüller\n007\t2\t1\t1\t€\n"
    p.write_bytes(bom + text.encode(codec))
    data, _ = quiet(read_sessions, p, engine=engine)
    assert data.sessions[["client", "session", "note"]].values.tolist() == [["007", 1, "Müller"], ["007", 2, "€"]]


@pytest.mark.parametrize("engine", ["pandas", "pyarrow"])
def test_header_row_past_the_end_says_so(tmp_path, engine):
    # a 3-line file with header_row = 4 was "the file is empty"; an Excel sheet gave pandas' own message
    p = tmp_path / "s.csv"
    p.write_text("client,session\na,1\na,2\n")
    with pytest.raises(DataError, match=r"header_row=4, but the file has no text from line 4 on \(3 lines\)"):
        read_sessions(p, {"read": {"header_row": 4}}, engine=engine)
    x = sheet(tmp_path / "s.xlsx", [["client", "session"], ["a", 1]])
    with pytest.raises(DataError, match="header_row=9 is below the last row of the sheet"):
        read_sessions(x, {"read": {"header_row": 9}})


# -- codes written as decimals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["pandas", "pyarrow"])
@pytest.mark.parametrize("code", [-9, "-9"])
def test_codes_written_as_decimal_text(tmp_path, engine, code):
    # rupture/repaired as 1.0/0.0/-9.0 (pandas writes a boolean column with gaps this way; SPSS and R exports
    # too): the coded columns are read as text, and '1.0' was "must be yes/no", the missing code -9 missed '-9.0'
    p = tmp_path / "s.csv"
    p.write_text("client,session,rupture,repaired,rater\na,1,1.0,0.0,1.0\na,2,-9.0,0.00,2\n")
    data, _ = quiet(read_sessions, p, {"missing": {"rupture": [code]},
                                       "values": {"rater": {"1": "client", "2": "therapist"}}}, engine=engine)
    s = data.sessions
    assert s["rupture"].tolist() == [True, pd.NA] and s["repaired"].tolist() == [False, False]
    assert s["rater"].astype(str).tolist() == ["client", "therapist"]
    ids = tmp_path / "i.csv"  # identifiers still match as written: the code 7 hits client 7, not 007
    ids.write_text("client,session,rupture,repaired\n007,1,1,0\n7,1,0,0\n")
    data, _ = quiet(read_sessions, ids, {"missing": {"client": [7]}}, missing="drop", engine=engine)
    assert data.sessions["client"].astype(str).tolist() == ["007"]


@pytest.mark.parametrize("option, text", [("withdrawal=5", "withdrawal=5 must be a column name or a list"),
                                          ("variable={a=1}", "variable={'a': 1} must be a column name"),
                                          ("rupture=[1]", "rupture=(1,) must be a column name")])
def test_column_options_that_are_not_names(tmp_path, capsys, option, text):
    # TypeError ('int' object is not iterable, unhashable type: 'dict'): "internal error"
    from ruptstats.cli.sessions import main

    rule = {"withdrawal": "observer", "variable": "trajectory", "rupture": "coded"}[option.split("=")[0]]
    rc = main([_canonical_csv(tmp_path / "s.csv"), "--rule", rule, "--rule-option", option, "--higher-is-better"])
    err = capsys.readouterr().err
    assert rc == 2 and text in err and "internal error" not in err


def test_compare_rules_keeps_an_observer_rule_with_one_marker_named_as_text(tmp_path, capsys):
    # withdrawal = "wd" was read as the columns {'w', 'd'}: the study's own rule vanished from --compare-rules
    from ruptstats.cli.sessions import main

    p = tmp_path / "s.csv"
    pd.DataFrame({"client": ["a", "a", "b", "b"], "session": [1, 2, 1, 2], "wd": [0, 3, 0, 0],
                  "resolution": [1, 4, 1, 1], "post": [1.0, 1.0, 2.0, 2.0]}).to_csv(p, index=False)
    rc = main([str(p), "--rule", "observer", "--rule-option", "withdrawal='wd'", "--rule-option",
               "confrontation=[]", "--compare-rules", "--higher-is-better"])
    out = capsys.readouterr().out
    assert rc == 0 and "  observer (marker>=1; resolution>=3): clients 1 / 0 / 1" in out


def test_latin1_mapping_is_an_option_error(tmp_path):
    # a mapping saved as Latin-1 (study = "Müller"): UnicodeDecodeError, "internal error" in the command
    from ruptstats.exceptions import OptionError
    from ruptstats.sessions import read_mapping

    p = tmp_path / "m.toml"
    p.write_bytes('study = "Müller"\n'.encode("latin-1"))
    with pytest.raises(OptionError, match=r"m\.toml: not valid TOML \(byte 11 is not UTF-8 text"):
        read_mapping(p)


def test_a_contrast_a_study_lacks_is_reported(tmp_path, capsys):
    # --contrast dropout_repaired_vs_none on studies without a dropout column wrote a header-only study table
    # (exit 0, no word); one study without it lost its row silently
    from ruptstats.cli.sessions import main

    plain = _coded_study(tmp_path / "plain.csv")
    frame = pd.read_csv(plain).assign(dropout=[0, 1, 0, 1, 0, 1])
    frame.to_csv(tmp_path / "drop.csv", index=False)
    table = tmp_path / "t.csv"
    args = ["--higher-is-better", "--contrast", "dropout_repaired_vs_none", "--study-table", str(table)]
    assert main([plain] + args) == 2
    err = capsys.readouterr().err
    assert "--contrast dropout_repaired_vs_none: no study has this contrast (no dropout column" in err
    assert not table.exists()
    assert main([plain, str(tmp_path / "drop.csv")] + args) == 0
    err = capsys.readouterr().err
    assert "warning: study table: plain has no dropout_repaired_vs_none row" in err
    assert pd.read_csv(table)["study"].tolist() == ["drop"]
    assert main([plain, "--higher-is-better", "--contrast", "dropout_repaired_vs_none"]) == 0  # no table asked
    capsys.readouterr()


def test_km_plot_when_every_rupture_is_repaired_at_once(tmp_path):
    # every episode repaired in its own session (latency 0): matplotlib warned "identical low and high xlims"
    import matplotlib

    matplotlib.use("Agg")
    from ruptstats.episodes import rupture_episodes, time_to_repair
    from ruptstats.plotting import km_plot
    from ruptstats.sessions import classify_sessions

    frame = pd.DataFrame({"client": ["a", "a", "b", "b"], "session": [1, 2, 1, 2], "rupture": [1, 0, 1, 0],
                          "repaired": [1, 0, 1, 0], "alliance": [3.0, 4.0, 3.0, 4.0]})
    p = tmp_path / "s.csv"
    frame.to_csv(p, index=False)
    data, _ = quiet(read_sessions, p)
    episodes = rupture_episodes(classify_sessions(data.sessions))
    assert episodes["latency"].tolist() == [0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = km_plot(time_to_repair(episodes))
    low, high = fig.axes[0].get_xlim()
    assert high > low


def test_json_key_given_twice_is_a_duplicated_column(tmp_path):
    # {"client": "a", ..., "client": "b"}: json kept the last value, so the row silently became client b
    p = tmp_path / "s.json"
    p.write_text('[{"client": "a", "session": 1, "client": "b", "rupture": 0, "repaired": 0}]')
    with pytest.raises(DataError, match="the key 'client' appears twice in one object"):
        read_sessions(p)


def test_outputs_never_overwrite_an_input_file_or_each_other(tmp_path, capsys):
    """`--clients FILE` with FILE the session table overwrote it (exit 0); two figure options naming one file
    replaced one figure by the other. Now one line, exit 2, before anything is read or written."""
    from ruptstats.cli.sessions import main

    table = tmp_path / "s.csv"
    text = "client,session,rupture,repair,outcome\n1,1,0,0,10\n1,2,1,1,8\n2,1,1,0,12\n2,2,0,0,11\n"
    table.write_text(text, encoding="utf-8")
    assert main([str(table), "--clients", str(table)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--clients" in err and "overwrite the input table" in err
    assert table.read_text(encoding="utf-8") == text
    png = str(tmp_path / "f.png")
    assert main([str(table), "--condition-plot", png, "--km-plot", png]) == 2
    assert "--condition-plot and --km-plot both name" in capsys.readouterr().err
