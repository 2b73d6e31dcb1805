"""The profiled deviance of a linear mixed model from the pieces of its penalised least-squares solution.

For a relative covariance factor Λ(θ) the penalised least-squares (PLS) problem
``min_{u, β} ||y - Xβ - ZΛu||² + ||u||²`` has the minimum r²(θ); with ``L L' = Λ'Z'ZΛ + I`` and
``R_X'R_X = X'X - X'ZΛ (L L')⁻¹ Λ'Z'X`` the profiled deviances are (Bates et al., 2015, eqs. 34 and 41)

    ML:   d(θ)   = log|L|² + n (1 + log(2π r²(θ) / n))
    REML: d_R(θ) = log|L|² + log|R_X|² + (n - p)(1 + log(2π r²(θ) / (n - p)))

and, with σ not profiled out (lmerTest's ``devfun_vp``, used for the Satterthwaite degrees of freedom),

    d(θ, σ) = log|L|² + r²(θ)/σ² + n log(2πσ²)  [REML: + log|R_X|² - p log(2πσ²)].

References
----------
Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using lme4.
*Journal of Statistical Software, 67*(1), 1-48. https://doi.org/10.18637/jss.v067.i01

Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: Tests in linear mixed effects
models. *Journal of Statistical Software, 82*(13), 1-26. https://doi.org/10.18637/jss.v082.i13
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

__all__ = ["Pieces", "deviance_vp", "fixed_solution", "profiled_deviance", "sigma_hat"]

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class Pieces:
    """The PLS solution at one θ: ``ld_l2`` = log|L|², ``ld_rx2`` = log|R_X|², ``r2`` = penalised residual sum of
    squares, ``beta`` and ``rx_inv2`` = (R_X'R_X)⁻¹ (so vcov(β) = σ² ``rx_inv2``)."""

    ld_l2: float
    ld_rx2: float
    r2: float
    beta: np.ndarray
    rx_inv2: np.ndarray


def fixed_solution(M: np.ndarray, b: np.ndarray, ld_l2: float, r2_at) -> Pieces:
    """Solve ``M β = b`` (M = R_X'R_X) and return the pieces; ``r2_at(beta)`` gives the penalised residual sum
    of squares at β (computed from residuals, not as a difference of large cross-products, so that numerical
    derivatives of the deviance stay accurate)."""
    p = M.shape[0]
    if p == 0:
        beta = np.zeros(0)
        return Pieces(float(ld_l2), 0.0, max(float(r2_at(beta)), 1e-300), beta, np.zeros((0, 0)))
    try:
        factor = cho_factor(M, lower=True)
    except np.linalg.LinAlgError:
        # R_X'R_X lost positive definiteness to rounding (far out in θ, where Z spans X): an infinite deviance
        # sends the optimiser back; it never happens near an optimum
        return Pieces(float(ld_l2), math.inf, math.inf, np.full(p, np.nan), np.full((p, p), np.nan))
    beta = cho_solve(factor, b)
    ld_rx2 = 2.0 * float(np.sum(np.log(np.abs(np.diag(factor[0])))))
    return Pieces(float(ld_l2), ld_rx2, max(float(r2_at(beta)), 1e-300), beta, cho_solve(factor, np.eye(p)))


def profiled_deviance(pc: Pieces, n: int, p: int, reml: bool) -> float:
    """-2 log-likelihood (ML) or the REML criterion, profiled over β and σ."""
    if not math.isfinite(pc.r2):
        return math.inf
    if reml:
        m = n - p
        return pc.ld_l2 + pc.ld_rx2 + m * (1.0 + _LOG_2PI + math.log(pc.r2 / m))
    return pc.ld_l2 + n * (1.0 + _LOG_2PI + math.log(pc.r2 / n))


def sigma_hat(pc: Pieces, n: int, p: int, reml: bool) -> float:
    """lme4's ``sigma()``: sqrt(r² / (n - p)) for REML, sqrt(r² / n) for ML."""
    return math.sqrt(pc.r2 / (n - p if reml else n))


def deviance_vp(pc: Pieces, sigma: float, n: int, p: int, reml: bool) -> float:
    """Deviance at (θ, σ) without profiling σ out (lmerTest's ``devfun_vp``)."""
    s2 = sigma * sigma
    dev = pc.ld_l2 + pc.r2 / s2 + n * (_LOG_2PI + math.log(s2))
    if reml:
        dev += pc.ld_rx2 - p * (_LOG_2PI + math.log(s2))
    return dev
