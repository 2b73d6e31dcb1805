"""load_sessions: every reader, long and wide layouts, the bundled example studies."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat  # a declared dependency (SPSS/Stata): a missing one must fail the run, not skip
import pytest

from ruptstats.exceptions import DataError, OptionError, TableReadError
from ruptstats.sessions import SessionReport, load_sessions, read_sessions

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"

CANONICAL_TEXT = "client,session,rupture,resolution,alliance\nA,1,no,,3.5\nA,2,yes,4,2.0\nB,1,no,,4.0\n"


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def check_canonical(df):
    assert str(df["client"].dtype) == "category"
    assert str(df["session"].dtype) == "Int64"
    assert str(df["rupture"].dtype) == "boolean"
    assert df["client"].astype(str).tolist() == ["A", "A", "B"]
    assert df["session"].tolist() == [1, 2, 1]
    assert df["rupture"].tolist() == [False, True, False]
    assert df["alliance"].tolist() == [3.5, 2.0, 4.0]


@pytest.mark.parametrize("engine", ["pandas", "pyarrow"])
def test_csv_in_canonical_names_needs_no_mapping(tmp_path, engine):
    data = read_sessions(write(tmp_path, "s.csv", CANONICAL_TEXT), engine=engine)
    df = data.sessions
    check_canonical(df)
    assert df.index.name == "row" and df.index.tolist() == [1, 2, 3]
    rep = data.report
    assert isinstance(rep, SessionReport) and (rep.n_rows_read, rep.n_rows, rep.n_clients) == (3, 3, 2)
    assert df["study"].astype(str).unique().tolist() == ["s"]  # no study column: the file name


@pytest.mark.parametrize("engine", ["pandas", "pyarrow"])
def test_semicolon_decimal_comma_latin1(tmp_path, engine):
    text = CANONICAL_TEXT.replace(",", ";").replace("3.5", "3,5").replace("2.0", "2,0").replace("4.0", "4,0")
    text = text.replace("client", "Klient").replace("A;", "Ä;")
    p = write(tmp_path, "s.csv", text, "latin-1")
    df = load_sessions(p, {"columns": {"Klient": "client"}}, engine=engine)
    assert df["client"].astype(str).tolist() == ["Ä", "Ä", "B"]
    assert df["alliance"].tolist() == [3.5, 2.0, 4.0]


def test_tsv_and_bom(tmp_path):
    p = write(tmp_path, "s.tsv", "\ufeff" + CANONICAL_TEXT.replace(",", "\t"))
    check_canonical(load_sessions(p))


def test_excel_sheet_and_header_row(tmp_path):
    p = tmp_path / "s.xlsx"
    frame = pd.read_csv(pd.io.common.StringIO(CANONICAL_TEXT))
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        pd.DataFrame({"x": [1]}).to_excel(xw, sheet_name="notes", index=False)
        pd.DataFrame([["title"]]).to_excel(xw, sheet_name="data", header=False, index=False)
        frame.to_excel(xw, sheet_name="data", startrow=2, index=False)
    check_canonical(load_sessions(p, {"read": {"sheet": "data", "header_row": 3}}))
    with pytest.raises(TableReadError, match="sheet 'nope' not found"):
        load_sessions(p, {"read": {"sheet": "nope"}})


def test_spss_value_labels_and_user_missing(tmp_path):
    df = pd.DataFrame({"ID": ["A", "A", "B", "B"], "SITZ": [1.0, 2, 1, 2], "BRUCH": [2.0, 1, 2, 2],
                       "AUFL": [-9.0, 4, -9, 99], "GESCHL": [1.0, 1, 2, 2]})
    p = tmp_path / "s.sav"
    pyreadstat.write_sav(df, p, variable_value_labels={"BRUCH": {1: "ja", 2: "nein"},
                                                         "GESCHL": {1: "weiblich", 2: "männlich"}},
                         missing_ranges={"AUFL": [-9]})
    data = read_sessions(p, {"columns": {"ID": "client", "SITZ": "session", "BRUCH": "rupture",
                                         "AUFL": "resolution", "GESCHL": "sex"},
                             "missing": {"resolution": [99]}, "covariates": {"client_level": ["sex"]}})
    out = data.sessions
    assert out["rupture"].tolist() == [False, True, False, False]  # labels ja/nein -> booleans
    # -9 is user-missing in the file, 99 only in the mapping: both missing; 4 kept
    assert out["resolution"].isna().tolist() == [True, False, True, True]
    assert out["resolution"][2] == 4
    assert isinstance(out["sex"].dtype, pd.CategoricalDtype)
    assert list(out["sex"].cat.categories) == ["weiblich", "männlich"]
    assert dict(data.report.missing_codes) == {"resolution": 1}


def test_stata_file(tmp_path):
    df = pd.DataFrame({"pid": [11, 11, 22], "sess": [1, 2, 1], "grp": [1, 1, 2], "hakt": [3.5, 2.0, 4.0]})
    p = tmp_path / "s.dta"
    pyreadstat.write_dta(df, p, variable_value_labels={"grp": {1: "CBT", 2: "PDT"}})
    out = load_sessions(p, {"columns": {"pid": "client", "sess": "session", "hakt": "alliance"}})
    assert out["client"].astype(str).tolist() == ["11", "11", "22"]
    assert out["grp"].astype(str).tolist() == ["CBT", "CBT", "PDT"]


def test_parquet_and_json(tmp_path):
    frame = pd.read_csv(pd.io.common.StringIO(CANONICAL_TEXT))
    frame.to_parquet(tmp_path / "s.parquet", index=False)
    check_canonical(load_sessions(tmp_path / "s.parquet"))
    frame.to_json(tmp_path / "s.json", orient="records")
    check_canonical(load_sessions(tmp_path / "s.json"))


def test_wide_prefix_pattern(tmp_path):
    text = "client,age,s1_alliance,s2_alliance,s3_alliance,s1_rupture,s2_rupture\nA,30,3,2,4,no,yes\nB,40,5,,,no,\n"
    data = read_sessions(write(tmp_path, "w.csv", text),
                         {"read": {"layout": "wide", "wide_pattern": r"^s(?P<session>\d+)_(?P<variable>.+)$"}})
    df = data.sessions
    # client A: sessions 1-3; client B: session 1 only (sessions 2, 3 hold no value)
    assert df["client"].astype(str).tolist() == ["A", "A", "A", "B"]
    assert df["session"].tolist() == [1, 2, 3, 1]
    assert df["alliance"].tolist() == [3, 2, 4, 5]
    assert df["rupture"].tolist()[:2] == [False, True] and pd.isna(df["rupture"].iloc[2])
    assert df.index.tolist() == [1, 1, 1, 2]  # the wide file's row of each client
    assert data.report.layout == "wide" and data.report.n_rows_read == 2
    assert data.report.empty_sessions == 2  # B's sessions 2 and 3 (2 rows x 3 sessions - 4 rows)


def test_wide_suffix_pattern_default(tmp_path):
    text = "client,alliance_1,alliance_2,outcome_1,outcome_2\nA,3,2,20,18\n"
    df = load_sessions(write(tmp_path, "w.csv", text), {"read": {"layout": "wide"}})
    assert df[["session", "alliance", "outcome"]].values.tolist() == [[1, 3, 20], [2, 2, 18]]


def test_wide_without_matching_columns(tmp_path):
    with pytest.raises(DataError, match="no column matches"):
        load_sessions(write(tmp_path, "w.csv", "client,x\nA,1\n"), {"read": {"layout": "wide"}})


def test_scoring_in_loader_and_target(tmp_path):
    # SRS items 8 9 7 6 -> 30 and 5 5 5 (one missing, prorated 15 * 4 / 3 = 20)
    text = "client,session,srs1,srs2,srs3,srs4\nA,1,8,9,7,6\nA,2,5,5,5,\n"
    m = {"instruments": {"srs": {"instrument": "SRS", "items": "srs{}", "max_missing": 1, "target": "alliance"}}}
    data = read_sessions(write(tmp_path, "s.csv", text), m)
    df = data.sessions
    assert df["alliance"].tolist() == [30.0, 20.0]
    assert df["srs_n_missing"].tolist() == [0, 1]
    assert data.report.instruments == ("srs: SRS",)


def test_scoring_errors_name_file_row_and_column(tmp_path):
    text = "client,session,srs1,srs2,srs3,srs4\nA,1,8,9,7,6\nA,2,5,15,5,5\n"
    m = {"instruments": {"srs": {"instrument": "SRS", "items": "srs{}"}}}
    with pytest.raises(DataError, match=r"s.csv: row 2, column 'srs2': value 15 is outside SRS's item range"):
        load_sessions(write(tmp_path, "s.csv", text), m)


def test_bad_values_name_file_row_and_column(tmp_path):
    text = "client,session,rupture\nA,1,no\nA,2,maybe\n"
    with pytest.raises(DataError, match=r"s.csv: row 2, column 'rupture': 'rupture' must be yes/no .*'maybe'"):
        load_sessions(write(tmp_path, "s.csv", text))
    text = "client,session,alliance\nA,1,3\nA,2.5,4\n"
    with pytest.raises(DataError, match=r"row 2, column 'session': 'session' must be a whole number"):
        load_sessions(write(tmp_path, "s.csv", text))
    text = "client,session,rater\nA,1,patient\n"
    with pytest.raises(DataError, match=r"row 1, column 'rater': 'rater' must be one of client, therapist"):
        load_sessions(write(tmp_path, "s.csv", text))


def test_missing_columns_and_files(tmp_path):
    with pytest.raises(DataError, match=r"no column for \['session'\]"):
        load_sessions(write(tmp_path, "s.csv", "client,x\nA,1\n"))
    with pytest.raises(DataError, match="not in the file: Klient"):
        load_sessions(write(tmp_path, "s.csv", CANONICAL_TEXT), {"columns": {"Klient": "client"}})
    with pytest.raises(TableReadError, match="file not found"):
        load_sessions(tmp_path / "nope.csv")
    with pytest.raises(OptionError, match="engine='polars'"):
        load_sessions(write(tmp_path, "s.csv", CANONICAL_TEXT), engine="polars")


def test_engines_agree_on_bundled_csv():
    m = DATA / "study_c_3rs.toml"
    a = load_sessions(DATA / "study_c_3rs.csv", m, engine="pandas")
    b = load_sessions(DATA / "study_c_3rs.csv", m, engine="pyarrow")
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_categorical=False)


@pytest.mark.parametrize("stem, ext, n_clients", [("study_a_psq", "sav", 24), ("study_b_wide", "xlsx", 30),
                                                   ("study_c_3rs", "csv", 20), ("study_d_oq", "dta", 16)])
def test_bundled_studies_load_with_their_mapping(stem, ext, n_clients, monkeypatch):
    # client counts from data/make_session_data.py (n_c in study_a … study_d)
    monkeypatch.setenv("RUPTSTATS_PSEUDONYM_KEY", "a test key of enough length")
    rep = read_sessions(DATA / f"{stem}.{ext}", DATA / f"{stem}.toml").report
    assert rep.n_clients == n_clients and not rep.issues
    assert (DATA / f"{stem}.{ext}").stat().st_size < 1_000_000


def test_bundled_canonical_parquet_needs_no_mapping():
    data = read_sessions(DATA / "study_e_canonical.parquet")
    df = data.sessions
    assert data.report.renamed == () and df["study"].astype(str).unique().tolist() == ["Study E"]
    assert np.all(df.groupby("client", observed=True)["session"].diff().dropna() > 0)


def test_empty_and_header_only_files(tmp_path):
    for engine in ("pandas", "pyarrow"):
        with pytest.raises(TableReadError, match="the file is empty"):
            load_sessions(write(tmp_path, "e.csv", ""), engine=engine)
        with pytest.raises(TableReadError, match="header but no data rows"):
            load_sessions(write(tmp_path, "h.csv", "client,session\n"), engine=engine)
