"""Hostile tables and options against ``python -m ruptstats.meta`` (issue 10, deliverables 1-3 and 7).

The contract for every command line: exit 0 with output whose JSON is strict (no NaN or Infinity: an infinite or
undefined value is null, with a note), or exit 2 with ONE line ``python -m ruptstats.meta: error: ...`` naming the
file, the 1-based data row and the column where they apply (argparse errors: one short usage line, then that
line), never a traceback, never a numpy repr, never the backstop's "internal error". Every table is written by
the test itself; expected rows and columns are read off the table. The cumulative knha numbers come from
tests/reference/cumulative_knha.json (metafor 3.8.1 ``cumul()``, make_cumulative_knha_reference.R).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tolerances import ELEMENTWISE, ITERATIVE, ITERATIVE_ABS

from ruptstats.cli.meta import build_parser, main

PROG = "python -m ruptstats.meta"

TABLES = {
    "base.csv": "study,yi,vi,year,n,design,cl\n" + "".join(
        f"S{i},{0.1 * i:.2f},{0.01 + 0.005 * i},{2000 + i},{20 + i},{'ab'[i % 2]},{'xyz'[i % 3]}\n" for i in range(1, 9)),
    "same.csv": "study,yi,vi\n" + "".join(f"S{i},0.3,0.02\n" for i in range(6)),
    "near.csv": "study,yi,vi\n" + "".join(f"S{i},{0.3 + 1e-13 * i!r},0.02\n" for i in range(8)),
    "huge.csv": "study,yi,vi\n" + "".join(f"S{i},{1e200 if i == 0 else 0.1 * i},0.02\n" for i in range(6)),
    "equal_n.csv": "study,r,n\n" + "".join(f"S{i},{0.1 + 0.05 * i:.2f},50\n" for i in range(6)),
    "dup.csv": "study,r,n,r\nA,0.1,20,0.2\nB,0.2,30,0.3\nC,0.3,40,0.1\n",
    "blank.csv": "study,yi,vi\nA,0.1,0.01\nB, ,0.02\nC,0.3,0.03\nD,0.2,0.01\n",
    "spaces.csv": "study,yi,vi,grp\nA,0.1,0.01,client\nB,0.2,0.02,client \nC,0.3,0.03,therapist\t\nD,0.2,0.01,therapist\n"
                  "E,0.25,0.02,client\n",
    "inf_yi.csv": "study,yi,vi\nA,0.1,0.01\nB,inf,0.02\nC,0.3,0.03\n",
    "inf_vi.csv": "study,yi,vi\nA,0.1,0.01\nB,0.2,inf\nC,0.3,0.03\n",
    "inf_n.csv": "study,r,n\nA,0.1,20\nB,0.2,inf\nC,0.3,40\n",
    "ragged.csv": "study,yi,vi\nA,0.1,0.01\nB,0.2,0.02,9\nC,0.3,0.03\n",
    "counts.csv": "study,ai,bi,ci,di\nA,0,20,0,20\nB,3,17,5,15\nC,2,18,6,14\nD,4,16,8,12\n",
    "cl_missing.csv": "study,yi,vi,cl,year\nA,0.1,0.01,a,2001\nB,0.2,0.02,,\nC,0.3,0.03,b,2003\nD,0.2,0.01,b,2004\n",
    "const_mod.csv": "study,yi,vi,m\nA,0.1,0.01,1\nB,0.2,0.02,1\nC,0.3,0.03,1\nD,0.2,0.01,1\n",
    "bad_sei.csv": "study,yi,se\nA,0.1,0.1\nB,0.2,-0.2\nC,0.3,0.1\n",
    "r_one.csv": "study,r,n\nA,0.1,20\nB,1,30\nC,0.3,40\n",
    "n_three.csv": "study,r,n\nA,0.1,20\nB,0.2,3\nC,0.3,40\n",
    "text_cell.csv": "study,yi,vi\nA,0.1,0.01\nB,abc,0.02\nC,0.3,0.03\n",
    "all_empty.csv": "study,yi,vi\nA,,0.01\nB,,0.02\n",
    "one.csv": "study,yi,vi\nA,0.3,0.02\n",
    "mod_inf.csv": "study,yi,vi,m\nA,0.1,0.01,1\nB,0.2,0.02,inf\nC,0.3,0.03,3\nD,0.2,0.01,4\n",
    "smd_inf.csv": "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,5,2,20,4,2,20\nB,inf,2,25,4,2,25\nC,5,3,30,5,2,30\n",
    "ids.csv": "study,yi,vi\n007,0.1,0.01\n7,0.2,0.02\n07,0.3,0.03\n",
    "smd.csv": "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,5,2,20,4,2,20\nB,6,2,25,4,2,25\nC,5,3,30,5,2,30\n",
    "mixed.csv": "study,statistic,value,n\nA,r,0.3,40\nB,r,0.2,50\nC,r,0.1,60\n",
    "empty.csv": "",
    "header_only.csv": "study,yi,vi\n",
    "binary.csv": b"\x00\x01\x02study\x00",
    "table.foo": "study,yi,vi\nA,0.1,0.01\n",
}


def write_tables(tmp_path, monkeypatch, tables):
    """Write ``tables`` (name to text or bytes) into ``tmp_path`` and make it the working directory."""
    monkeypatch.chdir(tmp_path)
    for name, text in tables.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return tmp_path


@pytest.fixture
def files(tmp_path, monkeypatch):
    return write_tables(tmp_path, monkeypatch, TABLES)


def strict_json(text: str):
    def refuse(token):
        raise ValueError(f"non-strict JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def run(capsys, argv):
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def check_contract(status, out, err, argv) -> str:
    """Assert the CLI contract; return the error line ('' on success)."""
    assert "Traceback" not in err and "internal error" not in err, err
    for ln in err.strip().splitlines():  # warnings and exclusions are one line each, like errors
        assert ln.startswith((f"{PROG}: ", "usage: ", "Bundled example: ")), err
    if status == 0:
        if "--format" in argv and argv[argv.index("--format") + 1] == "json" and "--output" not in argv:
            strict_json(out)
        return ""
    assert status == 2, (status, err)
    lines = err.strip().splitlines()
    if lines and lines[0].startswith("usage:"):  # argparse: one short usage line, then the error
        assert len(lines) == 2 and len(lines[0]) < 100, err
        lines = lines[1:]
    lines = [ln for ln in lines if "excluded data row" not in ln and not ln.startswith(f"{PROG}: warning: ")]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith(f"{PROG}: error: "), line
    assert "np.float64" not in line and "np.int64" not in line and "array(" not in line, line
    return line


# id, argv, expected: "ok" or the fragments the one error line must hold
CASES = [
    ("knha_identical", ["same.csv", "--test", "knha", "--format", "json"], "ok"),
    ("knha_identical_sensitivity", ["same.csv", "--test", "knha", "--sensitivity", "--format", "json"], "ok"),
    ("knha_near_identical_everything", ["near.csv", "--test", "knha", "--sensitivity", "--bias", "--cumulative",
                                        "study", "--subgroup", "study", "--format", "json"], "ok"),
    ("yi_1e200", ["huge.csv", "--format", "json"], "ok"),  # tau2 = inf: a result with nulls and notes
    ("bias_equal_precision", ["equal_n.csv", "--bias", "--format", "json"], "ok"),
    ("dpi_nan", ["base.csv", "--dpi", "nan", "--forest", "f.png"], ["--dpi", "'nan'"]),
    ("dpi_low", ["base.csv", "--dpi", "20", "--forest", "f.png"], ["--dpi"]),
    ("seed_negative", ["base.csv", "--seed", "-1", "--permutations", "50"], ["--seed", "-1"]),
    ("duplicated_columns", ["dup.csv"], ["dup.csv", "columns 2 and 4 are both named 'r'"]),
    ("blank_cell", ["blank.csv"], ["blank.csv", "row 2", "'yi'", "empty cell"]),
    ("blank_cell_dropped", ["blank.csv", "--drop-missing", "--format", "json"], "ok"),
    ("whitespace_labels", ["spaces.csv", "--subgroup", "grp", "--format", "json"], "ok"),
    ("inf_yi", ["inf_yi.csv"], ["inf_yi.csv", "row 2", "'yi'", "finite"]),
    ("inf_vi", ["inf_vi.csv"], ["inf_vi.csv", "row 2", "'vi'"]),
    ("inf_n", ["inf_n.csv"], ["inf_n.csv", "row 2", "'n'"]),
    ("ragged_row", ["ragged.csv"], ["ragged.csv", "data row 2 has 4 fields", "3 columns"]),
    ("write_effects_parquet", ["base.csv", "--write-effects", "e.parquet"], "ok"),
    ("write_effects_json", ["base.csv", "--write-effects", "e.json"], "ok"),
    ("write_effects_xlsx", ["base.csv", "--write-effects", "e.xlsx"], "ok"),
    ("write_effects_unknown", ["base.csv", "--write-effects", "e.foo"], ["--write-effects", "'.foo'"]),
    ("drop00", ["counts.csv", "--measure", "OR", "--drop00", "--format", "json"], "ok"),
    ("cumulative_knha", ["base.csv", "--cumulative", "year", "--test", "knha", "--format", "json"], "ok"),
    ("cluster_missing", ["cl_missing.csv", "--cluster", "cl"], ["cl_missing.csv", "row 2", "'cl'", "--cluster"]),
    ("cumulative_missing", ["cl_missing.csv", "--cumulative", "year"], ["cl_missing.csv", "row 2", "'year'"]),
    ("moderator_inf", ["mod_inf.csv", "--moderator", "m"], ["mod_inf.csv", "row 2", "'m'", "finite"]),
    ("escalc_inf", ["smd_inf.csv", "--measure", "SMD"], ["smd_inf.csv", "row 2", "'m1i'", "finite"]),
    ("moderator_constant", ["const_mod.csv", "--moderator", "m"], ["--moderator 'm'", "full rank"]),
    ("sei_negative", ["bad_sei.csv", "--yi", "yi", "--sei", "se"], ["bad_sei.csv", "row 2", "'se'"]),
    ("r_is_one", ["r_one.csv"], ["r_one.csv", "row 2", "'r'"]),
    ("n_three", ["n_three.csv"], ["n_three.csv", "row 2", "'n'"]),
    ("text_in_number", ["text_cell.csv"], ["text_cell.csv", "row 2", "'yi'", "'abc'"]),
    ("all_empty", ["all_empty.csv", "--drop-missing"], ["all_empty.csv", "nothing left"]),
    ("one_study_knha", ["one.csv", "--test", "knha", "--format", "json"], "ok"),  # z-test as metafor (k = 1)
    ("one_study", ["one.csv", "--format", "json"], "ok"),
    ("identifiers_text", ["ids.csv", "--format", "json"], "ok"),
    ("unknown_option", ["base.csv", "--bogus"], ["unrecognized arguments: --bogus"]),
    ("bad_method", ["base.csv", "--method", "XX"], ["--method"]),
    ("bad_test", ["base.csv", "--test", "t"], ["--test"]),
    ("level_text", ["base.csv", "--level", "abc"], ["--level"]),
    ("level_nan", ["base.csv", "--level", "nan"], ["--level", "'nan'"]),
    ("level_150", ["base.csv", "--level", "150"], ["level"]),
    ("permutations_text", ["base.csv", "--permutations", "many"], ["--permutations"]),
    ("permutations_one", ["base.csv", "--permutations", "1"], ["--permutations 1"]),
    ("permutations_ok", ["base.csv", "--permutations", "30", "--seed", "1", "--format", "json"], "ok"),
    ("permutations_moderator", ["base.csv", "--moderator", "year", "--permutations", "30", "--seed", "2",
                                "--format", "json"], "ok"),
    ("robust_without_cluster", ["base.csv", "--robust"], ["--robust", "--cluster"]),
    ("robust_ok", ["base.csv", "--cluster", "cl", "--robust", "--format", "json"], "ok"),
    ("common_tau2_alone", ["base.csv", "--common-tau2"], ["--common-tau2", "--subgroup"]),
    ("common_tau2_ok", ["base.csv", "--subgroup", "design", "--common-tau2", "--format", "json"], "ok"),
    ("categorical_moderator", ["base.csv", "--moderator", "cl", "--categorical", "cl", "--format", "json"], "ok"),
    ("moderator_absent", ["base.csv", "--moderator", "nope"], ["'nope'", "--moderator"]),
    ("subgroup_absent", ["base.csv", "--subgroup", "nope"], ["'nope'", "--subgroup"]),
    ("study_absent", ["base.csv", "--study", "nope"], ["'nope'", "--study"]),
    ("yi_absent", ["base.csv", "--yi", "nope", "--vi", "vi"], ["'nope'"]),
    ("vi_and_sei", ["base.csv", "--yi", "yi", "--vi", "vi", "--sei", "vi"], ["vi or sei"]),
    ("r_and_yi", ["base.csv", "--r", "yi", "--yi", "yi"], ["not both"]),
    ("n_column", ["base.csv", "--n", "n", "--format", "json"], "ok"),
    ("gosh_ok", ["base.csv", "--gosh", "g.parquet", "--seed", "3", "--format", "json"], "ok"),
    ("gosh_unknown_ext", ["base.csv", "--gosh", "g.foo"], ["--gosh", "'.foo'"]),
    ("gosh_no_dir", ["base.csv", "--gosh", "no/such/dir/g.csv"], ["g.csv"]),
    ("output_no_dir", ["base.csv", "--output", "no/such/dir/o.txt"], ["o.txt"]),
    ("forest_bad_ext", ["base.csv", "--forest", "f.gif"], ["--forest", ".png"]),
    ("forest_funnel_bias", ["base.csv", "--forest", "f.svg", "--funnel", "u.svg", "--bias", "--format", "json"],
     "ok"),
    ("format_csv", ["base.csv", "--format", "csv"], "ok"),
    ("format_markdown", ["base.csv", "--format", "markdown"], "ok"),
    ("format_bad", ["base.csv", "--format", "xml"], ["--format"]),
    ("measure_smd", ["smd.csv", "--measure", "SMD", "--format", "json"], "ok"),
    ("measure_smd_explicit", ["smd.csv", "--measure", "SMD", "--m1", "m1i", "--sd1", "sd1i", "--n1", "n1i",
                              "--m2", "m2i", "--sd2", "sd2i", "--n2", "n2i", "--format", "json"], "ok"),
    ("measure_missing_column", ["base.csv", "--measure", "OR"], ["--measure OR", "--ai"]),
    ("measure_bad", ["base.csv", "--measure", "XYZ"], ["--measure"]),
    ("counts_explicit", ["counts.csv", "--measure", "RR", "--ai", "ai", "--bi", "bi", "--ci", "ci", "--di", "di",
                         "--add", "0.5", "--to", "all", "--format", "json"], "ok"),
    ("add_nan", ["counts.csv", "--measure", "OR", "--add", "nan"], ["add"]),
    ("to_without_counts", ["smd.csv", "--measure", "SMD", "--to", "all"], ["--to", "not used"]),
    ("to_bad", ["counts.csv", "--measure", "OR", "--to", "some"], ["--to"]),
    ("ri_prepost_bogus", ["smd.csv", "--measure", "SMCR", "--m1", "m1i", "--m2", "m2i", "--sd1", "sd1i", "--n",
                          "n1i", "--ri-prepost", "bogus"], ["--ri-prepost", "'bogus'"]),
    ("ri_prepost_ok", ["smd.csv", "--measure", "SMCR", "--m1", "m1i", "--m2", "m2i", "--sd1", "sd1i", "--n",
                       "n1i", "--ri-prepost", "0.5", "--format", "json"], "ok"),
    ("convert_to", ["mixed.csv", "--convert-to", "COR", "--format", "json"], "ok-or-error"),
    ("convert_and_measure", ["mixed.csv", "--convert-to", "COR", "--measure", "SMD"], ["not both"]),
    ("file_missing", ["nope.csv"], ["nope.csv", "not found"]),
    ("file_empty", ["empty.csv"], ["empty.csv", "empty"]),
    ("header_only", ["header_only.csv"], ["header_only.csv", "no data rows"]),
    ("binary_file", ["binary.csv"], ["binary.csv"]),
    ("unknown_extension", ["table.foo"], ["table.foo", "unknown file type"]),
    ("folder", ["."], ["folder"]),
    ("example_json", ["--format", "json"], "ok"),
    ("method_fe_sensitivity", ["base.csv", "--method", "fe", "--sensitivity", "--format", "json"], "ok"),
    ("all_methods_knha_identical", ["same.csv", "--method", "PM", "--test", "knha", "--bias", "--sensitivity",
                                    "--cumulative", "study", "--format", "json"], "ok"),
    # issue 11: regtest variant, the new measures' column options and vtype, Mantel-Haenszel / Peto
    ("regtest_rma", ["base.csv", "--bias", "--regtest-model", "rma", "--format", "json"], "ok"),
    ("regtest_bad", ["base.csv", "--bias", "--regtest-model", "glm"], ["--regtest-model"]),
    ("measure_pr_missing_xi", ["base.csv", "--measure", "PR"], ["--measure PR", "--xi"]),
    ("ir_ti_absent", ["counts.csv", "--measure", "IR", "--xi", "ai", "--ti", "nope"], ["'nope'"]),
    ("pcor_mi_absent", ["counts.csv", "--measure", "PCOR", "--ti", "ai", "--n", "bi", "--mi", "nope"], ["'nope'"]),
    ("spcor_r2i_absent", ["counts.csv", "--measure", "SPCOR", "--ti", "ai", "--n", "bi", "--mi", "ci", "--r2i",
                          "nope"], ["'nope'"]),
    ("irr_t2i_absent", ["counts.csv", "--measure", "IRR", "--x1i", "ai", "--t1i", "bi", "--x2i", "ci", "--t2i",
                        "nope"], ["'nope'"]),
    ("vtype_not_offered", ["counts.csv", "--measure", "OR", "--vtype", "UB"], ["vtype", "'UB'"]),
    ("method_mh", ["counts.csv", "--method", "MH", "--format", "json"], "ok-or-error"),
    ("method_peto_rr", ["counts.csv", "--method", "PETO", "--measure", "RR"], ["pools OR"]),
]


@pytest.mark.parametrize("case_id, argv, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_case(files, capsys, case_id, argv, expected):
    status, out, err = run(capsys, argv)
    line = check_contract(status, out, err, argv)
    if expected == "ok":
        assert status == 0, err
    elif expected == "ok-or-error":
        assert status == 0 or argv[0] in line
    else:
        assert status == 2, out
        for fragment in expected:
            assert fragment in line, (fragment, line)


def test_every_option_of_the_parser_has_a_hostile_case():
    options = {opt for action in build_parser()._actions for opt in action.option_strings} - {"-h", "--help"}
    used = {arg for _, argv, _ in CASES for arg in argv if arg.startswith("--")}
    assert options - used == set()


def test_knha_identical_effects_statistic_is_null_with_a_note(files, capsys):
    status, out, _ = run(capsys, ["same.csv", "--test", "knha", "--format", "json"])
    payload = strict_json(out)
    assert payload["statistic"] is None  # t = estimate / 0
    assert any("statistic is infinite" in note for note in payload["notes"])


def test_egger_on_equal_precision_is_not_computable_and_the_rest_runs(files, capsys):
    status, out, _ = run(capsys, ["equal_n.csv", "--bias", "--format", "json"])
    bias = strict_json(out)["bias"]
    assert "not computable" in bias["egger"]["error"] and "same standard error" in bias["egger"]["error"]
    assert "not computable" in bias["begg"]["error"]  # Kendall's tau with every variance tied: 0/0
    # metafor 3.8.1's trimfill() stops with an error on this table too ("missing value where TRUE/FALSE needed")
    assert set(bias) == {"egger", "begg", "failsafe_n", "pet_peese", "trimfill", "selection_model"}
    assert "error" not in bias["failsafe_n"] and "error" not in bias["selection_model"]


def test_write_effects_follows_the_extension(files, capsys):
    assert run(capsys, ["base.csv", "--write-effects", "e.parquet"])[0] == 0
    frame = pd.read_parquet("e.parquet")  # Parquet, not CSV text
    np.testing.assert_allclose(frame["yi"], np.arange(1, 9) / 10, rtol=ELEMENTWISE)  # the yi column of base.csv
    assert run(capsys, ["base.csv", "--write-effects", "e.json"])[0] == 0
    strict_json(open("e.json", encoding="utf-8").read())


def test_drop00_excludes_and_lists_without_drop_missing(files, capsys):
    status, out, err = run(capsys, ["counts.csv", "--measure", "OR", "--drop00", "--format", "json"])
    payload = strict_json(out)
    assert payload["k"] == 3  # row 1 has no events in either group
    assert payload["excluded"] == [{"row": 1, "reason": "no events, or only events, in both groups (--drop00)"}]
    assert "excluded data row 1" in err


def test_whitespace_labels_are_one_subgroup_and_counted(files, capsys):
    status, out, _ = run(capsys, ["spaces.csv", "--subgroup", "grp", "--format", "json"])
    payload = strict_json(out)
    assert set(payload["subgroups"]) == {"client", "therapist"}  # 'client ' and ' therapist' are not groups of their own
    assert any("column 'grp': surrounding white space removed from 2 value(s)" in n for n in payload["notes"])


def test_identifiers_stay_text(files, capsys):
    status, out, _ = run(capsys, ["ids.csv", "--format", "json"])
    assert [s["study"] for s in strict_json(out)["studies"]] == ["007", "7", "07"]


def test_argparse_error_is_two_short_lines(files, capsys):
    status, _, err = run(capsys, ["base.csv", "--bogus"])
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 2
    assert lines[0] == f"usage: {PROG} [options] (see {PROG} --help)"


@pytest.mark.parametrize("method", ["REML", "DL"])
def test_cumulative_knha_first_step_as_metafor(tmp_path, capsys, method):
    ref = load_reference("cumulative_knha")
    data = pd.DataFrame(ref["data"])
    path = tmp_path / "cumul.csv"
    data.to_csv(path, index=False)
    status, out, err = run(capsys, [str(path), "--cumulative", "year", "--test", "knha", "--method", method,
                                    "--format", "json"])
    assert status == 0, err
    rows = strict_json(out)["cumulative"]
    want = ref["methods"][method]
    for key in ("estimate", "ci_lower", "ci_upper", "tau2"):
        got = [row[key] for row in rows]
        np.testing.assert_allclose(got, want[key], rtol=ITERATIVE, atol=ITERATIVE_ABS)
    assert len(rows) == len(want["estimate"]) == 6  # the reference grid is complete


def test_cumulative_knha_reference_script_is_committed():
    here = os.path.join(os.path.dirname(__file__), "reference", "make_cumulative_knha_reference.R")
    assert "cumul(res" in open(here, encoding="utf-8").read()


# -- fuzz: random hostile tables with random options -------------------------------------------------------------

CELL = st.one_of(st.sampled_from(["", " ", "nan", "inf", "-inf", "1e308", "1e-320", "0", "-0.5", "abc", "3,5",
                                  "1e200", "007"]),
                 st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.6g}"),
                 st.floats(1e-6, 10).map(lambda x: f"{x:.6g}"))
FLAGS = st.lists(st.sampled_from([
    ("--test", "knha"), ("--method", "DL"), ("--method", "FE"), ("--method", "PM"), ("--method", "EB"),
    ("--method", "ML"), ("--method", "SJ"), ("--method", "HE"), ("--method", "HS"), ("--bias",),
    ("--sensitivity",), ("--drop-missing",), ("--cumulative", "year"), ("--subgroup", "g"),
    ("--moderator", "year"), ("--cluster", "g"), ("--level", "90"), ("--permutations", "20", "--seed", "1"),
]), max_size=4, unique=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELL, CELL, st.sampled_from(["a", "b", "a ", " ", ""]), CELL), min_size=1,
                     max_size=7), flags=FLAGS)
def test_cli_fuzz(tmp_path, capsys, rows, flags):
    path = tmp_path / "fuzz.csv"
    lines = ["study,yi,vi,g,year"] + [f"S{i},{y},{v},{g},{yr}" for i, (y, v, g, yr) in enumerate(rows, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = [str(path), "--format", "json"] + [a for flag in flags for a in flag]
    status, out, err = run(capsys, argv)
    line = check_contract(status, out, err, argv)
    if status == 2 and ("row " in line or "column '" in line):
        assert str(path) in line or "--" in line, line


@pytest.mark.parametrize("method", ["REML", "DL"])
def test_cumulative_knha_every_column_as_metafor(method):
    from ruptstats.meta import rma
    from ruptstats.meta.sensitivity import cumulative

    ref = load_reference("cumulative_knha")
    data = pd.DataFrame(ref["data"])
    res = cumulative(rma(data["yi"], data["vi"], method=method, test="knha"), data["year"])
    frame = res.summary_frame()
    for key, want in ref["methods"][method].items():
        np.testing.assert_allclose(frame[key], want, rtol=ITERATIVE, atol=ITERATIVE_ABS, err_msg=key)
