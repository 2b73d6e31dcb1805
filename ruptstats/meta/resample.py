r"""Parametric bootstrap confidence intervals for :math:`\tau^2` and the pooled estimate, on the batch engine.

As in metafor's example with the ``boot`` package (``?rma.uni``, "parametric bootstrapping"): draw
:math:`y_i^* \sim N(\hat\mu, v_i + \hat\tau^2)` for every study, refit the model with the same estimator to each
of ``n_boot`` simulated tables (:func:`ruptstats.meta.rma_batch`, all at once), and take percentile intervals of
the refitted :math:`\hat\mu^*` and :math:`\hat\tau^{2*}`.

Random streams: the replicates are cut into chunks of ``chunk_size``; chunk :math:`c` draws from the
:math:`c`-th child of ``numpy.random.SeedSequence(seed)``, so the same seed gives the same intervals locally and on
a Dask cluster, whatever the number of workers.

References
----------
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical Software,
36*(3), 1-48 (and metafor's documentation of ``rma.uni``, section on bootstrapping).
Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*, ch. 13 (percentile intervals).
Chapman & Hall.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_level, check_number
from ..exceptions import OptionError
from .batch import _control, _fit_rows, map_chunks

__all__ = ["BootstrapResult", "bootstrap"]


@dataclass(frozen=True)
class BootstrapResult:
    """Parametric bootstrap of a meta-analysis.

    Attributes
    ----------
    method, test : str
        The refitted model's estimator and test.
    level : float
        Confidence level of the percentile intervals.
    n_boot : int
        Bootstrap replicates.
    seed : int
        Entropy of the seed (drawn when none was given), to repeat the run.
    estimate, tau2 : float
        The original fit's pooled estimate and τ².
    ci_lower, ci_upper : float
        Percentile interval of the pooled estimate.
    tau2_ci_lower, tau2_ci_upper : float
        Percentile interval of τ².
    se, tau2_se : float
        Standard deviations of the bootstrap estimates (bootstrap standard errors).
    estimates, tau2s : numpy.ndarray
        The ``n_boot`` refitted estimates and τ² values (not in :meth:`to_dict`).
    """

    method: str
    test: str
    level: float
    n_boot: int
    seed: int
    estimate: float
    tau2: float
    ci_lower: float
    ci_upper: float
    tau2_ci_lower: float
    tau2_ci_upper: float
    se: float
    tau2_se: float
    estimates: np.ndarray = field(repr=False)
    tau2s: np.ndarray = field(repr=False)

    def to_dict(self) -> dict:
        """JSON-ready scalars (the bootstrap samples are left out)."""
        out = {}
        for key in ("method", "test", "level", "n_boot", "seed", "estimate", "tau2", "ci_lower", "ci_upper",
                    "tau2_ci_lower", "tau2_ci_upper", "se", "tau2_se"):
            value = getattr(self, key)
            out[key] = None if isinstance(value, float) and not np.isfinite(value) else value
        return out

    def summary_frame(self):
        """Two rows (``estimate``, ``tau2``): ``term, value, se, ci_lower, ci_upper``."""
        import pandas as pd

        return pd.DataFrame({"term": ["estimate", "tau2"], "value": [self.estimate, self.tau2],
                             "se": [self.se, self.tau2_se], "ci_lower": [self.ci_lower, self.tau2_ci_lower],
                             "ci_upper": [self.ci_upper, self.tau2_ci_upper]})

    def summary(self) -> str:
        """Short text (unrounded; :mod:`ruptstats.report` rounds)."""
        pct = 100 * self.level
        return (f"Parametric bootstrap ({self.n_boot} replicates, {self.method}): estimate {self.estimate} "
                f"[{pct:g}% CI {self.ci_lower}, {self.ci_upper}]; tau2 {self.tau2} "
                f"[{self.tau2_ci_lower}, {self.tau2_ci_upper}]")


def _draw_and_fit(seed, n, *, mu, tau2, vi, method, test, level, con):
    rng = np.random.default_rng(seed)
    y = rng.normal(mu, np.sqrt(vi + tau2), size=(n, vi.size))
    fit = _fit_rows(y, np.broadcast_to(vi, y.shape).copy(), method=method, test=test, level=level, con=con)
    return fit["estimate"], fit["tau2"]


def bootstrap(res, *, n_boot: int = 1000, seed=None, level=None, client=None, chunk_size: int = 1000) \
        -> BootstrapResult:
    r"""Parametric bootstrap percentile CIs for the pooled estimate and :math:`\tau^2` of ``res``.

    Parameters
    ----------
    res : MetaResult
        An intercept-only fit of :func:`ruptstats.meta.rma` with at least two studies.
    n_boot : int, default 1000
        Bootstrap replicates.
    seed : int, optional
        Seed of the :class:`numpy.random.SeedSequence` (one child per chunk); the result records it.
    level : float, optional
        Confidence level (default: the fit's).
    client : dask.distributed.Client, optional
        Draw and refit the chunks on the cluster's workers (same numbers as locally).
    chunk_size : int, default 1000
        Replicates per chunk (the chunking, not the workers, fixes the random streams).

    Returns
    -------
    BootstrapResult

    Raises
    ------
    OptionError
        ``res`` is not an intercept-only fit with k >= 2, or a bad ``n_boot``, ``level`` or ``chunk_size``.

    Notes
    -----
    :math:`y^*_{bi} \sim N(\hat\mu, v_i + \hat\tau^2)`, refitted with ``res.method``; the interval is the
    :math:`\alpha/2` and :math:`1 - \alpha/2` sample quantiles (``numpy.quantile``, linear interpolation) of the
    :math:`B` refits. Replicates whose refit has no finite estimate are dropped (none for the estimators here).

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> res = rma([0.10, 0.30, 0.35, 0.25, 0.6], [0.010, 0.020, 0.015, 0.012, 0.02])
    >>> boot = bootstrap(res, n_boot=200, seed=1)
    >>> boot.ci_lower < res.estimate < boot.ci_upper
    True
    """
    vi = getattr(res, "vi", None)
    if vi is None or not hasattr(res, "estimate") or not hasattr(res, "tau2") or getattr(res, "fit", None) is None:
        raise OptionError("res must be an intercept-only result of ruptstats.meta.rma()")
    if res.fit.X.shape[1] != 1 or res.k < 2:
        raise OptionError(f"bootstrap needs an intercept-only model with at least 2 studies (k = {res.k})")
    n_boot = int(check_number("n_boot", n_boot, low=1, integer=True))
    chunk_size = int(check_number("chunk_size", chunk_size, low=1, integer=True))
    level = res.level if level is None else check_level(level)
    tau2 = float(res.tau2 or 0.0)
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    sizes = [min(chunk_size, n_boot - i) for i in range(0, n_boot, chunk_size)]
    work = functools.partial(_draw_and_fit, mu=float(res.estimate), tau2=tau2, vi=np.asarray(vi, dtype=float),
                             method=res.method, test=res.test, level=res.level, con=_control(res.fit.control))
    parts = map_chunks(work, list(zip(seq.spawn(len(sizes)), sizes)), client)
    est = np.concatenate([p[0] for p in parts])
    t2 = np.concatenate([p[1] for p in parts])
    ok = np.isfinite(est)
    est, t2 = est[ok], t2[ok]
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(est, [a, 1 - a])
    tlo, thi = np.quantile(t2, [a, 1 - a])
    est.setflags(write=False)
    t2.setflags(write=False)
    return BootstrapResult(method=res.method, test=res.test, level=level, n_boot=int(est.size),
                           seed=int(seq.entropy), estimate=float(res.estimate), tau2=tau2, ci_lower=float(lo),
                           ci_upper=float(hi), tau2_ci_lower=float(tlo), tau2_ci_upper=float(thi),
                           se=float(est.std(ddof=1)) if est.size > 1 else float("nan"),
                           tau2_se=float(t2.std(ddof=1)) if t2.size > 1 else float("nan"), estimates=est, tau2s=t2)
