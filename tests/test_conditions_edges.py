"""compare_conditions / study_effects on hostile and degenerate client tables: nulls with notes, never a traceback;
DataError / OptionError naming the column or option. Expected values are derived in the comments."""

import json

import numpy as np
import pandas as pd
import pytest
from tolerances import ALGEBRAIC, EXACT, FISHER

from ruptstats import DataError, OptionError
from ruptstats.conditions import ConditionComparison, compare_conditions, study_effects
from ruptstats.conditions.contrasts import holm
from ruptstats.conditions.dropout import fisher_rx2

CLOSED_FORM_REL = EXACT


def _clients(sizes=(4, 4, 4), seed=0):
    rng = np.random.default_rng(seed)
    cond = sum(([c] * n for c, n in zip(("none", "unrepaired", "repaired"), sizes)), [])
    pre = rng.normal(80, 10, len(cond)).round(1)
    return pd.DataFrame({"study": "S", "client": [f"c{i}" for i in range(len(cond))], "condition": cond,
                         "pre": pre, "post": (pre - rng.normal(5, 8, len(cond))).round(1),
                         "dropout": rng.random(len(cond)) < 0.4})


def _strict(res):
    text = json.dumps(res.to_dict(), allow_nan=False)  # raises on NaN / inf
    return json.loads(text)


def test_missing_outcome_and_baseline_are_excluded_and_counted_in_notes():
    data = _clients()
    data.loc[0, "post"] = np.nan  # a 'none' client without post
    data.loc[5, "pre"] = np.nan  # an 'unrepaired' client without pre
    res = compare_conditions(data, outcome="post", baseline="pre", dropout="dropout")
    assert res.n == {"none": 3, "unrepaired": 3, "repaired": 4}
    assert any("1 client excluded for a missing outcome ('post') (1 none)" == n for n in res.notes)
    assert any("1 client excluded for a missing baseline ('pre') (1 unrepaired)" == n for n in res.notes)
    # dropout still counts every client with a condition (dropouts often have no post score)
    assert [r["n"] for r in res.dropout["proportions"]] == [4, 4, 4]
    assert len(res.values) == 10 and "client" not in res.values.columns
    out = _strict(res)
    assert len(out["values"]) == 10 and set(out["values"][0]) == {"condition", "value"}


def test_condition_with_no_clients_gives_n_zero_nulls_and_note():
    data = _clients((5, 0, 5))
    res = compare_conditions(data, outcome="post", baseline="pre", dropout="dropout")
    out = _strict(res)
    assert out["n"] == {"none": 5, "unrepaired": 0, "repaired": 5}
    assert out["descriptives"][1] == {"condition": "unrepaired", "n": 0, "mean": None, "sd": None, "se": None,
                                      "ci_lower": None, "ci_upper": None}
    assert out["anova"] is None and out["welch"] is None and out["kruskal"] is None and out["ancova"] is None
    rows = {r["contrast"]: r for r in out["contrasts"]}
    assert rows["repaired_vs_unrepaired"]["hedges_g"] is None and rows["repaired_vs_unrepaired"]["mean_difference"] is None
    assert rows["repaired_vs_none"]["hedges_g"] is not None and rows["repaired_vs_none"]["p_tukey"] is None
    # Holm over the one defined Welch test is that test's p (R p.adjust counts only non-NA p-values)
    assert rows["repaired_vs_none"]["p_holm"] == rows["repaired_vs_none"]["p_welch"]
    assert any("unrepaired (n = 0)" in n for n in res.notes)
    assert out["dropout"]["logit"]["or_unrepaired"] is None
    table = study_effects(res, higher_is_better=True)
    assert table.loc[table.contrast == "repaired_vs_unrepaired", "yi"].isna().all()
    assert table.loc[table.contrast == "repaired_vs_none", "yi"].notna().all()


def test_condition_with_one_client():
    data = _clients((4, 1, 4))
    res = compare_conditions(data, outcome="post", baseline="pre")
    out = _strict(res)
    assert out["descriptives"][1]["n"] == 1 and out["descriptives"][1]["sd"] is None
    assert out["descriptives"][1]["mean"] == pytest.approx(data.post[4] - data.pre[4], rel=CLOSED_FORM_REL)
    assert out["anova"] is None and out["ancova"] is None
    assert any("unrepaired (n = 1)" in n for n in res.notes)
    assert res.summary()  # text without statistics that do not exist


def test_all_clients_in_one_condition():
    data = _clients((8, 0, 0))
    res = compare_conditions(data, outcome="post", dropout="dropout")
    out = _strict(res)
    assert out["n"] == {"none": 8, "unrepaired": 0, "repaired": 0}
    assert all(r["hedges_g"] is None for r in out["contrasts"])
    assert out["dropout"]["test"] is None
    assert any("fewer than two conditions" in n for n in res.notes)
    assert "Condition comparison" in res.summary()


def test_identical_values_sd_zero_give_nulls_not_nan():
    data = _clients()
    data["post"] = 50.0
    res = compare_conditions(data, outcome="post")
    out = _strict(res)
    assert out["anova"] is None and out["welch"] is None and out["kruskal"] is None
    assert all(r["hedges_g"] is None and r["p_holm"] is None and r["p_tukey"] is None for r in out["contrasts"])
    assert all(r["mean_difference"] == 0 for r in out["contrasts"])
    assert out["descriptives"][0]["sd"] == 0


def test_one_condition_with_sd_zero_keeps_anova_and_drops_welch():
    data = _clients()
    data.loc[data.condition == "none", "post"] = 70.0
    res = compare_conditions(data, outcome="post")
    assert res.anova is not None and res.welch is None
    assert any("Welch" in n for n in res.notes)
    _strict(res)


def test_non_numeric_outcome_names_the_column_and_row():
    data = _clients()
    data["post"] = data["post"].astype(object)
    data.loc[2, "post"] = "n/a?"
    with pytest.raises(DataError, match="column 'post'") as err:
        compare_conditions(data, outcome="post")
    assert err.value.row == 3 and err.value.column == "post"


def test_numeric_text_outcome_is_accepted():
    data = _clients()
    want = compare_conditions(data, outcome="post").anova
    data["post"] = data["post"].astype(str)
    assert compare_conditions(data, outcome="post").anova == want


def test_missing_columns_and_bad_values():
    data = _clients()
    with pytest.raises(DataError, match="'postt'"):
        compare_conditions(data, outcome="postt")
    with pytest.raises(DataError, match="'baseline0'"):
        compare_conditions(data, outcome="post", baseline="baseline0")
    bad = data.copy()
    bad.loc[1, "condition"] = "ruptured"
    with pytest.raises(DataError, match="condition must be one of") as err:
        compare_conditions(bad, outcome="post")
    assert err.value.row == 2
    bad = data.copy()
    bad["dropout"] = ["yes"] * len(bad)
    with pytest.raises(DataError, match="column 'dropout'"):
        compare_conditions(bad, outcome="post", dropout="dropout")
    bad = data.copy()
    bad.loc[0, "post"] = np.inf
    with pytest.raises(DataError, match="finite"):
        compare_conditions(bad, outcome="post")
    with pytest.raises(DataError, match="DataFrame"):
        compare_conditions([1, 2], outcome="post")


def test_options_are_checked():
    data = _clients()
    with pytest.raises(OptionError, match="reference='control'.*'none', 'unrepaired', 'repaired'"):
        compare_conditions(data, outcome="post", reference="control")
    with pytest.raises(OptionError, match="level"):
        compare_conditions(data, outcome="post", level=0)
    with pytest.raises(OptionError, match="higher_is_better"):
        compare_conditions(data, outcome="post", higher_is_better="yes")
    with pytest.raises(OptionError, match="covariates"):
        compare_conditions(data, outcome="post", covariates=[1])


def test_missing_condition_is_excluded_with_a_note():
    data = _clients()
    data["condition"] = data["condition"].astype(object)
    data.loc[0, "condition"] = None
    res = compare_conditions(data, outcome="post")
    assert res.n["none"] == 3 and any("missing condition" in n for n in res.notes)


def test_several_studies_need_study_and_study_selects():
    a, b = _clients(seed=1), _clients(seed=2)
    b["study"] = "T"
    both = pd.concat([a, b], ignore_index=True)
    with pytest.raises(DataError, match="2 studies"):
        compare_conditions(both, outcome="post")
    res = compare_conditions(both, outcome="post", study="T")
    assert res.study == "T" and res.anova == compare_conditions(b, outcome="post").anova
    with pytest.raises(DataError, match="'U'"):
        compare_conditions(both, outcome="post", study="U")


def test_categorical_condition_from_client_conditions_dtype():
    data = _clients()
    data["condition"] = pd.Categorical(data["condition"], categories=["none", "unrepaired", "repaired"])
    data["dropout"] = data["dropout"].astype("boolean")
    data.loc[3, "dropout"] = pd.NA
    res = compare_conditions(data, outcome="post", dropout="dropout")
    assert res.dropout["proportions"][0]["n"] == 3
    assert any("dropout status" in n for n in res.notes)


def test_frames_and_summary():
    res = compare_conditions(_clients((6, 5, 7)), outcome="post", baseline="pre", dropout="dropout",
                             higher_is_better=False)
    assert isinstance(res, ConditionComparison)
    assert list(res.summary_frame()["contrast"]) == ["repaired_vs_unrepaired", "repaired_vs_none",
                                                      "unrepaired_vs_none"]
    assert list(res.descriptives_frame()["condition"]) == ["none", "unrepaired", "repaired"]
    assert list(res.tests_frame()["test"]) == ["anova", "welch", "kruskal", "ancova"]
    assert len(res.adjusted_means_frame()) == 3 and len(res.dropout_frame()) == 3
    text = res.summary()
    assert "F(2, 15)" in text and "higher is worse" in text and "Adjusted means" in text
    out = _strict(res)
    for key in ("n", "descriptives", "anova", "welch", "kruskal", "ancova", "contrasts", "dropout", "outcome",
                "baseline", "analysed", "higher_is_better", "reference", "level", "notes", "study"):
        assert key in out
    assert out["analysed"] == "change" and out["study"] == "S"


def test_holm_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03 0.06 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06], rel=CLOSED_FORM_REL)
    # R: p.adjust(c(0.5, 0.9, 0.02), "holm") = 1.00 1.00 0.06
    assert holm([0.5, 0.9, 0.02]) == pytest.approx([1.0, 1.0, 0.06], rel=CLOSED_FORM_REL)


def test_fisher_rx2_matches_r():
    # R 4.2.2: print(fisher.test(matrix(c(1, 9, 9, 1), 2))$p.value, digits = 16) = 0.001093333910671372
    assert fisher_rx2([1, 9], [10, 10]) == pytest.approx(0.001093333910671372, rel=ALGEBRAIC)
    # R 4.2.2: fisher.test(cbind(c(3, 2, 0), c(27, 4, 4)))$p.value = 0.2188605609658194 (conditions_b.csv)
    assert fisher_rx2([3, 2, 0], [30, 6, 4]) == pytest.approx(0.2188605609658194, rel=FISHER)
    # R 4.2.2: fisher.test(cbind(c(3, 5, 1), c(2, 4, 6)))$p.value = 0.2769707073112618
    assert fisher_rx2([3, 5, 1], [5, 9, 7]) == pytest.approx(0.2769707073112618, rel=FISHER)


def test_study_effects_needs_a_direction_and_names_the_instruments():
    res = compare_conditions(_clients(), outcome="post")
    with pytest.raises(OptionError, match="higher_is_better=False for OQ-45"):
        study_effects(res)
    with pytest.raises(OptionError, match="ConditionComparison"):
        study_effects(["not a comparison"])
    table = study_effects({"Lab A": res, "Lab B": res}, higher_is_better=True)
    assert list(table.columns[:10]) == ["study", "contrast", "measure", "yi", "vi", "n1", "n2", "r", "n",
                                        "direction"]
    assert set(table["study"]) == {"Lab A", "Lab B"} and len(table) == 8  # 3 SMD + 1 COR each, no dropout
    assert table.loc[0, "direction"] == "positive = better outcome (higher post) for repaired than unrepaired"


def test_study_table_pools_with_python_m_ruptstats_meta(tmp_path, capsys):
    from ruptstats.cli.meta import main

    tables = [_clients((6, 5, 7), seed=s).assign(study=f"S{s}") for s in range(4)]
    comps = [compare_conditions(t, outcome="post", baseline="pre", higher_is_better=False) for t in tables]
    assert [c.study for c in comps] == ["S0", "S1", "S2", "S3"]
    table = study_effects(comps)
    path = tmp_path / "corr.csv"
    table[table.contrast == "repair_outcome_correlation"].to_csv(path, index=False)
    assert main([str(path), "--r", "r", "--n", "n", "--format", "json", "--output", str(tmp_path / "o.json")]) == 0
    pooled = json.loads((tmp_path / "o.json").read_text())
    assert pooled["k"] == 4 and pooled["measure"] == "ZCOR"


def test_dropout_column_read_from_csv_with_gaps(tmp_path):
    # a CSV boolean column with an empty cell is read by pandas as object (True/False/NaN)
    path = tmp_path / "clients.csv"
    path.write_text("condition,post,dropout\nnone,1,TRUE\nnone,3,\nnone,4,FALSE\nrepaired,2,FALSE\nrepaired,5,FALSE\n"
                    "unrepaired,4,TRUE\nunrepaired,6,TRUE\n")
    res = compare_conditions(pd.read_csv(path), outcome="post", dropout="dropout")
    assert [(r["n"], r["dropouts"]) for r in res.dropout["proportions"]] == [(2, 1), (2, 2), (2, 0)]
    assert any("1 client excluded for a missing dropout status" in n for n in res.notes)
    bad = pd.DataFrame({"condition": ["none", "none"], "post": [1.0, 2.0], "dropout": ["TRUE", "maybe"]})
    with pytest.raises(DataError, match="'maybe'") as err:
        compare_conditions(bad, outcome="post", dropout="dropout")
    assert err.value.row == 2 and err.value.column == "dropout"


def test_an_infinite_outcome_is_named_in_words_not_as_a_numpy_repr():
    # issue 10: messages write numbers plainly ("inf"), never numpy reprs such as np.float64(inf)
    clients = pd.DataFrame({"condition": ["none", "repaired", "unrepaired"] * 3, "post": [np.inf] + [1.0] * 8})
    with pytest.raises(DataError, match=r"row 1, column 'post': outcome must be finite, got inf$"):
        compare_conditions(clients, outcome="post", higher_is_better=True)
