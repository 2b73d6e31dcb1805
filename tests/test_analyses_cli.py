"""The analyses options of ``python -m ruptstats.meta``, called in-process through ``main([...])``.

Numbers are compared with the same metafor 3.8.1 references as the library tests (see analyses_helpers).
"""

import json

import pytest
from analyses_helpers import ANALYSES, REF, close, load
from tolerances import EXACT, ITERATIVE

from ruptstats.cli.meta import main

MOLLOY = ["--r", "ri", "--n", "ni", "--study", "study"]


def run_json(capsys, argv):
    status = main([*argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)


def error_line(capsys, argv):
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_moderators_section(capsys):
    out = run_json(capsys, [str(REF / "molloy2014.csv"), *MOLLOY, "--moderator", "design"])
    mr = out["meta_regression"]
    ref = load("molloy2014.json")["meta_regression_design_REML"]
    assert set(mr) >= {"coefficients", "qm", "qm_df", "qm_p", "tau2", "r2", "q_residual", "q_residual_df",
                       "q_residual_p"}
    assert [c["term"] for c in mr["coefficients"]] == ["intercept", "design[prospective]"]
    assert set(mr["coefficients"][0]) == {"term", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper"}
    close([c["estimate"] for c in mr["coefficients"]], [c["estimate"] for c in ref["coefficients"]], ITERATIVE)
    close([mr["qm"], mr["tau2"], mr["q_residual"]], [ref["qm"], ref["tau2"], ref["q_residual"]], ITERATIVE)


def test_missing_moderator_rows_are_counted(capsys, tmp_path):
    text = (REF / "bcg.csv").read_text().splitlines()
    header = text[0].split(",")
    col = header.index('"ablat"') if '"ablat"' in header else header.index("ablat")
    rows = [line.split(",") for line in text[1:]]
    rows[0][col] = ""
    path = tmp_path / "bcg_missing.csv"
    path.write_text("\n".join([text[0]] + [",".join(r) for r in rows]) + "\n")
    argv = [str(path), "--measure", "RR", "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg",
            "--moderator", "ablat"]
    out = run_json(capsys, argv)
    assert out["k"] == 13 and out["meta_regression"]["k"] == 12 and out["meta_regression"]["n_excluded"] == 1
    main(argv)
    assert "1 row(s) with a missing moderator" in capsys.readouterr().out


def test_bias_and_sensitivity_sections(capsys):
    out = run_json(capsys, [str(REF / "molloy2014.csv"), *MOLLOY, "--bias", "--sensitivity", "--cumulative", "year"])
    bias = out["bias"]
    assert set(bias) == {"egger", "begg", "trimfill", "failsafe_n", "pet_peese", "selection_model"}
    assert set(bias["egger"]) == {"intercept", "se", "statistic", "p", "df", "model", "predictor"}
    assert set(bias["trimfill"]) == {"k0", "side", "estimate", "se", "ci_lower", "ci_upper", "tau2"}
    assert set(bias["selection_model"]) == {"estimate", "se", "tau2", "delta", "lrt", "lrt_p"}
    ref = load("molloy2014.json")["bias_REML"]
    close([bias["egger"]["intercept"], bias["begg"]["p"], bias["trimfill"]["estimate"]],
          [ref["egger"]["intercept"], ref["begg"]["p"], ref["trimfill"]["estimate"]], ITERATIVE)
    assert bias["failsafe_n"]["rosenthal"] == ref["failsafe_n"]["rosenthal"]
    assert out["bias"]["trimfill"]["k0"] == ref["trimfill"]["k0"]
    assert "trimfill_result" not in out  # the filled data set goes to the funnel plot, not the JSON object
    assert set(out["leave_one_out"][0]) == {"study", "estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q"}
    assert set(out["influence"][0]) == {"study", "rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted",
                                        "q_deleted", "hat", "weight", "influential"}
    inf_ref = ANALYSES["molloy2014"]["influence_REML"]
    close([r["cooks_distance"] for r in out["influence"]], inf_ref["cooks_distance"], ITERATIVE)
    cum_ref = ANALYSES["molloy2014"]["cumulative_year_REML"]
    assert [r["study"] for r in out["cumulative"]] == cum_ref["study"]
    assert set(out["cumulative"][0]) == {"study", "estimate", "ci_lower", "ci_upper", "tau2"}


def test_three_level_and_robust_sections(capsys):
    out = run_json(capsys, [str(REF / "konstantopoulos2011.csv"), "--cluster", "district", "--robust"])
    ref = load("konstantopoulos2011.json")
    assert set(out["three_level"]) == {"k", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper",
                                       "sigma2_cluster", "sigma2_within", "i2_cluster", "i2_within", "q", "q_p",
                                       # issue 11: added keys (method, moderators, profile CIs)
                                       "method", "coefficients", "qm", "qm_df", "qm_p", "sigma2_cluster_ci_lower",
                                       "sigma2_cluster_ci_upper", "sigma2_within_ci_lower", "sigma2_within_ci_upper"}
    close(out["three_level"]["sigma2_cluster"], ref["three_level_REML"]["sigma2_cluster"], ITERATIVE)
    assert set(out["robust"]) == {"estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper",
                                  "method", "coefficients", "qm", "qm_df", "qm_p"}  # the last five: issue 11
    close(out["robust"]["df"], ref["three_level_REML_robust_CR2"]["df"], ITERATIVE)


def test_common_tau2_permutations_and_gosh(capsys, tmp_path):
    gosh_csv = tmp_path / "gosh.csv"
    out = run_json(capsys, [str(REF / "molloy2014.csv"), *MOLLOY, "--subgroup", "design", "--common-tau2",
                            "--moderator", "design", "--permutations", "100000", "--gosh", str(gosh_csv),
                            "--seed", "1"])
    ref = ANALYSES["molloy2014"]
    close(out["subgroups_common_tau2"]["qm"], ref["subgroups_common_tau2_design_REML"]["qm"], ITERATIVE)
    assert "subgroups" in out  # the lead's separate-tau2 section is still there
    assert out["permutation_test"]["exact"] is True
    close(out["permutation_test"]["qm_p"], ref["permutest_design_REML"]["qm_p"], EXACT)
    lines = gosh_csv.read_text().splitlines()
    assert out["gosh"]["n_subsets"] == len(lines) - 1 == 2**16 - 1  # k = 16: every subset, as metafor
    assert lines[0].startswith("k,estimate,q,i2,h2,tau2,incl_")


@pytest.mark.parametrize("argv, fragment", [
    (["--moderator", "nope"], "column 'nope' (given by --moderator) not found"),
    (["--robust"], "--robust needs --cluster"),
    (["--common-tau2"], "--common-tau2 needs --subgroup"),
    (["--cumulative", "nope"], "given by --cumulative"),
    (["--permutations", "1"], "--permutations 1"),
    (["--permutations", "50"], "seed"),
    (["--cluster", "nope"], "given by --cluster"),
])
def test_bad_options_give_one_clear_line(capsys, argv, fragment):
    line = error_line(capsys, [str(REF / "molloy2014.csv"), *MOLLOY, *argv])
    assert fragment in line


def test_each_json_section_is_the_result_objects_own_to_dict(capsys):
    """The JSON sections are serialised once, by the results: equal to to_dict() of the library's results
    computed here from the same model (no re-projection by the command line)."""
    from ruptstats.cli.meta_analyses import publication_bias
    from ruptstats.effects import zcor
    from ruptstats.meta import (cumulative, influence, leave_one_out, meta_regression, rma, subgroup_analysis,
                                three_level)
    from ruptstats.meta.cluster_robust import robust
    from ruptstats.meta.example import load_example
    from ruptstats.meta.permutation import permutation_test

    table = load_example()
    argv = ["--subgroup", "rater", "--bias", "--sensitivity", "--cumulative", "year", "--moderator", "year",
            "--permutations", "20", "--seed", "3", "--cluster", "rater", "--robust", "--common-tau2"]
    out = run_json(capsys, argv)
    yi, vi = zcor(table["r"], table["n"])
    res = rma(yi, vi, study=table["study"], ni=table["n"], measure="ZCOR")
    mr = meta_regression(res, table[["year"]])
    tl = three_level(res, table["rater"])
    expected = {
        "meta_regression": mr.to_dict(),
        "permutation_test": permutation_test(mr, iterations=20, seed=3).to_dict(),
        "subgroups_common_tau2": subgroup_analysis(res, table["rater"], tau2_model="common", name="rater").to_dict(),
        "bias": publication_bias(res).to_dict(),
        "leave_one_out": leave_one_out(res).to_dict(),
        "influence": influence(res).to_dict(),
        "cumulative": cumulative(res, table["year"]).to_dict(),
        "three_level": tl.to_dict(),
        "robust": robust(tl).to_dict(),
    }
    for key, value in expected.items():
        assert out[key] == json.loads(json.dumps(value)), key
    assert list(out)[-len(expected):] == list(expected)  # the documented order of the sections
    sg = subgroup_analysis(res, table["rater"], name="rater").to_dict()
    assert {key: out[key] for key in sg} == json.loads(json.dumps(sg))
    assert out["bias"]["trimfill"] == json.loads(json.dumps(publication_bias(res).trimfill.to_dict(
        include_studies=False)))


def test_bias_errors_are_reported_per_analysis(capsys, tmp_path):
    """With k = 2 the tests that need 3 studies report an error each; the others still run."""
    path = tmp_path / "two.csv"
    path.write_text("study,yi,vi\nA,0.2,0.01\nB,0.4,0.02\n")
    out = run_json(capsys, [str(path), "--bias"])
    assert out["bias"]["egger"] == {"error": "the regression test needs at least 3 studies, got 2"}
    assert "error" not in out["bias"]["failsafe_n"]
    assert main([str(path), "--bias"]) == 0
    assert "egger: the regression test needs at least 3 studies, got 2" in capsys.readouterr().out
