r"""Parameter recovery: run the pipeline on simulated literatures and check that pooling recovers the truth.

Pipeline per replicate: :func:`~ruptstats.simulate.simulate_studies` → :func:`~ruptstats.sessions.classify_sessions`
(rule ``"coded"`` on the simulated ``rupture``/``repaired`` columns, or another rule) →
:func:`~ruptstats.sessions.client_conditions` → the repaired-vs-unrepaired standardised mean difference of each
study → :func:`~ruptstats.meta.rma_batch` over all replicates at once, for each estimator/test variant.

The per-study effect is :func:`study_table`: the ``repaired_vs_unrepaired`` row of
:func:`ruptstats.conditions.study_effects` (Hedges' g with the exact J and metafor's variance, signed so positive
= better for repaired clients), computed from group means and SDs without the rest of
:func:`~ruptstats.conditions.compare_conditions` (omnibus tests, Tukey and Games-Howell p-values need numerical
integration and cost about half a second per study); ``tests/test_simulate_recovery.py`` checks that both give
the same rows.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .._checks import check_choice, check_level, check_number
from ..effects.means import smd
from ..exceptions import OptionError
from ..meta.batch import map_chunks, rma_batch
from .generate import StudyDesign, simulate_studies

__all__ = ["study_table", "recover_effects", "VARIANTS"]

#: The pooling variants of the recovery grid: (method, test).
VARIANTS = (("DL", "z"), ("REML", "z"), ("REML", "knha"))


def study_table(clients: pd.DataFrame, *, outcome: str = "post", higher_is_better: bool = True) -> pd.DataFrame:
    """The repaired-vs-unrepaired SMD of each study from a client table (one row per client, ``condition``).

    Returns ``study, yi, vi, n1, n2`` (group 1 = repaired, 2 = unrepaired; ``yi``/``vi`` NaN for a study with
    fewer than two clients in a group or no variance), equal to the ``repaired_vs_unrepaired`` rows of
    ``study_effects(compare_conditions(...))``.

    Examples
    --------
    Means 28 and 23, SDs 2 and sqrt(7), n = 3 each: pooled SD sqrt(5.5), d = 2.1320, exact J(4) = 0.7979,
    g = 1.7011:

    >>> c = pd.DataFrame({"study": ["A"] * 6, "condition": ["repaired"] * 3 + ["unrepaired"] * 3,
    ...                   "post": [30., 28, 26, 25, 24, 20]})
    >>> round(float(study_table(c)["yi"].iloc[0]), 4)
    1.7011
    """
    if not isinstance(higher_is_better, bool):
        raise OptionError(f"higher_is_better={higher_is_better!r} must be True or False")
    for col in ("condition", outcome):
        if col not in clients.columns:
            raise OptionError(f"the client table has no column {col!r}")
    study = clients["study"].astype(str) if "study" in clients.columns else pd.Series("Study 1", index=clients.index)
    y = pd.to_numeric(clients[outcome], errors="coerce")
    frame = pd.DataFrame({"study": study.to_numpy(), "condition": clients["condition"].astype(str).to_numpy(),
                          "y": y.to_numpy(dtype=float)}).dropna(subset=["y"])
    stats = frame.groupby(["study", "condition"], sort=False)["y"].agg(["mean", "std", "count"])
    studies = list(dict.fromkeys(study))
    rep = stats.xs("repaired", level="condition").reindex(studies) if "repaired" in stats.index.get_level_values(1) \
        else pd.DataFrame(index=studies, columns=["mean", "std", "count"], dtype=float)
    unr = stats.xs("unrepaired", level="condition").reindex(studies) \
        if "unrepaired" in stats.index.get_level_values(1) \
        else pd.DataFrame(index=studies, columns=["mean", "std", "count"], dtype=float)
    n1, n2 = rep["count"].fillna(0).to_numpy(int), unr["count"].fillna(0).to_numpy(int)
    s1, s2 = rep["std"].to_numpy(float), unr["std"].to_numpy(float)
    ok = (n1 >= 2) & (n2 >= 2) & ((n1 - 1) * np.nan_to_num(s1) ** 2 + (n2 - 1) * np.nan_to_num(s2) ** 2 > 0)
    yi, vi = np.full(len(studies), np.nan), np.full(len(studies), np.nan)
    if ok.any():
        g, v = smd(rep["mean"].to_numpy(float)[ok], s1[ok], n1[ok], unr["mean"].to_numpy(float)[ok], s2[ok], n2[ok])
        yi[ok], vi[ok] = (g if higher_is_better else -g), v
    return pd.DataFrame({"study": studies, "yi": yi, "vi": vi, "n1": n1, "n2": n2})


def _replicate_rows(seeds, *, design, n_studies, tau, rule, outcome):
    """yi and vi (n_reps x n_studies) of the replicates with these seeds (one chunk of work)."""
    from ..sessions import classify_sessions, client_conditions

    ys, vs = [], []
    for s in seeds:
        sim = simulate_studies(design, n_studies=n_studies, tau=tau, seed=s)
        sessions = classify_sessions(sim.sessions, rule=rule)
        table = study_table(client_conditions(sessions), outcome=outcome)
        ys.append(table["yi"].to_numpy())
        vs.append(table["vi"].to_numpy())
    return np.vstack(ys), np.vstack(vs)


def recover_effects(design: StudyDesign, *, n_studies: int = 10, tau: float = 0.0, n_reps: int = 1000, seed=None,
                    rule="coded", outcome: str = "post", variants=VARIANTS, level=0.95, client=None,
                    chunk_size: int = 25, progress: bool = True) -> pd.DataFrame:
    r"""Bias and CI coverage of the pooled repaired-vs-unrepaired SMD over seeded replicates.

    Parameters
    ----------
    design : StudyDesign
        The design of every primary study; its ``true_smd`` is the truth :math:`\mu`.
    n_studies : int, default 10
        Studies per meta-analysis (k).
    tau : float, default 0
        Between-study SD of the true SMD.
    n_reps : int, default 1000
        Replicates (simulated literatures).
    seed : int, optional
        Seed of the :class:`numpy.random.SeedSequence` that spawns one stream per replicate.
    rule : str or dict, default "coded"
        Classification rule (:func:`~ruptstats.sessions.classify_sessions`), e.g. ``{"type": "trajectory",
        "c": 1.0, "m": 3}``.
    outcome : str, default "post"
        The client outcome compared.
    variants : sequence of (method, test)
        Pooling variants; default DL, REML and REML with Knapp-Hartung.
    level : float, default 0.95
    client : dask.distributed.Client, optional
        Simulate chunks of ``chunk_size`` replicates on the cluster's workers (same numbers as locally).
    progress : bool, default True
        A tqdm bar when stderr is a terminal.

    Returns
    -------
    pandas.DataFrame
        One row per variant: ``method, test, n_reps`` (replicates with a pooled estimate), ``truth,
        mean_estimate, estimate_bias, rmse, coverage`` (share of CIs holding the truth), ``coverage_se``
        (Monte Carlo SE :math:`\sqrt{c(1-c)/n}`), ``mean_ci_width, mean_tau2, mean_k``.
    """
    n_reps = int(check_number("n_reps", n_reps, low=1, integer=True))
    chunk_size = int(check_number("chunk_size", chunk_size, low=1, integer=True))
    level = check_level(level)
    variants = [(check_choice("method", m, ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")),
                 check_choice("test", t, ("z", "knha"))) for m, t in variants]
    seeds = np.random.SeedSequence(seed).spawn(n_reps)
    work = functools.partial(_replicate_rows, design=design, n_studies=n_studies, tau=tau, rule=rule,
                             outcome=outcome)
    parts = map_chunks(work, [(seeds[i:i + chunk_size],) for i in range(0, n_reps, chunk_size)], client,
                       progress=progress, desc="replicates")
    yi = np.vstack([p[0] for p in parts])
    vi = np.vstack([p[1] for p in parts])
    truth = design.true_smd
    rows = []
    for method, test in variants:
        res = rma_batch(yi, vi, method=method, test=test, level=level, client=client)
        ok = np.isfinite(res.estimate) & np.isfinite(res.ci_lower)
        est, lo, hi = res.estimate[ok], res.ci_lower[ok], res.ci_upper[ok]
        cover = float(np.mean((lo <= truth) & (truth <= hi))) if ok.any() else np.nan
        rows.append({"method": method, "test": test, "n_reps": int(ok.sum()), "truth": truth,
                     "mean_estimate": float(est.mean()) if ok.any() else np.nan,
                     "estimate_bias": float(est.mean() - truth) if ok.any() else np.nan,
                     "rmse": float(np.sqrt(np.mean((est - truth) ** 2))) if ok.any() else np.nan,
                     "coverage": cover, "coverage_se": float(np.sqrt(cover * (1 - cover) / max(ok.sum(), 1))),
                     "mean_ci_width": float(np.mean(hi - lo)) if ok.any() else np.nan,
                     "mean_tau2": float(np.nanmean(res.tau2[ok])) if ok.any() else np.nan,
                     "mean_k": float(res.k[ok].mean()) if ok.any() else np.nan})
    return pd.DataFrame(rows)
