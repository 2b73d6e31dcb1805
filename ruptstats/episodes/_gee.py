"""GEE with an exchangeable working correlation, equal to R's ``geepack::geeglm`` (logit and identity links).

Vectorised over clusters: with :math:`R_i = (1-\\alpha) I + \\alpha 1 1^\\top`,
:math:`a^\\top R_i^{-1} b = (a^\\top b - c_i\\, (1^\\top a)(1^\\top b)) / (1 - \\alpha)`,
:math:`c_i = \\alpha / (1 + (n_i - 1)\\alpha)`, so every quantity is a sum over rows and clusters (``np.bincount``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["gee_exchangeable"]


def _cluster_sums(values: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    return np.vstack([np.bincount(codes, weights=values[:, j], minlength=k) for j in range(values.shape[1])]).T


def _parts(beta, x, y, codes, k, logit):
    eta = x @ beta
    if logit:
        mu = 1.0 / (1.0 + np.exp(-eta))
        s = np.sqrt(mu * (1 - mu))  # sqrt(variance); d mu / d eta = s^2, so D~ = s * x
        return (y - mu) / s, x * s[:, None]
    return y - eta, x


def gee_exchangeable(y, x, codes, *, logit: bool, tol: float = 1e-12, max_iter: int = 200) -> dict:
    """Fit a GEE (exchangeable) as ``geeglm(..., corstr = "exchangeable")`` and return its sandwich covariance.

    Moment estimators as geepack (Yan & Fine, 2004; checked against geepack 1.3.9): with Pearson residuals
    :math:`e`, :math:`\\phi = \\sum e^2 / N` and :math:`\\alpha = \\sum_i \\sum_{j<k} e_{ij} e_{ik} /
    (\\phi \\sum_i n_i (n_i - 1) / 2)`; Fisher scoring for :math:`\\beta` given :math:`\\alpha`, alternated to
    convergence (largest change < ``tol``). Robust ("sandwich", geepack's default ``std.err = "san.se"``)
    covariance :math:`B^{-1} M B^{-1}`, :math:`B = \\sum_i D_i^\\top V_i^{-1} D_i`,
    :math:`M = \\sum_i D_i^\\top V_i^{-1} e_i e_i^\\top V_i^{-1} D_i` (Liang & Zeger, 1986).

    ``codes``: cluster code 0..k-1 per row. Returns ``{coef, cov, alpha, scale, iterations, converged}``.
    """
    y, x = np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
    k = int(codes.max()) + 1 if len(codes) else 0
    n_i = np.bincount(codes, minlength=k).astype(np.float64)
    pairs = float(np.sum(n_i * (n_i - 1) / 2))
    beta = np.linalg.lstsq(x, y if not logit else np.zeros(len(y)), rcond=None)[0] if not logit else np.zeros(x.shape[1])
    alpha, converged, it = 0.0, False, 0
    for it in range(1, max_iter + 1):
        e, xt = _parts(beta, x, y, codes, k, logit)
        scale = float(np.sum(e * e) / len(y))
        se = np.bincount(codes, weights=e, minlength=k)
        alpha = float(np.sum(se * se - np.bincount(codes, weights=e * e, minlength=k)) / 2 / (scale * pairs)) \
            if pairs > 0 and scale > 0 else 0.0
        bmat, u, _ = _score(xt, e, codes, k, n_i, alpha)
        step = np.linalg.solve(bmat, u)
        beta = beta + step
        if np.max(np.abs(step)) < tol * max(1.0, np.max(np.abs(beta))):
            converged = True
            break
    e, xt = _parts(beta, x, y, codes, k, logit)
    bmat, _, ui = _score(xt, e, codes, k, n_i, alpha)
    binv = np.linalg.inv(bmat)
    cov = binv @ (ui.T @ ui) @ binv
    return {"coef": beta, "cov": cov, "alpha": alpha, "scale": float(np.sum(e * e) / len(y)), "iterations": it,
            "converged": converged}


def _score(xt, e, codes, k, n_i, alpha):
    """B = sum_i X~_i' R_i^-1 X~_i, U = sum_i u_i and the per-cluster u_i = X~_i' R_i^-1 e_i."""
    c = alpha / (1 + (n_i - 1) * alpha)
    sx = _cluster_sums(xt, codes, k)
    se = np.bincount(codes, weights=e, minlength=k)
    bmat = (xt.T @ xt - (sx * c[:, None]).T @ sx) / (1 - alpha)
    ui = (_cluster_sums(xt * e[:, None], codes, k) - sx * (c * se)[:, None]) / (1 - alpha)
    return bmat, ui.sum(axis=0), ui
