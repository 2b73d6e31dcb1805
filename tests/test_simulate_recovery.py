"""Parameter recovery: the pipeline recovers the simulated repaired-vs-unrepaired effect."""

import numpy as np
import pandas as pd
import pytest

from ruptstats.conditions import compare_conditions, study_effects
from ruptstats.exceptions import OptionError
from ruptstats.meta import rma_batch
from ruptstats.sessions import classify_sessions, client_conditions
from ruptstats.simulate import StudyDesign, recover_effects, simulate_studies, study_table
from tolerances import EXACT, MONTE_CARLO_SE


def test_study_table_equals_study_effects_of_compare_conditions():
    sim = simulate_studies(StudyDesign(n_clients=40, n_sessions=8), n_studies=3, seed=3)
    clients = client_conditions(classify_sessions(sim.sessions))
    comps = [compare_conditions(g, outcome="post", higher_is_better=True, study=name)
             for name, g in clients.groupby("study", observed=True)]
    full = study_effects(comps)
    full = full[full["contrast"] == "repaired_vs_unrepaired"].reset_index(drop=True)
    fast = study_table(clients)
    assert fast["study"].tolist() == full["study"].tolist()
    np.testing.assert_allclose(fast[["yi", "vi"]], full[["yi", "vi"]], rtol=EXACT)
    assert fast["n1"].tolist() == full["n1"].tolist() and fast["n2"].tolist() == full["n2"].tolist()
    flipped = study_table(clients, higher_is_better=False)
    np.testing.assert_allclose(flipped["yi"], -fast["yi"], rtol=EXACT)


def test_study_table_marks_a_study_without_two_clients_per_group():
    clients = pd.DataFrame({"study": ["A"] * 4 + ["B"] * 3,
                            "condition": ["repaired", "repaired", "unrepaired", "unrepaired", "repaired",
                                          "unrepaired", "none"],
                            "post": [3.0, 4.0, 1.0, 2.5, 1.0, 2.0, 3.0]})
    out = study_table(clients)
    assert out["study"].tolist() == ["A", "B"] and np.isnan(out.loc[1, "yi"]) and np.isnan(out.loc[1, "vi"])
    assert np.isfinite(out.loc[0, "yi"])
    with pytest.raises(OptionError, match="no column"):
        study_table(clients, outcome="nope")


def test_recovery_is_seeded_and_reports_every_variant():
    design = StudyDesign(n_clients=40, n_sessions=6)
    a = recover_effects(design, n_studies=3, n_reps=4, seed=1, progress=False, chunk_size=3)
    b = recover_effects(design, n_studies=3, n_reps=4, seed=1, progress=False, chunk_size=4)
    pd.testing.assert_frame_equal(a, b)
    assert list(zip(a["method"], a["test"])) == [("DL", "z"), ("REML", "z"), ("REML", "knha")]
    assert (a["truth"] == design.true_smd).all() and (a["n_reps"] == 4).all()


@pytest.mark.slow
def test_pooling_recovers_the_simulated_effect():
    # 100 replicated literatures of k = 8 studies with 80 clients (true SMD 0.6, tau = 0.1): the mean pooled
    # estimate is within 4 Monte Carlo SEs of the truth, and the REML z and Knapp-Hartung CIs cover it in about
    # 95 % of replicates. (The 1,000-replicate grid of benchmarks/bench_recovery.py finds a small downward bias of
    # 2-4 % of the truth, inverse-variance weighting of g, and DL/REML z coverage of 93.8-94.3 % with tau = 0.2:
    # both below what 100 replicates can resolve, so this test checks the coarse recovery, the benchmark the fine.)
    design = StudyDesign(n_clients=80, n_sessions=8, rupture_rate=0.1)
    out = recover_effects(design, n_studies=8, tau=0.1, n_reps=100, seed=20261130, progress=False).set_index(
        ["method", "test"])
    for variant, row in out.iterrows():
        mc_se = row["rmse"] / np.sqrt(row["n_reps"])
        assert abs(row["estimate_bias"]) < MONTE_CARLO_SE * mc_se, variant
    for variant in [("REML", "z"), ("REML", "knha")]:
        cov = out.loc[variant, "coverage"]
        assert abs(cov - 0.95) < MONTE_CARLO_SE * np.sqrt(0.95 * 0.05 / 100), variant


def test_recovered_rows_pool_like_rma_batch():
    sim = simulate_studies(StudyDesign(n_clients=50, n_sessions=6), n_studies=4, seed=9)
    table = study_table(client_conditions(classify_sessions(sim.sessions)))
    res = rma_batch(table["yi"].to_numpy()[None, :], table["vi"].to_numpy()[None, :], method="DL")
    assert res.k[0] == 4 and np.isfinite(res.estimate[0])
