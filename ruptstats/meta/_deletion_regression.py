r"""Every deletion fit of a meta-regression in O(k p^2) time and O(k p) memory (no refit per study).

The intercept-only model has its own scalar version (:mod:`ruptstats.meta._deletion`); this module does the same
with p moderators. With :math:`z_j = (x_j, r_j, 1)` (:math:`r` the full model's residuals), every quantity a
τ² estimator, a Knapp-Hartung factor or a covariance needs is a quadratic form in the moment matrices

.. math:: G_m(t) = \sum_j w_j(t)^m z_j z_j^\top, \qquad w_j(t) = 1/(v_j + t), \quad m = 1, 2, 3.

With :math:`A = G_1[X,X]`, :math:`\hat\delta = A^{-1} G_1[X, r]` and :math:`c = (-\hat\delta, 1, 0)`:
:math:`Q(t) = c^\top G_1 c`, :math:`y^\top PPy = \sum w^2 r^2 = c^\top G_2 c`,
:math:`\operatorname{tr} P = S_1 - \operatorname{tr}(A^{-1}G_2[X,X])` and
:math:`\operatorname{tr}(PP) = S_2 - 2\operatorname{tr}(A^{-1}G_3[X,X]) + \operatorname{tr}((A^{-1}G_2[X,X])^2)`
with :math:`S_m = \sum_j w_j^m` (Viechtbauer, 2005). Deleting study i subtracts its own term; the move of
:math:`\hat\tau^2_{(-i)}` away from the full model's :math:`t_0` is carried by the binomial series

.. math:: G_m(t) = c_0^m \sum_{n \ge 0} \binom{m + n - 1}{n} (-\varepsilon)^n \sum_j u_j^{m+n} z_j z_j^\top,
          \quad u_j = w_j(t_0)/c_0,\ c_0 = \max_j w_j(t_0),\ \varepsilon = c_0 (t - t_0),

whose power-sum matrices are computed once (O(k p^2) each) and evaluated by Horner's rule for a block of
deletions at once; it is exact to rounding while :math:`|\varepsilon|` is within the radius of
:mod:`ruptstats.meta._deletion`, and a deletion outside it (or one that leaves the model matrix rank-deficient)
is refitted directly by the caller. Each :math:`\hat\tau^2_{(-i)}` is solved to machine precision (REML and ML
by Fisher scoring on the exact score, EB and PM by Newton's method on :math:`Q(\tau^2) = k - 1 - p`, the closed
forms directly), so it can differ from metafor's iteration, which stops at a change of :math:`10^{-5}`, in about
the 5th digit.

A model without an intercept is estimated on centred y, as :func:`ruptstats.meta.estimate_tau2` does; the centred
response of deletion i is a linear combination of the columns of z (:math:`x^\top\hat\beta + r - \bar y_{(-i)}`),
so the same moments serve.

References
----------
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the random-effects model.
*Journal of Educational and Behavioral Statistics, 30*, 261-293.
"""

from __future__ import annotations

import math

import numpy as np

from ._deletion import _RADIUS, series_terms

__all__ = ["deleted_regression_fits"]

#: Deletions evaluated together (bounds memory at about 20 (p + 2)^2 doubles per deletion in a block).
_BLOCK = 4096
_EPS = np.finfo(float).eps


class _MatrixSeries:
    r""":math:`G_m(t)` for many t near ``t0`` from the power-sum matrices :math:`\sum_j u_j^n z_j z_j^\top`."""

    def __init__(self, Z, v, t0: float):
        w0 = 1.0 / (v + t0)
        self.c, self.t0 = float(w0.max()), float(t0)
        self.Z, self.u, self.inv_v = Z, w0 / self.c, 1.0 / v
        self.H = [None]
        self._un = np.ones_like(self.u)

    def _moments(self, n_max: int):
        with np.errstate(under="ignore"):
            while len(self.H) <= n_max:
                self._un = self._un * self.u
                self.H.append((self.Z * self._un[:, None]).T @ self.Z)
        return self.H

    def eps(self, t):
        return self.c * (np.asarray(t, float) - self.t0)

    def inside(self, t):
        return np.abs(self.eps(t)) <= _RADIUS

    def sum(self, t, m: int):
        """:math:`G_m(t)` for each t (n x q x q)."""
        e = -self.eps(t)
        terms = series_terms(e)
        H = self._moments(m + terms)
        acc = np.zeros((e.size,) + H[m].shape)
        for n in range(terms - 1, -1, -1):
            acc *= e[:, None, None]
            acc += math.comb(m + n - 1, n) * H[m + n]
        return self.c**m * acc


class _Block:
    """The deletions ``rows``: their own terms, responses and the deleted sums at any t."""

    def __init__(self, model, rows, response):
        self.rows, self.p, self.v = rows, model.p, model.v[rows]
        z = model.Z[rows]
        self.zz = z[:, :, None] * z[:, None, :]
        self.a = response[rows] if response.ndim == 2 else np.broadcast_to(response, z.shape)

    def deleted(self, series, t, ms=(1, 2, 3)):
        w = 1.0 / (self.v + t)
        return [series.sum(t, m) - (w**m)[:, None, None] * self.zz for m in ms]

    def stats(self, G1, G2=None, G3=None):
        """Residual quadratic forms and traces of the deleted fits (see the module docstring)."""
        p = self.p
        A = G1[:, :p, :p]
        Ainv = np.linalg.inv(A)
        delta = np.einsum("nij,njk,nk->ni", Ainv, G1[:, :p, :], self.a)
        c = np.array(self.a, dtype=float)
        c[:, :p] -= delta
        out = {"Ainv": Ainv, "delta": delta, "S1": G1[:, -1, -1],
               "q": np.maximum(np.einsum("ni,nij,nj->n", c, G1, c), 0.0)}
        if G2 is not None:
            M2 = Ainv @ G2[:, :p, :p]
            out["S2"] = G2[:, -1, -1]
            out["w2r2"] = np.maximum(np.einsum("ni,nij,nj->n", c, G2, c), 0.0)
            out["trp"] = out["S1"] - np.trace(M2, axis1=1, axis2=2)
            if G3 is not None:
                out["trpp"] = (out["S2"] - 2.0 * np.trace(Ainv @ G3[:, :p, :p], axis1=1, axis2=2)
                               + np.einsum("nij,nji->n", M2, M2))
        return out


class _Model:
    """The full model's z columns, weights and the sums shared by every block of deletions."""

    def __init__(self, fit):
        self.fit, self.k = fit, fit.k
        self.p = p = fit.X.shape[1]
        self.v = fit.v
        self.Z = np.column_stack([fit.X, fit.y - fit.X @ fit.beta, np.ones(self.k)])
        self.residual = np.eye(p + 2)[p]  # the response r in z coordinates
        self.response = self._response()
        self.series = _MatrixSeries(self.Z, self.v, float(fit.tau2.tau2))
        self._totals: dict = {}
        self._sj = None

    def _response(self):
        """The response tau2 is estimated on: r with an intercept, else x'beta + r - mean(y_(-i)) (centred y)."""
        fit = self.fit
        if fit.intercept:
            return self.residual
        resp = np.tile(self.residual, (self.k, 1))
        resp[:, :self.p] = fit.beta
        resp[:, -1] = -(fit.y.sum() - fit.y) / (self.k - 1)
        return resp

    def exact(self, name: str, block):
        """Deleted sums with fixed weights (``"zero1"``, ``"zero2"``: 1/v^m; ``"ones"``; ``"v"``): exact."""
        if name not in self._totals:
            weight = {"zero1": 1.0 / self.v, "zero2": self.v**-2.0, "ones": np.ones(self.k), "v": self.v}[name]
            self._totals[name] = (weight, (self.Z * weight[:, None]).T @ self.Z)
        weight, total = self._totals[name]
        return total[None, :, :] - weight[block.rows][:, None, None] * block.zz

    def sj_start(self):
        """Sidik-Jonkman's start of every deletion: the plain variance of the deleted y, and its series."""
        if self._sj is None:
            yc = self.fit.y - self.fit.y.mean()
            kd = self.k - 1
            tau0 = (np.dot(yc, yc) - yc * yc) / kd - (yc / kd) ** 2
            self._sj = tau0, _MatrixSeries(self.Z, self.v, float(np.median(tau0)))
        return self._sj


def _iterate(model, block, method):
    """tau2 of the block's deletions for REML, ML, EB and PM, solved to machine precision."""
    series = model.series
    t = np.full(block.rows.size, series.t0)
    last = np.full(t.size, np.inf)
    df = model.k - 1 - model.p
    if method in ("EB", "PM"):
        at_zero = block.stats(model.exact("zero1", block))["q"] < df
    for _ in range(200):
        s = block.stats(*block.deleted(series, t, (1, 2, 3) if method == "REML" else (1, 2)))
        if method == "REML":
            step = (s["w2r2"] - s["trp"]) / s["trpp"]
        elif method == "ML":
            step = (s["w2r2"] - s["S1"]) / s["S2"]
        else:  # Newton on Q(t) = k - 1 - p, dQ/dt = -sum w^2 r^2
            step = (s["q"] - df) / s["w2r2"]
            step[at_zero] = -t[at_zero]
        new = np.maximum(t + step, 0.0)
        change = np.abs(new - t)
        # converged: the change is at rounding level, or it stopped shrinking once below 1e-10 relative
        done = (change <= 4 * _EPS * np.maximum(np.abs(new), 1e-300)) | (
            (change >= last) & (change <= 1e-10 * np.maximum(np.abs(new), 1e-300)))
        t, last = new, change
        if done[series.inside(t)].all():
            break
    t[~series.inside(t)] = np.nan
    return t


def _closed_form(model, block, method):
    """tau2 of the block's deletions for DL, HS, HE and SJ."""
    kd, p = model.k - 1, model.p
    if method in ("DL", "HS"):
        s = block.stats(model.exact("zero1", block), model.exact("zero2", block))
        if method == "DL":
            return np.maximum(0.0, (s["q"] - (kd - p)) / s["trp"])
        return np.maximum(0.0, (s["q"] - kd) / s["S1"])
    if method == "HE":
        s, UV = block.stats(model.exact("ones", block)), model.exact("v", block)
        trpv = UV[:, -1, -1] - np.einsum("nij,nji->n", s["Ainv"], UV[:, :p, :p])
        return np.maximum(0.0, (s["q"] - trpv) / (kd - p))
    # SJ: tau0 is the plain variance of the deleted y (divisor k - 1), then Q at weights 1/(v + tau0)
    tau0_all, sj = model.sj_start()
    tau0 = tau0_all[block.rows]
    s = block.stats(*block.deleted(sj, tau0, (1,)))
    tau2 = np.maximum(0.0, tau0 * s["q"] / (kd - p))
    tau2[~sj.inside(tau0)] = np.nan
    return tau2


def deleted_regression_fits(fit) -> dict:
    """Every deletion's ``tau2, beta (k x p), vb (k x p x p), s2w, qe`` and ``vb_all_diag`` (k x p: the diagonal
    of :math:`(X^\\top W X)^{-1}` over all k rows at the deletion's τ²) for a meta-regression fitted without the
    analyst's weights.

    ``direct`` lists the deletions that must be refitted directly (their rows are NaN here): a τ²
    outside the series' radius, or a study whose deletion leaves the model matrix rank-deficient (leverage 1).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _deleted_fits(fit)


def _deleted_fits(fit) -> dict:
    model = _Model(fit)
    k, p, method = model.k, model.p, fit.method
    out = {"tau2": np.full(k, np.nan), "beta": np.full((k, p), np.nan), "vb": np.full((k, p, p), np.nan),
           "s2w": np.full(k, np.nan), "qe": np.full(k, np.nan), "vb_all_diag": np.full((k, p), np.nan)}
    # deleting a study with leverage 1 leaves X rank-deficient: the caller refits it (and reports what it finds)
    regular = np.flatnonzero(_leverage(fit.X, 1.0 / (fit.v + fit.tau2.tau2)) < 1.0 - 1e-8)
    for start in range(0, regular.size, _BLOCK):
        block = _Block(model, regular[start:start + _BLOCK], model.response)
        if method == "FE":
            tau2 = np.zeros(block.rows.size)
        elif method in ("REML", "ML", "EB", "PM"):
            tau2 = _iterate(model, block, method)
        else:
            tau2 = _closed_form(model, block, method)
        out["tau2"][block.rows] = tau2
        out["qe"][block.rows] = block.stats(model.exact("zero1", block))["q"]  # Q_E(-i) of centred y, as metafor
    fine = np.flatnonzero(np.isfinite(out["tau2"]))
    final = _MatrixSeries(model.Z, fit.v, float(np.median(out["tau2"][fine])) if fine.size else fit.tau2.tau2)
    fine = fine[final.inside(out["tau2"][fine])]
    for start in range(0, fine.size, _BLOCK):
        _finish(out, model, fine[start:start + _BLOCK], final)
    direct = np.setdiff1d(np.arange(k), fine)
    for key in ("tau2", "beta", "vb", "s2w", "vb_all_diag"):
        out[key][direct] = np.nan
    out["direct"] = direct
    return out


def _finish(out, model, rows, series):
    """Coefficients, covariance, Knapp-Hartung factor and the all-rows diagonal at each deletion's tau2."""
    fit, p = model.fit, model.p
    t = out["tau2"][rows]
    block = _Block(model, rows, model.residual)
    (G1,) = block.deleted(series, t, (1,))
    s = block.stats(G1)
    s2w = np.ones(rows.size)
    if fit.test == "knha":
        s2w = np.where(s["q"] <= _EPS, 0.0, s["q"] / (model.k - 1 - p))
    out["beta"][rows] = fit.beta[None, :] + s["delta"]
    out["vb"][rows] = s2w[:, None, None] * s["Ainv"]
    out["s2w"][rows] = s2w
    A_all = G1[:, :p, :p] + (1.0 / (fit.v[rows] + t))[:, None, None] * block.zz[:, :p, :p]
    out["vb_all_diag"][rows] = np.diagonal(np.linalg.inv(A_all), axis1=1, axis2=2)


def _leverage(X, w):
    """Hat values of the weighted fit (from a thin QR; O(k p^2))."""
    q, _ = np.linalg.qr(X * np.sqrt(w)[:, None])
    return np.einsum("ij,ij->i", q, q)
