"""``python -m ruptstats.sessions`` (ruptstats/cli/sessions.py) on the bundled session studies, called in-process:
the numbers equal the library calls, the JSON is strict and holds no identifiers, the study table pools through
``python -m ruptstats.meta``, draft-mapping gives a mapping that loads, and every bad input is one line and exit 2."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruptstats.cli import meta as meta_cli
from ruptstats.cli.sessions import main
from ruptstats.conditions import compare_conditions, study_effects
from ruptstats.meta import rma
from ruptstats.sessions import (classify_sessions, client_conditions, client_outcomes, compare_rules,
                                condition_counts, make_rule, read_clients, read_sessions)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "sessions"
A, B, C, D, E = (DATA / n for n in ("study_a_psq.sav", "study_b_wide.xlsx", "study_c_3rs.csv", "study_d_oq.dta",
                                    "study_e_canonical.parquet"))
KEY = "test-key-of-at-least-16-bytes"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("RUPTSTATS_PSEUDONYM_KEY", KEY)  # study A's mapping pseudonymises with this variable's key


def _json(argv, capsys) -> dict:
    assert main([*map(str, argv), "--format", "json"]) == 0
    text = capsys.readouterr().out

    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse), text


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _library_c():
    """Study C by hand, as the README's library section would: the numbers the command must reproduce."""
    data = read_sessions(C, DATA / "study_c_3rs.toml")
    classified = classify_sessions(data.sessions, rule=data.rule)
    extra = read_clients(DATA / "study_c_clients.csv", DATA / "study_c_clients.toml").clients
    extra = extra.assign(study="Study C").reset_index(drop=True)
    clients = _quiet(client_conditions, classified, by=data.condition_by, clients=extra,
                     covariates=list(data.report.client_level))
    comp = _quiet(compare_conditions, clients.drop(columns=["client", "therapist"]), outcome="post", baseline="pre",
                  dropout="dropout", higher_is_better=False, study="Study C")
    return data, classified, clients, comp


# -- numbers equal the library's ----------------------------------------------------------------------------------

def test_counts_and_comparison_equal_the_library_calls(capsys):
    data, classified, clients, comp = _library_c()
    payload, _ = _json([C], capsys)
    [study] = payload["studies"]
    assert study["study"] == "Study C"
    expected = pd.concat([condition_counts(classified, level="session", rule=data.rule.label),
                          condition_counts(clients, level="client", rule=data.rule.label)], ignore_index=True)
    assert study["counts"] == expected.to_dict("records")
    assert study["report"] == data.report.to_dict()
    assert study["comparison"] == json.loads(json.dumps(comp.to_dict()))
    # study_c_clients.csv: 20 clients, 3 with post = -9 (missing): 17 analysed on post - pre (comparison notes)
    assert sum(study["comparison"]["n"].values()) == 17
    assert study["client_file"]["n_rows"] == 20


def test_session_outcomes_when_there_is_no_post(capsys):
    """Study D: OQ-45 items scored into ``outcome`` per session; last - first, lower is better (OQ-45)."""
    data = read_sessions(D, DATA / "study_d_oq.toml")
    classified = classify_sessions(data.sessions, rule=data.rule)
    clients = _quiet(client_conditions, classified, clients=client_outcomes(classified, instrument="OQ-45"))
    comp = compare_conditions(clients, outcome="last", baseline="first", higher_is_better=False, study="Study D")
    payload, _ = _json([D], capsys)
    got = payload["studies"][0]["comparison"]
    assert got["outcome"] == "last" and got["baseline"] == "first" and got["higher_is_better"] is False
    assert got["anova"] == pytest.approx(comp.to_dict()["anova"])


def test_rule_and_rule_options_override_the_mapping(capsys):
    rule = make_rule({"type": "trajectory", "c": 2, "m": 2})
    classified = classify_sessions(read_sessions(C, DATA / "study_c_3rs.toml").sessions, rule=rule)
    payload, _ = _json([C, "--rule", "trajectory", "--rule-option", "c=2", "--rule-option", "m=2"], capsys)
    study = payload["studies"][0]
    assert study["rule"] == rule.label == "trajectory (c=2, sd=sample, m=2)"
    sessions = [r for r in study["counts"] if r["level"] == "session"]
    assert sessions == condition_counts(classified, level="session", rule=rule.label).to_dict("records")
    # an option alone is added to the mapping's rule (study_c_3rs.toml: observer, marker_threshold = 2)
    payload, _ = _json([C, "--rule-option", "marker_threshold=3"], capsys)
    assert payload["studies"][0]["rule"] == "observer (marker>=3; resolution>=3)"


def test_compare_rules_lists_only_the_rules_the_study_has_columns_for(capsys):
    payload, text = _json([C, "--compare-rules"], capsys)
    rules = pd.DataFrame(payload["studies"][0]["rules"])
    # study C has observer markers and alliance, no presence item and no coded columns
    assert list(dict.fromkeys(rules["rule"])) == ["observer (marker>=2; resolution>=3)",
                                                 "trajectory (c=1, sd=sample, m=3)", "trajectory (c=2, sd=sample, m=3)"]
    data = read_sessions(C, DATA / "study_c_3rs.toml")
    expected = compare_rules(data.sessions, [data.rule, {"type": "trajectory", "c": 1}, {"type": "trajectory", "c": 2}])
    assert rules.to_dict("records") == expected.to_dict("records")
    assert main([str(C), "--compare-rules"]) == 0
    assert "trajectory (c=2, sd=sample, m=3): clients" in capsys.readouterr().out


def test_direction_from_the_instrument_and_the_flags(capsys):
    """Study B: pre/post are OQ-45 totals ([clients] instrument = "OQ-45"): lower is better unless overridden."""
    payload, _ = _json([B], capsys)
    default = payload["studies"][0]["comparison"]
    assert default["higher_is_better"] is False
    flipped, _ = _json([B, "--higher-is-better"], capsys)
    assert flipped["studies"][0]["comparison"]["higher_is_better"] is True


# -- privacy and strict JSON ----------------------------------------------------------------------------------------

def _identifiers() -> set:
    raw_a = pd.read_spss(A)
    ids = set(raw_a["ID"].astype(str)) | set(raw_a["THER"].astype(str))
    ids |= set(read_sessions(A, DATA / "study_a_psq.toml").sessions["client"].astype(str))  # the pseudonyms
    c = pd.read_csv(C, sep=";", encoding="latin-1")
    ids |= set(c["Klient"]) | set(c["Therapeut"])
    b = read_sessions(B, DATA / "study_b_wide.toml").sessions
    ids |= set(b["client"].astype(str)) | set(b["therapist"].dropna().astype(str))
    return {i for i in ids if any(ch.isalpha() for ch in i)}  # study A's raw IDs are numbers: their pseudonyms count


def test_json_is_strict_and_holds_no_identifiers(capsys, tmp_path):
    payload, text = _json([A, B, C, D], capsys)
    assert [s["study"] for s in payload["studies"]] == ["Study A", "Study B", "Study C", "Study D"]
    assert all(set(s) >= {"study", "report", "counts", "comparison"} for s in payload["studies"])
    ids = _identifiers()
    assert len(ids) > 60
    leaked = sorted(i for i in ids if f'"{i}"' in text or f" {i}," in text)
    assert leaked == []
    assert main([str(A), str(B), str(C), str(D)]) == 0
    out = capsys.readouterr().out
    assert [i for i in ids if f" {i} " in out or f" {i}," in out or f"({i})" in out] == []


def test_client_table_has_identifiers_only_when_asked(tmp_path, capsys):
    path = tmp_path / "clients.csv"
    assert main([str(C), "--clients", str(path)]) == 0
    table = pd.read_csv(path)
    assert "client" not in table.columns and "therapist" not in table.columns
    assert table["client_number"].tolist() == list(range(1, 21))  # study C: 20 clients
    assert main([str(C), "--clients", str(path), "--include-ids"]) == 0
    table = pd.read_csv(path)
    assert table["client"].tolist()[:2] == ["K01", "K02"]  # study_c_3rs.csv's first clients
    capsys.readouterr()


# -- the study table pools through python -m ruptstats.meta ---------------------------------------------------------

def test_study_table_pools_through_the_meta_command(tmp_path, capsys):
    table_path = tmp_path / "studies.csv"
    assert main([str(A), str(B), str(C), str(D), "--study-table", str(table_path)]) == 0
    capsys.readouterr()
    table = pd.read_csv(table_path)
    assert table["study"].tolist() == ["Study A", "Study B", "Study C", "Study D"]  # one row per study
    assert set(table["contrast"]) == {"repaired_vs_unrepaired"}
    assert meta_cli.main([str(table_path), "--yi", "yi", "--vi", "vi", "--format", "json"]) == 0
    pooled = json.loads(capsys.readouterr().out)
    expected = rma(table["yi"].to_numpy(), table["vi"].to_numpy())
    assert pooled["k"] == 4
    assert pooled["estimate"] == pytest.approx(expected.estimate, rel=1e-12)
    # the same rows as study_effects of the library's comparison (study C by hand)
    _, _, _, comp = _library_c()
    row = study_effects(comp).query("contrast == 'repaired_vs_unrepaired'").iloc[0]
    assert table.loc[2, "yi"] == pytest.approx(row["yi"], rel=1e-12)
    assert table.loc[2, "vi"] == pytest.approx(row["vi"], rel=1e-12)


def test_contrast_all_writes_every_row_and_one_contrast_one_row(tmp_path, capsys):
    path = tmp_path / "all.csv"
    assert main([str(B), str(C), "--study-table", str(path), "--contrast", "all"]) == 0
    table = pd.read_csv(path)
    assert len(table) == 2 * 7  # per study: 3 SMD, 3 dropout OR (both have dropout), 1 COR row
    assert main([str(B), str(C), "--study-table", str(path), "--contrast", "dropout_repaired_vs_none"]) == 0
    assert pd.read_csv(path)["measure"].tolist() == ["OR", "OR"]
    capsys.readouterr()


def test_an_empty_condition_is_a_result_with_notes_not_an_error(tmp_path, capsys):
    rows = ["client,session,rupture,repaired,outcome"]
    for c in range(8):  # clients 0-3 repaired a rupture in session 2; nobody has an unrepaired one
        rows += [f"C{c},{s},{str(c < 4 and s == 2).lower()},{str(c < 4 and s == 2).lower()},{10 + c + s * (c % 3)}"
                 for s in range(1, 5)]
    path = tmp_path / "one.csv"
    path.write_text("\n".join(rows) + "\n")
    table = tmp_path / "t.csv"
    assert main([str(path), "--lower-is-better", "--study-table", str(table)]) == 0
    captured = capsys.readouterr()
    assert "fewer than two clients in unrepaired (n = 0)" in captured.out
    assert "has no effect size" in captured.err and "Traceback" not in captured.err
    assert np.isnan(pd.read_csv(table)["yi"][0])


# -- draft-mapping ------------------------------------------------------------------------------------------------

def test_draft_mapping_of_the_sav_file_loads(tmp_path, capsys):
    out = tmp_path / "a.toml"
    assert main(["draft-mapping", str(A), "--output", str(out)]) == 0
    text = out.read_text()
    assert '"ID" = "client"' in text and '"SITZUNG" = "session"' in text and '"THER" = "therapist"' in text
    assert "[instruments.srs]" in text and "[instruments.ors]" in text
    assert '"Klient" = "client"' in text and '"ja" = true' in text  # from the SPSS value labels
    drafted = read_sessions(A, out)
    bundled = read_sessions(A, DATA / "study_a_psq.toml")
    assert drafted.report.n_clients == bundled.report.n_clients == 24
    assert drafted.sessions["rater"].astype(str).tolist() == bundled.sessions["rater"].astype(str).tolist()
    assert main(["draft-mapping", str(A), "--output", str(out)]) == 2  # exists: needs --force
    assert "--force" in capsys.readouterr().err
    assert main([str(A), "--mapping", str(out), "--rule", "self_report", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["studies"][0]["report"]["n_clients"] == 24


def test_draft_mapping_finds_the_header_row_and_the_wide_layout(tmp_path, capsys):
    assert main(["draft-mapping", str(B)]) == 0
    text = capsys.readouterr().out
    assert "header_row = 3" in text and 'layout = "wide"' in text and "[instruments.wai]" in text
    path = tmp_path / "b.toml"
    path.write_text(text)
    assert read_sessions(B, path).report.n_clients == 30  # study_b_wide.xlsx: 30 client rows
    assert main(["draft-mapping", str(C)]) == 0
    assert "# Älter: not recognised" in capsys.readouterr().out  # one comment per unknown column


# -- errors: one line, exit 2 ---------------------------------------------------------------------------------------

def _bad_toml(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[columns\nKlient = 'client'\n")
    return p


def _unknown_key(tmp_path):
    p = tmp_path / "unknown.toml"
    p.write_text("[clients]\nfiles = 'x.csv'\n")
    return p


def _no_direction(tmp_path):
    """Pre-coded sessions with pre/post of an unnamed scale: client i % 3 = 0 none, 1 unrepaired, 2 repaired."""
    p = tmp_path / "nodir.csv"
    lines = ["client,session,rupture,repaired,pre,post"]
    for i in range(9):
        for s in (1, 2, 3):
            rupture = i % 3 > 0 and s == 2
            lines.append(f"c{i},{s},{str(rupture).lower()},{str(rupture and i % 3 == 2).lower()},{20 + i},{15 + i % 4}")
    p.write_text("\n".join(lines) + "\n")
    return p


ERRORS = {
    "missing file": (lambda t: ["/no/such/dir/s.csv"], "/no/such/dir/s.csv"),
    "invalid TOML": (lambda t: [str(C), "--mapping", str(_bad_toml(t))], "not valid TOML"),
    "unknown mapping key": (lambda t: [str(C), "--mapping", str(_unknown_key(t))], "unknown key(s) ['files']"),
    "mapping count": (lambda t: [str(C), str(B), "--mapping", str(DATA / "study_c_3rs.toml")], "one mapping per FILE"),
    "unknown rule option": (lambda t: [str(C), "--rule-option", "threshold=2"], "has no option(s) ['threshold']"),
    "bad rule option": (lambda t: [str(C), "--rule-option", "c"], "KEY=VALUE"),
    "bad rule value": (lambda t: [str(C), "--rule", "trajectory", "--rule-option", "c=-1"], "c"),
    "no rule": (lambda t: [str(E)], "--rule"),
    "no outcome": (lambda t: [str(E), "--rule", "self_report"], "no outcome"),
    "unknown outcome": (lambda t: [str(C), "--outcome", "wellbeing"], "'wellbeing'"),
    "unknown rater": (lambda t: [str(A), "--outcome-rater", "observer"], "--outcome-rater"),
    "no direction": (lambda t: [str(_no_direction(t))], "--higher-is-better"),
    "draft of a missing file": (lambda t: ["draft-mapping", "/no/such/file.sav"], "/no/such/file.sav"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, capsys):
    argv, expected = ERRORS[case]
    assert main(argv(tmp_path)) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "warning:" not in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("python -m ruptstats.sessions") and ": error: " in lines[0]
    assert expected in lines[0] and "Traceback" not in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(C), "--rule", "magic"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_m_ruptstats_sessions_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "ruptstats.sessions", "draft-mapping", str(C)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"Klient" = "client"' in done.stdout


def test_the_readme_walkthrough_gives_the_bundled_mappings_counts(tmp_path, capsys):
    """README "Session studies" steps 1-3: the draft, with the suggested missing code kept and the rule of
    study_a_psq.toml added, classifies the clients as the bundled mapping does (7 none, 5 unrepaired, 12 repaired)."""
    path = tmp_path / "study_a.toml"
    assert main(["draft-mapping", str(A), "--output", str(path)]) == 0
    text = path.read_text()
    assert '# "rupture_intensity" = [99]' in text  # 99 occurs 3 times in INTENS (1-5): suggested as missing
    text = text.replace('# "rupture_intensity" = [99]', '"rupture_intensity" = [99]  #')
    text += ('[rule]\ntype = "self_report"\nintensity = "rupture_intensity"\nintensity_threshold = 4\n'
             'resolution_threshold = 4\n')
    path.write_text(text)
    drafted, _ = _json([A, "--mapping", path], capsys)
    bundled, _ = _json([A], capsys)
    client_counts = [r for r in drafted["studies"][0]["counts"] if r["level"] == "client"]
    assert [r["n"] for r in client_counts] == [7, 5, 12]
    assert client_counts == [dict(r, study="study_a_psq") for r in bundled["studies"][0]["counts"]
                             if r["level"] == "client"]


def test_a_file_with_several_studies_gives_one_comparison_and_one_row_each(tmp_path, capsys):
    """Pre-coded sessions of two studies in one file: per study 9 clients, i % 3 = 0 none, 1 unrepaired, 2 repaired."""
    rows = ["study,client,session,rupture,repaired,outcome"]
    for study in ("S1", "S2"):
        for i in range(9):
            for s in (1, 2, 3):
                rupture = i % 3 > 0 and s == 2
                rows.append(f"{study},{study}c{i},{s},{str(rupture).lower()},{str(rupture and i % 3 == 2).lower()},"
                            f"{(7 * i + 3 * s + len(study)) % 11}")
    path = tmp_path / "two.csv"
    path.write_text("\n".join(rows) + "\n")
    table = tmp_path / "t.csv"
    payload, _ = _json([path, "--lower-is-better", "--study-table", table], capsys)
    assert [s["study"] for s in payload["studies"]] == ["S1", "S2"]
    for s in payload["studies"]:
        assert s["comparison"]["n"] == {"none": 3, "unrepaired": 3, "repaired": 3}
        assert {r["study"] for r in s["counts"]} == {s["study"]}
    assert pd.read_csv(table)["study"].tolist() == ["S1", "S2"]


def test_output_folders_and_the_level_are_checked_before_any_work(tmp_path, capsys):
    for argv, expected in [(["--study-table", str(tmp_path / "no" / "t.csv")], "--study-table"),
                           (["--output", str(tmp_path / "no" / "o.json")], "--output"),
                           (["--level", "200"], "--level 200")]:
        assert main([str(C), *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and expected in err


def test_figures_one_file_per_study_and_one_rules_figure(tmp_path, capsys, monkeypatch):
    from ruptstats import plotting

    drawn = []
    real = plotting.condition_plot

    def spy(comparison, **kw):
        drawn.append((comparison.study, kw))
        return real(comparison, **kw)

    monkeypatch.setattr(plotting, "condition_plot", spy)
    argv = [str(B), str(C), "--condition-plot", str(tmp_path / "cond.png"), "--adjusted",
            "--dropout-plot", str(tmp_path / "drop.pdf"), "--trajectory-plot", str(tmp_path / "traj.svg"),
            "--rules-plot", str(tmp_path / "rules.png")]
    assert main(argv) == 0
    capsys.readouterr()
    assert drawn == [("Study B", {"adjusted": True}), ("Study C", {"adjusted": True})]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["cond_Study_B.png", "cond_Study_C.png", "drop_Study_B.pdf", "drop_Study_C.pdf", "rules.png",
                     "traj_Study_B.svg", "traj_Study_C.svg"]
    assert (tmp_path / "rules.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "drop_Study_B.pdf").read_bytes()[:5] == b"%PDF-"
    # one study: the path as given
    assert main([str(C), "--condition-plot", str(tmp_path / "one.png")]) == 0
    assert (tmp_path / "one.png").is_file()
    # study D has no dropout column: the figure cannot be drawn, one line and exit 2
    assert main([str(D), "--dropout-plot", str(tmp_path / "d.png")]) == 2
    assert "--dropout-plot" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(C), "--condition-plot", str(tmp_path / "c.jpg")])  # the extension names the format


def test_rows_dropped_with_missing_drop_are_one_warning_line_each(tmp_path, capsys):
    path = tmp_path / "gap.csv"  # data row 3 has no client: an error by default, dropped and reported with --missing drop
    path.write_text("client,session,rupture,repaired,outcome\na,1,true,true,1\na,2,false,false,3\n,1,false,false,4\n"
                    "b,1,false,false,4\nb,2,true,false,6\nc,1,false,false,2\nc,2,true,false,1\n")
    assert main([str(path), "--lower-is-better"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 3" in err
    assert main([str(path), "--lower-is-better", "--missing", "drop", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "python -m ruptstats.sessions: warning: " + str(path) + ": client is missing: rows 3 excluded\n"
    assert json.loads(captured.out)["studies"][0]["report"]["excluded_rows"] == [3]
