"""Rupture/repair rules; trajectory cases computed by hand in the comments."""

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import DataError, OptionError
from ruptstats.sessions import ObserverRule, SelfReportRule, TrajectoryRule, make_rule


def traj(scores, sessions=None, client="a", study="S"):
    n = len(scores)
    return pd.DataFrame({"study": study, "client": client, "session": sessions or list(range(1, n + 1)),
                         "alliance": np.array(scores, dtype=float)})


def as_list(values):
    return [None if pd.isna(v) else bool(v) for v in values]


# --- trajectory -------------------------------------------------------------------------------------------------

def test_trajectory_client_sd_one_and_two_sd():
    # scores 5 5 3 4 5 6: differences 0 -2 1 1 1, mean 0.2, squared deviations .04 4.84 .64 .64 .64 = 6.8,
    # SD = sqrt(6.8 / 4) = 1.3038. 1 SD: -2 < -1.3038 -> rupture at session 3; 2 SD: -2 > -2.6077 -> none
    d = traj([5, 5, 3, 4, 5, 6])
    one = TrajectoryRule(c=1, sd="client", m=2).apply(d)
    assert as_list(one["rupture"]) == [False, False, True, False, False, False]
    # m = 2: sessions 4, 5 score 4, 5; 5 >= 5 (the pre-drop level, session 2) -> repaired
    assert as_list(one["repaired"]) == [False, False, True, False, False, False]
    two = TrajectoryRule(c=2, sd="client", m=2).apply(d)
    assert not any(as_list(two["rupture"]))


def test_trajectory_window_m():
    # same client, m = 1: only session 4 (score 4 < 5) counts -> unrepaired
    r = TrajectoryRule(c=1, sd="client", m=1).apply(traj([5, 5, 3, 4, 5, 6]))
    assert as_list(r["rupture"])[2] is True and as_list(r["repaired"])[2] is False


def test_trajectory_drop_must_exceed_c_sd_strictly():
    # scores 5 2 5 5: differences -3 3 0, mean 0, SD = sqrt((9 + 9 + 0) / 2) = 3; -3 < -1 * 3 is false
    r = TrajectoryRule(c=1, sd="client").apply(traj([5, 2, 5, 5]))
    assert not any(as_list(r["rupture"]))
    r = TrajectoryRule(c=0.99, sd="client").apply(traj([5, 2, 5, 5]))
    assert as_list(r["rupture"]) == [False, True, False, False]


def test_trajectory_sample_sd_pools_clients_of_a_study():
    # client a: 4 4 1 4 (differences 0 -3 3), client b: 3 3 3 3 (0 0 0); pooled six differences, mean 0,
    # SD = sqrt((9 + 9) / 5) = 1.897; -3 < -1.897 -> rupture at a's session 3, regained 4 at session 4.
    # client a's own SD = sqrt(18 / 2) = 3, so the client rule finds no drop with c = 1.
    d = pd.concat([traj([4, 4, 1, 4], client="a"), traj([3, 3, 3, 3], client="b")], ignore_index=True)
    sample = TrajectoryRule(c=1, sd="sample").apply(d)
    assert as_list(sample["rupture"]) == [False, False, True, False] + [False] * 4
    assert as_list(sample["repaired"]) == [False, False, True, False] + [False] * 4
    own = TrajectoryRule(c=1, sd="client").apply(d)
    assert not any(as_list(own["rupture"][:4]))


def test_trajectory_sample_sd_is_per_study():
    # the same client a in study S, and study T whose only client has differences 0 -3 3 (SD 3): no rupture in T
    d = pd.concat([traj([4, 4, 1, 4], client="a"), traj([3, 3, 3, 3], client="b"),
                   traj([4, 4, 1, 4], client="c", study="T")], ignore_index=True)
    r = TrajectoryRule(c=1, sd="sample").apply(d)
    assert as_list(r["rupture"]) == [False, False, True, False] + [False] * 4 + [False] * 4


def test_trajectory_window_counts_session_numbers_not_rows():
    # sessions 1 2 3 7 (gap): scores 5 5 1 5; differences 0 -4 4, SD = sqrt(32 / 2) = 4; c = 0.5: -4 < -2
    # -> rupture at session 3; the next row is session 7, 4 sessions later: outside m = 3 -> unrepaired
    d = traj([5, 5, 1, 5], sessions=[1, 2, 3, 7])
    r = TrajectoryRule(c=0.5, sd="client", m=3).apply(d)
    assert as_list(r["rupture"])[2] is True and as_list(r["repaired"])[2] is False
    r = TrajectoryRule(c=0.5, sd="client", m=4).apply(d)  # session 7 = 3 + 4: inside m = 4 -> repaired
    assert as_list(r["repaired"])[2] is True


def test_trajectory_censored_window():
    # scores 5 5 5 1: differences 0 0 -4, SD = sqrt((16/9 * 2 + 64/9) / 2) = sqrt(96/18) = 2.309; -4 < -2.309:
    # rupture at the last session; nothing follows: unrepaired by default, missing with censored="missing"
    d = traj([5, 5, 5, 1])
    r = TrajectoryRule(c=1, sd="client").apply(d)
    assert as_list(r["rupture"])[3] is True and as_list(r["repaired"])[3] is False
    r = TrajectoryRule(c=1, sd="client", censored="missing").apply(d)
    assert as_list(r["repaired"])[3] is None


def test_trajectory_missing_scores():
    # score missing at session 3: differences at sessions 3 and 4 are missing -> rupture unknown there;
    # known differences 0 (session 2) and 4 (session 5), SD = sqrt((4 + 4) / 1) = 2.83: neither is a drop;
    # session 1 is never a drop (no previous session)
    d = traj([5, 5, np.nan, 1, 5])
    r = TrajectoryRule(c=1, sd="sample").apply(d)
    assert as_list(r["rupture"]) == [False, False, None, None, False]
    r = TrajectoryRule().apply(traj([np.nan, 4, 4]))
    assert as_list(r["rupture"])[0] is None


def test_trajectory_needs_ordered_sessions_and_valid_options():
    d = traj([5, 4, 3], sessions=[1, 3, 2])
    with pytest.raises(DataError, match="ordered by client"):
        TrajectoryRule().apply(d)
    with pytest.raises(OptionError, match=r"c=0 is outside"):
        TrajectoryRule(c=0).apply(traj([1, 2]))
    with pytest.raises(OptionError, match=r"m=1.5 must be a whole number"):
        TrajectoryRule(m=1.5).apply(traj([1, 2]))
    with pytest.raises(OptionError, match=r"sd='pooled' is not allowed"):
        TrajectoryRule(sd="pooled").apply(traj([1, 2]))
    with pytest.raises(DataError, match="column 'wai' .* not found"):
        TrajectoryRule(variable="wai").apply(traj([1, 2]))


# --- self-report --------------------------------------------------------------------------------------------------

def test_self_report_presence_intensity_resolution():
    d = pd.DataFrame({"rupture": pd.array([True, False, False, None, None, True], dtype="boolean"),
                      "rupture_intensity": [1, 4, 2, 5, 2, 3],
                      "resolution": [4, 5, np.nan, 3, 1, np.nan]})
    rule = SelfReportRule(intensity="rupture_intensity", intensity_threshold=4, resolution_threshold=3)
    r = rule.apply(d)
    # row 1: presence yes -> rupture, resolution 4 >= 3 repaired; row 2: intensity 4 >= 4 -> rupture, 5 >= 3;
    # row 3: no, 2 < 4 -> none; row 4: presence missing but intensity 5 -> rupture (Kleene or), 3 >= 3;
    # row 5: presence missing, intensity 2 -> unknown; row 6: rupture without resolution rating -> unknown repair
    assert as_list(r["rupture"]) == [True, True, False, True, None, True]
    assert as_list(r["repaired"]) == [True, True, False, True, None, None]


def test_self_report_presence_only_and_range_errors():
    d = pd.DataFrame({"rupture": [True, False], "resolution": [2, 9]})
    with pytest.raises(DataError, match=r"row 2, column 'resolution': resolution must lie in \[1, 5\], got 9"):
        SelfReportRule().apply(d)
    r = SelfReportRule(resolution_range=(0, 10), resolution_threshold=2).apply(d)
    assert as_list(r["repaired"]) == [True, False]  # 2 >= 2; no rupture in row 2
    with pytest.raises(OptionError, match="resolution_threshold=7 is outside"):
        SelfReportRule(resolution_threshold=7).apply(d)
    with pytest.raises(OptionError, match="give presence= or intensity="):
        SelfReportRule(presence=None).apply(d)
    with pytest.raises(DataError, match="column 'psq1'"):
        SelfReportRule(presence="psq1").apply(d)


# --- observer -----------------------------------------------------------------------------------------------------

def test_observer_markers_types_and_repair():
    d = pd.DataFrame({"w1": [0, 3, 0, 4, np.nan, 0], "w2": [1, 0, 0, 0, 0, 0], "c1": [0, 0, 2, 5, 0, np.nan],
                      "resolution": [1, 4, 2, 3, 5, 5]})
    r = ObserverRule(withdrawal=("w1", "w2"), confrontation=("c1",), marker_threshold=2).apply(d)
    # row 1: max markers 1 < 2 -> none; row 2: w1 3 -> withdrawal, resolution 4 >= 3; row 3: c1 2 ->
    # confrontation, 2 < 3 unrepaired; row 4: both, 3 >= 3; row 5: w1 missing, others 0 -> unknown;
    # row 6: c1 missing, withdrawal 0 -> unknown
    assert as_list(r["rupture"]) == [False, True, True, True, None, None]
    assert r["rupture_type"].astype(object).where(r["rupture_type"].notna(), None).tolist() == \
        [None, "withdrawal", "confrontation", "both", None, None]
    assert as_list(r["repaired"]) == [False, True, False, True, None, None]


def test_observer_range_and_option_errors():
    d = pd.DataFrame({"withdrawal": [0, 7], "confrontation": [0, 0], "resolution": [1, 1]})
    with pytest.raises(DataError, match=r"row 2, column 'withdrawal'"):
        ObserverRule().apply(d)
    with pytest.raises(OptionError, match="marker_threshold=9"):
        ObserverRule(marker_threshold=9).apply(d)
    with pytest.raises(OptionError, match="at least one"):
        ObserverRule(withdrawal=(), confrontation=()).apply(d)


# --- make_rule ----------------------------------------------------------------------------------------------------

def test_make_rule_from_names_and_dicts():
    assert make_rule("Trajectory", c=2).c == 2
    assert make_rule({"type": "observer", "withdrawal": ["a", "b"]}).withdrawal == ("a", "b")
    rule = SelfReportRule()
    assert make_rule(rule) is rule
    with pytest.raises(OptionError, match="rule='sudden' is not allowed"):
        make_rule("sudden")
    with pytest.raises(OptionError, match=r"has no option\(s\) \['k'\]"):
        make_rule({"type": "trajectory", "k": 3})
    with pytest.raises(OptionError, match="rule= is required"):
        make_rule(None)


# --- the vectorised trajectory rule against a plain per-client loop ------------------------------------------------

def reference_trajectory(d, c, sd, m):
    """The rule's definition written out with loops (slow, obvious): returns lists of rupture/repaired."""
    rupture, repaired = [], []
    diffs_all = []
    for _, g in d.groupby("client", sort=False):
        a = g["alliance"].tolist()
        diffs_all += [a[i] - a[i - 1] for i in range(1, len(a)) if not (np.isnan(a[i]) or np.isnan(a[i - 1]))]
    sample_sd = np.std(diffs_all, ddof=1) if len(diffs_all) > 1 else np.nan
    for _, g in d.groupby("client", sort=False):
        a, s = g["alliance"].tolist(), g["session"].tolist()
        own = [a[i] - a[i - 1] for i in range(1, len(a)) if not (np.isnan(a[i]) or np.isnan(a[i - 1]))]
        sdv = sample_sd if sd == "sample" else (np.std(own, ddof=1) if len(own) > 1 else np.nan)
        for t in range(len(a)):
            if t == 0:
                r = None if np.isnan(a[0]) else False
            else:
                dt = a[t] - a[t - 1]
                if np.isnan(dt) or np.isnan(sdv):
                    r = None
                else:
                    r = bool(dt < -c * sdv)
            rupture.append(r)
            if r is None:
                repaired.append(None)
            elif not r:
                repaired.append(False)
            else:
                later = [a[k] for k in range(t + 1, len(a)) if s[k] - s[t] <= m]
                repaired.append(any(v >= a[t - 1] for v in later if not np.isnan(v)))
    return rupture, repaired


def random_trajectories(rng, n_clients=12, max_sessions=8, last_session=14, study=None):
    """Clients with 1..max_sessions sessions numbered within 1..last_session (gaps), scores with 10 % missing."""
    parts = []
    for i in range(n_clients):
        n = int(rng.integers(1, max_sessions + 1))
        sessions = np.sort(rng.choice(np.arange(1, last_session + 1), n, replace=False))
        scores = np.round(rng.normal(4, 1, n), 1)
        scores[rng.random(n) < 0.1] = np.nan
        parts.append(pd.DataFrame({"client": f"c{i}", "session": sessions, "alliance": scores}))
    d = pd.concat(parts, ignore_index=True)
    if study is not None:
        d.insert(0, "study", pd.Categorical([study] * len(d)))
    return d


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("sd", ["sample", "client"])
def test_trajectory_matches_reference_loop(seed, sd):
    d = random_trajectories(np.random.default_rng(seed))
    for c in (1.0, 2.0):
        for m in (1, 3):
            want_r, want_p = reference_trajectory(d, c, sd, m)
            got = TrajectoryRule(c=c, sd=sd, m=m).apply(d)
            assert as_list(got["rupture"]) == want_r
            assert as_list(got["repaired"]) == want_p


# --- the trajectory rule: censored windows and studies --------------------------------------------------------------

def reference_censored(d, c, m):
    """Sample SD, censored="missing", written out per client: lists of rupture/repaired (None = missing)."""
    diffs = []
    for _, g in d.groupby("client", sort=False):
        a = g["alliance"].tolist()
        diffs += [a[i] - a[i - 1] for i in range(1, len(a)) if not (np.isnan(a[i]) or np.isnan(a[i - 1]))]
    sd = np.std(diffs, ddof=1)
    rupture, repaired = [], []
    for _, g in d.groupby("client", sort=False):
        a, s = g["alliance"].tolist(), g["session"].tolist()
        for t in range(len(a)):
            dt = np.nan if t == 0 else a[t] - a[t - 1]
            r = (None if np.isnan(a[0]) else False) if t == 0 else (None if np.isnan(dt) else bool(dt < -c * sd))
            rupture.append(r)
            if not r:
                repaired.append(r)
                continue
            window = [a[k] for k in range(t + 1, len(a)) if s[k] - s[t] <= m]
            if any(v >= a[t - 1] for v in window if not np.isnan(v)):
                repaired.append(True)
            else:  # not regained: unknown unless all m following sessions were observed
                repaired.append(False if sum(not np.isnan(v) for v in window) >= m else None)
    return rupture, repaired


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_trajectory_censored_missing_matches_reference_loop(seed):
    d = random_trajectories(np.random.default_rng(seed), n_clients=15, max_sessions=9, last_session=15)
    for c in (0.5, 1.0):
        for m in (1, 2, 3):
            want_r, want_p = reference_censored(d, c, m)
            got = TrajectoryRule(c=c, m=m, censored="missing").apply(d)
            assert as_list(got["rupture"]) == want_r
            assert as_list(got["repaired"]) == want_p


@pytest.mark.parametrize("seed", [31, 32])
def test_trajectory_sample_sd_of_one_study_column_and_of_several_studies(seed):
    rng = np.random.default_rng(seed)
    a, b = random_trajectories(rng, study="A"), random_trajectories(rng, study="B")
    rule = TrajectoryRule(c=1.0, m=2)
    # one study as a categorical column: the same as no study column at all
    pd.testing.assert_frame_equal(rule.apply(a), rule.apply(a.drop(columns="study")))
    # several studies: each its own sample SD, as if classified alone
    both = pd.concat([a, b.assign(client="b" + b["client"])], ignore_index=True)
    both["study"] = pd.Categorical(both["study"].astype(str))
    got = rule.apply(both)
    want = pd.concat([rule.apply(a), rule.apply(b)], ignore_index=True)
    pd.testing.assert_frame_equal(got, want)
