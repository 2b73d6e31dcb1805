"""client_outcomes: first/last/change/slope, Jacobson & Truax (1991) RCI and clinically significant change,
instrument directions and norms, edge cases, and the join with client_conditions.

Every expected value is computed by hand in the comments from the formulas of Jacobson & Truax (1991):
S_diff = sqrt(2) * SD_pre * sqrt(1 - r_xx), RCI = (last - first) / S_diff, RC = 1.96 * S_diff (or the published RC,
then S_diff = RC / 1.96); cut-offs a = M0 -/+ 2 s0, b = M1 +/- 2 s1, c = (s0 M1 + s1 M0) / (s0 + s1).
"""

import math

import numpy as np
import pandas as pd
import pytest
from tolerances import ALGEBRAIC, printed

from ruptstats.exceptions import DataError, OptionError
from ruptstats.sessions import (INSTRUMENTS, Instrument, Norms, classify_sessions, client_conditions,
                                client_outcomes, read_mapping)
from ruptstats.sessions.outcomes import clinical_cutoff

S_DIFF = math.sqrt(2) * 10 * math.sqrt(0.2)  # SD 10, r_xx .8: 6.324555...
NORMS = Norms(reliability=0.8, dysfunctional_mean=30, dysfunctional_sd=10, functional_mean=10, functional_sd=5)


def pre_post(pairs, client_prefix="c"):
    """Two sessions per client: (first, last) outcome scores."""
    rows = []
    for i, (a, b) in enumerate(pairs):
        rows += [(f"{client_prefix}{i}", 1, a), (f"{client_prefix}{i}", 2, b)]
    return pd.DataFrame(rows, columns=["client", "session", "outcome"])


def test_s_diff_and_rci_by_hand():
    assert S_DIFF == pytest.approx(6.3246, abs=printed(4))  # the brief's example: sqrt(2) * 10 * sqrt(.2)
    # lower is better, RC = 1.96 * 6.3246 = 12.396: 30 -> 20 (-10, unchanged), 30 -> 15 (-15, improved),
    # 20 -> 35 (+15, deteriorated)
    d = pre_post([(30, 20), (30, 15), (20, 35)])
    r = client_outcomes(d, norms=NORMS, higher_is_better=False)
    assert r["rci"].tolist() == pytest.approx([-10 / S_DIFF, -15 / S_DIFF, 15 / S_DIFF])
    assert r["rci"].tolist() == pytest.approx([-1.5811, -2.3717, 2.3717], abs=printed(4))
    assert r["reliable_change"].tolist() == ["unchanged", "improved", "deteriorated"]
    # the same changes on an instrument where higher is better: the signs of improvement flip
    r = client_outcomes(d, norms=NORMS, higher_is_better=True, criterion=None)
    assert r["reliable_change"].tolist() == ["unchanged", "deteriorated", "improved"]
    assert "recovered" not in r.columns


def test_clinical_cutoffs_by_hand():
    # M0 = 30, s0 = 10, M1 = 10, s1 = 5. Lower is better: a = 30 - 20 = 10, b = 10 + 10 = 20,
    # c = (10 * 10 + 5 * 30) / 15 = 16.6667. Higher is better: a = 30 + 20 = 50, b = 10 - 10 = 0, c the same.
    assert clinical_cutoff(NORMS, criterion="a", higher_is_better=False) == pytest.approx(10)
    assert clinical_cutoff(NORMS, criterion="b", higher_is_better=False) == pytest.approx(20)
    assert clinical_cutoff(NORMS, criterion="c", higher_is_better=False) == pytest.approx(250 / 15)
    assert clinical_cutoff(NORMS, criterion="a", higher_is_better=True) == pytest.approx(50)
    assert clinical_cutoff(NORMS, criterion="b", higher_is_better=True) == pytest.approx(0)
    assert clinical_cutoff(NORMS, criterion="c", higher_is_better=True) == pytest.approx(250 / 15)
    # a published cut-off is criterion c
    assert clinical_cutoff(INSTRUMENTS["OQ-45"].norms, criterion="c", higher_is_better=False) == 64
    with pytest.raises(OptionError, match="criterion='a' needs the norms dysfunctional_mean"):
        clinical_cutoff(INSTRUMENTS["OQ-45"].norms, criterion="a", higher_is_better=False)
    with pytest.raises(OptionError, match="criterion='d' is not allowed"):
        clinical_cutoff(NORMS, criterion="d", higher_is_better=False)


@pytest.mark.parametrize("criterion, want", [
    # RC 12.396; A 35 -> 15 (-20, improved), B 30 -> 8 (-22), C 28 -> 18 (-10, not reliable), D 40 -> 18 (-22)
    # last scores against a = 10: only B's 8 is below; b = 20: A 15, B 8, D 18 below; c = 16.67: A 15, B 8
    ("a", [False, True, False, False]),
    ("b", [True, True, False, True]),
    ("c", [True, True, False, False]),
])
def test_recovered_under_each_criterion(criterion, want):
    d = pre_post([(35, 15), (30, 8), (28, 18), (40, 18)])
    r = client_outcomes(d, norms=NORMS, higher_is_better=False, criterion=criterion)
    assert r["reliable_change"].tolist() == ["improved", "improved", "unchanged", "improved"]
    assert r["recovered"].tolist() == want


def test_oq45_decrease_is_improvement_and_published_values():
    # OQ-45 (Lambert et al. 2004): RC 14, cut-off 64, higher is worse. 80 -> 66: -14 >= RC in the better direction,
    # improved, but 66 is not below 64: not recovered; 80 -> 60: recovered; 70 -> 84: +14 deteriorated;
    # 60 -> 50: improved but started functional (60 < 64): not recovered.
    d = pre_post([(80, 66), (80, 60), (70, 84), (60, 50)])
    r = client_outcomes(d, instrument="OQ-45")
    assert r["reliable_change"].tolist() == ["improved", "improved", "deteriorated", "unchanged"]
    assert r["recovered"].tolist() == [False, True, False, False]
    # RCI with the published RC: S_diff = 14 / 1.96, RCI = -14 * 1.96 / 14 = -1.96
    assert r["rci"].iloc[0] == pytest.approx(-1.96)
    # the 1996 manual's cut-off 63 through a dict override: 80 -> 63.5 recovers under 64, not under 63
    d2 = pre_post([(80, 63.5)])
    assert client_outcomes(d2, instrument="OQ-45")["recovered"].tolist() == [True]
    assert client_outcomes(d2, instrument="OQ-45", norms={"cutoff": 63})["recovered"].tolist() == [False]


def test_ors_increase_is_improvement_and_cutoff_is_strict():
    # ORS (Miller et al. 2003): RC 5, cut-off 25, higher is better. 20 -> 26: +6 improved, 26 > 25 recovered,
    # RCI = 6 / (5 / 1.96) = 2.352; 20 -> 25: +5 improved, 25 has not crossed 25; 30 -> 24: -6 deteriorated
    d = pre_post([(20, 26), (20, 25), (30, 24)])
    r = client_outcomes(d, instrument="ORS")
    assert r["rci"].tolist() == pytest.approx([6 * 1.96 / 5, 5 * 1.96 / 5, -6 * 1.96 / 5])
    assert r["reliable_change"].tolist() == ["improved", "improved", "deteriorated"]
    assert r["recovered"].tolist() == [True, False, False]


def test_phq9_and_bdi2_directions_and_values():
    # PHQ-9: cut-off 10 (Kroenke et al. 2001), RC 6: 16 -> 9 (-7) recovered; 16 -> 10 (-6) improved, 10 is a case
    r = client_outcomes(pre_post([(16, 9), (16, 10)]), instrument="PHQ-9")
    assert r["reliable_change"].tolist() == ["improved", "improved"]
    assert r["recovered"].tolist() == [True, False]
    # BDI-II: cut-off 14.29, RC 8.46 (Seggar et al. 2002): 25 -> 14 (-11) recovered; 20 -> 12 (-8) not reliable
    r = client_outcomes(pre_post([(25, 14), (20, 12)]), instrument="BDI-II")
    assert r["reliable_change"].tolist() == ["improved", "unchanged"]
    assert r["recovered"].tolist() == [True, False]


def test_instrument_directions_and_norms_table():
    better = {k: v.higher_is_better for k, v in INSTRUMENTS.items()}
    assert better == {"WAI-SR": True, "SRS": True, "ORS": True, "OQ-45": False, "PHQ-9": False, "BDI-II": False}
    got = {k: (v.norms.cutoff, v.norms.reliable_change) for k, v in INSTRUMENTS.items() if v.norms is not None}
    assert got == {"ORS": (25, 5), "OQ-45": (64, 14), "PHQ-9": (10, 6), "BDI-II": (14.29, 8.46)}
    for inst in INSTRUMENTS.values():  # every published value names its source
        assert inst.norms is None or len(inst.norms.source) > 20
    # the old fields and the norms agree
    assert INSTRUMENTS["OQ-45"].cutoff == 64 and INSTRUMENTS["OQ-45"].reliable_change == 14
    x = Instrument("X", 3, 1, 5, cutoff=7, reliable_change=2)
    assert x.norms.cutoff == 7 and x.norms.reliable_change == 2 and x.higher_is_better is None
    with pytest.raises(OptionError, match="differs from norms.cutoff"):
        Instrument("X", 3, 1, 5, cutoff=7, norms=Norms(cutoff=8))
    with pytest.raises(OptionError, match="higher_is_better='no'"):
        Instrument("X", 3, 1, 5, higher_is_better="no")


def test_norms_checks():
    with pytest.raises(OptionError, match="reliability=1"):
        Norms(reliability=1)
    with pytest.raises(OptionError, match="functional_sd=0"):
        Norms(functional_sd=0)
    with pytest.raises(OptionError, match="must be a finite number"):
        Norms(cutoff=float("nan"))
    with pytest.raises(OptionError, match=r"unknown key\(s\) \['rxx'\]"):
        Norms.coerce({"rxx": 0.8})
    with pytest.raises(OptionError, match="must be a Norms"):
        Norms.coerce(0.8)


def test_declared_instrument_must_state_direction():
    hsc = Instrument("HSC", 3, 1, 7, norms=Norms(reliable_change=3))
    d = pre_post([(10, 4)])
    with pytest.raises(OptionError, match="HSC does not state its direction"):
        client_outcomes(d, instrument=hsc)
    # stated per call, or in the declaration: 10 -> 4 is -6, RC 3
    assert client_outcomes(d, instrument=hsc, higher_is_better=False, criterion=None)["reliable_change"].tolist() \
        == ["improved"]
    hsc2 = Instrument("HSC", 3, 1, 7, higher_is_better=True, norms=Norms(reliable_change=3))
    assert client_outcomes(d, instrument=hsc2, criterion=None)["reliable_change"].tolist() == ["deteriorated"]
    with pytest.raises(OptionError, match="the outcome does not state its direction"):
        client_outcomes(d, norms={"reliability": 0.8})
    with pytest.raises(OptionError, match="WAI-SR has no reliable change value and no reliability"):
        client_outcomes(d, instrument="WAI-SR")
    with pytest.raises(OptionError, match="criterion='c' needs the norms"):
        client_outcomes(d, instrument=hsc2)  # no cut-off and no means


def test_mapping_declares_direction_and_norms():
    m = read_mapping({"instruments": {"hsc": {"items": "h{}", "n_items": 3, "range": [1, 7],
                                              "higher_is_better": False,
                                              "norms": {"reliability": 0.9, "source": "Author (2020), table 2"}}}})
    inst = m.instruments[0].instrument
    assert inst.higher_is_better is False and inst.norms.reliability == 0.9
    with pytest.raises(OptionError, match="higher_is_better must be true or false"):
        read_mapping({"instruments": {"hsc": {"items": "h{}", "n_items": 3, "range": [1, 7],
                                              "higher_is_better": "no"}}})
    with pytest.raises(OptionError, match=r"\[instruments.hsc\] norms has unknown key"):
        read_mapping({"instruments": {"hsc": {"items": "h{}", "n_items": 3, "range": [1, 7],
                                              "norms": {"rxx": 0.9}}}})
    with pytest.raises(OptionError, match="names a built-in instrument and also declares"):
        read_mapping({"instruments": {"o": {"instrument": "OQ-45", "items": "o{}", "higher_is_better": True}}})


def test_norms_object_replaces_and_dict_updates():
    # a Norms object replaces OQ-45's (RC 14 gone): RC from r_xx .8 and SD 10 is 12.396, so -13 is improved
    d = pre_post([(80, 67)])
    r = client_outcomes(d, instrument="OQ-45", norms=Norms(reliability=0.8, dysfunctional_sd=10), criterion=None)
    assert r["rci"].iloc[0] == pytest.approx(-13 / S_DIFF) and r["reliable_change"].tolist() == ["improved"]
    # the dict keeps RC 14: -13 is not reliable
    r = client_outcomes(d, instrument="OQ-45", norms={"reliability": 0.8})
    assert r["reliable_change"].tolist() == ["unchanged"]
    # reliable_change= replaces the RC: 13 points suffice, 80 -> 67 is still above 64
    r = client_outcomes(d, instrument="OQ-45", reliable_change=13)
    assert r["reliable_change"].tolist() == ["improved"] and r["recovered"].tolist() == [False]


def test_sd_pre_from_first_scores_per_study():
    # no dysfunctional_sd: SD_pre is the sample SD of the clients' first scores, per study.
    # study S: firsts 10, 20, 30 -> SD 10 -> S_diff 6.3246; study T: firsts 10, 14 -> SD 2.8284 -> S_diff 1.7889,
    # RC 3.506: T's -4 is improved, while S's -10 (RC 12.396) is not
    d = pd.concat([pre_post([(10, 0), (20, 20), (30, 30)]).assign(study="S"),
                   pre_post([(10, 6), (14, 14)], client_prefix="t").assign(study="T")])
    r = client_outcomes(d, norms={"reliability": 0.8}, higher_is_better=False, criterion=None)
    s_t = math.sqrt(2) * math.sqrt(8) * math.sqrt(0.2)
    assert r["rci"].tolist() == pytest.approx([-10 / S_DIFF, 0, 0, -4 / s_t, 0])
    assert r["reliable_change"].tolist() == ["unchanged", "unchanged", "unchanged", "improved", "unchanged"]


def test_descriptives_on_raw_unsorted_data_with_gaps():
    # client a: sessions 4, 1, 2 (unsorted) with 2, 10, 8 and a missing session 3 value; b: all missing;
    # c: one session; d: outcome only in session 2 of 3
    d = pd.DataFrame({"client": ["a", "b", "a", "c", "a", "b", "d", "d", "d", "a"],
                      "session": [4, 1, 1, 5, 2, 2, 1, 2, 3, 3],
                      "outcome": [2.0, np.nan, 10, 7, 8, np.nan, np.nan, 5, np.nan, np.nan],
                      "alliance": [4.0, 3, 5, np.nan, 6, 5, 2, 2, 2, 1]})
    r = client_outcomes(d, instrument="OQ-45")
    assert r["client"].tolist() == ["a", "b", "c", "d"]  # order of first appearance
    assert isinstance(r["client"].dtype, pd.CategoricalDtype)
    assert r["n_outcome"].tolist() == [3, 0, 1, 1]
    # a: first (session 1) 10, last (session 4) 2, change -8; OLS on x = 1, 2, 4 and y = 10, 8, 2:
    # means 7/3, 20/3; Sxy = (-4/3)(10/3) + (-1/3)(4/3) + (5/3)(-14/3) = -114/9, Sxx = 42/9, slope -114/42
    assert r.loc[0, ["first", "last", "change"]].tolist() == [10, 2, -8]
    assert r.loc[0, "slope"] == pytest.approx(-114 / 42)
    assert r.loc[0, "slope"] == pytest.approx(np.polyfit([1, 2, 4], [10, 8, 2], 1)[0])
    # b: all missing -> NaN everywhere, counted as 0, reliable change and recovery unknown
    assert r.loc[1, ["first", "last", "change", "slope", "rci"]].isna().all()
    assert pd.isna(r.loc[1, "reliable_change"]) and pd.isna(r.loc[1, "recovered"])
    # c and d: one observed session: first == last, change 0, slope NaN, unchanged
    assert r.loc[2, ["first", "last", "change"]].tolist() == [7, 7, 0] and np.isnan(r.loc[2, "slope"])
    assert r.loc[3, ["first", "last", "change"]].tolist() == [5, 5, 0]
    assert r["reliable_change"].tolist()[2:] == ["unchanged", "unchanged"]
    # alliance means over each client's non-missing values: a (4 + 5 + 6 + 1) / 4 = 4, b 4, c none, d 2
    assert r["alliance_mean"].tolist()[:2] == [4, 4] and np.isnan(r.loc[2, "alliance_mean"])
    assert "n_sessions" not in r.columns and "condition" not in r.columns


def test_matches_a_groupby_reference_on_random_data():
    rng = np.random.default_rng(7)
    n_clients, per = 200, 8
    d = pd.DataFrame({"study": np.repeat(rng.choice(["S", "T"], n_clients), per),
                      "client": np.repeat([f"k{i}" for i in range(n_clients)], per),
                      "session": np.tile(np.arange(1, per + 1), n_clients),
                      "outcome": rng.normal(60, 15, n_clients * per)})
    d.loc[rng.random(len(d)) < 0.3, "outcome"] = np.nan
    d = d.sample(frac=1, random_state=3)  # unsorted
    r = client_outcomes(d, alliance=None).set_index("client")
    for client, grp in d.groupby("client"):  # a plain per-client loop as the reference
        obs = grp.dropna(subset=["outcome"]).sort_values("session")
        row = r.loc[client]
        assert row["n_outcome"] == len(obs)
        if len(obs) == 0:
            assert np.isnan(row["first"])
            continue
        assert row["first"] == obs["outcome"].iloc[0] and row["last"] == obs["outcome"].iloc[-1]
        if len(obs) >= 2:
            assert row["slope"] == pytest.approx(np.polyfit(obs["session"], obs["outcome"], 1)[0], rel=ALGEBRAIC)
        else:
            assert np.isnan(row["slope"])


def test_bad_input_is_a_data_error():
    d = pre_post([(10, 8)])
    with pytest.raises(DataError, match="no outcome column 'score'"):
        client_outcomes(d, outcome="score")
    with pytest.raises(DataError, match="no alliance column 'wai'"):
        client_outcomes(d, alliance="wai")
    bad = d.astype({"outcome": object})
    bad.loc[1, "outcome"] = "high"
    with pytest.raises(DataError, match=r"row 2, column 'outcome': outcome must be a number, got 'high'"):
        client_outcomes(bad)
    inf = d.astype({"outcome": float})
    inf.loc[0, "outcome"] = np.inf
    with pytest.raises(DataError, match="outcome must be finite"):
        client_outcomes(inf)
    dup = pd.concat([d, d.iloc[[1]]])  # two outcome values for session 2 (rows 2 and 3: the second is named)
    with pytest.raises(DataError, match="row 3, column 'session': a client has two outcome values"):
        client_outcomes(dup)
    nosession = d.astype({"session": float})
    nosession.loc[0, "session"] = np.nan
    with pytest.raises(DataError, match="row 1, column 'session': an outcome value needs a session number"):
        client_outcomes(nosession)
    with pytest.raises(OptionError, match="criterion='z' is not allowed"):
        client_outcomes(d, instrument="OQ-45", criterion="z")


def test_empty_table():
    d = pd.DataFrame({"client": pd.Series([], dtype=str), "session": pd.Series([], dtype=float),
                      "outcome": pd.Series([], dtype=float)})
    r = client_outcomes(d, instrument="OQ-45")
    assert len(r) == 0 and {"first", "rci", "recovered"} <= set(r.columns)


def test_join_with_client_conditions():
    # pre-coded ruptures (the coded rule is the default): a repaired, b unrepaired, c none
    d = pd.DataFrame({"study": "S", "client": ["a"] * 3 + ["b"] * 3 + ["c"] * 2,
                      "session": [1, 2, 3, 1, 2, 3, 1, 2],
                      "rupture": [False, True, False, True, False, False, False, False],
                      "repaired": [False, True, False, False, False, False, False, False],
                      "alliance": [5.0, 3, 6, 4, 3, 3, 5, 5],
                      "outcome": [80.0, 70, 60, 75, np.nan, 78, 50, 48]})
    classified = classify_sessions(d)
    outcomes = client_outcomes(classified, instrument="OQ-45")
    both = client_conditions(classified, clients=outcomes)
    assert len(both) == 3
    got = both.set_index("client")
    assert got["condition"].astype(str).to_dict() == {"a": "repaired", "b": "unrepaired", "c": "none"}
    assert got["n_sessions"].tolist() == [3, 3, 2]
    # a: 80 -> 60 (-20 >= 14, 60 < 64): recovered; b: 75 -> 78 (+3) unchanged; c 50 -> 48 unchanged
    assert got["change"].tolist() == [-20, 3, -2]
    assert got["recovered"].tolist() == [True, False, False]
    assert got["alliance_mean"].tolist() == pytest.approx([14 / 3, 10 / 3, 5])
