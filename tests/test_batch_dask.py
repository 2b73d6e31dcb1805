"""Scale-out on Dask: with a Client the work is split into chunks over the workers and gives the same numbers as
a local run (random streams are spawned per chunk from one seed, not drawn in worker order)."""

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from ruptstats.meta import bootstrap, rma, rma_batch
from ruptstats.power import simulate_power
from ruptstats.simulate import StudyDesign, recover_effects


@pytest.fixture(scope="module")
def client():
    # in-process workers (processes=False): fast to start and robust in CI, still two workers taking chunks
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c


def test_rma_batch_on_dask_equals_local(client):
    rng = np.random.default_rng(3)
    v = rng.uniform(0.01, 0.1, (500, 12))
    y = rng.normal(0.2, np.sqrt(v + 0.03))
    y[::7, 8:] = v[::7, 8:] = np.nan
    local = rma_batch(y, v, chunk_size=64)
    remote = rma_batch(y, v, chunk_size=64, client=client)
    for name in ("estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q", "converged", "k"):
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name))


def test_bootstrap_on_dask_equals_local(client):
    res = rma([0.10, 0.30, 0.35, 0.25, 0.60], [0.010, 0.020, 0.015, 0.012, 0.020])
    local = bootstrap(res, n_boot=400, seed=7, chunk_size=50)
    remote = bootstrap(res, n_boot=400, seed=7, chunk_size=50, client=client)
    np.testing.assert_array_equal(local.estimates, remote.estimates)
    assert (local.ci_lower, local.tau2_ci_upper) == (remote.ci_lower, remote.tau2_ci_upper)


def test_simulations_on_dask_equal_local(client):
    design = StudyDesign(n_clients=30, n_sessions=5)
    kw = {"n_studies": 3, "n_reps": 4, "seed": 2, "chunk_size": 2, "progress": False}
    pd.testing.assert_frame_equal(recover_effects(design, **kw), recover_effects(design, client=client, **kw))
    kw = {"n_reps": 2, "seed": 2, "chunk_size": 1, "progress": False}
    pd.testing.assert_frame_equal(simulate_power(design, **kw), simulate_power(design, client=client, **kw))
