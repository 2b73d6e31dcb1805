"""Instrument scoring: every number is the manual's scoring rule applied by hand (shown in the comments)."""

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import DataError, OptionError
from ruptstats.sessions import INSTRUMENTS, Instrument, score_instrument
from ruptstats.sessions.instruments import OQ45_SUBSCALES


def items(values, prefix):
    """One row per list in ``values``; columns prefix1 … prefixN."""
    return pd.DataFrame([list(v) for v in values], columns=[f"{prefix}{i + 1}" for i in range(len(values[0]))])


def test_wai_sr_total_and_subscales():
    # items 1..12 take the values 1,2,3,4,5,1,2,3,4,5,1,2 (sum 33)
    # task = items 1,2,10,12 = 1+2+5+2 = 10; bond = 3,5,7,9 = 3+5+2+4 = 14; goal = 4,6,8,11 = 4+1+3+1 = 9
    # (Hatcher & Gillaspy 2006 scoring key); 10 + 14 + 9 = 33 = total
    d = items([[1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]], "w")
    r = score_instrument(d, "WAI-SR", items="w{}")
    assert r.loc[0, ["wai_sr_total", "wai_sr_task", "wai_sr_bond", "wai_sr_goal"]].tolist() == [33, 10, 14, 9]
    assert r.loc[0, "wai_sr_n_missing"] == 0


def test_wai_sr_mean_score():
    # mean of the 12 items above = 33 / 12 = 2.75; task mean 10 / 4 = 2.5
    d = items([[1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]], "w")
    r = score_instrument(d, "WAI-SR", items="w{}", prefix="wai", score="mean")
    assert r.loc[0, "wai_total"] == pytest.approx(2.75)
    assert r.loc[0, "wai_task"] == pytest.approx(2.5)


def test_srs_and_ors_totals_and_published_constants():
    # SRS/ORS: four 0-10 visual-analogue marks summed, 0-40 (Duncan et al. 2003; Miller et al. 2003)
    d = pd.DataFrame({"o1": [7.5, 0.0], "o2": [8.1, 10.0], "o3": [6.0, 10.0], "o4": [9.4, 10.0]})
    r = score_instrument(d, "ORS", items="o{}")
    assert r["ors_total"].tolist() == pytest.approx([31.0, 30.0])  # 7.5+8.1+6.0+9.4; 0+10+10+10
    assert INSTRUMENTS["ORS"].cutoff == 25 and INSTRUMENTS["ORS"].reliable_change == 5
    assert INSTRUMENTS["OQ-45"].reliable_change == 14
    r = score_instrument(d.rename(columns=lambda c: c.replace("o", "s")), "SRS", items="s{}")
    assert r["srs_total"].tolist() == pytest.approx([31.0, 30.0])


def test_oq45_subscales_are_the_manual_lists():
    # Lambert et al. (1996) OQ-45.2 scoring key: SD 25 items, IR 11 items, SR 9 items; together items 1..45
    sizes = {k: len(v) for k, v in OQ45_SUBSCALES.items()}
    assert sizes == {"symptom_distress": 25, "interpersonal_relations": 11, "social_role": 9}
    together = sorted(i for v in OQ45_SUBSCALES.values() for i in v)
    assert together == list(range(1, 46))
    assert INSTRUMENTS["OQ-45"].reverse == (1, 12, 13, 20, 21, 24, 31, 37, 43)


def test_oq45_reverse_scoring():
    # all 45 items answered 0: the 9 reverse-keyed items score 4 - 0 = 4 each, total 9 * 4 = 36;
    # reverse items by subscale: SD {13, 24, 31} -> 12; IR {1, 20, 37, 43} -> 16; SR {12, 21} -> 8
    d = items([[0] * 45], "oq")
    r = score_instrument(d, "OQ-45", items="oq{}", prefix="oq")
    assert r.loc[0, ["oq_total", "oq_symptom_distress", "oq_interpersonal_relations", "oq_social_role"]].tolist() \
        == [36, 12, 16, 8]
    # all items 4: the 36 forward items give 4 each (144), reverse items 0: total 144 (range 0-180)
    r = score_instrument(items([[4] * 45], "oq"), "OQ-45", items="oq{}", prefix="oq")
    assert r.loc[0, "oq_total"] == 144


def test_phq_9_and_bdi2_ranges():
    # PHQ-9: nine items 0-3, maximum 27 (Kroenke et al. 2001); BDI-II: 21 items 0-3, maximum 63 (Beck et al. 1996)
    assert score_instrument(items([[3] * 9], "p"), "PHQ-9", items="p{}")["phq_9_total"].tolist() == [27]
    assert score_instrument(items([[3] * 21], "b"), "BDI-II", items="b{}")["bdi_ii_total"].tolist() == [63]


def test_prorating_with_max_missing():
    # PHQ-9 with item 9 missing, items 1-8 = 2: answered 8, sum 16, prorated 16 * 9 / 8 = 18
    d = items([[2] * 8 + [np.nan]], "p")
    assert np.isnan(score_instrument(d, "PHQ-9", items="p{}")["phq_9_total"][0])  # max_missing 0: not scored
    r = score_instrument(d, "PHQ-9", items="p{}", max_missing=1)
    assert r.loc[0, "phq_9_total"] == pytest.approx(18.0)
    assert r.loc[0, "phq_9_n_missing"] == 1


def test_prorating_per_subscale_limits():
    # WAI-SR items all 4 except item 3 (bond) missing: total 11 answered, 44 * 12 / 11 = 48;
    # bond 3 answered (12) * 4 / 3 = 16 only if the bond limit allows 1 missing
    d = items([[4, 4, np.nan, 4, 4, 4, 4, 4, 4, 4, 4, 4]], "w")
    r = score_instrument(d, "WAI-SR", items="w{}", max_missing={"total": 1})
    assert r.loc[0, "wai_sr_total"] == pytest.approx(48.0)
    assert np.isnan(r.loc[0, "wai_sr_bond"])
    assert r.loc[0, "wai_sr_task"] == 16
    r = score_instrument(d, "WAI-SR", items="w{}", max_missing={"total": 1, "bond": 1})
    assert r.loc[0, "wai_sr_bond"] == pytest.approx(16.0)
    with pytest.raises(OptionError, match="unknown scales"):
        score_instrument(d, "WAI-SR", items="w{}", max_missing={"alliance": 1})


def test_out_of_range_items_name_the_cell():
    d = items([[1, 2, 3, 4], [5, 11, 2, 12]], "s")  # SRS items 0-10: row 2 has 11 (s2) and 12 (s4)
    with pytest.raises(DataError, match=r"row 2, column 's2': value 11 is outside SRS's item range 0..10; "
                                        r"2 bad cell\(s\) in 2 column\(s\)"):
        score_instrument(d, "SRS", items="s{}", source="f.csv")


def test_fractional_integer_items_and_text_are_errors():
    d = items([[1, 2, 2.5, 1, 1, 1, 1, 1, 1]], "p")
    with pytest.raises(DataError, match=r"row 1, column 'p3': value 2.5 is not a whole number"):
        score_instrument(d, "PHQ-9", items="p{}")
    d = items([["1", "x", "0", "1", "1", "1", "1", "1", "1"]], "p")
    with pytest.raises(DataError, match=r"column 'p2': PHQ-9 item is not a number: 'x'"):
        score_instrument(d, "PHQ-9", items="p{}")
    with pytest.raises(DataError, match="item columns not found: q1"):
        score_instrument(items([[1] * 4], "s"), "SRS", items=["q1", "s2", "s3", "s4"])


def test_row_numbers_from_rows_argument():
    d = items([[1, 2, 3, 4], [1, 2, 3, 40]], "s")
    with pytest.raises(DataError, match="row 17, column 's4'"):
        score_instrument(d, "SRS", items="s{}", rows=np.array([16, 17]))


def test_declared_instrument_with_reverse_items_and_subscales():
    # 1-7 scale, item 2 reversed: values 7, 7, 3 -> 7, 1 + 7 - 7 = 1, 3; total 11; a = items 1, 2 -> 8
    inst = Instrument("HSC", 3, 1, 7, reverse=(2,), subscales={"a": (1, 2)})
    r = score_instrument(items([[7, 7, 3]], "h"), inst, items="h{}", prefix="hsc")
    assert r.loc[0, ["hsc_total", "hsc_a"]].tolist() == [11, 8]


def test_bad_instrument_declarations_and_options():
    with pytest.raises(OptionError, match="outside 1..3"):
        Instrument("X", 3, 1, 5, reverse=(4,))
    with pytest.raises(OptionError, match="low < high"):
        Instrument("X", 3, 5, 1)
    with pytest.raises(OptionError, match="instrument='WAI' is not allowed"):
        score_instrument(items([[1]], "w"), "WAI", items="w{}")
    with pytest.raises(OptionError, match="has 4 items"):
        score_instrument(items([[1, 1]], "s"), "SRS", items=["s1", "s2"])
    with pytest.raises(OptionError, match="template"):
        score_instrument(items([[1, 1]], "s"), "SRS", items="s")
    with pytest.raises(OptionError, match="score='median'"):
        score_instrument(items([[1] * 4], "s"), "SRS", items="s{}", score="median")
