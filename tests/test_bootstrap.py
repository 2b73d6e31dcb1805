"""Parametric bootstrap of rma() on the batch engine."""

import json

import numpy as np
import pytest

from ruptstats.exceptions import OptionError
from ruptstats.meta import bootstrap, meta_regression, rma
from ruptstats.vocabulary import unknown_names
from tolerances import EXACT, ITERATIVE, ITERATIVE_ABS

YI = [0.10, 0.30, 0.35, 0.25, 0.60, -0.05]
VI = [0.010, 0.020, 0.015, 0.012, 0.020, 0.030]


def test_each_replicate_is_rma_on_the_drawn_table():
    # redraw the replicates with the documented streams (chunk c: child c of SeedSequence(seed)) and refit each
    # with rma(): the bootstrap's samples are exactly those refits
    res = rma(YI, VI)
    boot = bootstrap(res, n_boot=12, seed=5, chunk_size=5)
    vi = np.asarray(VI)
    draws = []
    for child, n in zip(np.random.SeedSequence(5).spawn(3), (5, 5, 2)):
        draws.append(np.random.default_rng(child).normal(res.estimate, np.sqrt(vi + res.tau2), (n, vi.size)))
    draws = np.vstack(draws)
    want_est = [rma(row, VI).estimate for row in draws]
    want_tau2 = [rma(row, VI).tau2 for row in draws]
    np.testing.assert_allclose(boot.estimates, want_est, rtol=ITERATIVE, atol=ITERATIVE_ABS)
    np.testing.assert_allclose(boot.tau2s, want_tau2, rtol=ITERATIVE, atol=ITERATIVE_ABS)
    # percentile interval: numpy's linear-interpolation quantiles of those samples
    np.testing.assert_allclose([boot.ci_lower, boot.ci_upper], np.quantile(boot.estimates, [0.025, 0.975]),
                               rtol=EXACT)


def test_same_seed_same_result_and_chunking_fixes_the_streams():
    res = rma(YI, VI, method="DL")
    a = bootstrap(res, n_boot=300, seed=11)
    b = bootstrap(res, n_boot=300, seed=11)
    c = bootstrap(res, n_boot=300, seed=12)
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert a.ci_lower != c.ci_lower
    assert a.seed == 11 and a.method == "DL" and a.n_boot == 300


def test_interval_brackets_the_estimate_and_level_narrows_it():
    res = rma(YI, VI)
    wide = bootstrap(res, n_boot=2000, seed=3)
    narrow = bootstrap(res, n_boot=2000, seed=3, level=0.5)
    assert wide.ci_lower < res.estimate < wide.ci_upper
    assert wide.ci_lower < narrow.ci_lower < narrow.ci_upper < wide.ci_upper
    assert 0 <= wide.tau2_ci_lower <= res.tau2 <= wide.tau2_ci_upper
    # the bootstrap SE of the estimate is close to rma's SE (normal model, 2000 replicates: within 15 %)
    assert abs(wide.se / res.se - 1) < 0.15


def test_common_effect_model_has_tau2_zero_everywhere():
    boot = bootstrap(rma(YI, VI, method="FE"), n_boot=50, seed=1)
    assert boot.tau2 == 0 and np.all(boot.tau2s == 0)


def test_to_dict_is_strict_json_with_vocabulary_names():
    boot = bootstrap(rma(YI, VI), n_boot=50, seed=1)
    payload = json.loads(json.dumps(boot.to_dict(), allow_nan=False))
    assert unknown_names(payload) == [] and payload["n_boot"] == 50
    assert boot.summary_frame()["term"].tolist() == ["estimate", "tau2"]
    assert "bootstrap" in boot.summary()


def test_refuses_what_it_cannot_bootstrap():
    with pytest.raises(OptionError, match="at least 2 studies"):
        bootstrap(rma([0.1], [0.01]), n_boot=10)
    with pytest.raises(OptionError, match="intercept-only"):
        bootstrap("not a result", n_boot=10)
    import pandas as pd

    reg = meta_regression(pd.DataFrame({"yi": YI, "vi": VI, "x": np.arange(6.0)}), ["x"])
    with pytest.raises(OptionError):
        bootstrap(reg, n_boot=10)
    with pytest.raises(OptionError, match="n_boot"):
        bootstrap(rma(YI, VI), n_boot=0)
