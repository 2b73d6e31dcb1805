"""Totality of the vocabulary (STYLE.md, "Lessons"): every key of every result's ``to_dict()`` on the bundled
example, every ``summary_frame()`` column and every column the effect-size functions add is a name of
:mod:`ruptstats.vocabulary`, so a new name cannot drift in unnoticed."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruptstats.conditions import compare_conditions, study_effects
from ruptstats.effects import aggregate, convert_table, escalc
from ruptstats.meta import (baujat, cumulative, egger_test, fail_safe_n, gosh, influence, leave_one_out, load_example,
                            meta_regression, permutation_test, pet_peese, rank_test, rma, robust, selection_model,
                            subgroup_analysis, three_level, trim_and_fill)
from ruptstats.vocabulary import CLI_SECTIONS, VOCABULARY, metafor_name, unknown_names

# {level: model}, {moderator: its reference level}, {instrument key: count}; a mapping's [rule] table holds the
# rule's own option names (c, m, sd, ...), which are data of the rule, not result names; {group: median latency}
DATA_KEYED = {"subgroups", "reference_levels", "prorated", "rule", "median"}
CLUSTERS = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]  # 6 made-up clusters for the 11 example studies


@pytest.fixture(scope="module")
def es():
    return escalc(load_example(), measure="ZCOR", ri="r", ni="n")


@pytest.fixture(scope="module")
def results(es):
    res = rma(es)
    mr = meta_regression(es, ["year"])
    return {
        "rma": res, "rma_fe": rma(es, method="FE"), "rma_knha": rma(es, test="knha"),
        "trim_and_fill": trim_and_fill(res), "meta_regression": mr,
        "meta_regression_categorical": meta_regression(es, ["rater"]),
        "subgroups": subgroup_analysis(res, es["rater"]),
        "subgroups_common": subgroup_analysis(res, es["rater"], tau2_model="common"),
        "permutation": permutation_test(mr, iterations=50, seed=1),
        "gosh": gosh(res, max_subsets=100, seed=1, method="DL"),
        "selection": selection_model(res), "egger": egger_test(res), "rank": rank_test(res),
        "fail_safe_n": fail_safe_n(res), "pet_peese": pet_peese(res), "leave_one_out": leave_one_out(res),
        "influence": influence(res), "baujat": baujat(res), "cumulative": cumulative(res),
        "three_level": three_level(es.assign(cluster=CLUSTERS), "cluster"),
        "robust": robust(res, cluster=CLUSTERS),
    }


def _keys(obj) -> set:
    """Every dict key in a JSON-like payload; mappings keyed by data (subgroup levels, moderator names) give
    their values' keys only."""
    found = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            found.add(key)
            if key in DATA_KEYED and isinstance(value, dict):
                for sub in value.values():
                    found |= _keys(sub)
            else:
                found |= _keys(value)
    elif isinstance(obj, list):
        for item in obj:
            found |= _keys(item)
    return found


def test_every_to_dict_key_is_in_the_vocabulary(results):
    for name, result in results.items():
        payload = result.to_dict()
        keys = _keys(payload)
        assert keys, name
        assert unknown_names(keys) == [], name
        json.dumps(payload, allow_nan=False)  # strict JSON as well


def test_every_summary_frame_column_is_in_the_vocabulary(results):
    for name, result in results.items():
        frame = result.summary_frame()
        # GOSH adds one inclusion column per study, named by the study: data, not vocabulary
        columns = [c for c in frame.columns if not (name == "gosh" and c.startswith("incl_"))]
        assert unknown_names(columns) == [], name


def test_effect_size_columns_are_in_the_vocabulary(es):
    added = set(es.columns) - set(load_example().columns)
    assert added == {"yi", "vi", "measure"}
    table = pd.DataFrame({"statistic": ["r", "t"], "value": [0.3, 2.1], "n": [50, None], "n1": [None, 20],
                          "n2": [None, 22]})
    converted = set(convert_table(table, to="ZCOR").columns) - set(table.columns)
    combined = set(aggregate(pd.DataFrame({"study": ["A", "A", "B"], "yi": [0.2, 0.4, 0.1],
                                           "vi": [0.04, 0.09, 0.05]}), rho=0.5).columns)
    assert unknown_names(added | converted | combined) == []


def test_command_line_json_keys_are_in_the_vocabulary():
    out = subprocess.run([sys.executable, "-m", "ruptstats.meta", "--format", "json"], capture_output=True,
                         text=True, check=True)
    assert unknown_names(_keys(json.loads(out.stdout))) == []


def test_sessions_command_json_keys_are_in_the_vocabulary(tmp_path):
    from ruptstats.cli.sessions import main

    out = tmp_path / "s.json"
    data = Path(__file__).resolve().parents[1] / "data" / "sessions"
    assert main([str(data / "study_b_wide.xlsx"), str(data / "study_d_oq.dta"), "--compare-rules",
                 "--episodes", str(tmp_path / "episodes.csv"), "--format", "json", "--output", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert all("episodes" in study for study in payload["studies"])  # the episode summary is checked as well
    assert unknown_names(_keys(payload)) == []


@pytest.fixture(scope="module")
def comparison():
    """A three-condition comparison with every section (baseline, dropout) on seeded synthetic clients."""
    rng = np.random.default_rng(20261130)
    n = 60
    clients = pd.DataFrame({"condition": pd.Categorical(np.tile(["none", "unrepaired", "repaired"], n // 3)),
                            "pre": rng.normal(80, 10, n), "dropout": rng.random(n) < 0.3})
    clients["post"] = clients["pre"] - rng.normal(10, 8, n)
    return compare_conditions(clients, outcome="post", baseline="pre", dropout="dropout", higher_is_better=False,
                              study="S")


def test_condition_comparison_names_are_in_the_vocabulary(comparison):
    assert unknown_names(_keys(comparison.to_dict())) == []
    for frame in (comparison.summary_frame(), comparison.descriptives_frame(), comparison.tests_frame(),
                  comparison.adjusted_means_frame(), comparison.dropout_frame(), study_effects(comparison)):
        assert unknown_names(frame.columns) == []


def test_a_drifted_name_is_caught():
    assert unknown_names(["estimate", "ci_lb", "cook.d", "dfbetas_3"]) == ["ci_lb", "cook.d"]


def test_every_term_has_a_meaning_and_the_metafor_map_is_reachable():
    assert all(term.meaning for term in VOCABULARY.values())
    assert not set(VOCABULARY) & set(CLI_SECTIONS)
    assert metafor_name("tau2") == "tau2" and metafor_name("ci_lower") == "ci.lb"
    assert metafor_name("dfbetas_2") == "dfbs"
    with pytest.raises(KeyError):
        metafor_name("ci_lb")


def test_episode_names_are_in_the_vocabulary():
    """Every to_dict key and frame column of the rupture-episode results (issue 15) is a vocabulary name."""
    from pathlib import Path

    from ruptstats.episodes import (alliance_around_episodes, client_spans, repair_by_type, rupture_episodes,
                                    stronger_after_repair, time_to_repair)

    episodes = pd.read_csv(Path(__file__).parent / "reference" / "episodes_a.csv")
    ttr = time_to_repair(episodes, by="type")
    payload = ttr.to_dict()
    assert set(payload["median"]) == {"withdrawal", "confrontation", "both"}  # keyed by data: group levels
    payload["median"] = None
    for result in (payload, repair_by_type(episodes).to_dict(), stronger_after_repair(episodes).to_dict()):
        assert unknown_names(_keys(result)) == []
    frames = [ttr.summary_frame(), ttr.cox_frame(), repair_by_type(episodes).summary_frame(),
              stronger_after_repair(episodes).summary_frame()]
    sessions = pd.DataFrame({"client": ["a"] * 4, "session": [1, 2, 3, 4], "rupture": [False, True, False, False],
                             "repaired": [False, False, True, False], "alliance": [5.0, 3.0, 4.0, 6.0]})
    ep = rupture_episodes(sessions)
    frames += [ep, alliance_around_episodes(sessions, ep), client_spans(sessions)]
    for frame in frames:
        assert unknown_names(frame.columns) == [], list(frame.columns)
    assert "alpha" not in _keys(repair_by_type(episodes).to_dict())  # alpha is the fail-safe N's level
@pytest.fixture(scope="module")
def mixed_results():
    """Session-level mixed models (issue 13): a random intercept with a missing value and a correlated random slope."""
    from ruptstats.mixed import mixed_model

    rng = np.random.default_rng(20261130)
    client = np.repeat(np.arange(20), 6)
    sessions = pd.DataFrame({"client": client, "session": np.tile(np.arange(6), 20),
                             "condition": np.array(["none", "repaired", "unrepaired"])[client % 3]})
    sessions["y"] = (rng.normal(0, 1, 20)[client] + (0.3 + rng.normal(0, 0.2, 20)[client]) * sessions["session"]
                     + rng.normal(0, 0.5, len(sessions)))
    sessions.loc[4, "y"] = np.nan
    from ruptstats.mixed import session_model

    return [mixed_model("y ~ session + condition + (1 | client)", sessions),
            mixed_model("y ~ session + (session | client)", sessions, reml=False),
            session_model(sessions.assign(rupture=rng.random(len(sessions)) < 0.3), outcome="y",
                          predictors=["rupture"])]


def test_mixed_model_names_are_in_the_vocabulary(mixed_results):
    for res in mixed_results:
        payload = res.to_dict()
        json.dumps(payload, allow_nan=False)
        assert unknown_names(_keys(payload)) == []
        frames = [res.summary_frame()] + ([res.fixed_frame(), res.variance_frame()] if hasattr(res, "fixed") else [])
        for frame in frames:
            assert unknown_names(frame.columns) == []


def test_no_name_is_defined_twice():
    """A dict literal keeps the last of two equal keys silently: each vocabulary name is written once."""
    import ast
    import ruptstats.vocabulary as vocabulary

    tree = ast.parse(Path(vocabulary.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
    # ... and across the literal and the VOCABULARY.update({...}) sections, where a later one would win silently
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "VOCABULARY":
            names += [k.value for k in node.value.keys]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
              and getattr(node.func.value, "id", "") == "VOCABULARY"):
            names += [k.value for k in node.args[0].keys]
    assert len(names) == len(set(names)), sorted({k for k in names if names.count(k) > 1})


def test_ipd_and_prediction_names_are_in_the_vocabulary():
    """one_stage / two_stage_vs_one_stage (issue 13 item 4) and the predictions of item 5: every to_dict() key and
    every column is a vocabulary name, and the payloads are strict JSON."""
    from ruptstats.mixed import mixed_model, one_stage, predict_trajectories, two_stage_vs_one_stage

    clients = pd.read_csv(Path(__file__).parent / "reference" / "ipd_clients.csv")
    results = [one_stage(clients, outcome="post", baseline="pre"),
               one_stage(clients, outcome="post", study_effect="fixed"),
               two_stage_vs_one_stage(clients, outcome="post")]
    for res in results:
        payload = res.to_dict()
        json.dumps(payload, allow_nan=False)
        assert unknown_names(_keys(payload)) == []
        assert unknown_names(res.summary_frame().columns) == []
    assert results[0].to_dict()["model"] is not None and results[1].to_dict()["model"] is None
    sessions = pd.read_csv(Path(__file__).parent / "reference" / "mixed_unbalanced.csv")
    model = mixed_model("y ~ session * condition + (1 | client)", sessions)
    assert unknown_names(predict_trajectories(model, sessions=[1, 2]).columns) == []


def test_batch_bootstrap_power_and_simulation_names_are_in_the_vocabulary():
    from ruptstats.meta import bootstrap, rma, rma_batch
    from ruptstats.power import simulate_power
    from ruptstats.simulate import StudyDesign, simulate_studies
    from ruptstats.simulate.recovery import recover_effects, study_table

    batch = rma_batch([[0.1, 0.3, 0.2], [0.2, 0.5, np.nan]], [[0.01, 0.02, 0.03], [0.02, 0.01, np.nan]], test="knha")
    assert unknown_names(_keys(batch.to_dict())) == [] and unknown_names(batch.to_frame().columns) == []
    boot = bootstrap(rma([0.1, 0.3, 0.2], [0.01, 0.02, 0.03]), n_boot=20, seed=1)
    assert unknown_names(_keys(boot.to_dict())) == [] and unknown_names(boot.summary_frame().columns) == []
    design = StudyDesign(n_clients=24, n_sessions=5)
    sim = simulate_studies(design, n_studies=2, seed=1)
    assert unknown_names(sim.truth.columns) == []
    assert unknown_names(simulate_power(design, n_reps=1, seed=1, progress=False).columns) == []
    assert unknown_names(recover_effects(design, n_studies=2, n_reps=2, seed=1, progress=False).columns) == []
    clients = pd.DataFrame({"study": ["A"] * 4, "condition": ["repaired", "repaired", "unrepaired", "unrepaired"],
                            "post": [3.0, 4.0, 1.0, 2.5]})
    assert unknown_names(study_table(clients).columns) == []




def test_model_interface_names_are_in_the_vocabulary():
    """Every to_dict key and frame column of predict, fitstats, anova, rstandard/rstudent, blup/ranef, profile and
    confint (issue 11) is a vocabulary name."""
    from ruptstats.meta import anova, blup, confint, fitstats, predict, profile, ranef, rma, rstandard, rstudent

    bcg = pd.read_csv(Path(__file__).parent / "reference" / "parity_bcg.csv")
    full = rma("yi", "vi", mods="~ ablat + factor(alloc)", data=bcg, method="ML")
    reduced = rma("yi", "vi", mods="~ ablat", data=bcg, method="ML")
    results = [predict(full), predict(full, pd.DataFrame({"ablat": [20.0], "alloc": ["random"]})), fitstats(full),
               anova(full), anova(full, reduced), rstandard(full), rstudent(reduced), blup(full), ranef(full),
               profile(reduced, steps=3), confint(full), full]
    for result in results:
        assert unknown_names(_keys(result.to_dict())) == [], type(result).__name__
    for result in results[:-1]:
        columns = [c for c in result.summary_frame().columns if c not in full.terms and c not in reduced.terms]
        assert unknown_names(columns) == [], type(result).__name__




def test_issue11_result_keys_are_in_the_vocabulary(es):
    """Every to_dict() key of the issue-11 results (regtest, rma_mh, rma_peto, three-level with moderators and
    profile CIs, CR1/CR2 robust with moderators) is a vocabulary name."""
    from ruptstats.meta import regtest, rma_mh, rma_peto

    res = rma(es)
    cells = {"ai": [4, 6, 3, 0], "bi": [119, 300, 228, 20], "ci": [11, 29, 11, 2], "di": [128, 274, 209, 18]}
    tl = three_level(es.assign(cluster=CLUSTERS), "cluster", mods=["year"], method="ML")
    results = [regtest(res), regtest(res, model="lm", predictor="vi"), rma_mh(**cells), rma_mh(**cells, measure="RD"),
               rma_peto(**cells), tl, robust(tl, clubsandwich=False),
               robust(meta_regression(es, ["year"]), cluster=CLUSTERS)]
    for payload in (r.to_dict() for r in results):
        assert unknown_names(sorted(_keys(payload))) == []
