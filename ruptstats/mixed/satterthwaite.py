"""Satterthwaite degrees of freedom for the fixed effects, as lmerTest computes them.

With varpar = (θ, σ), lmerTest takes (Kuznetsova et al., 2017, section 3.2):

- A = 2 H⁻¹, H the Hessian of the deviance d(θ, σ) (:func:`ruptstats.mixed.profile.deviance_vp`) at the
  estimate (a Moore-Penrose inverse over the eigenvalues above 1e-8 when H is not positive definite, e.g. at a
  singular fit);
- J_k = ∂ vcov(β) / ∂ varpar_k, vcov(β) = σ² (R_X'R_X)⁻¹(θ);
- for a coefficient i: var = vcov(β)_ii, g_k = (J_k)_ii and df = 2 var² / (g'Ag).

Both derivatives are numerical, with numDeriv's Richardson extrapolation (d = 1e-4, r = 4, v = 2), as lmerTest
uses them, so the degrees of freedom agree with lmerTest to the accuracy of two numerical differentiations.

References
----------
Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: Tests in linear mixed effects
models. *Journal of Statistical Software, 82*(13), 1-26. https://doi.org/10.18637/jss.v082.i13

Gilbert, P., & Varadhan, R. (2016). numDeriv: Accurate numerical derivatives. R package version 2016.8-1.1.
"""

from __future__ import annotations

import numpy as np

from .profile import deviance_vp

__all__ = ["satterthwaite_df"]

_D, _EPS, _R, _V = 1e-4, 1e-4, 4, 2.0
_ZERO_TOL = np.sqrt(np.finfo(float).eps / 7e-7)


def _steps(x: np.ndarray) -> np.ndarray:
    return np.abs(_D * x) + _EPS * (np.abs(x) < _ZERO_TOL)


def _extrapolate(a: list) -> np.ndarray:
    a = [np.asarray(v, dtype=float) for v in a]
    for m in range(1, _R):
        a = [(a[k + 1] * 4.0 ** m - a[k]) / (4.0 ** m - 1.0) for k in range(len(a) - 1)]
    return a[0]


def jacobian(func, x: np.ndarray) -> np.ndarray:
    """numDeriv's ``jacobian(method = "Richardson")``: columns d func / d x_i."""
    h0 = _steps(x)
    cols = []
    for i in range(len(x)):
        approx, h = [], h0.copy()
        for _ in range(_R):
            e = np.zeros_like(x)
            e[i] = h[i]
            approx.append((np.asarray(func(x + e)) - np.asarray(func(x - e))) / (2.0 * h[i]))
            h = h / _V
        cols.append(_extrapolate(approx))
    return np.stack(cols, axis=-1)


def hessian(func, x: np.ndarray) -> np.ndarray:
    """numDeriv's ``hessian`` (genD with Richardson extrapolation) of a scalar function."""
    n, f0, h0 = len(x), func(x), _steps(x)
    diag = np.zeros(n)
    for i in range(n):
        approx, h = [], h0.copy()
        for _ in range(_R):
            e = np.zeros(n)
            e[i] = h[i]
            approx.append((func(x + e) - 2.0 * f0 + func(x - e)) / h[i] ** 2)
            h = h / _V
        diag[i] = _extrapolate(approx)
    H = np.diag(diag)
    for i in range(n):
        for j in range(i):
            approx, h = [], h0.copy()
            for _ in range(_R):
                e = np.zeros(n)
                e[i], e[j] = h[i], h[j]
                approx.append((func(x + e) - 2.0 * f0 + func(x - e) - diag[i] * h[i] ** 2 - diag[j] * h[j] ** 2)
                              / (2.0 * h[i] * h[j]))
                h = h / _V
            H[i, j] = H[j, i] = _extrapolate(approx)
    return H


def satterthwaite_df(engine, theta: np.ndarray, sigma: float, reml: bool) -> tuple[np.ndarray, list[str]]:
    """Satterthwaite df of each fixed effect (lmerTest's ``contest1D``); returns (df, notes)."""
    n, p = engine.n, engine.p
    varpar = np.append(np.asarray(theta, dtype=float), sigma)

    def dev(vp):
        return deviance_vp(engine.evaluate(vp[:-1]), vp[-1], n, p, reml)

    def covbeta(vp):
        return vp[-1] ** 2 * engine.evaluate(vp[:-1]).rx_inv2

    notes = []
    H = hessian(dev, varpar)
    values, vectors = np.linalg.eigh(H)
    pos = values > 1e-8
    if not pos.all():
        notes.append("the Hessian of the deviance over (theta, sigma) is not positive definite (as at a singular "
                     "fit); the Satterthwaite df use its generalised inverse, as lmerTest does")
    A = 2.0 * (vectors[:, pos] / values[pos]) @ vectors[:, pos].T
    J = jacobian(covbeta, varpar)  # p x p x k
    C = covbeta(varpar)
    df = np.empty(p)
    for i in range(p):
        g = J[i, i, :]
        denom = float(g @ A @ g)
        df[i] = 2.0 * C[i, i] ** 2 / denom if denom > 0 else np.nan
    if not np.all(np.isfinite(df)):
        notes.append("a Satterthwaite df is undefined (its variance does not depend on the variance parameters)")
    return df, notes
