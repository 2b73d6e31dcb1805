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
# rule's own option names (c, m, sd, ...), which are data of the rule, not result names
DATA_KEYED = {"subgroups", "reference_levels", "prorated", "rule"}
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
                 "--format", "json", "--output", str(out)]) == 0
    assert unknown_names(_keys(json.loads(out.read_text()))) == []


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
