"""Behaviour of rma() and MetaResult that is not a number from a reference: shapes, keys, errors, k = 1."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import load_reference
from tolerances import EXACT, ITERATIVE_SAME_DATA, ULP

from ruptstats.exceptions import DataError, OptionError
from ruptstats.meta import MetaResult, rma
from ruptstats.meta.results import MODEL_KEYS

# The JSON contract of issue 2 (item 6): exactly these keys (extra keys are allowed).
CONTRACT_KEYS = {"k", "n_total", "method", "test", "measure", "estimate", "se", "statistic", "p", "df", "ci_lower",
                 "ci_upper", "pi_lower", "pi_upper", "tau2", "tau2_se", "tau", "tau2_ci_lower", "tau2_ci_upper", "i2",
                 "i2_ci_lower", "i2_ci_upper", "h2", "q", "q_df", "q_p"}

YI = [0.10, 0.30, 0.35, 0.25, 0.05]
VI = [0.010, 0.020, 0.015, 0.012, 0.030]


def test_to_dict_has_the_contract_keys_and_is_json():
    res = rma(YI, VI, ni=[40, 60, 50, 70, 30], measure="ZCOR", study=list("ABCDE"))
    d = res.to_dict()
    assert CONTRACT_KEYS <= set(d)
    assert set(d["back_transformed"]) == {"estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"}
    assert [set(s) for s in d["studies"]] == [{"study", "yi", "vi", "weight", "ci_lower", "ci_upper"}] * 5
    assert d["n_total"] == 250
    json.dumps(d, allow_nan=False)  # strict JSON: no NaN anywhere
    assert set(MODEL_KEYS) <= set(d)


def test_back_transformed_is_tanh_of_the_z_scale_values():
    res = rma(YI, VI, measure="ZCOR")
    bt = res.back_transformed
    for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
        assert bt[key] == pytest.approx(np.tanh(getattr(res, key)), rel=ULP)
    assert rma(YI, VI).back_transformed is None


def test_sei_equals_vi():
    a = rma(YI, VI)
    b = rma(YI, sei=np.sqrt(VI))
    assert a.estimate == pytest.approx(b.estimate, rel=EXACT)
    assert a.tau2 == pytest.approx(b.tau2, rel=ITERATIVE_SAME_DATA)


def test_data_frame_with_column_names_and_escalc_style_table():
    table = pd.DataFrame({"yi": YI, "vi": VI, "study": list("ABCDE")})
    a = rma("yi", "vi", data=table, study="study")
    b = rma(table)
    assert a.study == b.study == tuple("ABCDE")
    assert a.estimate == b.estimate


def test_level_as_percent_or_proportion():
    a, b = rma(YI, VI, level=95), rma(YI, VI, level=0.95)
    assert (a.ci_lower, a.ci_upper) == (b.ci_lower, b.ci_upper)


def test_summary_frame_has_study_rows_and_pooled_row():
    res = rma(YI, VI, study=list("ABCDE"), measure="ZCOR")
    frame = res.summary_frame()
    assert list(frame["kind"]) == ["study"] * 5 + ["pooled"]
    assert list(frame.columns) == ["study", "kind", "estimate", "se", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
                                   "weight", "n"]
    assert frame["weight"].iloc[:5].sum() == pytest.approx(100.0)
    bt = res.summary_frame(back_transform=True)
    np.testing.assert_allclose(bt["estimate"], np.tanh(frame["estimate"]))


def test_summary_text_has_model_and_apa_sentence():
    text = rma(YI, VI, ni=[40, 60, 50, 70, 30], measure="ZCOR").summary()
    assert "Random-effects model (k = 5; tau^2 estimator: REML" in text
    assert "N = 250" in text.splitlines()[-1]
    assert text.splitlines()[-1].startswith("r = .")


def test_single_study_reports_the_study_and_undefined_heterogeneity():
    res = rma([0.3], [0.01], measure="ZCOR", ni=[103])
    assert res.k == 1
    # k = 1: the pooled estimate is the study's yi and its SE is sqrt(vi) = sqrt(0.01) (metafor: rma(0.3, 0.01))
    assert res.estimate == 0.3
    assert res.se == pytest.approx(0.1)
    for key in ("tau2", "i2", "h2", "q", "q_p", "tau2_ci_lower"):
        assert getattr(res, key) is None
    assert any("heterogeneity is undefined" in n for n in res.notes)
    assert "undefined" in res.summary()


def test_knha_with_one_study_uses_z_as_metafor():
    # metafor 3.8.1 rma(0.3, 0.01, test = "knha"): 'Setting argument test="z" since k=1.'; se = sqrt(0.01)
    res = rma([0.3], [0.01], test="knha")
    assert res.test == "z" and res.df is None
    assert res.se == pytest.approx(0.1, rel=1e-12)
    assert any("z-test" in note for note in res.notes)


def test_knha_needs_more_studies_than_coefficients():
    # metafor 3.8.1 rma(c(.3, .5), c(.1, .2), mods = ~ c(1, 2), test = "knha") stops: more parameters than
    # observations
    with pytest.raises(OptionError, match="knha"):
        rma([0.3, 0.5], [0.1, 0.2], mods=np.array([[1.0], [2.0]]), test="knha")


def test_knha_uses_t_with_k_minus_1_df():
    res = rma(YI, VI, test="knha")
    assert res.df == 4
    assert res.to_dict()["df"] == 4


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "XYZ"}, "method='XYZ' is not allowed"),
    ({"test": "t"}, "test='t' is not allowed"),
    ({"level": 150}, "level"),
    ({"control": {"nonsense": 1}}, "unknown keys"),
])
def test_bad_options_name_the_argument(kwargs, match):
    with pytest.raises(OptionError, match=match):
        rma(YI, VI, **kwargs)


@pytest.mark.parametrize("yi, vi, match", [
    ([0.1, np.nan], [0.01, 0.02], "row 2, column 'yi'"),
    ([0.1, 0.2], [0.01, 0.0], "row 2, column 'vi'"),
    ([0.1, 0.2], [0.01], "yi has 2 values but vi has 1"),
    ([], [], "no study"),
])
def test_bad_data_is_a_data_error(yi, vi, match):
    with pytest.raises(DataError, match=match):
        rma(yi, vi, missing="error")  # the default, missing="drop", leaves a row with a NaN out (issue 11)


def test_result_is_frozen():
    res = rma(YI, VI)
    assert isinstance(res, MetaResult)
    with pytest.raises(AttributeError):
        res.estimate = 0.0
    with pytest.raises(ValueError):
        res.yi[0] = 1.0


def test_fe_model_has_no_tau2_and_pi_equals_ci():
    res = rma(YI, VI, method="FE")
    assert res.tau2 == 0.0 and res.tau2_se is None and res.tau2_ci_lower is None
    assert (res.pi_lower, res.pi_upper) == (res.ci_lower, res.ci_upper)


def test_identical_effects_give_zero_tau2_with_every_estimator():
    for method in ("DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"):
        assert rma([0.2] * 4, [0.01, 0.02, 0.03, 0.04], method=method).tau2 == 0.0, method


def test_reference_grid_used_by_the_cli_tests_exists():
    assert load_reference("meta_reference")["example"]["REML"]["k"] == 11


def test_apa_sentence_for_a_negative_smd_uses_minus_signs_and_two_decimals():
    res = rma([-0.4, -0.6, -0.2], [0.02, 0.03, 0.025], measure="SMD", method="FE")
    from ruptstats.report import apa_sentence

    text = apa_sentence(res)
    assert text.startswith("g = \u22120.")
    assert "z = \u2212" in text and "-" not in text.replace("k = ", "")
