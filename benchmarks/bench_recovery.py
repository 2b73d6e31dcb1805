"""Benchmark: parameter recovery of the repaired-vs-unrepaired effect over >= 1,000 seeded replicates.

For each cell of the grid (k studies per meta-analysis, between-study SD tau of the true SMD), ``--reps``
literatures are simulated (:func:`ruptstats.simulate.simulate_studies`, ``StudyDesign(n_clients=60,
n_sessions=10, rupture_rate=0.1)``, true SMD 0.6), each run through the pipeline (coded rule →
client_conditions → the repaired-vs-unrepaired SMD per study, as ``study_effects``) and pooled with
``rma_batch`` for DL, REML and REML + Knapp-Hartung (:func:`ruptstats.simulate.recover_effects`). Reported: bias
of the mean pooled estimate, RMSE, coverage of the 95% CI (Monte Carlo SE in brackets) and mean CI width.

Run: ``python benchmarks/bench_recovery.py [--reps 1000] [--k 5 10] [--tau 0 0.2] [--scheduler tcp://...]``
(``--scheduler`` sends the replicates to a Dask cluster; the numbers are the same). Not a timed test.

Measured 2026-11-30 (seed 20261130, 1,000 replicates per cell, 2 shared CPUs, 16 minutes): the table is in
README.md ("Simulation, power and scale-out"). Coverage of the 95% CI lies between 93.8% and 95.7% in every cell
(Monte Carlo SE about 0.7 points). It falls short where expected: with tau = 0.2 the z-based DL and REML
intervals cover 93.8-94.3% (they ignore the uncertainty in tau2) while Knapp-Hartung covers 94.7-95.0%. The
pooled estimate is biased slightly downwards, by -0.021 (k = 5) and -0.011 (k = 10) on a truth of 0.6 (2-4
Monte Carlo SEs): the variance of Hedges' g grows with g^2, so inverse-variance weights favour smaller estimates
(Lin, L. (2018). Bias caused by sampling error in meta-analysis with small sample sizes. *PLoS ONE, 13*,
e0204056). Cells with different k share their first studies (one seed), so they are not independent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import pandas as pd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from ruptstats.simulate import StudyDesign, recover_effects  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--k", type=int, nargs="+", default=[5, 10])
    ap.add_argument("--tau", type=float, nargs="+", default=[0.0, 0.2])
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://scheduler:8786")
    a = ap.parse_args(argv)
    client = None
    if a.scheduler:
        from distributed import Client

        client = Client(a.scheduler)
    design = StudyDesign(n_clients=60, n_sessions=10, rupture_rate=0.1)
    tables = []
    for k in a.k:
        for tau in a.tau:
            t = time.perf_counter()
            out = recover_effects(design, n_studies=k, tau=tau, n_reps=a.reps, seed=a.seed, client=client)
            out.insert(0, "tau", tau)
            out.insert(0, "k", k)
            tables.append(out)
            print(f"k = {k}, tau = {tau}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    table = pd.concat(tables, ignore_index=True)
    cols = ["k", "tau", "method", "test", "n_reps", "estimate_bias", "rmse", "coverage", "coverage_se",
            "mean_ci_width"]
    print(table[cols].to_markdown(index=False, floatfmt=".3f") if _has_tabulate() else table[cols].to_string())
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
