r"""Many random-effects meta-analyses at once: :func:`rma_batch`, vectorised over the rows of two 2-D arrays.

Row :math:`j` of ``yi`` and ``vi`` is one meta-analysis; ``NaN`` marks an absent study, so rows may have different
:math:`k_j`. Every estimator works on the whole stack at once: the intercept-only projection
:math:`P_w = W - w w^\top / \sum w` needs no :math:`k \times k` matrix, since

.. math:: y^\top P_w y = \sum_i w_i (y_i - \bar y_w)^2, \quad \operatorname{tr} P_w = \sum w_i - \frac{\sum w_i^2}{\sum w_i},
          \quad \operatorname{tr} P_w^2 = \sum w_i^2 - \frac{2 \sum w_i^3}{\sum w_i} + \frac{(\sum w_i^2)^2}{(\sum w_i)^2},

and the iterations (Fisher scoring for ML, REML and EB from the HE estimate with metafor's threshold; Brent's
method for the Paule-Mandel root, step for step as R's ``uniroot``) run on all rows together, each row stopping
by its own rule (masks). The rare rows where metafor's algorithm fails take the fallback of
:mod:`ruptstats.meta.estimators` one by one, so every row equals :func:`ruptstats.meta.rma` on that row.

With a ``dask.distributed`` ``Client`` the rows are split into chunks of ``chunk_size`` rows, each fitted by one
task (``client.submit``), and the results are gathered in row order.

References
----------
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the random-effects model.
*Journal of Educational and Behavioral Statistics, 30*, 261-293.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1-48.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np

from .._checks import check_choice, check_level, check_number
from .._dist import chi2_sf, critical_value, two_sided_p
from ..exceptions import DataError, OptionError
from ._batch_tau2 import BATCH_METHODS, estimate_tau2_rows
from .estimators import DEFAULT_CONTROL

__all__ = ["BatchResult", "rma_batch", "BATCH_METHODS"]

#: Rows per task when a Dask client is given (and per block locally, to bound memory).
DEFAULT_CHUNK_SIZE = 10_000

_ARRAYS = ("k", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2",
           "tau2_se", "i2", "h2", "q", "q_p", "converged", "iterations")


@dataclass(frozen=True)
class BatchResult:
    """Fits of many meta-analyses, one entry per row of the input (an attribute is an array over rows).

    Attributes
    ----------
    method, test : str
        τ² estimator and test type.
    level : float
        Confidence level (proportion).
    k : numpy.ndarray of int
        Number of studies in each row.
    estimate, se, statistic, p, ci_lower, ci_upper, pi_lower, pi_upper : numpy.ndarray
        Pooled estimate, its SE, z (or t) statistic, two-sided p, CI and prediction interval, as ``rma()``.
    df : numpy.ndarray or None
        ``k - 1`` for ``test="knha"``, else None.
    tau2, tau2_se, i2, h2, q, q_p : numpy.ndarray
        τ² (0 for FE), its SE (NaN for FE), I² (percent), H², Cochran's Q and its p-value; NaN where ``rma()``
        reports None (k = 1).
    converged : numpy.ndarray of bool
        True where metafor's algorithm converged (always for closed forms); False where the bracketed fallback
        of :mod:`ruptstats.meta.estimators` gave the estimate (as ``rma()`` notes), and for rows without studies.
    iterations : numpy.ndarray of int
        Fisher-scoring iterations (0 for closed forms and PM).
    """

    method: str
    test: str
    level: float
    k: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    pi_lower: np.ndarray
    pi_upper: np.ndarray
    tau2: np.ndarray
    tau2_se: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    q: np.ndarray
    q_p: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    df: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.k.size)

    def to_frame(self):
        """One row per meta-analysis: ``k, estimate, se, statistic, p, [df,] ci_lower, ci_upper, pi_lower,
        pi_upper, tau2, tau2_se, i2, h2, q, q_p, converged, iterations``."""
        import pandas as pd

        cols = {name: getattr(self, name) for name in _ARRAYS}
        if self.df is not None:
            cols = {**{n: cols[n] for n in ("k", "estimate", "se", "statistic", "p")}, "df": self.df,
                    **{n: cols[n] for n in _ARRAYS[5:]}}
        return pd.DataFrame(cols)

    summary_frame = to_frame

    def to_dict(self) -> dict:
        """JSON-ready: ``method, test, level`` and one list per array (NaN becomes None)."""
        out = {"method": self.method, "test": self.test, "level": self.level}
        for name in _ARRAYS + (("df",) if self.df is not None else ()):
            arr = getattr(self, name)
            if arr.dtype.kind == "f":
                out[name] = [float(x) if np.isfinite(x) else None for x in arr]
            else:
                out[name] = arr.tolist()
        return out

    def summary(self) -> str:
        """A short text: number of fits and the spread of the estimates (report.py rounds, not this)."""
        est = self.estimate[np.isfinite(self.estimate)]
        return (f"{len(self)} meta-analyses ({self.method}, test={self.test}); "
                f"{int(self.converged.sum())} converged; median estimate {np.median(est) if est.size else np.nan}")


def rma_batch(yi, vi, *, method: str = "REML", test: str = "z", level=0.95, control: dict | None = None,
              client=None, chunk_size: int = DEFAULT_CHUNK_SIZE) -> BatchResult:
    r"""Fit one intercept-only meta-analysis per row of ``yi``/``vi`` (metafor's ``rma()`` on each row).

    Parameters
    ----------
    yi, vi : array_like, 2-D (n_analyses x max_k)
        Effect sizes and sampling variances; ``NaN`` in both marks an absent study. A 1-D array is one row.
    method : {"REML", "FE", "DL", "HE", "HS", "SJ", "ML", "EB", "PM"}, default "REML"
        τ² estimator, as in :func:`ruptstats.meta.rma`.
    test : {"z", "knha"}, default "z"
        Normal tests or Knapp-Hartung t tests on ``k - 1`` df (rows with k = 1 get NaN, where ``rma()`` refuses).
    level : float, default 0.95
        Confidence level (0.95 or 95).
    control : dict, optional
        Iteration settings, see :data:`ruptstats.meta.estimators.DEFAULT_CONTROL` (default: metafor's).
    client : dask.distributed.Client, optional
        Fit chunks of rows on the cluster's workers; without one, everything runs in this process.
    chunk_size : int, default 10000
        Rows per task (and per block locally).

    Returns
    -------
    BatchResult
        Arrays over rows: ``estimate, se, ci_lower, ci_upper, tau2, i2, q, converged, ...``.

    Raises
    ------
    DataError
        Shapes differ, ``yi`` and ``vi`` are not absent in the same cells, a present variance is not finite and
        > 0, or a present effect size is not finite (the message names the 1-based row and column).
    OptionError
        Unknown ``method`` or ``test``, a bad ``level`` or ``chunk_size``, a ``client`` without ``submit``.

    Notes
    -----
    Row :math:`j` gets :math:`\hat\mu_j = \sum_i w_{ij} y_{ij} / \sum_i w_{ij}` with
    :math:`w_{ij} = 1/(v_{ij} + \hat\tau^2_j)` and :math:`\operatorname{SE} = (\sum_i w_{ij})^{-1/2}`, exactly as
    :func:`ruptstats.meta.rma`; the Q-profile CI of τ² is not computed (metafor's ``confint()``).

    Examples
    --------
    >>> import numpy as np
    >>> yi = np.array([[0.10, 0.30, 0.35, 0.25], [0.2, 0.4, np.nan, np.nan]])
    >>> vi = np.array([[0.010, 0.020, 0.015, 0.012], [0.02, 0.03, np.nan, np.nan]])
    >>> res = rma_batch(yi, vi, method="DL")
    >>> res.k.tolist(), round(float(res.estimate[0]), 6)
    ([4, 2], 0.230556)
    """
    method = check_choice("method", method, BATCH_METHODS)
    test = check_choice("test", test, ("z", "knha"))
    level = check_level(level)
    chunk_size = int(check_number("chunk_size", chunk_size, low=1, integer=True))
    con = _control(control)
    y, v = _check_arrays(yi, vi)
    chunks = [(y[i:i + chunk_size], v[i:i + chunk_size]) for i in range(0, max(len(y), 1), chunk_size)]
    parts = map_chunks(functools.partial(_fit_rows, method=method, test=test, level=level, con=con), chunks,
                       client)
    return _concat(parts, method, test, level)


def map_chunks(func, chunks, client=None, *, progress: bool = False, desc: str | None = None) -> list:
    """Return ``[func(*chunk) for chunk in chunks]``: in this process, or as tasks on a Dask ``client``.

    The chunks and their order fix the result, not the workers: random work passes each chunk its own seed
    (spawned from one :class:`numpy.random.SeedSequence`), so a run on a cluster equals a local run.
    ``progress`` shows a tqdm bar when stderr is a terminal.
    """
    show = progress and _interactive()
    if client is None:
        if show:
            from tqdm.auto import tqdm

            chunks = tqdm(chunks, desc=desc, total=len(chunks))
        return [func(*c) for c in chunks]
    if not (hasattr(client, "submit") and hasattr(client, "gather")):
        raise OptionError(f"client={client!r} is not a dask.distributed Client (it has no submit/gather)")
    futures = [client.submit(func, *c, pure=False) for c in chunks]
    if show:
        from distributed import as_completed
        from tqdm.auto import tqdm

        for _ in tqdm(as_completed(futures), total=len(futures), desc=desc):
            pass
    return client.gather(futures)


def _interactive() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


def _control(control) -> dict:
    if control is not None:
        unknown = sorted(set(control) - set(DEFAULT_CONTROL))
        if unknown:
            raise OptionError(f"control has unknown keys {unknown}; allowed: {sorted(DEFAULT_CONTROL)}")
    return dict(DEFAULT_CONTROL, **(control or {}))


def _check_arrays(yi, vi):
    try:
        y = np.array(yi, dtype=float, ndmin=2)
        v = np.array(vi, dtype=float, ndmin=2)
    except (TypeError, ValueError) as exc:
        raise DataError(f"yi and vi must be numeric arrays: {exc}") from None
    if y.ndim != 2 or y.shape != v.shape:
        raise DataError(f"yi and vi must be 2-D arrays of the same shape; got {y.shape} and {v.shape}")
    absent_y, absent_v = np.isnan(y), np.isnan(v)
    for mask, what in ((absent_y != absent_v, "yi and vi must be absent (NaN) in the same cells"),
                       (~absent_y & ~np.isfinite(y), "yi must be finite where present"),
                       (~absent_v & ~(np.isfinite(v) & (v > 0)), "vi must be finite and > 0 where present")):
        if mask.any():
            r, c = np.argwhere(mask)[0]
            raise DataError(f"{what}: row {r + 1}, column {c + 1} (yi = {y[r, c]!r}, vi = {v[r, c]!r}); "
                            f"{int(mask.sum())} cell(s) in all")
    return y, v


def _fit_rows(y, v, *, method: str, test: str, level: float, con: dict) -> dict:
    """Fit every row of one chunk; return a dict of arrays (see :class:`BatchResult`)."""
    M = ~np.isnan(y)
    k = M.sum(axis=1)
    yz, vz = np.where(M, y, 0.0), np.where(M, v, 1.0)
    est = estimate_tau2_rows(y, v, method, con)
    defined = k > 1
    tau2 = np.where(defined, est["tau2"], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(M, 1.0 / (vz + tau2[:, None]), 0.0)
        vcov = 1.0 / w.sum(axis=1)
        beta = vcov * (w * yz).sum(axis=1)
        df = None
        if test == "knha":
            resid = np.where(M, yz - beta[:, None], 0.0)
            rss = (w * resid * resid).sum(axis=1)
            s2w = np.where(rss <= np.finfo(float).eps, 0.0, rss / (k - 1))
            vcov = np.where(defined, s2w * vcov, np.nan)
            df = np.where(defined, k - 1, np.nan).astype(float)
        se = np.sqrt(vcov)
        stat = beta / se
        pval = two_sided_p(stat, df)
        crit = critical_value(level, df)
        pi_half = crit * np.sqrt(vcov + tau2)
        # heterogeneity at w = 1/v (Q test, I^2, H^2 with the typical within-study variance)
        w0 = np.where(M, 1.0 / vz, 0.0)
        W0 = w0.sum(axis=1)
        r0 = np.where(M, yz - ((w0 * yz).sum(axis=1) / W0)[:, None], 0.0)
        q = np.maximum(0.0, (w0 * r0 * r0).sum(axis=1))
        vt = (k - 1) / (W0 - (w0 * w0).sum(axis=1) / W0)
        if method == "FE":
            i2 = np.where(q > 0, np.maximum(0.0, 100.0 * (q - (k - 1)) / q), 0.0)
            h2 = q / (k - 1)
        else:
            i2 = 100.0 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1.0
        q_p = chi2_sf(q, np.maximum(k - 1, 1))
    nan = np.full(k.shape, np.nan)
    random = method != "FE"
    return {
        "k": k, "estimate": beta, "se": se, "statistic": stat, "p": pval, "ci_lower": beta - crit * se,
        "ci_upper": beta + crit * se, "pi_lower": beta - pi_half, "pi_upper": beta + pi_half,
        "tau2": np.where(defined, tau2, np.nan), "tau2_se": np.where(defined, est["se"], np.nan) if random else nan,
        "i2": np.where(defined, i2, np.nan), "h2": np.where(defined, h2, np.nan),
        "q": np.where(defined, q, np.nan), "q_p": np.where(defined, q_p, np.nan),
        "converged": est["converged"] & (k > 0), "iterations": est["iterations"], "df": df,
    }


def _concat(parts, method, test, level) -> BatchResult:
    arrays = {name: np.concatenate([p[name] for p in parts]) for name in _ARRAYS}
    df = np.concatenate([p["df"] for p in parts]) if test == "knha" else None
    for arr in list(arrays.values()) + ([] if df is None else [df]):
        arr.setflags(write=False)
    return BatchResult(method=method, test=test, level=level, df=df, **arrays)
