r"""The τ² estimators of :mod:`ruptstats.meta.estimators`, vectorised over the rows of a stack of tables.

Each function takes the masked arrays of :func:`ruptstats.meta.batch.rma_batch` (``NaN`` = absent study) and
follows the scalar estimator's formula, algorithm and stopping rule row by row (see that module for the
formulas and references). Intercept-only models only, so every projection reduces to weighted sums:
with :math:`W = \sum w_i`, :math:`S_2 = \sum w_i^2`, :math:`S_3 = \sum w_i^3`,
:math:`\operatorname{tr} P = W - S_2/W` and :math:`\operatorname{tr} P^2 = S_2 - 2 S_3/W + S_2^2/W^2`.
Rows where metafor's algorithm fails are refitted by the scalar estimator (its bracketed fallback).
"""

from __future__ import annotations

import numpy as np

from .estimators import estimate_tau2

__all__ = ["BATCH_METHODS", "estimate_tau2_rows"]

#: Estimators :func:`ruptstats.meta.batch.rma_batch` vectorises (all of ``TAU2_METHODS``).
BATCH_METHODS = ("REML", "FE", "DL", "HE", "HS", "SJ", "ML", "EB", "PM")

_EPS = 2.220446049250313e-16


class _Rows:
    """Masked, centred rows (as the scalar estimators centre y) with weighted-sum helpers."""

    def __init__(self, y, v):
        self.M = ~np.isnan(y)
        self.k = self.M.sum(axis=1).astype(float)
        yz = np.where(self.M, y, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = yz.sum(axis=1) / self.k
        self.y = np.where(self.M, yz - mean[:, None], 0.0)
        self.v = np.where(self.M, v, 1.0)
        self.raw_y = y

    def take(self, idx):
        sub = object.__new__(_Rows)
        sub.M, sub.k, sub.y, sub.v, sub.raw_y = self.M[idx], self.k[idx], self.y[idx], self.v[idx], self.raw_y[idx]
        return sub

    def weights(self, tau2):
        """``w, W, r``: weights 1/(v + tau2), their sum, and residuals from the weighted mean."""
        w = np.where(self.M, 1.0 / (self.v + np.asarray(tau2, dtype=float)[:, None]), 0.0)
        W = w.sum(axis=1)
        r = np.where(self.M, self.y - ((w * self.y).sum(axis=1) / W)[:, None], 0.0)
        return w, W, r


def estimate_tau2_rows(y, v, method: str, con: dict) -> dict:
    """Return ``{"tau2", "se", "converged", "iterations"}`` arrays for every row (rows with k < 2: tau2 0)."""
    n = y.shape[0]
    out = {"tau2": np.zeros(n), "se": np.full(n, np.nan), "converged": np.ones(n, bool),
           "iterations": np.zeros(n, int)}
    rows = _Rows(y, v)
    idx = np.flatnonzero(rows.k > 1)
    out["converged"][rows.k == 0] = False
    if method == "FE" or idx.size == 0:
        return out
    sub = rows.take(idx)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        res = _METHODS[method](sub, con)
    for key, val in res.items():
        out[key][idx] = val
    return out


def _trace_terms(w, W):
    S2 = (w * w).sum(axis=1)
    S3 = (w * w * w).sum(axis=1)
    return W - S2 / W, S2 - 2.0 * S3 / W + S2 * S2 / (W * W), S2


def _closed(tau2, se):
    n = tau2.size
    return {"tau2": tau2, "se": se, "converged": np.ones(n, bool), "iterations": np.zeros(n, int)}


def _dl(rows, con):
    w, W, r = rows.weights(np.zeros(rows.k.size))
    trP, trPP, _ = _trace_terms(w, W)
    q = (w * r * r).sum(axis=1)
    df = rows.k - 1
    tau2 = np.maximum(0.0, (q - df) / trP)
    se = np.sqrt((2 * df + 4 * tau2 * trP + 2 * tau2**2 * trPP) / trP**2)
    return _closed(tau2, se)


def _hs(rows, con):
    w, W, r = rows.weights(np.zeros(rows.k.size))
    trP, trPP, _ = _trace_terms(w, W)
    q = (w * r * r).sum(axis=1)
    tau2 = np.maximum(0.0, (q - rows.k) / W)
    se = np.sqrt((2 * (rows.k - 1) + 4 * tau2 * trP + 2 * tau2**2 * trPP) / W**2)
    return _closed(tau2, se)


def _he_parts(rows):
    """Unweighted sum of squares and tr(P_I V), sum(P_I V * (P_I V)^T) of the HE estimator."""
    k = rows.k
    d = np.where(rows.M, rows.y - (rows.y.sum(axis=1) / k)[:, None], 0.0)
    ss = (d * d).sum(axis=1)
    vm = np.where(rows.M, rows.v, 0.0)
    sv, sv2 = vm.sum(axis=1), (vm * vm).sum(axis=1)
    return ss, (1.0 - 1.0 / k) * sv, (1.0 - 2.0 / k) * sv2 + sv * sv / k**2


def _he_raw(rows):
    ss, trPV, _ = _he_parts(rows)
    return (ss - trPV) / (rows.k - 1)


def _he(rows, con):
    ss, trPV, sPVPV = _he_parts(rows)
    df = rows.k - 1
    tau2 = np.maximum(0.0, (ss - trPV) / df)
    se = np.sqrt((2 * sPVPV + 4 * tau2 * trPV + 2 * tau2**2 * df) / df**2)
    return _closed(tau2, se)


def _sj(rows, con):
    k = rows.k
    df = k - 1
    d = np.where(rows.M, rows.y - (rows.y.sum(axis=1) / k)[:, None], 0.0)
    tau0 = (d * d).sum(axis=1) / k
    w, W, r = rows.weights(tau0)
    _, trPP, S2 = _trace_terms(w, W)
    tau2 = np.maximum(0.0, tau0 * (w * r * r).sum(axis=1) / df)
    v = np.where(rows.M, rows.v, 0.0)
    w2v, w3v = (w * w * v), (w * w * w * v)
    sPVPV = (w2v * v).sum(axis=1) - 2.0 * (w3v * v).sum(axis=1) / W + w2v.sum(axis=1) ** 2 / W**2
    sPVP = w2v.sum(axis=1) - 2.0 * w3v.sum(axis=1) / W + S2 * w2v.sum(axis=1) / W**2
    se = np.sqrt(tau0**2 / df**2 * (2 * sPVPV + 4 * tau2 * sPVP + 2 * tau2**2 * trPP))
    return _closed(tau2, se)


def _scoring(rows, method: str, con: dict):
    """metafor's Fisher scoring for ML, REML, EB on every row; returns ``(tau2, iterations, converged)``."""
    n = rows.k.size
    tau2 = np.maximum(0.0, _he_raw(rows))
    its = np.zeros(n, int)
    done = np.zeros(n, bool)
    maxiter = int(con["maxiter"])
    for it in range(1, maxiter + 2):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        sub, t = rows.take(act), tau2[act]
        w, W, r = sub.weights(t)
        if method == "ML":
            adj = ((w * w * r * r).sum(axis=1) - W) / (w * w).sum(axis=1)
        elif method == "REML":
            trP, trPP, _ = _trace_terms(w, W)
            adj = ((w * w * r * r).sum(axis=1) - trP) / trPP
        else:  # EB
            k = sub.k
            adj = ((w * r * r).sum(axis=1) * k / (k - 1) - k) / W
        adj = adj * con["stepadj"]
        adj = np.where(np.isfinite(adj), adj, 0.0)
        adj = np.where((t == 0.0) & (adj < 0), -0.0, adj)  # the scalar halving underflows to -0.0 here
        for _ in range(2000):
            neg = t + adj < 0
            if not neg.any():
                break
            adj = np.where(neg, adj / 2.0, adj)
        tau2[act] = t + adj
        its[act] = it
        done[act] = np.abs(adj) <= con["threshold"]
    return tau2, its, done


def _loglik(rows, tau2, reml: bool):
    w, W, r = rows.weights(tau2)
    ll = -0.5 * np.where(rows.M, np.log(rows.v + tau2[:, None]), 0.0).sum(axis=1) - 0.5 * (w * r * r).sum(axis=1)
    return ll - 0.5 * np.log(W) if reml else ll


def _refit_scalar(rows, bad, method, con, out):
    """Rows where metafor's algorithm failed: the scalar estimator (its bracketed fallback), one by one."""
    for i in np.flatnonzero(bad):
        m = rows.M[i]
        est = estimate_tau2(rows.raw_y[i][m], rows.v[i][m], None, method, con)
        out["tau2"][i], out["se"][i] = est.tau2, est.se
        out["iterations"][i], out["converged"][i] = est.iterations, not est.fallback


def _likelihood(rows, con, method):
    reml = method == "REML"
    tau2, its, conv = _scoring(rows, method, con)
    bad = ~conv | (_loglik(rows, np.zeros(tau2.size), reml) - _loglik(rows, tau2, reml) > con["tol"])
    tau2 = np.maximum(0.0, tau2)
    w, W, _ = rows.weights(tau2)
    if reml:
        se = np.sqrt(2.0 / _trace_terms(w, W)[1])
    else:
        se = np.sqrt(2.0 / (w * w).sum(axis=1))
    if bad.any():
        idx = np.flatnonzero(bad)
        tau2[idx] = np.maximum(0.0, _likelihood_root_rows(rows.take(idx), reml))
        w, W, _ = rows.take(idx).weights(tau2[idx])
        se[idx] = np.sqrt(2.0 / (_trace_terms(w, W)[1] if reml else (w * w).sum(axis=1)))
    return {"tau2": tau2, "se": se, "converged": ~bad, "iterations": its}


def _score(rows, tau2, reml: bool):
    """Twice the derivative of the (restricted) log-likelihood in tau2, per row."""
    w, W, r = rows.weights(tau2)
    ppy = (w * w * r * r).sum(axis=1)
    return ppy - (_trace_terms(w, W)[0] if reml else W)


def _likelihood_root_rows(rows, reml: bool):
    """The scalar estimator's fallback on many rows: every + to - sign change of the score on its grid, refined by
    Brent's method, and the boundary 0 when the score there is <= 0; the candidate of largest likelihood wins."""
    n = rows.k.size
    s0 = _score(rows, np.zeros(n), reml)
    yd = np.where(rows.M, rows.y - (rows.y.sum(axis=1) / rows.k)[:, None], 0.0)
    vm = np.where(rows.M, rows.v, np.nan)
    scale = np.maximum(np.maximum((yd * yd).sum(axis=1) / rows.k, np.nanmedian(vm, axis=1)), 1e-12)
    upper = np.maximum(10.0 * scale, 1e-8)
    for _ in range(200):  # expand_upper: double until the score is <= 0
        pos = _score(rows, upper, reml) > 0
        if not pos.any():
            break
        upper = np.where(pos, upper * 2.0, upper)
    grid = np.concatenate([np.zeros((n, 1)), upper[:, None] * np.geomspace(1e-6, 1.0, 60)[None, :]], axis=1)
    vals = np.stack([s0] + [_score(rows, grid[:, j], reml) for j in range(1, grid.shape[1])], axis=1)
    change = (vals[:, :-1] > 0) & (vals[:, 1:] <= 0)
    ri, gi = np.nonzero(change)
    cand = np.full((n, grid.shape[1]), np.nan)
    cand[:, 0] = np.where(s0 <= 0, 0.0, np.nan)
    if ri.size:
        cand[ri, gi + 1] = _brent_rows(lambda t, i: _score(rows.take(ri[i]), t, reml), grid[ri, gi],
                                       grid[ri, gi + 1], vals[ri, gi], vals[ri, gi + 1], 1e-14, 1000)
    ll = np.full(cand.shape, -np.inf)
    for j in np.flatnonzero(np.isfinite(cand).any(axis=0)):
        ok = np.isfinite(cand[:, j])
        ll[ok, j] = _loglik(rows.take(np.flatnonzero(ok)), cand[ok, j], reml)
    best = np.argmax(ll, axis=1)
    return cand[np.arange(n), best]


def _eb_pm_se(rows, tau2):
    _, W, _ = rows.weights(tau2)
    k = rows.k
    return np.sqrt(2.0 * k**2 / (k - 1) / W**2)


def _eb(rows, con):
    tau2, its, conv = _scoring(rows, "EB", con)
    tau2 = np.maximum(0.0, tau2)
    out = {"tau2": tau2, "se": _eb_pm_se(rows, tau2), "converged": conv, "iterations": its}
    _refit_scalar(rows, ~conv, "EB", con, out)
    return out


def _pm(rows, con):
    """Paule-Mandel: R's uniroot of Q(tau2) = k - 1 on [0, tau2_max], vectorised (rows without a sign change at
    tau2_max take the scalar estimator's widened bracket)."""
    n = rows.k.size

    def f(t, idx):
        sub = rows.take(idx)
        w, _, r = sub.weights(t)
        return (w * r * r).sum(axis=1) - (sub.k - 1)

    every = np.arange(n)
    f0 = f(np.zeros(n), every)
    ym = np.where(rows.M, rows.raw_y, np.nan)
    mad = 1.482602218505602 * np.nanmedian(np.abs(ym - np.nanmedian(ym, axis=1)[:, None]), axis=1)
    upper = np.maximum(100.0, 10.0 * mad**2) if con["tau2_max"] is None else np.full(n, float(con["tau2_max"]))
    fu = f(upper, every)
    tau2 = np.zeros(n)
    solve = np.flatnonzero((f0 >= 0) & (fu <= 0))
    if solve.size:
        tau2[solve] = _brent_rows(lambda t, i: f(t, solve[i]), np.zeros(solve.size), upper[solve], f0[solve],
                                  fu[solve], con["tol"], 1000)
    out = {"tau2": tau2, "se": _eb_pm_se(rows, tau2), "converged": np.ones(n, bool), "iterations": np.zeros(n, int)}
    _refit_scalar(rows, (f0 >= 0) & (fu > 0), "PM", con, out)
    return out


def _brent_rows(f, a, b, fa, fb, tol, maxiter):
    """:func:`ruptstats._roots.brent_root` (R's ``uniroot``) on many brackets at once; ``f(x, rows)``."""
    a, b, fa, fb = a.copy(), b.copy(), fa.copy(), fb.copy()
    c, fc = a.copy(), fa.copy()
    result = np.where(fa == 0.0, a, b)
    done = (fa == 0.0) | (fb == 0.0)
    for _ in range(maxiter + 1):
        if done.all():
            break
        act = ~done
        prev_step = b - a
        swap = act & (np.abs(fc) < np.abs(fb))
        a, b, c = np.where(swap, b, a), np.where(swap, c, b), np.where(swap, b, c)
        fa, fb, fc = np.where(swap, fb, fa), np.where(swap, fc, fb), np.where(swap, fb, fc)
        tol_act = 2.0 * _EPS * np.abs(b) + tol / 2.0
        step = (c - b) / 2.0
        finish = act & ((np.abs(step) <= tol_act) | (fb == 0.0))
        result = np.where(finish, b, result)
        done = done | finish
        act = ~done
        if not act.any():
            break
        interp = (np.abs(prev_step) >= tol_act) & (np.abs(fa) > np.abs(fb))
        step = np.where(interp, _interpolation(a, b, c, fa, fb, fc, prev_step, tol_act, step), step)
        step = np.where(np.abs(step) < tol_act, np.where(step > 0, tol_act, -tol_act), step)
        a, fa = np.where(act, b, a), np.where(act, fb, fa)
        b = np.where(act, b + step, b)
        idx = np.flatnonzero(act)
        fb = fb.copy()
        fb[idx] = f(b[idx], idx)
        reset = act & (((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0)))
        c, fc = np.where(reset, a, c), np.where(reset, fa, fc)
    return result


def _interpolation(a, b, c, fa, fb, fc, prev_step, tol_act, bisection):
    """Secant or inverse quadratic step where it falls inside the bracket (else the bisection step)."""
    cb = c - b
    secant = a == c
    t1s = fb / fa
    q0, t1, t2 = fa / fc, fb / fc, fb / fa
    p = np.where(secant, cb * t1s, t2 * (cb * q0 * (q0 - t1) - (b - a) * (t1 - 1.0)))
    q = np.where(secant, 1.0 - t1s, (q0 - 1.0) * (t1 - 1.0) * (t2 - 1.0))
    q = np.where(p > 0, -q, q)
    p = np.abs(p)
    ok = (p < (0.75 * cb * q - np.abs(tol_act * q) / 2.0)) & (p < np.abs(prev_step * q / 2.0))
    return np.where(ok, p / q, bisection)


_METHODS = {"DL": _dl, "HS": _hs, "HE": _he, "SJ": _sj, "PM": _pm, "EB": _eb,
            "ML": lambda rows, con: _likelihood(rows, con, "ML"),
            "REML": lambda rows, con: _likelihood(rows, con, "REML")}
