"""``python -m ruptstats.meta`` called in-process through ``main([...])``.

Numbers are compared with tests/reference/meta_reference.json (metafor 3.8.1, make_meta_reference.R).
"""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from tolerances import ITERATIVE

from ruptstats.cli.meta import main

MOLLOY_CSV = "study,ri,ni\nA,0.30,50\nB,0.12,80\nC,0.25,40\nD,0.05,120\n"


def run(capsys, argv):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding)) if isinstance(text, str) else p.write_bytes(text)
    return str(p)


def assert_clean_error(status, err, *fragments):
    """Exit 2, exactly one line on stderr, no traceback, and the line names what it should."""
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("python -m ruptstats.meta: error: ")
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])


# -- the bundled example ----------------------------------------------------------------------------------------

def test_example_text_says_synthetic_on_first_line(capsys):
    status, out, _ = run(capsys, [])
    assert status == 0
    assert out.splitlines()[0].startswith("Bundled example: SYNTHETIC data")
    # REML estimate back-transformed: tests/reference/meta_reference.json example.REML (metafor), rounded by APA rules
    assert "r = .24, 95% CI [.11, .36], k = 11, N = 1,314" in out


def test_example_json_matches_metafor(capsys):
    status, out, err = run(capsys, ["--format", "json"])
    assert status == 0
    assert "SYNTHETIC" in err  # the notice goes to stderr so stdout stays valid JSON
    got = json.loads(out)
    want = load_reference("meta_reference")["example"]["REML"]
    for key in ("estimate", "se", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "tau2_se", "i2", "h2",
                "q", "q_p", "tau2_ci_lower", "tau2_ci_upper", "i2_ci_lower", "i2_ci_upper"):
        assert got[key] == pytest.approx(want[key], rel=ITERATIVE), key
    for key, value in want["back_transformed"].items():
        assert got["back_transformed"][key] == pytest.approx(value, rel=ITERATIVE)
    assert got["k"] == 11 and got["n_total"] == 1314 and got["measure"] == "ZCOR"
    assert len(got["studies"]) == 11
    assert "SYNTHETIC" in got["example"]


def test_knha_json_has_df(capsys):
    status, out, _ = run(capsys, ["--format", "json", "--test", "knha"])
    got = json.loads(out)
    want = load_reference("meta_reference")["example"]["REML_knha"]
    assert got["df"] == 10
    assert got["p"] == pytest.approx(want["p"], rel=ITERATIVE)


def test_subgroup_json(capsys):
    status, out, _ = run(capsys, ["--format", "json", "--subgroup", "rater"])
    assert status == 0
    got = json.loads(out)
    ref = load_reference("meta_reference")["example_subgroups_rater"]
    assert set(got["subgroups"]) == {"client", "observer", "therapist"}
    assert got["subgroup_test"]["q"] == pytest.approx(ref["q"], rel=ITERATIVE)
    assert got["subgroup_test"]["df"] == 2
    assert got["subgroups"]["client"]["estimate"] == pytest.approx(ref["levels"]["client"]["estimate"], rel=ITERATIVE)


@pytest.mark.parametrize("fmt, marker", [("csv", "study,kind,estimate"), ("markdown", "| study | kind |")])
def test_other_formats(capsys, fmt, marker):
    status, out, _ = run(capsys, ["--format", fmt])
    assert status == 0
    assert marker in out


def test_output_file(tmp_path, capsys):
    target = tmp_path / "res.json"
    status, out, _ = run(capsys, ["--format", "json", "--output", str(target)])
    assert status == 0 and out == ""
    assert json.loads(target.read_text())["k"] == 11


# -- reading tables ---------------------------------------------------------------------------------------------

def test_semicolon_decimal_comma_latin1(tmp_path, capsys):
    text = "Studie;r;n\nMüller;0,30;50\nBérard;0,12;80\nC;0,25;40\n"
    path = write(tmp_path, "eu.csv", text, encoding="latin-1")
    status, out, _ = run(capsys, [path, "--study", "Studie", "--format", "json"])
    assert status == 0
    got = json.loads(out)
    assert [s["study"] for s in got["studies"]] == ["Müller", "Bérard", "C"]
    assert got["studies"][0]["yi"] == pytest.approx(np.arctanh(0.30))  # Fisher's z of the file's "0,30"


def test_utf8_bom_and_tab_delimiter(tmp_path, capsys):
    path = write(tmp_path, "t.tsv", "\ufeffstudy\tr\tn\nA\t0.3\t50\nB\t0.1\t80\n")
    status, out, _ = run(capsys, [path, "--format", "json"])
    assert status == 0 and json.loads(out)["k"] == 2


@pytest.mark.parametrize("ext", ["xlsx", "parquet", "json"])
def test_other_file_types(tmp_path, capsys, ext):
    frame = pd.read_csv(pd.io.common.StringIO(MOLLOY_CSV))
    path = tmp_path / f"t.{ext}"
    if ext == "xlsx":
        frame.to_excel(path, index=False)
    elif ext == "parquet":
        frame.to_parquet(path)
    else:
        path.write_text(frame.to_json(orient="records"))
    status, out, _ = run(capsys, [str(path), "--format", "json"])
    assert status == 0
    assert json.loads(out)["k"] == 4


def test_yi_with_sei(tmp_path, capsys):
    path = write(tmp_path, "y.csv", "study,g,se\nA,0.5,0.2\nB,0.3,0.1\nC,0.8,0.3\n")
    status, out, _ = run(capsys, [path, "--yi", "g", "--sei", "se", "--format", "json"])
    got = json.loads(out)
    assert status == 0 and got["studies"][0]["vi"] == pytest.approx(0.04)  # vi = se^2 = 0.2^2 (row A)
    assert "back_transformed" not in got


def test_write_effects(tmp_path, capsys):
    path = write(tmp_path, "m.csv", MOLLOY_CSV)
    target = tmp_path / "effects.csv"
    status, _, _ = run(capsys, [path, "--write-effects", str(target)])
    assert status == 0
    written = pd.read_csv(target)
    assert {"yi", "vi", "conversion", "data_row"} <= set(written.columns)
    np.testing.assert_allclose(written["vi"], 1 / (np.array([50, 80, 40, 120]) - 3))


# -- bad input: one clear line naming file, column and row; exit 2 ----------------------------------------------

@pytest.mark.parametrize("argv_extra, fragments", [
    (["--r", "rr"], ["column 'rr' (given by --r) not found", "did you mean 'ri'"]),
    (["--n", "N"], ["column 'N' (given by --n) not found"]),
])
def test_missing_or_misspelled_column(tmp_path, capsys, argv_extra, fragments):
    path = write(tmp_path, "m.csv", MOLLOY_CSV)
    assert_clean_error(*run(capsys, [path] + argv_extra)[::2], "m.csv", *fragments)


def test_no_effect_columns(tmp_path, capsys):
    path = write(tmp_path, "x.csv", "a,b\n1,2\n")
    assert_clean_error(*run(capsys, [path])[::2], "x.csv", "no effect sizes")


@pytest.mark.parametrize("csv_text, fragments", [
    ("study,r,n\nA,0.3,50\nB,abc,80\n", ["row 2", "column 'r'", "expected a number, got 'abc'"]),
    ("study,r,n\nA,0.3,50\nB,,80\n", ["row 2", "column 'r'", "empty cell"]),
    ("study,r,n\nA,0.3,50\nB,1.2,80\n", ["row 2", "column 'r'", "between -1 and 1"]),
    ("study,r,n\nA,0.3,50\nB,-1,80\n", ["row 2", "column 'r'", "between -1 and 1"]),
    ("study,r,n\nA,0.3,3\nB,0.2,80\n", ["row 1", "column 'n'", "n > 3"]),
    ("study,r,n\nA,0.3,50\nB,0.2,-40\n", ["row 2", "column 'n'", "cannot be negative"]),
    ("study,r,n\nA,0.3,50.5\nB,0.2,40\n", ["row 1", "column 'n'", "whole number"]),
    ("study,yi,vi\nA,0.3,0.01\nB,0.2,0\n", ["row 2", "column 'vi'", "positive"]),
    ("study,yi,vi\nA,0.3,0.01\nB,0.2,-0.02\n", ["row 2", "column 'vi'", "positive"]),
    ("study,yi,sei\nA,0.3,0.1\nB,0.2,0\n", ["row 2", "column 'sei'", "positive"]),
])
def test_bad_cells(tmp_path, capsys, csv_text, fragments):
    path = write(tmp_path, "bad.csv", csv_text)
    extra = ["--yi", "yi", "--sei", "sei"] if "sei" in csv_text else []
    assert_clean_error(*run(capsys, [path] + extra)[::2], "bad.csv", *fragments)


def test_empty_file(tmp_path, capsys):
    path = write(tmp_path, "empty.csv", "")
    assert_clean_error(*run(capsys, [path])[::2], "empty.csv", "empty")


def test_header_without_rows(tmp_path, capsys):
    path = write(tmp_path, "head.csv", "study,r,n\n")
    assert_clean_error(*run(capsys, [path])[::2], "head.csv", "no data rows")


def test_binary_file(tmp_path, capsys):
    path = write(tmp_path, "bin.csv", bytes(range(256)) * 4)
    assert_clean_error(*run(capsys, [path])[::2], "bin.csv", "binary")


def test_corrupt_excel(tmp_path, capsys):
    path = write(tmp_path, "broken.xlsx", b"this is not a zip archive")
    assert_clean_error(*run(capsys, [path])[::2], "broken.xlsx", "could not be read")


def test_missing_file(tmp_path, capsys):
    assert_clean_error(*run(capsys, [str(tmp_path / "nope.csv")])[::2], "nope.csv", "file not found")


def test_unknown_extension(tmp_path, capsys):
    path = write(tmp_path, "t.doc", "x")
    assert_clean_error(*run(capsys, [path])[::2], "t.doc", "unknown file type")


def test_bad_subgroup_column(capsys):
    assert_clean_error(*run(capsys, ["--subgroup", "ratr"])[::2], "column 'ratr' (given by --subgroup)")


def test_bad_option_is_argparse_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--method", "XYZ"])
    assert exc.value.code == 2


def test_drop_missing_reports_every_excluded_row(tmp_path, capsys):
    path = write(tmp_path, "gaps.csv", "study,r,n\nA,0.3,50\nB,,80\nC,0.25,\nD,0.1,60\n")
    status, out, err = run(capsys, [path, "--drop-missing", "--format", "json"])
    assert status == 0
    got = json.loads(out)
    assert got["k"] == 2
    assert got["excluded"] == [{"row": 2, "reason": "empty r"}, {"row": 3, "reason": "empty n"}]
    assert "excluded data row 2 (empty r)" in err and "excluded data row 3 (empty n)" in err
    assert [s["study"] for s in got["studies"]] == ["A", "D"]


def test_knha_with_one_study_switches_to_z_as_metafor(tmp_path, capsys):
    # metafor 3.8.1: rma(0.3, 0.1, test = "knha") warns 'Setting argument test="z" since k=1.' and reports
    # estimate 0.3000, se 0.3162, zval 0.9487, pval 0.3428, ci [-0.3198, 0.9198] (printed to 4 decimals)
    path = write(tmp_path, "one.csv", "study,yi,vi\nA,0.3,0.1\n")
    status, out, _ = run(capsys, [path, "--yi", "yi", "--vi", "vi", "--test", "knha", "--format", "json"])
    assert status == 0
    got = json.loads(out)
    assert got["test"] == "z" and got["df"] is None
    assert [round(got[key], 4) for key in ("estimate", "se", "statistic", "p", "ci_lower", "ci_upper")] == [
        0.3, 0.3162, 0.9487, 0.3428, -0.3198, 0.9198]
    assert any("k = 1" in note and "z-test" in note for note in got["notes"])


def test_one_study_runs_and_says_heterogeneity_is_undefined(tmp_path, capsys):
    path = write(tmp_path, "one.csv", "study,r,n\nA,0.3,50\n")
    status, out, _ = run(capsys, [path])
    assert status == 0 and "undefined" in out


def test_rows_dropped_while_computing_effects_are_reported_with_file_rows(tmp_path, capsys):
    """escalc drops data row 2 (empty m1); the remaining rows keep their file row numbers in messages."""
    text = ("study,m1,sd1,n1,m2,sd2,n2\nA,1.0,1,10,0,1,10\nB,,1,10,0,1,10\nC,2.0,1,10,0,1,10\n"
            "D,3.0,1,10,0,1,-5\n")
    path = write(tmp_path, "smd.csv", text)
    status, _, err = run(capsys, [path, "--measure", "SMD", "--drop-missing"])
    assert_clean_error(status, err, "smd.csv", "row 4", "n2")
    path = write(tmp_path, "smd2.csv", text.rsplit("D,", 1)[0])
    status, out, err = run(capsys, [path, "--measure", "SMD", "--drop-missing", "--format", "json"])
    assert status == 0
    assert json.loads(out)["excluded"] == [{"row": 2, "reason": "empty cell"}]
    assert err.strip() == "python -m ruptstats.meta: excluded data row 2 (empty cell)"
