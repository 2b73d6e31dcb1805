"""Hand-worked tests of the episode rules of ``rupture_episodes`` (issue 15), one per rule, and edge cases.

Every expected value is worked out by hand in the comment beside it from the small session tables written here.
"""

import json

import numpy as np
import pandas as pd
import pytest

from ruptstats import rupture_episodes
from ruptstats.exceptions import DataError, OptionError
from ruptstats.episodes import EPISODE_COLUMNS, stronger_after_repair, time_to_repair

from tolerances import EXACT


def sessions(rupture, repaired, alliance=None, client="a", session=None, **extra):
    n = len(rupture)
    out = pd.DataFrame({"client": [client] * n, "session": session or list(range(1, n + 1)),
                        "rupture": pd.array(rupture, dtype="boolean"), "repaired": pd.array(repaired, dtype="boolean")})
    if alliance is not None:
        out["alliance"] = np.asarray(alliance, dtype=float)
    for k, v in extra.items():
        out[k] = v
    return out


def rows(episodes, cols=("episode", "onset", "repaired", "repair_session", "latency", "censored")):
    return [[None if v is pd.NA else v for v in r] for r in episodes[list(cols)].astype(object).values.tolist()]


def test_columns_in_the_documented_order():
    e = rupture_episodes(sessions([False, True], [False, True], alliance=[5, 4]))
    assert tuple(e.columns) == tuple(c for c in EPISODE_COLUMNS if c != "study")


def test_rule1_an_episode_starts_at_a_rupture_outside_an_open_episode():
    # ruptures F T F F, no repair: one episode with onset at session 2
    e = rupture_episodes(sessions([False, True, False, False], [False] * 4))
    assert rows(e, ("episode", "onset")) == [[1, 2]]


def test_rule2_consecutive_ruptures_before_the_repair_are_one_episode():
    # ruptures T T T, repaired only at 3: one episode, onset 1, repair 3, latency 3 - 1 = 2
    e = rupture_episodes(sessions([True, True, True], [False, False, True]))
    assert rows(e) == [[1, 1, True, 3, 2, False]]


def test_rule2_a_rupture_after_a_quiet_session_still_belongs_to_the_open_episode():
    # ruptures T F T, repaired at 3: the episode opened at 1 is still open at 3 -> one episode, latency 2
    e = rupture_episodes(sessions([True, False, True], [False, False, True]))
    assert rows(e) == [[1, 1, True, 3, 2, False]]


def test_rule3_the_first_repair_from_the_onset_on_ends_it_latency_zero_in_the_onset_session():
    # ruptures T F, repaired T F: repaired in the onset session -> latency 0
    e = rupture_episodes(sessions([True, False], [True, False]))
    assert rows(e) == [[1, 1, True, 1, 0, False]]
    # a repair flag on a later session without rupture ends it too: ruptures T F F, repaired F F T -> latency 2
    e = rupture_episodes(sessions([True, False, False], [False, False, True]))
    assert rows(e) == [[1, 1, True, 3, 2, False]]


def test_rule4_never_repaired_is_censored_at_the_clients_last_session():
    # ruptures F T F F, no repair: latency 4 - 2 = 2, censored, no repair session
    e = rupture_episodes(sessions([False, True, False, False], [False] * 4))
    assert rows(e) == [[1, 2, False, None, 2, True]]


def test_rule5_after_a_repair_the_next_rupture_starts_a_new_episode():
    # ruptures T F T, repaired T F F: episode 1 (onset 1, latency 0), episode 2 (onset 3, censored at 3, latency 0)
    e = rupture_episodes(sessions([True, False, True], [True, False, False]))
    assert rows(e) == [[1, 1, True, 1, 0, False], [2, 3, False, None, 0, True]]


def test_repair_flags_outside_an_open_episode_are_ignored():
    # repaired at 1 before any rupture, rupture at 2 unrepaired -> one censored episode at 2 (latency 3 - 2 = 1)
    e = rupture_episodes(sessions([False, True, False], [True, False, False]))
    assert rows(e) == [[1, 2, False, None, 1, True]]


def test_session_gaps_count_in_the_latency():
    # sessions 1, 2, 5: rupture at 2, repaired at 5 -> latency 5 - 2 = 3
    e = rupture_episodes(sessions([False, True, False], [False, False, True], session=[1, 2, 5]))
    assert rows(e, ("onset", "repair_session", "latency")) == [[2, 5, 3]]


def test_alliance_before_dip_after_gain_by_hand():
    # alliance 5, 4, 6, 3, 5, 7, 8; rupture at 4, repaired at 5; m = 2
    # before = (4 + 6) / 2 = 5; dip = 3 - 5 = -2; after = (7 + 8) / 2 = 7.5; gain = 7.5 - 5 = 2.5
    e = rupture_episodes(sessions([False, False, False, True, False, False, False],
                                  [False, False, False, False, True, False, False],
                                  alliance=[5, 4, 6, 3, 5, 7, 8]), m=2)
    got = e[["alliance_before", "alliance_dip", "alliance_after", "alliance_gain"]].to_numpy()[0]
    np.testing.assert_allclose(got, [5.0, -2.0, 7.5, 2.5], rtol=EXACT)


def test_alliance_windows_use_up_to_m_rows_skip_missing_and_stop_at_the_client():
    # client a: alliance 4, NaN, rupture at 3 (alliance 2), m = 3 -> before = 4 (the missing one skipped);
    # client b's rows never enter a's windows: b's first session is a rupture -> before missing
    a = sessions([False, False, True], [False, False, True], alliance=[4, np.nan, 2])
    b = sessions([True, False], [False, False], alliance=[9, 9], client="b")
    e = rupture_episodes(pd.concat([a, b], ignore_index=True), m=3)
    assert e["alliance_before"].iloc[0] == 4.0 and np.isnan(e["alliance_before"].iloc[1])
    assert np.isnan(e["alliance_after"].iloc[0])  # repaired at a's last session: no session after it
    assert np.isnan(e["alliance_after"].iloc[1]) and bool(e["censored"].iloc[1])  # censored: no after


def test_type_of_the_onset_and_first_strategy_within_the_episode():
    # onset 1 is a withdrawal; the strategy is coded at session 2 (inside the episode, repaired at 2)
    s = sessions([True, True, True], [False, True, False],
                 rupture_type=pd.Categorical(["withdrawal", "confrontation", "both"]),
                 repair_strategy=[None, "immediate", "exploratory"])
    e = rupture_episodes(s)
    assert e["type"].astype(str).tolist() == ["withdrawal", "both"]
    assert e["strategy"].tolist()[0] == "immediate"
    assert pd.isna(e["strategy"].tolist()[1]) is False and e["strategy"].tolist()[1] == "exploratory"


def test_strategy_coded_after_the_episode_does_not_count():
    s = sessions([True, False, False], [True, False, False], repair_strategy=[None, None, "immediate"])
    assert pd.isna(rupture_episodes(s)["strategy"].iloc[0])


def test_missing_rupture_and_repaired_count_as_false():
    e = rupture_episodes(sessions([None, True, None], [None, None, True]))
    assert rows(e) == [[1, 2, True, 3, 1, False]]


def test_unordered_rows_and_several_clients():
    a = sessions([True, False], [False, True])
    b = sessions([False, True], [False, False], client="b")
    shuffled = pd.concat([a, b], ignore_index=True).iloc[[3, 0, 2, 1]]
    e = rupture_episodes(shuffled)
    # clients in order of first appearance (the sessions' convention): b's row comes first in the shuffled table
    assert e["client"].astype(str).tolist() == ["b", "a"]
    assert rows(e) == [[1, 2, False, None, 0, True], [1, 1, True, 2, 1, False]]


def test_episodes_per_client_and_rater():
    s = pd.concat([sessions([True, False], [False, True], rater="client"),
                   sessions([False, True], [False, False], rater="therapist")], ignore_index=True)
    s["rater"] = pd.Categorical(s["rater"], categories=["client", "therapist", "observer"])
    e = rupture_episodes(s)
    assert list(e.columns[:3]) == ["client", "rater", "episode"]
    assert e["rater"].astype(str).tolist() == ["client", "therapist"]
    with pytest.raises(DataError, match="several raters"):
        time_to_repair(e)
    assert time_to_repair(e[e["rater"] == "client"]).n_episodes == 1


def test_no_ruptures_gives_an_empty_table_with_the_columns():
    e = rupture_episodes(sessions([False, False], [False, False], alliance=[1, 2]))
    assert len(e) == 0 and "latency" in e.columns
    res = time_to_repair(e)
    assert res.km == () and res.n_episodes == 0
    json.dumps(res.to_dict(), allow_nan=False)


def test_rupture_in_the_last_session_is_censored_with_latency_zero():
    e = rupture_episodes(sessions([False, False, True], [False] * 3))
    assert rows(e) == [[1, 3, False, None, 0, True]]


def test_all_censored_no_cox_and_no_median():
    e = pd.DataFrame({"client": ["a", "b", "c", "d"], "type": ["withdrawal", "both"] * 2, "latency": [1, 2, 3, 4],
                      "repaired": [False] * 4})
    res = time_to_repair(e, by="type")
    assert res.cox == () and any("no episode was repaired" in n for n in res.notes)
    assert all(v is None for v in res.to_dict()["median"].values())
    assert [r["survival"] for r in res.km] == [1.0] * 4
    json.dumps(res.to_dict(), allow_nan=False)


def test_one_group_in_by_gives_curves_but_no_tests():
    e = pd.DataFrame({"client": list("ab"), "type": ["both", "both"], "latency": [1, 2], "repaired": [True, False]})
    res = time_to_repair(e, by="type")
    assert res.logrank is None and res.cox == () and list(res.median) == ["both"]
    assert any("one group" in n for n in res.notes)


def test_hostile_input_gives_data_and_option_errors():
    with pytest.raises(DataError, match="classify it first"):
        rupture_episodes(pd.DataFrame({"client": ["a"], "session": [1]}))
    with pytest.raises(DataError, match="true/false"):
        rupture_episodes(pd.DataFrame({"client": ["a"], "session": [1], "rupture": ["yes"], "repaired": [True]}))
    with pytest.raises(DataError, match="repeated"):
        rupture_episodes(sessions([True, True], [False, False], session=[1, 1]))
    with pytest.raises(DataError, match="whole number"):
        rupture_episodes(sessions([True, True], [False, False], session=[1, 1.5]))
    with pytest.raises(OptionError, match="m="):
        rupture_episodes(sessions([True], [False]), m=0)
    e = rupture_episodes(sessions([True, False], [False, True]))
    with pytest.raises(OptionError, match="conf_type"):
        time_to_repair(e, conf_type="plain")
    with pytest.raises(OptionError, match="by="):
        time_to_repair(e, by="nope")
    bad = e.assign(latency=[-1])
    with pytest.raises(DataError, match="latency"):
        time_to_repair(bad)


def test_reference_level_option():
    e = pd.DataFrame({"client": list("abcdef"), "type": ["withdrawal", "both", "confrontation"] * 2,
                      "latency": [1, 2, 3, 3, 1, 1], "repaired": [True] * 6})
    assert [r["term"] for r in time_to_repair(e, by="type").cox] == ["confrontation vs withdrawal",
                                                                      "both vs withdrawal"]
    assert [r["term"] for r in time_to_repair(e, by="type", reference="both").cox] == [
        "withdrawal vs both", "confrontation vs both"]
    with pytest.raises(OptionError, match="reference"):
        time_to_repair(e, by="type", reference="other")


def test_identifiers_never_leave_in_to_dict():
    s = pd.concat([sessions([True, False, False], [False, True, False], alliance=[3, 5, 6], client="secret-ID-1",
                            rupture_type=["withdrawal"] * 3),
                   sessions([True, True, False], [False, False, True], alliance=[2, 4, 7], client="secret-ID-2",
                            rupture_type=["confrontation"] * 3)], ignore_index=True)
    e = rupture_episodes(s)
    text = json.dumps([time_to_repair(e, by="type").to_dict(), stronger_after_repair(e).to_dict()], allow_nan=False)
    assert "secret" not in text


def test_monotone_likelihood_reports_no_cox_model():
    # every confrontation repair (3, 4) comes after every withdrawal repair (1, 2): the hazard ratio runs off to 0
    e = pd.DataFrame({"client": list("abcd"), "type": ["withdrawal", "withdrawal", "confrontation", "confrontation"],
                      "latency": [1, 2, 3, 4], "repaired": [True] * 4})
    res = time_to_repair(e, by="type")
    assert res.cox == () and any("converge" in n for n in res.notes)
