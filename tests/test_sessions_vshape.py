"""alliance_around_ruptures: the V-shape numbers (Stiles et al., 2004) on a hand-made table."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tolerances import printed

from ruptstats.exceptions import DataError, OptionError
from ruptstats.sessions import alliance_around_ruptures, classify_sessions

# client  sessions     alliance             rupture at        repaired   offsets -2 -1 0 +1 +2 (before = after = 2)
# a       1..6         5 5 2 4 5 5          3 (and 5)         yes        5  5  2  4  5   (the rupture at 5 is ignored)
# b       1..5         4 4 1 2 2            3                 no         4  4  1  2  2
# c       1..5         6 6 3 5 6            3                 yes        6  6  3  5  6
# d       1..3         5 5 5                none              -          left out
# e       1..2         4 3                  1                 unknown    left out
# f       1, 2, 4      3 1 1.5              2                 no         .  3  1  .  1.5  (session 3 missed)
ROWS = [("a", 1, 5.0, False, False), ("a", 2, 5, False, False), ("a", 3, 2, True, True), ("a", 4, 4, False, False),
        ("a", 5, 5, True, False), ("a", 6, 5, False, False),
        ("b", 1, 4, False, False), ("b", 2, 4, False, False), ("b", 3, 1, True, False), ("b", 4, 2, False, False),
        ("b", 5, 2, False, False),
        ("c", 1, 6, False, False), ("c", 2, 6, False, False), ("c", 3, 3, True, True), ("c", 4, 5, False, False),
        ("c", 5, 6, False, False),
        ("d", 1, 5, False, False), ("d", 2, 5, False, False), ("d", 3, 5, False, False),
        ("e", 1, 4, True, None), ("e", 2, 3, False, False),
        ("f", 1, 3, False, False), ("f", 2, 1, True, False), ("f", 4, 1.5, False, False)]


def table():
    d = pd.DataFrame(ROWS, columns=["client", "session", "alliance", "rupture", "repaired"])
    d["rupture"] = d["rupture"].astype("boolean")
    d["repaired"] = d["repaired"].astype("boolean")
    return d


def test_hand_made_table():
    v = alliance_around_ruptures(table(), before=2, after=2)
    assert v["condition"].astype(str).tolist() == ["unrepaired"] * 5 + ["repaired"] * 5
    assert v["offset"].tolist() == [-2, -1, 0, 1, 2] * 2
    # unrepaired (b, f): -2: b 4 | -1: 4, 3 | 0: 1, 1 | +1: b 2 | +2: 2, 1.5
    # repaired (a, c): -2: 5, 6 | -1: 5, 6 | 0: 2, 3 | +1: 4, 5 | +2: 5, 6
    assert v["n_clients"].tolist() == [1, 2, 2, 1, 2, 2, 2, 2, 2, 2]
    assert v["mean"].tolist() == pytest.approx([4, 3.5, 1, 2, 1.75, 5.5, 5.5, 2.5, 4.5, 5.5])
    # SD of two values x, y is |x - y| / sqrt(2): 1 / sqrt 2 = 0.7071 for pairs one apart, 0.5 / sqrt 2 for 2, 1.5,
    # 0 for 1, 1; NaN for a single client
    r2 = 1 / np.sqrt(2)
    want_sd = [np.nan, r2, 0, np.nan, 0.5 * r2, r2, r2, r2, r2, r2]
    np.testing.assert_allclose(v["sd"], want_sd)
    # SE = SD / sqrt(2): 0.5 for the pairs one apart; CI = mean -/+ t(0.975, 1) * SE, t = 12.7062
    t = stats.t.ppf(0.975, 1)
    assert t == pytest.approx(12.7062, abs=printed(4))
    assert v.loc[5, ["se", "ci_lower", "ci_upper"]].tolist() == pytest.approx([0.5, 5.5 - t * 0.5, 5.5 + t * 0.5])
    assert v.loc[2, ["se", "ci_lower", "ci_upper"]].tolist() == [0, 1, 1]
    assert v.loc[[0, 3], ["sd", "se", "ci_lower", "ci_upper"]].isna().all().all()


def test_unsorted_input_level_and_window():
    shuffled = table().sample(frac=1, random_state=1)
    v = alliance_around_ruptures(shuffled, before=1, after=0, level=90)
    # offsets -1 and 0 only; level 90: t(0.95, 1) = 6.3138; repaired offset 0: mean 2.5, se 0.5
    assert v["offset"].tolist() == [-1, 0, -1, 0]
    row = v.iloc[3]
    assert row["mean"] == 2.5 and row["ci_upper"] == pytest.approx(2.5 + stats.t.ppf(0.95, 1) * 0.5)


def test_empty_cells_and_no_ruptures():
    d = table()
    v = alliance_around_ruptures(d[d["client"] == "d"], before=1, after=1)  # no rupture at all
    assert len(v) == 6 and (v["n_clients"] == 0).all() and v["mean"].isna().all()


def test_from_classify_sessions():
    # the coded rule (default for rupture/repaired columns) keeps the flags, so the numbers are the same
    d = table()
    d.loc[d["client"] == "e", "repaired"] = False  # the coded rule needs known repairs to be useful; e: unrepaired
    v = alliance_around_ruptures(classify_sessions(d), before=2, after=2)
    # e joins the unrepaired clients at offsets 0 (4) and +1 (3): offset 0: 1, 1, 4 -> mean 2
    assert v.loc[2, ["n_clients", "mean"]].tolist() == [3, 2]


def test_errors():
    d = table()
    with pytest.raises(DataError, match="run classify_sessions first"):
        alliance_around_ruptures(d.drop(columns=["rupture"]))
    with pytest.raises(DataError, match="no column 'wai'"):
        alliance_around_ruptures(d, alliance="wai")
    with pytest.raises(OptionError, match="before=-1"):
        alliance_around_ruptures(d, before=-1)
    with pytest.raises(OptionError, match="level="):
        alliance_around_ruptures(d, level=0)
    bad = d.astype({"alliance": object})
    bad.loc[2, "alliance"] = "low"
    with pytest.raises(DataError, match="row 3, column 'alliance': alliance must be a number"):
        alliance_around_ruptures(bad)
    bad = d.astype({"rupture": object})
    bad.loc[0, "rupture"] = "maybe"
    with pytest.raises(DataError, match="column 'rupture' must hold true/false values"):
        alliance_around_ruptures(bad)
