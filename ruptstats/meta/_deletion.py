r"""Every leave-one-out fit of an intercept-only model in O(k) time and memory (no refit per study).

Deleting study i changes every sum by one term, but :math:`\hat\tau^2_{(-i)}` also moves the weights
:math:`w_j = 1/(v_j + t)`. Around the full model's :math:`t_0`, with :math:`c = \max_j w_j(t_0)`,
:math:`u_j = w_j(t_0)/c` and :math:`\varepsilon = c\,(t - t_0)`,

.. math:: \sum_j w_j(t)^m y_j^a = c^m \sum_{n \ge 0} \binom{m + n - 1}{n} (-\varepsilon)^n \sum_j u_j^{m+n} y_j^a,

a series whose power sums are computed once; it is evaluated by Horner's rule for all k deletions at once and
truncated after :data:`_TERMS` terms, which is exact to rounding while :math:`|\varepsilon| \le`
:data:`_RADIUS` (the term ratio is below :math:`|\varepsilon|`, so the remainder is below
:math:`10^{-20}` relative). Study i's own term is then subtracted exactly. A deletion whose
:math:`\tau^2_{(-i)}` lies outside that radius is refitted directly (O(k)).

Each :math:`\hat\tau^2_{(-i)}` is solved to machine precision (REML and ML by Fisher scoring on the exact
score, EB and PM by Newton's method on :math:`Q(\tau^2) = k - 2`, the closed forms directly), so at this size
it can differ from metafor's iteration, which stops at a change of :math:`10^{-5}`, in about the 5th digit.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["deleted_fits", "series_terms", "DIRECT_MAX_K"]

#: Up to this k each deletion is refitted directly with metafor's iteration (O(k) per deletion).
DIRECT_MAX_K = 200
_TERMS = 64
_RADIUS = 0.45
_EPS = np.finfo(float).eps


def series_terms(e) -> int:
    """How many terms of the series in :math:`-\varepsilon` (array ``e``) leave a remainder below 1e-20
    relative at the largest :math:`|\varepsilon|` within :data:`_RADIUS` (1 when every value is 0)."""
    inside = np.abs(e[np.abs(e) <= _RADIUS])
    e_max = float(inside.max()) if inside.size else _RADIUS
    if e_max == 0.0:
        return 1
    return min(_TERMS, max(4, math.ceil(-46.0 / math.log(e_max)) + 4))


class _Series:
    """Sums over all studies of :math:`w(t)^m y^a` (m = 1..3, a = 0..2) at many t near ``t0``."""

    def __init__(self, y, v, t0):
        w0 = 1.0 / (v + t0)
        self.c, self.t0 = float(w0.max()), float(t0)
        self.u, self.y, self.y2 = w0 / self.c, y, y * y
        self.M = np.zeros((1, 3))
        self._un = np.ones_like(self.u)

    def _moments(self, n_max: int):
        r"""Power sums :math:`\sum u^n y^a` up to ``n_max`` (computed when first needed)."""
        rows = [self.M]
        with np.errstate(under="ignore"):
            for _ in range(self.M.shape[0], n_max + 1):
                self._un = self._un * self.u
                rows.append(np.array([[self._un.sum(), np.dot(self._un, self.y), np.dot(self._un, self.y2)]]))
        self.M = np.concatenate(rows)
        return self.M

    def eps(self, t):
        return self.c * (np.asarray(t, float) - self.t0)

    def sum(self, t, m: int, a: int):
        """:math:`\\sum_j w_j(t)^m y_j^a` for each t (array)."""
        e = -self.eps(t)
        acc = np.zeros_like(e)
        terms = series_terms(e)
        M = self._moments(m + terms)
        for n in range(terms - 1, -1, -1):
            acc = acc * e + math.comb(m + n - 1, n) * M[m + n, a]
        return self.c**m * acc


def _deleted_sums(series, y, v, t):
    """The sums over all studies but i at t_i: S1, S2, S3, A1 = sum w y, B1 = sum w y^2, A2, B2."""
    w = 1.0 / (v + t)
    out = {}
    for name, m, a in (("S1", 1, 0), ("S2", 2, 0), ("S3", 3, 0), ("A1", 1, 1), ("B1", 1, 2), ("A2", 2, 1),
                       ("B2", 2, 2)):
        out[name] = series.sum(t, m, a) - w**m * y**a
    return out


def _stats(s):
    """Mean, Q, sum w^2 r^2, tr P and tr(PP) of the deleted sets from their sums."""
    mu = s["A1"] / s["S1"]
    q = np.maximum(s["B1"] - mu * s["A1"], 0.0)
    w2r2 = np.maximum(s["B2"] - 2.0 * mu * s["A2"] + mu * mu * s["S2"], 0.0)
    trp = s["S1"] - s["S2"] / s["S1"]
    trpp = s["S2"] - 2.0 * s["S3"] / s["S1"] + (s["S2"] / s["S1"]) ** 2
    return mu, q, w2r2, trp, trpp


def _at_zero(y, v):
    """Exact sums at tau2 = 0 without study i: Q_(-i), tr P_(-i) and the deleted means."""
    w = 1.0 / v
    S1, S2 = w.sum() - w, np.dot(w, w) - w * w
    A1 = np.dot(w, y) - w * y
    mu = A1 / S1
    B1 = np.dot(w, y * y) - w * y * y
    return mu, np.maximum(B1 - mu * A1, 0.0), S1 - S2 / S1, S1, S2


def _solve(series, y, v, method, k, t_start):
    """tau2 of every deletion for the iterative estimators; returns (tau2, ok)."""
    df = k - 2
    t = np.full(k, float(t_start))
    ok = np.ones(k, bool)
    if method in ("EB", "PM"):
        _, q0, _, _, _ = _at_zero(y, v)
        at_zero = q0 < df
    for _ in range(200):
        ok &= np.abs(series.eps(t)) <= _RADIUS
        mu, q, w2r2, trp, trpp = _stats(_deleted_sums(series, y, v, t))
        if method == "REML":
            step = (w2r2 - trp) / trpp
        elif method == "ML":
            s = _deleted_sums(series, y, v, t)
            step = (w2r2 - s["S1"]) / s["S2"]
        else:  # EB and PM: Newton on Q(t) = k - 2, dQ/dt = -sum w^2 r^2
            step = (q - df) / w2r2
            step[at_zero] = -t[at_zero]
        new = np.maximum(t + step, 0.0)
        done = np.abs(new - t) <= 4 * _EPS * np.maximum(np.abs(new), 1e-300)
        t = new
        if done[ok].all():
            break
    ok &= np.abs(series.eps(t)) <= _RADIUS
    return t, ok & np.isfinite(t)


def _tau2(fit, yc, k):
    """tau2 of every deletion (array) and the mask of those computed here (others need a direct refit)."""
    method, v = fit.method, fit.v
    ok = np.ones(k, bool)
    if method == "FE":
        return np.zeros(k), ok
    if method in ("DL", "HS"):
        _, q0, trp0, S1, _ = _at_zero(yc, v)
        if method == "DL":
            return np.maximum(0.0, (q0 - (k - 2)) / trp0), ok
        return np.maximum(0.0, (q0 - (k - 1)) / S1), ok
    if method in ("HE", "SJ"):
        n = k - 1
        ybar = (yc.sum() - yc) / n
        ss = np.dot(yc, yc) - yc * yc - n * ybar**2  # unweighted sum of squares about the deleted mean
        if method == "HE":
            vsum = (v.sum() - v) * (1.0 - 1.0 / n)
            return np.maximum(0.0, (ss - vsum) / (n - 1)), ok
        tau0 = ss / n
        series = _Series(yc, v, float(np.median(tau0)))
        _, q, _, _, _ = _stats(_deleted_sums(series, yc, v, tau0))
        ok &= np.abs(series.eps(tau0)) <= _RADIUS
        return np.maximum(0.0, tau0 * q / (n - 1)), ok
    series = _Series(yc, v, fit.tau2.tau2)
    return _solve(series, yc, v, method, k, fit.tau2.tau2)


def deleted_fits(fit) -> dict:
    """Every deletion's ``tau2, beta (k x 1), vb (k x 1 x 1), s2w, qe, q0_trp`` and the weights' sum over all
    k studies at its tau2 (``s1_all``), for an intercept-only :class:`ModelFit` with k > :data:`DIRECT_MAX_K`.

    ``direct`` lists the deletions that must be refitted directly (their rows are NaN here).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _deleted_fits(fit)


def _deleted_fits(fit) -> dict:
    k = fit.k
    shift = float(fit.beta[0])
    yc = fit.y - shift
    tau2, ok = _tau2(fit, yc, k)
    series = _Series(yc, fit.v, float(np.median(tau2)))
    ok &= np.abs(series.eps(tau2)) <= _RADIUS
    s = _deleted_sums(series, yc, fit.v, tau2)
    mu, q, _, _, _ = _stats(s)
    s2w = np.ones(k)
    if fit.test == "knha":
        s2w = np.where(q <= _EPS, 0.0, q / (k - 2))
    _, qe, trp0, _, _ = _at_zero(yc, fit.v)
    s1_all = s["S1"] + 1.0 / (fit.v + tau2)
    out = {"tau2": tau2, "beta": (mu + shift)[:, None], "vb": (s2w / s["S1"])[:, None, None], "s2w": s2w,
           "qe": qe, "trp0": trp0, "s1_all": s1_all, "direct": np.flatnonzero(~ok)}
    for key in ("tau2", "beta", "vb", "s2w", "s1_all"):
        out[key][~ok] = np.nan
    return out
