"""classify_sessions, client_conditions, condition_counts, compare_rules."""

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import DataError, OptionError
from ruptstats.sessions import (classify_sessions, client_conditions, compare_rules, condition_counts,
                                make_rule, read_sessions)


def psq(rows):
    """rows: (client, session, rupture, resolution)."""
    d = pd.DataFrame(rows, columns=["client", "session", "rupture", "resolution"])
    d["rupture"] = d["rupture"].astype("boolean")
    return d


SESSIONS = psq([("a", 1, False, np.nan), ("a", 2, True, 4), ("a", 3, True, 1),   # repaired, then unrepaired
                ("b", 1, True, 2), ("b", 2, True, 5),                            # unrepaired, then repaired
                ("c", 1, False, np.nan), ("c", 2, False, np.nan),                # no rupture
                ("d", 1, True, 2),                                               # unrepaired only
                ("e", 1, None, np.nan), ("e", 2, None, np.nan)])                 # nothing known


def test_session_conditions():
    out = classify_sessions(SESSIONS, rule="self_report", resolution_threshold=3)
    # resolution >= 3 repairs: a2 4 yes, a3 1 no, b1 2 no, b2 5 yes, d1 2 no; e unknown
    want = ["none", "repaired", "unrepaired", "unrepaired", "repaired", "none", "none", "unrepaired", None, None]
    assert out["condition"].astype(object).where(out["condition"].notna(), None).tolist() == want
    assert list(out["condition"].cat.categories) == ["none", "unrepaired", "repaired"]
    assert "condition" not in SESSIONS.columns  # the input is not changed


def test_client_condition_any_and_last():
    out = classify_sessions(SESSIONS, rule="self_report")
    anyc = client_conditions(out)
    # any: a has a repaired rupture; b too; c none; d unrepaired; e no classified session -> missing
    assert anyc["condition"].astype(object).tolist()[:4] == ["repaired", "repaired", "none", "unrepaired"]
    assert pd.isna(anyc["condition"].iloc[4])
    last = client_conditions(out, by="last")
    # last rupture: a's session 3 unrepaired; b's session 2 repaired
    assert last["condition"].astype(object).tolist()[:4] == ["unrepaired", "repaired", "none", "unrepaired"]
    assert anyc["n_sessions"].tolist() == [3, 2, 2, 1, 2]
    with pytest.raises(OptionError, match="by='first'"):
        client_conditions(out, by="first")


def test_last_rupture_across_raters_uses_session_number():
    d = psq([("a", 1, True, 5), ("a", 2, True, 1), ("a", 1, True, 1)])
    d["rater"] = pd.Categorical(["client", "client", "therapist"], categories=["client", "therapist", "observer"])
    out = classify_sessions(d, rule="self_report")
    # rows sorted client-rater-session; the last rupture is session 2 (client rating, resolution 1): unrepaired
    assert client_conditions(out, by="last")["condition"].tolist() == ["unrepaired"]
    assert client_conditions(out, by="any")["condition"].tolist() == ["repaired"]


def test_condition_counts_and_report_counts(tmp_path):
    p = tmp_path / "s.csv"
    SESSIONS.assign(study="S1").to_csv(p, index=False)
    data = read_sessions(p)
    rule = make_rule("self_report")
    out = classify_sessions(data.sessions, rule=rule)
    assert data.report.counts == () and "report" not in out.attrs  # classification does not touch the report
    counts = pd.concat([condition_counts(out, level="session", rule=rule.label),
                        condition_counts(client_conditions(out), level="client", rule=rule.label)])
    sess = counts.query("level == 'session'").set_index("condition")["n"].to_dict()
    # from test_session_conditions: 3 none, 3 unrepaired, 2 repaired (2 unknown not counted)
    assert sess == {"none": 3, "unrepaired": 3, "repaired": 2}
    cl = counts.query("level == 'client'").set_index("condition")["n"].to_dict()
    # from test_client_condition_any_and_last: a, b repaired; c none; d unrepaired; e missing (not counted)
    assert cl == {"none": 1, "unrepaired": 1, "repaired": 2}
    assert set(counts["rule"]) == {rule.label} and set(counts["study"]) == {"S1"}
    report = data.report.with_counts(counts.to_dict("records"))  # the caller puts the counts into the report
    pd.testing.assert_frame_equal(report.counts_frame(), counts.reset_index(drop=True))
    assert f"S1 | {rule.label} | client | repaired: 2" in report.summary()
    direct = condition_counts(out)
    assert direct["n"].tolist() == [3, 3, 2] and set(direct["rule"]) == {""}


def test_compare_rules_one_and_two_sd():
    # one client, scores 5 5 1 5 5: differences 0 -4 4 0, SD = sqrt(32 / 3) = 3.27;
    # 1 SD: -4 < -3.27 -> rupture at session 3, regained at 4 -> repaired; 2 SD: -4 > -6.53 -> none
    d = pd.DataFrame({"client": "a", "session": [1, 2, 3, 4, 5], "alliance": [5., 5, 1, 5, 5]})
    t = compare_rules(d, [{"type": "trajectory", "c": 1, "sd": "client"}, {"type": "trajectory", "c": 2,
                                                                            "sd": "client"}])
    cl = t.query("level == 'client' and n > 0")
    assert cl[["rule", "condition"]].values.tolist() == [["trajectory (c=1, sd=client, m=3)", "repaired"],
                                                         ["trajectory (c=2, sd=client, m=3)", "none"]]
    assert len(t) == 2 * 2 * 3  # two rules x two levels x three conditions


def test_classify_needs_a_rule_and_sorted_input():
    with pytest.raises(OptionError, match="rule= is required: one of 'self_report', 'observer', 'trajectory'"):
        classify_sessions(SESSIONS)  # rupture but no repaired column: no rule can be assumed
    shuffled = SESSIONS.iloc[::-1]
    out = classify_sessions(shuffled, rule="self_report")  # sorted on the way
    # clients in order of first appearance (e first in the reversed table), sessions increasing within client
    assert out["client"].tolist()[:3] == ["e", "e", "d"] and out["session"].tolist()[:3] == [1, 2, 1]


def test_client_conditions_covariates_must_exist():
    out = classify_sessions(SESSIONS, rule="self_report")
    with pytest.raises(DataError, match=r"covariates not in the session table: \['age'\]"):
        client_conditions(out, covariates=["age"])


def test_end_to_end_bundled_wide_study():
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "data" / "sessions"
    s = read_sessions(data / "study_b_wide.xlsx", data / "study_b_wide.toml")
    c = client_conditions(classify_sessions(s.sessions, rule=s.rule), by=s.condition_by)
    assert list(c.columns[:8]) == ["study", "client", "therapist", "pre", "post", "dropout", "n_sessions",
                                   "condition"]
    assert len(c) == 30 and c["condition"].notna().all()
    # n_sessions: the non-empty session blocks of each wide row (make_session_data: 8 to 12 sessions)
    assert c["n_sessions"].between(8, 12).all()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_client_conditions_match_a_plain_loop(seed):
    # random session conditions; the client rule written out per client with Python loops
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(40):
        for s in range(1, int(rng.integers(1, 7)) + 1):
            rows.append((f"c{i}", s, rng.choice([True, False, None], p=[0.3, 0.6, 0.1]), float(rng.integers(1, 6))))
    out = classify_sessions(psq(rows), rule="self_report")
    for by in ("any", "last"):
        got = client_conditions(out, by=by)["condition"].astype(object).where(lambda x: x.notna(), None).tolist()
        want = []
        for _, g in out.groupby("client", sort=False):
            conds = [c for c in g["condition"].astype(object) if not pd.isna(c)]
            ruptures = [c for c in conds if c != "none"]
            if not conds:
                want.append(None)
            elif not ruptures:
                want.append("none")
            elif by == "any":
                want.append("repaired" if "repaired" in ruptures else "unrepaired")
            else:
                want.append(ruptures[-1])
        assert got == want
