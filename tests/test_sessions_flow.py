"""The session path flows one way: read_sessions -> classify_sessions(rule=) -> client_conditions(by=).

Each step takes what it needs as arguments; nothing travels in ``DataFrame.attrs`` but the file name.

Expected counts: the bundled studies run through the attrs-driven path of main at commit e55abbb (before this
change), ``s = load_sessions(data, mapping, key=...)``, ``c = classify_sessions(s)`` (rule from
``s.attrs["report"]``), ``client_conditions(c)`` (``by`` and covariates from the report), then
``value_counts()`` of ``condition`` in the session and client tables (``by="last"``: ``client_conditions(c,
by="last")``); the report's counts of that run were the same numbers.
"""

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import DataError, DataWarning, OptionError
from ruptstats.sessions import (ClientData, SessionData, SessionReport, classify_sessions, client_conditions,
                                compare_rules, load_clients, load_sessions, read_clients, read_sessions)

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"
CONDITIONS = ["none", "unrepaired", "repaired"]

# stem, ext: n session rows, n clients, session counts (none, unrepaired, repaired), sessions without condition,
# client counts by "any", client counts by "last", client-table columns (main e55abbb, see the module docstring)
STUDIES = {
    ("study_a_psq", "sav"): (480, 24, [409, 20, 34], 17, [7, 5, 12], [7, 7, 10],
                             ["study", "client", "therapist", "n_sessions", "condition", "sex", "age"]),
    ("study_b_wide", "xlsx"): (297, 30, [267, 19, 11], 0, [10, 11, 9], [10, 15, 5],
                               ["study", "client", "therapist", "pre", "post", "dropout", "n_sessions", "condition"]),
    ("study_c_3rs", "csv"): (160, 20, [141, 5, 14], 0, [4, 3, 13], [4, 4, 12],
                             ["study", "client", "therapist", "dropout", "n_sessions", "condition", "age"]),
    ("study_d_oq", "dta"): (128, 16, [123, 2, 2], 1, [12, 2, 2], [12, 2, 2],
                            ["study", "client", "n_sessions", "condition"]),
}


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RUPTSTATS_PSEUDONYM_KEY", "a test key of enough length")  # study A's [privacy] key_env


def read(stem, ext) -> SessionData:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the bundled studies load without findings
        return read_sessions(DATA / f"{stem}.{ext}", DATA / f"{stem}.toml")


def counts(table) -> list:
    return table["condition"].value_counts().reindex(CONDITIONS).tolist()


@pytest.mark.parametrize("stem, ext", list(STUDIES))
def test_one_way_flow_gives_the_counts_of_the_attrs_path(stem, ext):
    n_rows, n_clients, sess, sess_na, any_, last, columns = STUDIES[(stem, ext)]
    d = read(stem, ext)
    assert isinstance(d.report, SessionReport) and (d.report.n_rows, d.report.n_clients) == (n_rows, n_clients)
    assert d.rule is not None and d.condition_by == "any"  # every bundled mapping has a [rule]; none sets by
    c = classify_sessions(d.sessions, rule=d.rule)
    assert counts(c) == sess and int(c["condition"].isna().sum()) == sess_na
    k = client_conditions(c, by=d.condition_by, covariates=d.report.client_level)
    assert len(k) == n_clients and counts(k) == any_ and k["condition"].notna().all()
    assert list(k.columns) == columns
    assert counts(client_conditions(c, by="last")) == last
    assert set(c.attrs) <= {"source"} and set(k.attrs) <= {"source"} and set(d.sessions.attrs) == {"source"}


@pytest.mark.parametrize("stem, ext", list(STUDIES))
def test_compare_rules_counts_the_same(stem, ext):
    _, _, sess, _, any_, _, _ = STUDIES[(stem, ext)]
    d = read(stem, ext)
    t = compare_rules(d.sessions, [d.rule], by=d.condition_by)
    assert set(t["rule"]) == {d.rule.label}
    assert t.query("level == 'session'")["n"].tolist() == sess
    assert t.query("level == 'client'")["n"].tolist() == any_


def test_merge_and_concat_lose_nothing_the_flow_needs():
    d = read("study_c_3rs", "csv")
    _, _, sess, _, any_, last, _ = STUDIES[("study_c_3rs", "csv")]
    # a merge with a client table (attrs are not what carries the rule or the report)
    extra = pd.DataFrame({"client": d.sessions["client"].cat.categories, "site": "X"})
    merged = pd.merge(d.sessions, extra.astype({"client": d.sessions["client"].dtype}), on="client", how="left")
    assert "report" not in merged.attrs
    c = classify_sessions(merged, rule=d.rule)
    assert counts(c) == sess
    assert counts(client_conditions(c, by=d.condition_by)) == any_
    # a concat of two studies, classified and condensed together: the counts add up
    b = read("study_b_wide", "xlsx")
    both = pd.concat([classify_sessions(d.sessions, rule=d.rule), classify_sessions(b.sessions, rule=b.rule)])
    k = client_conditions(both, by="any")
    assert len(k) == 20 + 30 and counts(k) == list(np.add(any_, STUDIES[("study_b_wide", "xlsx")][4]))
    assert counts(client_conditions(both.iloc[::-1], by="last"))[:3] == list(
        np.add(last, STUDIES[("study_b_wide", "xlsx")][5]))  # reversed rows: same clients, same conditions


def test_client_conditions_on_unordered_and_round_tripped_tables():
    d = read("study_a_psq", "sav")
    c = classify_sessions(d.sessions, rule=d.rule)
    k = client_conditions(c, covariates=d.report.client_level)
    rng = np.random.default_rng(3)
    shuffled = client_conditions(c.iloc[rng.permutation(len(c))], covariates=d.report.client_level)
    # shuffled rows: the clients come in the order of their codes (category order), as from the ordered table
    pd.testing.assert_frame_equal(shuffled, k)
    text = c.assign(condition=c["condition"].astype(object))  # e.g. read back from a CSV file
    pd.testing.assert_frame_equal(client_conditions(text, covariates=d.report.client_level), k)
    bad = text.copy()
    bad.loc[bad.index[3], "condition"] = "fixed"
    with pytest.raises(DataError, match="column 'condition': condition must be one of none, unrepaired, repaired"):
        client_conditions(bad)


def test_no_rule_is_a_clear_option_error():
    d = read("study_b_wide", "xlsx")  # alliance scores only: no rupture or repaired columns to take as coded
    with pytest.raises(OptionError, match="rule= is required: one of 'self_report', 'observer', 'trajectory'"):
        classify_sessions(d.sessions)
    with pytest.raises(OptionError, match="by='first'"):
        client_conditions(classify_sessions(d.sessions, rule=d.rule), by="first")


def test_session_data_is_frozen_printable_and_json():
    d = read("study_b_wide", "xlsx")
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.report = None
    assert d.summary() == d.report.summary() and "297 session rows of 30 clients" in d.summary()
    out = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert out["rule"] == "trajectory (c=1, sd=sample, m=3)"  # study_b_wide.toml: c = 1.0, sd = sample, m = 3
    assert out["condition_by"] == "any" and out["report"]["n_clients"] == 30
    assert "study_b_wide.xlsx" in repr(d)
    pd.testing.assert_frame_equal(load_sessions(DATA / "study_b_wide.xlsx", DATA / "study_b_wide.toml"),
                                  d.sessions)


def test_mapping_without_rule_gives_none(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("client,session,alliance\nA,1,5\nA,2,2\n")
    d = read_sessions(p)
    assert d.rule is None and d.to_dict()["rule"] is None and d.condition_by == "any"


def test_read_clients_and_its_join():
    d = read("study_c_3rs", "csv")
    cd = read_clients(DATA / "study_c_clients.csv", DATA / "study_c_clients.toml")
    assert isinstance(cd, ClientData) and cd.issues == () and cd.pseudonymised == ()
    assert set(cd.clients.attrs) == {"source"}
    pd.testing.assert_frame_equal(load_clients(DATA / "study_c_clients.csv", DATA / "study_c_clients.toml"),
                                  cd.clients)
    c = classify_sessions(d.sessions, rule=d.rule)
    a = client_conditions(c, clients=cd, covariates=d.report.client_level)
    b = client_conditions(c, clients=cd.clients, covariates=d.report.client_level)
    pd.testing.assert_frame_equal(a, b)
    assert counts(a) == STUDIES[("study_c_3rs", "csv")][4]
    assert json.loads(json.dumps(cd.to_dict(), allow_nan=False))["n_rows"] == 20  # make_session_data.py: 20
    assert "20 client rows kept" in cd.summary()
    with pytest.raises(OptionError, match="clients= must be a DataFrame or the ClientData"):
        client_conditions(c, clients=[1, 2])


def test_wide_clients_without_sessions_stay_in_the_client_table(tmp_path):
    # issue 10: client B of a wide file has client-level values (dropout, pre) but no session value; it must not
    # disappear from the client table (and with it a dropout): kept with n_sessions 0 and a missing condition
    path = tmp_path / "w.csv"
    path.write_text("client,dropout,pre,s1_alliance,s2_alliance,s3_alliance\n"
                    "A,nein,20,5,2,5\nB,ja,25,,,\nC,nein,30,4,4,4\n", encoding="utf-8")
    mapping = {"read": {"layout": "wide", "wide_pattern": r"^s(?P<session>\d+)_(?P<variable>.+)$"},
               "values": {"dropout": {"ja": True, "nein": False}}}
    with pytest.warns(DataWarning, match="no session values"):
        data = read_sessions(path, mapping)
    assert data.sessions["client"].astype(str).unique().tolist() == ["A", "C"]
    lonely = data.clients_without_sessions
    assert lonely.index.tolist() == [2]  # the file's data row
    assert lonely["client"].astype(str).tolist() == ["B"] and lonely["dropout"].tolist() == [True]
    classified = classify_sessions(data.sessions, rule="trajectory", c=0.5, m=1)
    with pytest.warns(DataWarning, match="without session rows"):
        clients = client_conditions(classified, without_sessions=lonely)
    row = clients[clients["client"] == "B"].iloc[0]
    assert row["n_sessions"] == 0 and pd.isna(row["condition"]) and bool(row["dropout"]) and row["pre"] == 25.0
    assert len(clients) == 3 and clients["dropout"].sum() == 1


def test_clients_without_sessions_is_none_when_every_client_has_sessions():
    data = read_sessions(DATA / "study_b_wide.xlsx", DATA / "study_b_wide.toml")
    assert data.clients_without_sessions is None
