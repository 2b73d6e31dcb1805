"""More hostile tables and options against ``python -m ruptstats.meta`` (issue 10, second round).

Same contract as tests/test_fuzz_cli.py (whose helpers are reused): exit 0 with strict JSON whose nulls are
explained by notes, or exit 2 with ONE error line naming the file, the 1-based data row and the column where they
apply and saying what was expected; never a traceback, never a silently wrong number, never an unreported row.
Each table is written by the test itself; the expected rows and columns are read off the table.
"""

from __future__ import annotations

import pytest
from test_fuzz_cli import check_contract, run, strict_json, write_tables

TABLES = {
    "base.csv": "study,yi,vi,year,design\n" + "".join(
        f"S{i},{0.1 * i + 0.03 * (i % 3):.2f},{0.01 + 0.005 * i},{2000 + i},{'ab'[i % 2]}\n" for i in range(1, 9)),
    # a numeric moderator / order column with one text cell: read as text, its numbers would compare as text
    "mod_text.csv": "study,yi,vi,m\nA,0.1,0.01,1\nB,0.2,0.02,abc\nC,0.3,0.03,3\nD,0.2,0.01,4\nE,0.4,0.02,5\n",
    "order_text.csv": "study,yi,vi,ord\nA,0.1,0.01,1\nB,0.2,0.02,10\nC,0.3,0.03,9\nD,0.2,0.01,2\nE,0.5,0.01,n.d.\n",
    # yi = 0.1 * year - 200 exactly: the meta-regression on year fits perfectly (Knapp-Hartung factor 0)
    "perfect_fit.csv": "study,yi,vi,year\n" + "".join(f"S{i},{0.1 * i:.1f},{0.01 + 0.005 * i},{2000 + i}\n"
                                                       for i in range(1, 9)),
    "two.csv": "study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\n",
    "same_knha.csv": "study,yi,vi\n" + "".join(f"S{i},0.3,0.02\n" for i in range(1, 6)),
    "zero_cells.csv": "study,ai,bi,ci,di\nA,0,20,0,20\nB,3,17,5,15\nC,2,18,6,14\nD,4,16,8,12\n",
    "proportions.csv": "study,xi,ni\nA,5,20\nB,0,20\nC,7,30\n",
    "one_cluster.csv": "study,yi,vi,cl\nA,0.1,0.01,x\nB,0.2,0.02,x\nC,0.3,0.03,x\nD,0.2,0.01,x\n",
    "own_clusters.csv": "study,yi,vi,cl\nA,0.1,0.01,a\nB,0.2,0.02,b\nC,0.3,0.03,c\nD,0.2,0.01,d\n",
    "one_group.csv": "study,yi,vi,g\nA,0.1,0.01,a\nB,0.2,0.02,a\nC,0.3,0.03,a\n",
    "no_events.csv": "study,ai,bi,ci,di\nA,0,20,0,20\nB,0,17,0,15\nC,0,18,0,14\n",
    "huge_vi.csv": "study,yi,vi\nA,0.1,1e300\nB,0.3,1e300\nC,0.5,1e300\n",  # REML's sum of 1/vi^2 underflows
    "same_labels.csv": "study,yi,vi\nA,0.1,0.01\nA,0.2,0.02\nA,0.3,0.03\n",
    "tiny_se.csv": "study,yi,se\nA,0.1,0.1\nB,0.2,1e-200\nC,0.3,0.2\n",  # 1e-200 ** 2 underflows to 0
    "huge_se.csv": "study,yi,se\nA,0.1,0.1\nB,0.2,1e200\nC,0.3,0.2\n",  # 1e200 ** 2 overflows
    # mixed-report tables (--convert-to): an odds ratio's confidence limits reversed, or negative
    "ci_reversed.csv": "study,statistic,value,n,n1,n2,ci_lower,ci_upper\nZ,r,0.2,40,,,,\nD,or,2.0,,30,30,3.6,1.1\n"
                       "Y,r,0.1,50,,,,\n",
    "ci_negative.csv": "study,statistic,value,n,n1,n2,ci_lower,ci_upper\nZ,r,0.2,40,,,,\nD,or,2.0,,30,30,1.1,-3\n"
                       "Y,r,0.1,50,,,,\n",
    "nested.json": '[{"study": "A", "yi": 0.1, "vi": 0.01}, {"study": "B", "yi": {"x": 1}, "vi": 0.02}]',
    # study labels that are numbers, read as text (so 007 stays 007)
    "numeric_labels.csv": "study,yi,vi\n1,0.1,0.01\n10,0.5,0.02\n9,0.3,0.03\n2,0.2,0.01\n",
    "mod_intercept.csv": "study,yi,vi,intercept\na,.1,.01,1\nb,.3,.02,2\nc,.2,.01,3\nd,.5,.03,4\ne,.4,.02,2\n",
}


@pytest.fixture
def files(tmp_path, monkeypatch):
    return write_tables(tmp_path, monkeypatch, TABLES)


# id, argv, expected: "ok" or the fragments the one error line must hold
CASES = [
    # a moderator named like the intercept term gave two coefficients both called 'intercept'
    ("moderator_named_intercept", ["mod_intercept.csv", "--moderator", "intercept"],
     ["mod_intercept.csv", "column 'intercept'", "rename the column"]),
    ("moderator_stray_text", ["mod_text.csv", "--moderator", "m"],
     ["mod_text.csv", "row 2", "column 'm'", "expected a number", "'abc'", "--categorical m"]),
    ("moderator_stray_text_categorical", ["mod_text.csv", "--moderator", "m", "--categorical", "m",
                                          "--format", "json"], "ok"),
    ("cumulative_stray_text", ["order_text.csv", "--cumulative", "ord"],
     ["order_text.csv", "row 5", "column 'ord'", "expected a number", "'n.d.'"]),
    ("write_effects_no_dir", ["base.csv", "--write-effects", "no/dir/e.csv"], ["no/dir/e.csv", "non-existent"]),
    ("write_effects_under_file", ["base.csv", "--write-effects", "base.csv/e.csv"], ["base.csv/e.csv"]),
    ("output_is_input", ["base.csv", "--output", "./base.csv"], ["--output ./base.csv", "overwrite the input"]),
    ("write_effects_is_input", ["base.csv", "--write-effects", "base.csv"], ["--write-effects", "input table"]),
    ("forest_is_funnel", ["base.csv", "--forest", "f.pdf", "--funnel", "./f.pdf"], ["--forest and --funnel"]),
    ("gosh_is_write_effects", ["base.csv", "--gosh", "g.csv", "--write-effects", "g.csv"],
     ["--write-effects and --gosh", "g.csv"]),
    ("permutations_perfect_fit_knha", ["perfect_fit.csv", "--method", "SJ", "--moderator", "year", "--test", "knha",
                                       "--permutations", "50", "--seed", "1", "--format", "json"], "ok"),
    ("sensitivity_two_studies_knha", ["two.csv", "--sensitivity", "--test", "knha", "--format", "json"], "ok"),
    # escalc gives no finite yi/vi for these rows although every cell is filled: said so, not "column 'yi': empty"
    ("or_zero_cell_to_none", ["zero_cells.csv", "--measure", "OR", "--to", "none"],
     ["zero_cells.csv", "row 1", "OR", "ai, bi, ci, di", "yi is undefined", "--add", "--drop-missing"]),
    ("or_add_zero", ["zero_cells.csv", "--measure", "OR", "--add", "0", "--to", "all"], ["row 1", "--add"]),
    ("or_add_huge", ["zero_cells.csv", "--measure", "OR", "--add", "1e308"], ["row 1", "yi is undefined"]),
    ("plo_zero_count", ["proportions.csv", "--measure", "PLO", "--to", "none"],
     ["proportions.csv", "row 2", "PLO", "yi is infinite"]),
    ("or_zero_cell_dropped", ["zero_cells.csv", "--measure", "OR", "--to", "none", "--drop-missing",
                              "--format", "json"], "ok"),
    ("cluster_one", ["one_cluster.csv", "--cluster", "cl"], ["one_cluster.csv", "column 'cl'", "found 1 cluster"]),
    ("cluster_each_study", ["own_clusters.csv", "--cluster", "cl", "--robust"],
     ["own_clusters.csv", "column 'cl'", "found 4 cluster(s), the largest with 1 effect size"]),
    ("subgroup_one_level", ["one_group.csv", "--subgroup", "g"], ["one_group.csv", "column 'g'", "found 1"]),
    ("subgroup_one_level_common", ["one_group.csv", "--subgroup", "g", "--common-tau2"], ["one_group.csv", "'g'"]),
    ("mh_no_events", ["no_events.csv", "--method", "MH"], ["no_events.csv", "not defined"]),
    ("peto_no_events", ["no_events.csv", "--method", "PETO"], ["no_events.csv", "never occurred"]),
    ("variances_1e300", ["huge_vi.csv"], ["huge_vi.csv", "sampling variances range from 1e+300"]),
    ("variances_1e300_dl", ["huge_vi.csv", "--method", "DL", "--format", "json"], "ok"),
    ("gosh_repeated_labels_parquet", ["same_labels.csv", "--gosh", "g.parquet", "--format", "json"], "ok"),
    ("gosh_repeated_labels_json", ["same_labels.csv", "--gosh", "g.json", "--format", "json"], "ok"),
    ("sei_squares_to_zero", ["tiny_se.csv", "--yi", "yi", "--sei", "se"],
     ["tiny_se.csv", "row 2", "column 'se'", "squares to 0", "expected a standard error"]),
    ("sei_squares_to_infinity", ["huge_se.csv", "--yi", "yi", "--sei", "se", "--drop-missing"],
     ["huge_se.csv", "row 2", "column 'se'", "squares to infinity"]),
    ("moderator_twice", ["base.csv", "--moderator", "year", "--moderator", "year"],
     ["--moderator year is given more than once"]),  # was "moderators names ['year'] more than once"
    # was "must be greater than 0 minus ci_lower ..., got -1.1856" (a log difference the user never wrote)
    ("convert_ci_reversed", ["ci_reversed.csv", "--convert-to", "ZCOR"],
     ["ci_reversed.csv", "row 2", "column 'ci_upper'", "greater than ci_lower", "got 1.1"]),
    # was "column 'se': empty cell (NaN)": the log of -3 passed the check as a missing value
    ("convert_ci_negative", ["ci_negative.csv", "--convert-to", "ZCOR"],
     ["ci_negative.csv", "row 2", "column 'ci_upper'", "greater than 0", "got -3"]),
    ("json_nested_cell", ["nested.json"], ["nested.json", "row 2", "column 'yi'", "got an object"]),
    ("categorical_without_moderator", ["base.csv", "--categorical", "year"], ["--categorical year", "--moderator"]),
]


@pytest.mark.parametrize("case_id, argv, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_case(files, capsys, case_id, argv, expected):
    status, out, err = run(capsys, argv)
    line = check_contract(status, out, err, argv)
    if expected == "ok":
        assert status == 0, err
    else:
        assert status == 2, out
        for fragment in expected:
            assert fragment in line, (fragment, line)


def test_cumulative_orders_numeric_labels_as_numbers(files, capsys):
    status, out, err = run(capsys, ["numeric_labels.csv", "--cumulative", "study", "--format", "json"])
    assert status == 0, err
    assert [row["study"] for row in strict_json(out)["cumulative"]] == ["1", "2", "9", "10"]  # not 1, 10, 2, 9


def test_output_that_names_the_input_leaves_it_untouched(files, capsys):
    before = (files / "base.csv").read_bytes()
    assert run(capsys, ["base.csv", "--format", "json", "--output", "base.csv"])[0] == 2
    assert (files / "base.csv").read_bytes() == before


def test_perfect_fit_permutation_qm_is_null_with_a_note_not_p_0(files, capsys):
    status, out, err = run(capsys, ["perfect_fit.csv", "--method", "SJ", "--moderator", "year", "--test", "knha",
                                    "--permutations", "50", "--seed", "1", "--format", "json"])
    assert status == 0, err
    payload = strict_json(out)
    perm, reg = payload["permutation_test"], payload["meta_regression"]
    # metafor: QM is NA when vb is singular (try(chol2inv(chol(vb)))), and permutest's QMp is then NA
    assert perm["qm"] is None and perm["qm_p"] is None  # was a LinAlgError; qm_p would have been 0 (nothing >= NaN)
    assert any(n.startswith("qm_p is undefined") for n in perm["notes"])
    assert reg["qm"] is None and all(c["statistic"] is None for c in reg["coefficients"])
    assert any(n.startswith("statistic is infinite") and "standard error is 0" in n for n in reg["notes"])


def test_null_influence_values_are_explained_in_the_top_level_notes(files, capsys):
    # identical effects under Knapp-Hartung: every deleted fit's covariance is 0, so the studentized values
    # are undefined (k = 2 under knha no longer gives nulls: each deletion refits with a z test, as metafor)
    status, out, err = run(capsys, ["same_knha.csv", "--sensitivity", "--test", "knha", "--format", "json"])
    payload = strict_json(out)
    nulls = {key for row in payload["influence"] for key, value in row.items() if value is None}
    assert nulls, "identical effects under Knapp-Hartung: the deleted covariances are 0"
    for key in nulls - {"study"}:
        assert any(n.startswith(f"influence: {key} is ") for n in payload["notes"]), key


def test_undefined_effect_dropped_is_reported_with_its_reason(files, capsys):
    status, out, err = run(capsys, ["zero_cells.csv", "--measure", "OR", "--to", "none", "--drop-missing",
                                    "--format", "json"])
    payload = strict_json(out)
    assert payload["k"] == 3  # row 1 (ai = ci = 0) has no log odds ratio without a continuity correction
    assert [e["row"] for e in payload["excluded"]] == [1]
    assert "cannot be computed" in payload["excluded"][0]["reason"] and "excluded data row 1" in err


def test_gosh_table_of_repeated_labels_has_one_column_per_study(files, capsys):
    import pandas as pd

    assert run(capsys, ["same_labels.csv", "--gosh", "g.parquet", "--format", "json"])[0] == 0
    frame = pd.read_parquet("g.parquet")  # was an AttributeError traceback (duplicate column names)
    assert list(frame.columns[-3:]) == ["incl_A_1", "incl_A_2", "incl_A_3"]  # three studies labelled A
    assert len(frame) == 7  # 2^3 - 1 subsets of 3 studies


def test_backstop_turns_any_defect_into_one_line(capsys):
    from ruptstats.cli._common import run_command

    def body():
        raise AttributeError("'DataFrame' object has no attribute 'dtype'")  # the --gosh .parquet defect above

    assert run_command("prog", body) == 2  # was exit 1 with a traceback: AttributeError was not caught
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("prog: error: internal error (AttributeError")


def test_date_moderator_is_refused_in_words(files, capsys):
    import pandas as pd

    pd.DataFrame({"study": ["A", "B", "C", "D"], "yi": [0.1, 0.2, 0.3, 0.25], "vi": [0.01, 0.02, 0.03, 0.02],
                  "year": pd.to_datetime(["2001-01-01", "2003-01-01", "2002-01-01", "2004-06-01"])}
                 ).to_parquet("dates.parquet")
    argv = ["dates.parquet", "--moderator", "year"]
    status, out, err = run(capsys, argv)
    line = check_contract(status, out, err, argv)  # was "the model matrix is not of full rank" (1e18 ns values)
    assert status == 2 and all(f in line for f in ("dates.parquet", "column 'year'", "dates", "numbers"))
