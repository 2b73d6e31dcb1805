"""Mapping files: TOML parsing, renames, recodes, missing codes, instruments, rules, keep lists, bad mappings."""

import pandas as pd
import pytest

from ruptstats.exceptions import DataError, OptionError
from ruptstats.sessions import load_sessions, read_mapping, read_sessions

TOML = '''
study = "Mapped"

[columns]
Klient = "client"
Sitzung = "session"
Spannung = "rupture"
Typ = "rupture_type"

[covariates]
keep = ["alter"]
client_level = ["alter"]

[values.rupture]
"wahr" = true
"falsch" = false

[values.rupture_type]
R = "withdrawal"
K = "confrontation"
B = "both"

[missing]
all = [-9]
alter = [999]

[instruments.h]
items = ["h1", "h2", "h3"]
range = [1, 7]
reverse = [3]
subscales = { ab = [1, 2] }
target = "outcome"

[rule]
type = "self_report"
presence = "rupture"
resolution = "h1"
resolution_range = [1, 7]
resolution_threshold = 5

[condition]
by = "last"
'''

DATA = ("Klient;Sitzung;Spannung;Typ;h1;h2;h3;alter;notiz\n"
        "A;1;falsch;;7;6;1;30;x\n"
        "A;2;wahr;R;6;-9;2;30;y\n"
        "B;1;ja;K;1;1;7;999;z\n")


@pytest.fixture
def files(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text(TOML, encoding="utf-8")
    d = tmp_path / "d.csv"
    d.write_text(DATA, encoding="utf-8")
    return d, m


def test_toml_mapping_end_to_end(files):
    d, m = files
    data = read_sessions(d, m)
    df = data.sessions
    assert df["study"].astype(str).unique().tolist() == ["Mapped"]
    assert df["rupture"].tolist() == [False, True, True]  # falsch/wahr recoded; "ja" by the default words
    assert df["rupture_type"].astype(object).tolist()[1:] == ["withdrawal", "confrontation"]
    # [missing] all = -9: h2 of row 2 missing; alter = 999 missing
    assert pd.isna(df["h2"].iloc[1]) and pd.isna(df["alter"].iloc[2])
    # declared instrument, 1-7, item 3 reversed (8 - x): row 1: 7 + 6 + 7 = 20; row 3: 1 + 1 + 1 = 3;
    # row 2 has a missing item and max_missing 0: not scored
    assert df["outcome"].iloc[0] == 20 and df["outcome"].iloc[2] == 3 and pd.isna(df["outcome"].iloc[1])
    assert df["h_ab"].tolist()[0] == 13  # 7 + 6
    rep = data.report
    assert rep.dropped_columns == ("notiz",)  # keep is a list: the unlisted column is dropped, and reported
    assert "notiz" not in df.columns and rep.condition_by == "last"
    assert dict(rep.missing_codes) == {"h2": 1, "alter": 1}
    assert rep.rule["type"] == "self_report" and rep.mapping == str(m)


def test_mapping_rule_is_passed_on_to_classification(files):
    from ruptstats.sessions import SelfReportRule, classify_sessions

    d, m = files
    data = read_sessions(d, m)
    assert isinstance(data.rule, SelfReportRule) and data.rule is data.mapping.rule_object
    assert data.rule.resolution == "h1" and data.rule.resolution_threshold == 5  # the [rule] table of TOML above
    out = classify_sessions(data.sessions, rule=data.rule)
    # rule from the mapping: presence, repaired when h1 >= 5: row 2 h1 6 -> repaired; row 3 h1 1 -> unrepaired
    assert out["condition"].astype(str).tolist() == ["none", "repaired", "unrepaired"]
    assert "rule" not in out.attrs and "report" not in out.attrs
    assert data.condition_by == "last"  # [condition] by of TOML above


def test_read_mapping_accepts_dicts_and_checks_keys(tmp_path):
    m = read_mapping({"columns": {"a": "client"}, "missing": {"x": -9}})
    assert m.missing == {"x": (-9,)}
    with pytest.raises(OptionError, match=r"unknown key\(s\) \['colums'\]"):
        read_mapping({"colums": {}})
    with pytest.raises(OptionError, match=r"unknown key\(s\) \['shet'\] in \[read\]"):
        read_mapping({"read": {"shet": 1}})
    with pytest.raises(OptionError, match="layout='tall' is not allowed"):
        read_mapping({"read": {"layout": "tall"}})
    with pytest.raises(OptionError, match="named groups"):
        read_mapping({"read": {"wide_pattern": r"^s(\d+)_(.+)$"}})
    with pytest.raises(OptionError, match="several file columns"):
        read_mapping({"columns": {"a": "client", "b": "client"}})
    with pytest.raises(OptionError, match=r"has no option\(s\) \['cc'\]"):
        read_mapping({"rule": {"type": "trajectory", "cc": 1}})
    with pytest.raises(OptionError, match="needs items"):
        read_mapping({"instruments": {"w": {"instrument": "WAI-SR"}}})
    with pytest.raises(OptionError, match="also declares"):
        read_mapping({"instruments": {"w": {"instrument": "WAI-SR", "items": "w{}", "range": [1, 5]}}})
    with pytest.raises(OptionError, match="by='first' is not allowed"):
        read_mapping({"condition": {"by": "first"}})
    bad = tmp_path / "bad.toml"
    bad.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(OptionError, match="bad.toml: not valid TOML"):
        read_mapping(bad)
    with pytest.raises(OptionError, match="mapping file not found"):
        read_mapping(tmp_path / "none.toml")


def test_missing_codes_must_name_existing_columns(tmp_path):
    d = tmp_path / "d.csv"
    d.write_text("client,session\nA,1\n", encoding="utf-8")
    with pytest.raises(OptionError, match=r"\[missing\] names columns not in the table: \['alliance'\]"):
        load_sessions(d, {"missing": {"alliance": [-9]}})


def test_text_missing_codes_and_recodes_on_covariates(tmp_path):
    d = tmp_path / "d.csv"
    d.write_text("client,session,group,alliance\nA,1,k.A.,3\nA,2,1,-9\n", encoding="utf-8")
    df = load_sessions(d, {"missing": {"group": ["k.A."], "alliance": [-9]}, "values": {"group": {"1": "CBT"}}})
    assert pd.isna(df["group"].iloc[0]) and df["group"].iloc[1] == "CBT"
    assert df["alliance"].isna().tolist() == [False, True]


def test_rename_onto_existing_column_is_an_error(tmp_path):
    d = tmp_path / "d.csv"
    d.write_text("client,session,id\nA,1,7\n", encoding="utf-8")
    with pytest.raises(DataError, match="already has"):
        load_sessions(d, {"columns": {"id": "client"}})


def test_instrument_target_must_be_new(tmp_path):
    d = tmp_path / "d.csv"
    d.write_text("client,session,alliance,s1,s2,s3,s4\nA,1,3,1,1,1,1\n", encoding="utf-8")
    with pytest.raises(OptionError, match="target 'alliance' already exists"):
        load_sessions(d, {"instruments": {"srs": {"instrument": "SRS", "items": "s{}", "target": "alliance"}}})
