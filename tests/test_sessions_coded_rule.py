"""The coded rule: pre-coded rupture and repaired columns used as they are (issue 12, item 2)."""

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import DataError, OptionError
from ruptstats.sessions import CodedRule, classify_sessions, load_sessions, make_rule, read_mapping
from ruptstats.sessions.rules import default_rule

LABEL = "coded (rupture and repaired columns as given)"


def coded(rupture, repaired):
    return pd.DataFrame({"client": "a", "session": range(1, len(rupture) + 1), "rupture": rupture,
                         "repaired": repaired})


def test_columns_are_used_as_given():
    d = coded(pd.array([True, True, False, None, True], dtype="boolean"),
              pd.array([True, False, None, None, None], dtype="boolean"))
    r = CodedRule().apply(d)
    # rupture as given; repaired: as given where rupture, False where no rupture (row 3's missing: nothing to
    # repair), missing where rupture is missing (row 4) or the repair was not coded (row 5)
    assert r["rupture"].tolist() == [True, True, False, pd.NA, True]
    assert r["repaired"].tolist() == [True, False, False, pd.NA, pd.NA]
    assert list(r.index) == list(d.index)


@pytest.mark.parametrize("rupture, repaired", [
    ([1, 1, 0], [1, 0, 0]),
    ([1.0, 1.0, 0.0], [1.0, 0.0, np.nan]),
    (["true", "TRUE", "false"], ["1", "0", None]),
    ([True, True, False], [True, False, False]),
])
def test_boolean_like_spellings(rupture, repaired):
    r = CodedRule().apply(coded(rupture, repaired))
    assert r["rupture"].tolist() == [True, True, False] and r["repaired"].tolist() == [True, False, False]


def test_repaired_without_rupture_is_a_data_error_naming_row_and_column():
    d = coded([True, False, False], [False, False, True]).set_index(pd.Index([11, 12, 13], name="row"))
    d.attrs["source"] = "coded.csv"
    with pytest.raises(DataError, match=r"coded.csv: row 13, column 'repaired': repaired is True in a session whose "
                                        r"rupture is not True"):
        CodedRule().apply(d)
    with pytest.raises(DataError, match="row 2, column 'repaired'"):  # a missing rupture is not True either
        CodedRule().apply(coded(pd.array([True, None], dtype="boolean"), [True, True]))


def test_values_that_are_not_boolean_like():
    with pytest.raises(DataError, match=r"row 2, column 'rupture': rupture must be boolean-like .*, got 2"):
        CodedRule().apply(coded([1, 2, 0], [0, 0, 0]))
    with pytest.raises(DataError, match=r"row 1, column 'repaired': repaired must be boolean-like .*, got 'yes'"):
        CodedRule().apply(coded([True], ["yes"]))
    with pytest.raises(DataError, match="column 'repaired' .* not found"):
        CodedRule().apply(pd.DataFrame({"rupture": [True]}))


def test_make_rule_and_mapping_name_it():
    assert make_rule("coded").label == LABEL
    assert isinstance(make_rule({"type": "coded"}), CodedRule)
    assert make_rule("coded", rupture="r", repaired="p").label == "coded (r and p columns as given)"
    with pytest.raises(OptionError, match=r"rule 'coded' has no option\(s\) \['c'\]"):
        make_rule({"type": "coded", "c": 1})
    assert read_mapping({"rule": {"type": "coded"}}).rule == {"type": "coded"}


def test_classify_defaults_to_coded_and_says_so():
    d = coded([False, True, True, False], [False, True, False, False])
    out = classify_sessions(d)  # no rule: the table's rupture and repaired columns, as given
    assert out["condition"].astype(str).tolist() == ["none", "repaired", "unrepaired", "none"]
    assert isinstance(default_rule(d), CodedRule) and default_rule(d).label == LABEL  # the label that says so
    # without a repaired column there is no default: a rule is required, as before
    assert default_rule(d.drop(columns="repaired")) is None
    with pytest.raises(OptionError, match="rule= is required"):
        classify_sessions(d.drop(columns="repaired"))
    # an explicit rule still wins: a flat alliance holds no drop, so no rupture anywhere
    traj = classify_sessions(d.assign(alliance=[5.0, 5, 5, 5]), rule="trajectory")
    assert traj["condition"].astype(str).tolist() == ["none"] * 4


def test_loaded_file_with_mapping_rule_and_without(tmp_path):
    csv = tmp_path / "coded.csv"
    csv.write_text("client,session,rupture,repaired\na,1,0,0\na,2,1,1\nb,1,1,0\nb,2,0,0\n")
    toml = tmp_path / "coded.toml"
    toml.write_text('study = "Coded"\n[rule]\ntype = "coded"\n')
    rule = read_mapping(toml).rule
    assert make_rule(rule).label == LABEL
    for s, r in ((load_sessions(csv, toml), rule), (load_sessions(csv), None)):
        out = classify_sessions(s, rule=r)
        assert out["condition"].astype(str).tolist() == ["none", "repaired", "unrepaired", "none"]
    # a mapping's own rule is used over the default
    toml.write_text('[rule]\ntype = "self_report"\nresolution = "res"\n')
    csv.write_text("client,session,rupture,repaired,res\na,1,0,0,1\na,2,1,1,2\n")
    out = classify_sessions(load_sessions(csv, toml), rule=read_mapping(toml).rule)
    assert out["condition"].astype(str).tolist() == ["none", "unrepaired"]  # resolution 2 < 3: not repaired
