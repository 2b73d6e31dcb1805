"""meta_power (closed form) and simulate_power (simulation of a planned primary study)."""

import math

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import OptionError
from ruptstats.meta import rma_batch
from ruptstats.power import meta_power, simulate_power
from ruptstats.simulate import StudyDesign
from tolerances import ALGEBRAIC, MONTE_CARLO_SE, printed


def _phi(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@pytest.mark.parametrize("effect, k, n1, n2, tau2", [(0.3, 10, 25, 25, 0.05), (0.5, 5, 20, 30, 0.0),
                                                      (-0.2, 30, 40, 40, 0.02)])
def test_meta_power_equals_the_hand_computation(effect, k, n1, n2, tau2):
    # Borenstein et al. (2009), ch. 29 / Valentine, Pigott & Rothstein (2010): v = (n1+n2)/(n1 n2) + d^2/(2(n1+n2)),
    # lambda = d / sqrt((v + tau2)/k), power = 1 - Phi(1.959964 - lambda) + Phi(-1.959964 - lambda); Phi from erf
    v = (n1 + n2) / (n1 * n2) + effect**2 / (2 * (n1 + n2))
    lam = effect / math.sqrt((v + tau2) / k)
    c = 1.959963984540054  # qnorm(0.975) in R
    want = 1 - _phi(c - lam) + _phi(-c - lam)
    assert meta_power(effect, k, n1, n2, tau2) == pytest.approx(want, rel=ALGEBRAIC)


def test_meta_power_first_example_by_hand():
    # 0.3, k = 10, 25 per group, tau2 = 0.05: v = 0.08 + 0.0009 = 0.0809, lambda = 0.3 / sqrt(0.01309) = 2.622100,
    # power = Phi(0.662136) + Phi(-4.582064) = 0.746062 + 0.0000023 = 0.746064 (4 decimals: 0.7461)
    assert round(meta_power(0.3, 10, 25, 25, tau2=0.05), 4) == 0.7461


def test_meta_power_matches_simulated_common_effect_meta_analyses():
    # with tau2 = 0 the FE z test is exactly the test the formula describes: simulate it on the batch engine
    d, k, n = 0.25, 8, 20
    v = 2 / n + d**2 / (4 * n)
    rng = np.random.default_rng(20261130)
    reps = 20000
    y = rng.normal(d, math.sqrt(v), (reps, k))
    res = rma_batch(y, np.full((reps, k), v), method="FE")
    rate = np.mean(res.p < 0.05)
    want = meta_power(d, k, n, n)
    assert abs(rate - want) < MONTE_CARLO_SE * math.sqrt(want * (1 - want) / reps)


def test_meta_power_broadcasts_for_curves_and_rises_with_k_and_falls_with_tau2():
    curve = meta_power(0.3, np.arange(2, 30), 25, 25, tau2=0.04)
    assert curve.shape == (28,) and np.all(np.diff(curve) > 0)
    grid = meta_power(0.3, 10, 25, 25, tau2=np.array([[0.0], [0.1]]))
    assert grid.shape == (2, 1) and grid[0, 0] > grid[1, 0]
    assert meta_power(0.0, 10, 25, 25) == pytest.approx(0.05, rel=ALGEBRAIC)  # no effect: power = alpha


@pytest.mark.parametrize("kwargs, text", [({"k": 0}, "k must"), ({"k": 2.5}, "whole"), ({"n1": 1}, "n1"),
                                          ({"tau2": -1}, "tau2"), ({"alpha": 1.5}, "alpha"),
                                          ({"measure": "OR"}, "measure"), ({"test": "knha"}, "test"),
                                          ({"effect": "big"}, "effect")])
def test_meta_power_bad_input(kwargs, text):
    args = {"effect": 0.3, "k": 10, "n1": 20, "n2": 20, **kwargs}
    with pytest.raises(OptionError, match=text):
        meta_power(**args)


def test_simulate_power_is_seeded_and_gives_one_row_per_design():
    designs = [StudyDesign(n_clients=30, n_sessions=6), StudyDesign(n_clients=60, n_sessions=6)]
    a = simulate_power(designs, n_reps=3, seed=4, progress=False, chunk_size=2)
    b = simulate_power(designs, n_reps=3, seed=4, progress=False, chunk_size=3)
    pd.testing.assert_frame_equal(a, b)  # the chunking does not change the streams
    assert a["n_clients"].tolist() == [30, 60] and a["n_reps"].tolist() == [3, 3]
    assert a["power"].between(0, 1).all() and (a["true_smd"] == 0.6).all()


def test_simulate_power_bad_design():
    with pytest.raises(OptionError, match="StudyDesign"):
        simulate_power({"n_clients": 30}, n_reps=2)
    with pytest.raises(OptionError, match="rupture_rate"):
        StudyDesign(rupture_rate=1.5)


@pytest.mark.slow
def test_simulated_power_is_high_for_a_large_effect_and_low_for_none():
    # a 1.2 SD difference with 90 clients is detected almost always; no difference is detected at about alpha
    strong = StudyDesign(n_clients=90, n_sessions=8, rupture_rate=0.15, effect_repaired=0.6, effect_unrepaired=-0.6)
    null = StudyDesign(n_clients=90, n_sessions=8, rupture_rate=0.15, effect_repaired=0.0, effect_unrepaired=0.0)
    out = simulate_power([strong, null], n_reps=12, seed=2, progress=False)
    assert out.loc[0, "power"] >= 0.75 and out.loc[1, "power"] <= 0.25


def test_meta_power_equals_the_worked_example_of_harrer_et_al():
    # Harrer, Cuijpers, Furukawa & Ebert, "Doing Meta-Analysis in R", power-analysis chapter, random-effects model
    # (https://bookdown.org/MathiasHarrer/Doing_Meta_Analysis_in_R/random-effects-model.html): d = 0.30, k = 10,
    # n1 = n2 = 25, p = 0.05 and "moderate" heterogeneity (Hedges & Pigott, 2004: V* = 1.67 V/k, i.e.
    # tau2 = 0.67 v) print "## [1] 0.7327163"; the common-effect model gives "91%"
    v = 50 / 625 + 0.09 / 100
    assert meta_power(0.30, 10, 25, 25, tau2=0.67 * v) == pytest.approx(0.7327163, abs=printed(7))
    assert int(100 * meta_power(0.30, 10, 25, 25)) == 91  # the text's "91%" (0.9155, truncated)
