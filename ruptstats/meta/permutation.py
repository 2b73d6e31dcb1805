r"""Permutation tests for meta-analytic models, as metafor's ``permutest()`` (Follmann & Proschan, 1999;
Higgins & Thompson, 2004).

For a meta-regression the rows of the model matrix are permuted over the studies (the effect sizes and their
variances stay where they are), the model is refitted with the same estimator and test, and

.. math:: p_j = \frac{1}{N}\sum_{b=1}^{N} \mathbb 1\{|z_j^{(b)}| \ge |z_j| - \epsilon\}, \qquad
          p_{QM} = \frac{1}{N}\sum_{b=1}^{N} \mathbb 1\{Q_M^{(b)} \ge Q_M - \epsilon\},

with :math:`\epsilon = \sqrt{\epsilon_{mach}}` (metafor's ``comptol``). For an intercept-only model the signs
of the effect sizes are flipped instead. The test is *exact* (every distinct permutation, the observed one
included: :math:`2^k` sign patterns, or :math:`k!/\prod_g n_g!` arrangements where :math:`n_g` counts identical
rows of the model matrix) when that number is at most ``iterations`` or ``exact=True``, as metafor decides.
Otherwise ``iterations`` random permutations are drawn with numpy's generator seeded by ``seed``, the first
being the observed data (metafor's convention); those p-values differ from metafor's, whose random numbers
are R's.

References
----------
Follmann, D. A., & Proschan, M. A. (1999). Valid inference in random effects meta-analysis. *Biometrics, 55*,
732-737.
Higgins, J. P. T., & Thompson, S. G. (2004). Controlling the risk of spurious findings from meta-regression.
*Statistics in Medicine, 23*, 1663-1682.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_number
from ..exceptions import OptionError
from ._progress import progress
from ._refit import quick_fit, refuse_user_weights
from .results import MetaResult, _num

__all__ = ["PermutationResult", "permutation_test", "MAX_EXACT"]

#: The largest number of permutations enumerated for an exact test; above it the exact test is refused with the
#: count and the way out (a seeded random test), rather than run for hours.
MAX_EXACT = 2_000_000
_COMPTOL = np.finfo(float).eps ** 0.5


@dataclass(frozen=True, repr=False)
class PermutationResult:
    """Permutation p-values of a model's coefficients and omnibus test.

    Attributes
    ----------
    terms : tuple of str
        Coefficient names.
    statistic : numpy.ndarray
        Observed z (or t) statistics.
    p : numpy.ndarray
        Permutation p-values, one per coefficient.
    qm, qm_p : float
        Observed omnibus statistic and its permutation p-value.
    iterations : int
        Number of permutations evaluated (all distinct ones when ``exact``).
    exact : bool
        Whether every distinct permutation was evaluated.
    seed : int or None
        Seed of the random permutations (None for an exact test).
    """

    terms: tuple
    statistic: np.ndarray
    p: np.ndarray
    qm: float
    qm_p: float
    iterations: int
    exact: bool
    seed: int | None

    def summary_frame(self) -> pd.DataFrame:
        """``term, statistic, p`` (permutation p-values)."""
        return pd.DataFrame({"term": list(self.terms), "statistic": self.statistic, "p": self.p})

    def to_dict(self) -> dict:
        """``{terms: [{term, statistic, p}], qm, qm_p, iterations, exact, seed}``."""
        return {"terms": [{"term": t, "statistic": _num(s), "p": _num(p)}
                          for t, s, p in zip(self.terms, self.statistic, self.p)],
                "qm": _num(self.qm), "qm_p": _num(self.qm_p), "iterations": self.iterations,
                "exact": self.exact, "seed": self.seed}

    def summary(self) -> str:
        """Text table of permutation p-values (see :func:`ruptstats.report.format_permutation`)."""
        from ..report import format_permutation

        return format_permutation(self)

    def __repr__(self) -> str:
        return f"PermutationResult(terms={list(self.terms)}, p={self.p.tolist()}, exact={self.exact})"


def _distinct_arrangements(groups: np.ndarray):
    """Yield every distinct arrangement of the multiset ``groups`` (arrays of group ids)."""
    counts = np.bincount(groups).tolist()
    k = len(groups)
    out = np.empty(k, dtype=int)

    def rec(pos):
        if pos == k:
            yield out.copy()
            return
        for g, c in enumerate(counts):
            if c:
                counts[g] -= 1
                out[pos] = g
                yield from rec(pos + 1)
                counts[g] += 1

    yield from rec(0)


def _model(result):
    fit = result.fit
    refuse_user_weights(fit, "the permutation test")
    terms = getattr(result, "terms", ("intercept",))
    return fit, tuple(terms)


def permutation_test(result, *, iterations: int = 1000, exact: bool | None = None, seed: int | None = None
                     ) -> PermutationResult:
    """Permutation test of a fitted model's coefficients and omnibus test (metafor's ``permutest``).

    Parameters
    ----------
    result : MetaRegressionResult or MetaResult
        The fitted model; its estimator, test and control are reused.
    iterations : int, default 1000
        Number of random permutations (>= 2); the test is exact when all distinct permutations number at
        most this.
    exact : bool, optional
        True forces the exact test (error if it needs more than :data:`MAX_EXACT` fits); None decides as
        metafor does.
    seed : int, optional
        Seed of the random permutations; required unless the test is exact.

    Returns
    -------
    PermutationResult

    Raises
    ------
    OptionError
        Bad ``iterations``, a random test without ``seed``, or an exact test too large.
    """
    iterations = check_number("iterations", iterations, low=2, integer=True)
    fit, terms = _model(result)
    k, p = fit.X.shape
    intercept_only = p == 1 and fit.intercept  # metafor flips signs only for an intercept-only model
    if intercept_only:
        log_n = k * math.log(2.0)
        groups = None
    else:
        _, groups, counts = np.unique(fit.X, axis=0, return_inverse=True, return_counts=True)
        groups = groups.ravel()
        log_n = math.lgamma(k + 1) - sum(math.lgamma(int(c) + 1) for c in counts)
    # the count in logs: 2^k and k!/prod(n_g!) overflow a float long before they are refused
    n_exact = math.exp(log_n) if log_n < 700 else math.inf
    use_exact = bool(exact) or (exact is None and n_exact <= iterations)
    if use_exact and n_exact > MAX_EXACT:
        raise OptionError(_too_many(log_n, k))
    if not use_exact and seed is None:
        raise OptionError("seed is required for a random permutation test (seed=, or --seed N on the command line)")
    obs = quick_fit(fit.y, fit.v, fit.X, fit.method, fit.test, fit.control, intercept=fit.intercept)
    if use_exact:
        if intercept_only:
            designs = ((np.array(s) * fit.y, fit.X) for s in itertools.product((1.0, -1.0), repeat=k))
        else:
            rows = np.unique(fit.X, axis=0)
            designs = ((fit.y, rows[a]) for a in _distinct_arrangements(groups))
        n = int(round(n_exact)) if not intercept_only else 2**k
    else:
        rng = np.random.default_rng(seed)
        n = iterations
        designs = itertools.chain([(fit.y, fit.X)], (_random_design(fit, rng, intercept_only)
                                                     for _ in range(iterations - 1)))
    stats = np.full((n, p), np.nan)
    qms = np.full(n, np.nan)
    for b, (y, X) in enumerate(progress(designs, total=n, desc="permutations", enabled=n * k > 2_000_000)):
        try:
            q = quick_fit(y, fit.v, X, fit.method, fit.test, fit.control, intercept=fit.intercept)
        except (np.linalg.LinAlgError, ArithmeticError):
            continue
        stats[b] = q.statistic
        qms[b] = q.qm
    ok = ~np.isnan(stats).any(axis=1)  # failed fits are left out, as metafor's na.rm = TRUE
    pvals = np.mean(np.abs(stats[ok]) >= np.abs(obs.statistic) - _COMPTOL, axis=0)
    # an undefined observed QM (NA in metafor) has an undefined p-value, not 0 (nothing is >= NaN)
    qm_p = float(np.mean(qms[ok] >= obs.qm - _COMPTOL)) if not math.isnan(obs.qm) else math.nan
    return PermutationResult(terms=terms, statistic=obs.statistic, p=np.minimum(pvals, 1.0), qm=obs.qm,
                             qm_p=qm_p, iterations=n, exact=use_exact, seed=None if use_exact else seed)


def _too_many(log_n: float, k: int) -> str:
    """The refusal of an exact test too large to run: its count and the way out."""
    count = f"{math.exp(log_n):,.0f}" if log_n < 50 else f"about 10^{log_n / math.log(10):.0f}"
    return (f"an exact permutation test of these {k} studies needs {count} fits, more than the limit of "
            f"{MAX_EXACT:,} (it would run for hours); run a random permutation test instead: "
            "--permutations N --seed S on the command line with N below that count (e.g. --permutations 10000 "
            "--seed 1), or "
            "permutation_test(result, exact=False, iterations=N, seed=S)")


def _random_design(fit, rng, intercept_only):
    if intercept_only:
        return rng.choice((-1.0, 1.0), size=fit.k) * fit.y, fit.X
    return fit.y, fit.X[rng.permutation(fit.k)]
