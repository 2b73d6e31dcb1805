"""Checks of session tables (errors or reported exclusions naming file, row, column) and privacy."""

import json
import warnings

import pandas as pd
import pytest

from ruptstats.exceptions import DataError, DataWarning, OptionError
from ruptstats.sessions import (classify_sessions, client_conditions, condition_counts, load_sessions, pseudonymise,
                                read_sessions)


def write(tmp_path, text, name="v.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


DUP = "client,session,alliance\nA,1,3\nA,2,4\nA,2,5\nB,1,4\n"


def test_duplicate_sessions_error_names_rows(tmp_path):
    with pytest.raises(DataError, match=r"v.csv: row 3, column 'session': the same study/client and session "
                                        r"appears twice \(rows 2=3\)"):
        load_sessions(write(tmp_path, DUP))


def test_duplicate_sessions_excluded_and_reported(tmp_path):
    with pytest.warns(DataWarning, match="appears twice"):
        data = read_sessions(write(tmp_path, DUP), missing="drop")
    # the first of the pair (row 2) stays, row 3 is excluded: 4 rows read, 3 kept
    assert data.sessions.index.tolist() == [1, 2, 4]
    rep = data.report
    assert rep.excluded_rows == (3,) and (rep.n_rows_read, rep.n_rows) == (4, 3)
    frame = rep.issues_frame()
    assert frame[["level", "check", "column", "n_rows"]].values.tolist() == \
        [["excluded", "duplicate_session", "session", 1]]


def test_decreasing_session_numbers_warn_and_are_sorted(tmp_path):
    text = "client,session,alliance\nA,2,3\nA,1,4\nB,1,4\n"
    with pytest.warns(DataWarning, match="session numbers decrease within a client at rows 2"):
        data = read_sessions(write(tmp_path, text))
    df = data.sessions
    assert df["session"].tolist() == [1, 2, 1] and df.index.tolist() == [2, 1, 3]
    assert data.report.issues[0].check == "session_order"


def test_interleaved_clients_are_not_a_finding(tmp_path):
    text = "client,session\nA,1\nB,1\nA,2\nB,2\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = load_sessions(write(tmp_path, text))
    assert df["client"].astype(str).tolist() == ["A", "A", "B", "B"]


def test_missing_ids_and_bad_session_numbers(tmp_path):
    text = "client,session\nA,1\n,2\nA,0\nB,\n"
    with pytest.raises(DataError, match=r"row 2, column 'client': client is missing"):
        load_sessions(write(tmp_path, text))
    with pytest.warns(DataWarning):
        data = read_sessions(write(tmp_path, text), missing="drop")
    # row 2 (no client), row 4 (no session) and row 3 (session 0) excluded; client B had only row 4
    assert data.sessions.index.tolist() == [1]
    rep = data.report
    assert rep.excluded_rows == (2, 3, 4)
    checks = [i.check for i in rep.issues]
    assert checks == ["missing_id", "missing_id", "session_number", "client_without_sessions"]
    assert rep.issues[-1].rows == (4,)


def test_client_level_conflicts(tmp_path):
    text = "client,session,pre,therapist\nA,1,20,T1\nA,2,21,T1\nB,1,30,T1\nB,2,30,T2\n"
    # therapist is checked first (schema order): client B has T1 and T2 at rows 3 and 4
    with pytest.raises(DataError, match=r"row 3, column 'therapist': 'therapist' describes the client but "
                                        r"differs between the client's sessions \(2 rows: 3, 4\)"):
        load_sessions(write(tmp_path, text))
    with pytest.warns(DataWarning, match="differs"):
        data = read_sessions(write(tmp_path, text), missing="drop")
    df = data.sessions
    # conflicting values are set to missing for that client only; rows are kept
    assert df["pre"].isna().tolist() == [True, True, False, False]
    assert df["therapist"].isna().tolist() == [False, False, True, True]
    assert len(df) == 4 and data.report.excluded_rows == ()


def test_conflict_message_never_shows_identifiers(tmp_path):
    text = "client,session,therapist\nA,1,Dr-Secret\nA,2,Dr-Other\n"
    with pytest.raises(DataError) as err:
        load_sessions(write(tmp_path, text))
    assert "Secret" not in str(err.value) and "column 'therapist'" in str(err.value)


def test_pseudonymise_on_load_and_report_has_no_identifiers(tmp_path):
    text = "client,therapist,session,rupture,resolution\nALICE,DRX,1,yes,4\nALICE,DRX,2,no,\nBOB,DRY,1,no,\n"
    key = "0123456789abcdef-key"
    data = read_sessions(write(tmp_path, text), key=key)
    df = data.sessions
    assert set(df["client"].astype(str)) == {pseudonymise(["ALICE"], key)[0], pseudonymise(["BOB"], key)[0]}
    assert "ALICE" not in set(df["client"].astype(str)) and len(df["client"].iloc[0]) == 16
    out = classify_sessions(df, rule="self_report")
    rep = data.report.with_counts(condition_counts(out, rule="self_report").to_dict("records"))
    text_out = json.dumps(rep.to_dict()) + rep.summary()
    for ident in ("ALICE", "BOB", "DRX", "DRY", str(df["client"].iloc[0])):
        assert ident not in text_out
    assert rep.pseudonymised == ("client", "therapist")


def test_pseudonymise_from_mapping_and_environment(tmp_path, monkeypatch):
    text = "client,therapist,session\nALICE,DRX,1\n"
    m = {"privacy": {"pseudonymise": ["client"], "key_env": "MY_TEST_KEY"}}
    with pytest.raises(OptionError, match="needs a key"):
        load_sessions(write(tmp_path, text), m)
    monkeypatch.setenv("MY_TEST_KEY", "environment-key-123456")
    df = load_sessions(write(tmp_path, text), m)
    assert df["client"].iloc[0] == pseudonymise(["ALICE"], "environment-key-123456")[0]
    assert df["therapist"].iloc[0] == "DRX"  # only what the mapping lists


def test_pseudonyms_are_keyed_hmac():
    import hashlib
    import hmac

    key = "a-key-of-16-bytes!"
    # the definition: HMAC-SHA256(key, identifier), hex, first 16 characters (RFC 2104)
    want = hmac.new(key.encode(), b"C7", hashlib.sha256).hexdigest()[:16]
    assert pseudonymise(pd.Series(["C7"]), key)[0] == want
    assert pseudonymise(["C7"], "another-key-16-bytes")[0] != want
    with pytest.raises(OptionError, match="at least 16 bytes"):
        pseudonymise(["C7"], "short")
    with pytest.raises(OptionError, match="length=4"):
        pseudonymise(["C7"], key, length=4)


def test_client_conditions_clients_without_sessions_and_conflicts(tmp_path):
    df = load_sessions(write(tmp_path, "client,session,rupture,resolution,age\nA,1,yes,4,30\nB,1,no,,40\n"))
    out = classify_sessions(df, rule="self_report")
    clients = pd.DataFrame({"client": ["A", "B", "C"], "pre": [20.0, 25.0, 30.0]})
    with pytest.warns(DataWarning, match="1 client"):
        res = client_conditions(out, clients=clients)
    assert res["client"].astype(str).tolist() == ["A", "B", "C"]
    assert res["n_sessions"].tolist() == [1, 1, 0]
    assert res["condition"].astype(object).tolist()[:2] == ["repaired", "none"] and pd.isna(res["condition"][2])
    with pytest.raises(DataError, match="duplicated client"):
        client_conditions(out, clients=pd.concat([clients, clients]))
    with pytest.raises(DataError, match="run classify_sessions first"):
        client_conditions(df)


def test_clients_table_joins_pseudonymised_sessions_with_the_same_key(tmp_path):
    key = "0123456789abcdef-key"
    df = load_sessions(write(tmp_path, "client,session,rupture,resolution\nALICE,1,yes,4\nBOB,1,no,\n"), key=key)
    out = classify_sessions(df, rule="self_report")
    clients = pd.DataFrame({"client": ["ALICE", "BOB"], "pre": [20.0, 25.0]})
    with pytest.raises(DataError, match="pass the same key="):
        client_conditions(out, clients=clients)
    res = client_conditions(out, clients=clients, key=key)
    assert res["pre"].tolist() == [20.0, 25.0]
    assert res["condition"].astype(str).tolist() == ["repaired", "none"]
    assert "ALICE" not in res["client"].astype(str).tolist()


# --- load_clients -----------------------------------------------------------------------------------------------

def test_load_clients_bundled_file_joins_the_sessions():
    from pathlib import Path

    from ruptstats.sessions import load_clients

    data = Path(__file__).resolve().parents[1] / "data" / "sessions"
    s = read_sessions(data / "study_c_3rs.csv", data / "study_c_3rs.toml")
    clients = load_clients(data / "study_c_clients.csv", data / "study_c_clients.toml")
    assert str(clients["pre"].dtype) == "float64" and len(clients) == 20  # 20 clients (make_session_data.py)
    res = client_conditions(classify_sessions(s.sessions, rule=s.rule), clients=clients)
    assert len(res) == 20 and res["pre"].notna().all()
    # -9 in OQ_post is the mapping's missing code: as many missing post values as -9 cells in the file
    n_codes = (data / "study_c_clients.csv").read_text(encoding="latin-1").count(";-9")
    assert res["post"].isna().sum() == n_codes


def test_load_clients_duplicates_missing_and_pseudonyms(tmp_path):
    from ruptstats.sessions import load_clients, read_clients

    p = write(tmp_path, "client,pre\nA,20\nB,30\nA,21\n,40\n", "c.csv")
    with pytest.raises(DataError, match=r"c.csv: row 4, column 'client': client is missing"):
        load_clients(p)
    with pytest.warns(DataWarning):
        c = read_clients(p, missing="drop")
    assert c.clients.index.tolist() == [1, 2]  # row 4 (no client) and row 3 (A again) excluded
    assert [i.check for i in c.issues] == ["missing_id", "duplicate_client"]
    key = "0123456789abcdef-key"
    s = load_sessions(write(tmp_path, "client,session,rupture,resolution\nA,1,yes,4\nB,1,no,\n"), key=key)
    c = read_clients(write(tmp_path, "client,pre\nA,20\nB,30\n", "c2.csv"), key=key)
    assert c.pseudonymised == ("client",)
    classified = classify_sessions(s, rule="self_report")
    res = client_conditions(classified, clients=c, key=key)  # no double hashing
    assert res["pre"].tolist() == [20.0, 30.0]
    res = client_conditions(classified, clients=c.clients, key=key)  # a plain table: its pseudonyms match
    assert res["pre"].tolist() == [20.0, 30.0]
