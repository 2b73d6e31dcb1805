r"""GOSH: the graphical display of study heterogeneity (Olkin, Dahabreh & Trikalinos, 2012), as metafor's
``gosh()`` for common-effect (``FE``) and DerSimonian-Laird (``DL``) models.

Every subset of the k studies (all :math:`2^k - 1` non-empty subsets when that is at most ``max_subsets``,
which holds up to k = 16 by default, as in metafor, else a seeded random sample of ``max_subsets`` subsets
(seed :data:`DEFAULT_SEED` unless given, reported in the result) drawn as metafor draws it: a size
:math:`m \sim \text{Binomial}(k, 1/2)` restricted to :math:`m \ge 1`, then m distinct studies) is pooled with
metafor's closed forms (its fast path for FE and DL models), vectorised over subsets as matrix products
with the inclusion matrix :math:`S` (subsets x studies): with :math:`w = 1/v`,

.. math:: \hat\theta_{FE} = \frac{S(wy)}{Sw}, \quad Q = S\bigl(w (y - \hat\theta_{FE})^2\bigr), \quad
          I^2 = \max\!\left(0, 100\frac{Q - (m-1)}{Q}\right), \quad H^2 = \frac{Q}{m-1},

and for DL :math:`\hat\tau^2 = \max(0, (Q - (m-1)) / (Sw - Sw^2/Sw))` and
:math:`\hat\theta = \sum_{i\in s} y_i/(v_i + \hat\tau^2) / \sum_{i\in s} 1/(v_i + \hat\tau^2)`. Q is computed
from centred residuals, :math:`\sum_{i \in s} w_i (y_i - \hat\theta_{FE})^2`, so that it keeps its digits on
precise measurements around a large mean. For subsets of one
study Q = 0, I² = 0, H² = 1, τ² = 0. (metafor reports I² and H² from the common-effect Q for both models.)

References
----------
Olkin, I., Dahabreh, I. J., & Trikalinos, T. A. (2012). GOSH - a graphical display of study heterogeneity.
*Research Synthesis Methods, 3*, 214-223.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_number
from ..exceptions import OptionError
from ._progress import progress
from ._wls import weighted_mean

__all__ = ["GoshResult", "gosh", "MAX_EXACT_SUBSETS", "DEFAULT_SEED"]

#: All subsets are fitted when 2^k - 1 is at most this (k <= 16), metafor's ``gosh(subsets = 10^6)`` limit
#: being higher but its documented default of fitting every subset holding up to 2^16 - 1 of them.
MAX_EXACT_SUBSETS = 2**16 - 1
#: Seed of the random sample of subsets when none is given (reported as ``GoshResult.seed``).
DEFAULT_SEED = 20160101
_CHUNK = 1 << 16


@dataclass(frozen=True, repr=False)
class GoshResult:
    """One row per subset.

    Attributes
    ----------
    incl : numpy.ndarray of bool
        Inclusion matrix (subsets x studies).
    k, estimate, q, i2, h2, tau2 : numpy.ndarray
        Subset size, pooled estimate, Q, I² (percent), H² and τ² (0 for FE).
    method : str
        ``"FE"`` or ``"DL"``.
    exact : bool
        True when every subset was fitted.
    seed : int or None
        Seed of the random subsets.
    study : tuple of str
    measure : str or None
    """

    incl: np.ndarray
    k: np.ndarray
    estimate: np.ndarray
    q: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    tau2: np.ndarray
    method: str
    exact: bool
    seed: int | None
    study: tuple
    measure: str | None = None

    def summary_frame(self) -> pd.DataFrame:
        """``k, estimate, q, i2, h2, tau2`` and one boolean column per study, ``incl_<label>`` (a label held by
        several studies gets ``_1``, ``_2``, ... in study order, so every column name is unique)."""
        frame = pd.DataFrame({"k": self.k, "estimate": self.estimate, "q": self.q, "i2": self.i2, "h2": self.h2,
                              "tau2": self.tau2})
        inc = pd.DataFrame(self.incl, columns=_inclusion_columns(self.study))
        return pd.concat([frame, inc], axis=1)

    def to_dict(self) -> dict:
        """Counts and ranges (the per-subset table goes to CSV via :meth:`summary_frame`)."""
        return {"method": self.method, "n_subsets": int(self.k.size), "exact": self.exact, "seed": self.seed,
                "estimate_min": float(self.estimate.min()), "estimate_max": float(self.estimate.max()),
                "i2_min": float(self.i2.min()), "i2_max": float(self.i2.max())}

    def summary(self) -> str:
        """A one-line description (see :func:`ruptstats.report.format_gosh`)."""
        from ..report import format_gosh

        return format_gosh(self)

    def __repr__(self) -> str:
        return f"GoshResult(method={self.method!r}, n_subsets={self.k.size}, exact={self.exact})"


def _all_subsets(k: int) -> np.ndarray:
    codes = np.arange(1, 2**k, dtype=np.int64)
    return ((codes[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)


def _random_subsets(k: int, n: int, rng) -> np.ndarray:
    sizes = rng.binomial(k, 0.5, size=4 * n + 100)
    sizes = sizes[sizes >= 1][:n]
    while sizes.size < n:  # pragma: no cover - tiny k only
        extra = rng.binomial(k, 0.5, size=n)
        sizes = np.concatenate([sizes, extra[extra >= 1]])[:n]
    keys = rng.random((n, k))
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    return ranks < sizes[:, None]


def _pool(S: np.ndarray, y: np.ndarray, v: np.ndarray, dl: bool, centre: float) -> tuple:
    r"""Vectorised FE/DL pooling of the subsets in the rows of ``S`` (float 0/1 matrix).

    Each subset's Q is the sum of its centred residuals (``y - centre``, ``centre`` the full set's mean)
    :math:`\sum_{i \in s} w_i (y_i - \hat\theta_s)^2` (with the subset mean refined once), so it keeps its digits
    and does not depend on the order of the studies.
    """
    w = 1.0 / v
    yc = y - centre
    sw, swy, swyc, sw2 = (S @ np.column_stack([w, w * y, w * yc, w * w])).T
    m = S.sum(axis=1)
    est = swy / sw
    resid = yc[None, :] - (swyc / sw)[:, None]
    resid -= (np.sum(S * (w[None, :] * resid), axis=1) / sw)[:, None]
    q = np.where(m > 1, np.sum(S * (w[None, :] * resid * resid), axis=1), 0.0)
    df = m - 1
    # (q - df) / q is -inf for q = 0 (or a tiny q): I2 is then 0, so the division warnings say nothing
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        i2 = np.where(m > 1, np.maximum(0.0, 100.0 * (q - df) / q), 0.0)
        h2 = np.where(m > 1, q / df, 1.0)
        tau2 = np.zeros_like(est)
        if dl:
            tau2 = np.where(m > 1, np.maximum(0.0, (q - df) / (sw - sw2 / sw)), 0.0)
            wr = 1.0 / (v[None, :] + tau2[:, None])
            est = np.sum(S * wr * y[None, :], axis=1) / np.sum(S * wr, axis=1)
    return m, est, q, i2, h2, tau2


def gosh(result, *, max_subsets: int = MAX_EXACT_SUBSETS, seed: int | None = None, method: str | None = None
         ) -> GoshResult:
    """Fit the FE or DL model to every subset of studies (or a seeded random sample of subsets).

    Parameters
    ----------
    result : MetaResult
        An intercept-only model; its method decides FE or DL (other estimators: give ``method``).
    max_subsets : int, default 65535
        Fit all subsets when :math:`2^k - 1` is at most this (k <= 16 by default), else this many random subsets.
    seed : int, optional
        Seed for the random subsets (default :data:`DEFAULT_SEED`, reported as ``GoshResult.seed``); unused
        when every subset is fitted.
    method : {"FE", "DL"}, optional
        Override the model's estimator.

    Returns
    -------
    GoshResult

    Raises
    ------
    OptionError
        An estimator other than FE/DL without ``method=``.

    Examples
    --------
    >>> from ruptstats.meta import rma
    >>> g = gosh(rma([0.1, 0.3, 0.35], [0.01, 0.02, 0.015], method="DL"))
    >>> g.k.tolist(), round(float(g.estimate[-1]), 6)  # the full set equals rma(method = "DL")$b
    ([1, 1, 1, 2, 2, 2, 3], 0.232271)
    """
    method = method or result.method
    if method not in ("FE", "DL"):
        raise OptionError(f"gosh fits FE or DL models (vectorised closed forms); the model uses {method!r}: "
                          "give method='FE' or method='DL'")
    max_subsets = check_number("max_subsets", max_subsets, low=2, integer=True)
    y, v = np.asarray(result.yi, float), np.asarray(result.vi, float)
    k = y.size
    exact = 2**k - 1 <= max_subsets
    if exact:
        incl = _all_subsets(k)
    else:
        seed = DEFAULT_SEED if seed is None else check_number("seed", seed, low=0, integer=True)
        incl = _random_subsets(k, max_subsets, np.random.default_rng(seed))
    order = np.argsort(incl.sum(axis=1), kind="stable")  # metafor sorts subsets by size
    incl = incl[order]
    centre = weighted_mean(y, 1.0 / v)  # Q from centred effects keeps its digits
    chunks = progress(range(0, len(incl), _CHUNK), total=-(-len(incl) // _CHUNK), desc="GOSH subsets",
                      enabled=len(incl) > 8 * _CHUNK)
    parts = [_pool(incl[i:i + _CHUNK].astype(float), y, v, method == "DL", centre) for i in chunks]
    m, est, q, i2, h2, tau2 = (np.concatenate(c) for c in zip(*parts))
    return GoshResult(incl=incl, k=m.astype(int), estimate=est, q=q, i2=i2, h2=h2, tau2=tau2, method=method,
                      exact=exact, seed=None if exact else seed, study=tuple(result.study),
                      measure=getattr(result, "measure", None))


def _inclusion_columns(study) -> list:
    """``incl_<label>`` per study, made unique: repeated labels are numbered ``_1``, ``_2``, ... in order."""
    from collections import Counter

    labels = [str(label) for label in study]
    repeated = {label for label, n in Counter(labels).items() if n > 1}
    names, seen, taken = [], {}, set()
    for label in labels:
        name = f"incl_{label}"
        if label in repeated:
            seen[label] = seen.get(label, 0) + 1
            name = f"{name}_{seen[label]}"
        while name in taken:  # a label like 'A_1' beside two studies 'A'
            name += "_"
        taken.add(name)
        names.append(name)
    return names
