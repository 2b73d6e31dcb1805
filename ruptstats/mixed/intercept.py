"""The fast path for one random intercept ``(1 | g)``: per-group sufficient statistics and a one-dimensional
profiled (RE)ML over θ = σ_g / σ.

With one random intercept, Λ'Z'ZΛ + I is diagonal with entries a_j = 1 + θ² n_j, so every piece of the
penalised least-squares solution (see :mod:`ruptstats.mixed.profile`) is a sum over the J groups of the group
size n_j, the column sums s_j = Σ_{i∈j} x_i and t_j = Σ_{i∈j} y_i, plus X'X, X'y and y'y:

    log|L|²   = Σ_j log(1 + θ² n_j)
    R_X'R_X   = X'X - Σ_j (θ² / a_j) s_j s_j'  = W_xx + Σ_j (n_j / a_j) x̄_j x̄_j'
    b         = X'y - Σ_j (θ² / a_j) s_j t_j  = W_xy + Σ_j (n_j / a_j) x̄_j ȳ_j,      β = (R_X'R_X)⁻¹ b
    r²(θ)     = ||y_w - X_w β||² + Σ_j n_j (ȳ_j - x̄_j'β)² / a_j

with x̄_j, ȳ_j the group means and W_xx = X_w'X_w, W_xy = X_w'y_w the within-group cross-products (X_w, y_w
centred at the group means). The second forms avoid differences of large sums, so the deviance is accurate to
rounding and its numerical derivatives (Satterthwaite df) are stable. One pass over the n rows (O(n p²)) and
then O(J p²) per value of θ; no n x n or n x J matrix. The optimum over
θ ∈ [0, ∞) is found by bounded Brent on [0, U] (U widened while the optimum sits at it) and compared with θ = 0,
so a zero variance is found exactly (a singular fit).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from .profile import Pieces, fixed_solution, profiled_deviance

__all__ = ["InterceptModel"]


class InterceptModel:
    """Sufficient statistics of a random-intercept model; ``evaluate(theta)`` gives the PLS pieces at θ."""

    def __init__(self, y: np.ndarray, X: np.ndarray, codes: np.ndarray, n_levels: int) -> None:
        self.n, self.p = X.shape
        self.codes = codes
        self.counts = np.bincount(codes, minlength=n_levels).astype(float)
        self.mean_x = np.column_stack([np.bincount(codes, weights=X[:, k], minlength=n_levels)
                                       for k in range(self.p)]) / self.counts[:, None] if self.p \
            else np.zeros((n_levels, 0))
        self.mean_y = np.bincount(codes, weights=y, minlength=n_levels) / self.counts
        xw = X - self.mean_x[codes]
        yw = y - self.mean_y[codes]
        self.wxx = xw.T @ xw
        self.wxy = xw.T @ yw
        self.wyy = float(yw @ yw)
        self.theta_lower = np.array([0.0])

    def evaluate(self, theta) -> Pieces:
        th2 = float(np.asarray(theta, dtype=float).ravel()[0]) ** 2
        a = 1.0 + th2 * self.counts
        w = self.counts / a
        M = self.wxx + (self.mean_x * w[:, None]).T @ self.mean_x
        b = self.wxy + self.mean_x.T @ (w * self.mean_y)

        def r2_at(beta):
            d = self.mean_y - self.mean_x @ beta
            return self.wyy - 2.0 * beta @ self.wxy + beta @ self.wxx @ beta + float(np.sum(w * d * d))

        return fixed_solution(M, b, float(np.sum(np.log(a))), r2_at)

    def random_effects(self, theta, beta) -> np.ndarray:
        """Conditional modes b_j = θ² n_j (ȳ_j - x̄_j'β) / (1 + θ² n_j), one per group."""
        th2 = float(np.asarray(theta).ravel()[0]) ** 2
        return th2 * self.counts * (self.mean_y - self.mean_x @ beta) / (1.0 + th2 * self.counts)

    def fitted_random(self, theta, beta) -> np.ndarray:
        """Z b on the rows."""
        return self.random_effects(theta, beta)[self.codes]

    def fit(self, reml: bool) -> tuple[np.ndarray, bool, list[str]]:
        """θ at the minimum of the profiled deviance; returns (theta, converged, notes)."""
        def dev(t):
            return profiled_deviance(self.evaluate(t), self.n, self.p, reml)

        upper, converged, res = 10.0, True, None
        for _ in range(8):
            res = minimize_scalar(dev, bounds=(0.0, upper), method="bounded",
                                  options={"xatol": 1e-10 * max(1.0, upper / 10.0), "maxiter": 500})
            if res.x < 0.9 * upper:
                break
            upper *= 10.0
        else:
            converged = False
        converged = converged and bool(res.success)
        theta = float(res.x)
        # the deviance is flat in θ² at 0: an optimum within 1e-6 of 0 whose deviance equals that at 0 up to
        # rounding is the boundary itself (lme4's optimiser lands on the bound there: a singular fit)
        if dev(0.0) <= res.fun + (1e-9 if theta < 1e-6 else 0.0):
            theta = 0.0
        notes = [] if converged else ["the one-dimensional REML/ML search did not converge"]
        return np.array([theta]), converged, notes
