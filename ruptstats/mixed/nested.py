"""The fast path for two nested random intercepts, ``(1 | therapist/client)`` or ``(1 | therapist) + (1 | client)``
with every client in one therapist: per-client and per-therapist sufficient statistics and a two-dimensional
profiled (RE)ML over θ = (σ_client / σ, σ_therapist / σ).

The marginal covariance is block diagonal by therapist; within a therapist block
V / σ² = I + θ₁² Z_c Z_c' + θ₂² 11'. With n_c the client sizes, a_c = 1 + θ₁² n_c, the client weights
w_c = n_c / a_c and their therapist totals W_t = Σ_{c∈t} w_c, Woodbury's identity applied twice (first over the
clients, then over the therapist) gives, for any two columns u and v,

    u'(V/σ²)⁻¹v = u_w'v_w + Σ_c w_c (ū_c - ũ_t)(v̄_c - ṽ_t) + Σ_t g_t ũ_t ṽ_t,     g_t = W_t / (1 + θ₂² W_t)

with ū_c the client means, ũ_t = Σ_{c∈t} w_c ū_c / W_t the weighted therapist means of the client means and
u_w = u - ū_[client] the within-client deviations; and the determinant lemma gives

    log|L|² = log|Λ'Z'ZΛ + I| = Σ_c log a_c + Σ_t log(1 + θ₂² W_t).

R_X'R_X = X'(V/σ²)⁻¹X, b = X'(V/σ²)⁻¹y, β = (R_X'R_X)⁻¹b and r²(θ) = (y - Xβ)'(V/σ²)⁻¹(y - Xβ) (the penalised
residual sum of squares of lme4's PLS problem; see :mod:`ruptstats.mixed.profile`) are sums of non-negative
weighted squares of centred quantities, so the deviance is accurate to rounding and its numerical derivatives
(Satterthwaite df) are stable. One pass over the n rows (O(n p²)), then O(C p²) per value of θ for C clients; no
n x n or sparse matrix. θ minimises the profiled deviance under θ >= 0: a bounded Powell search from moment
estimates, then L-BFGS-B; each element within 1e-6 of 0 is tried at 0 (with the other re-optimised) and kept
there when the deviance is equal up to rounding (a singular fit, as lme4 lands on the bound).

References
----------
Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using lme4.
*Journal of Statistical Software, 67*(1), 1-48. https://doi.org/10.18637/jss.v067.i01

Searle, S. R., Casella, G., & McCulloch, C. E. (1992). *Variance components*. Wiley (appendix M.5: the inverse
and determinant of I + Z D Z' by Woodbury's identity).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from .profile import Pieces, fixed_solution, profiled_deviance

__all__ = ["NestedInterceptModel", "nesting"]


def nesting(inner_codes: np.ndarray, n_inner: int, outer_codes: np.ndarray) -> np.ndarray | None:
    """The outer level of each inner level when every inner level lies in exactly one outer level, else None."""
    parent = np.full(n_inner, -1, dtype=np.int64)
    parent[inner_codes] = outer_codes
    if (parent < 0).any() or not np.array_equal(parent[inner_codes], outer_codes):
        return None
    return parent


def _means(codes: np.ndarray, values: np.ndarray, weights: np.ndarray, n_levels: int) -> np.ndarray:
    """Per-level weighted means of each column of ``values`` (levels x columns)."""
    total = np.bincount(codes, weights=weights, minlength=n_levels)
    return np.column_stack([np.bincount(codes, weights=weights * values[:, k], minlength=n_levels)
                            for k in range(values.shape[1])]) / total[:, None]


class NestedInterceptModel:
    """Sufficient statistics of a model with a client intercept nested in a therapist intercept; ``evaluate(theta)``
    gives the PLS pieces at θ = (θ_client, θ_therapist) (lme4's order: the term with more levels first)."""

    def __init__(self, y: np.ndarray, X: np.ndarray, inner: np.ndarray, outer: np.ndarray,
                 parent: np.ndarray, n_outer: int) -> None:
        self.n, self.p = X.shape
        self.inner, self.outer, self.parent, self.n_outer = inner, outer, parent, n_outer
        n_inner = len(parent)
        self.counts = np.bincount(inner, minlength=n_inner).astype(float)
        xy = np.column_stack([X, y])
        means = _means(inner, xy, np.ones(self.n), n_inner)
        self.mean_x, self.mean_y = means[:, :self.p], means[:, self.p]
        xw = X - self.mean_x[inner]
        yw = y - self.mean_y[inner]
        self.wxx = xw.T @ xw
        self.wxy = xw.T @ yw
        self.wyy = float(yw @ yw)
        self.theta_lower = np.array([0.0, 0.0])

    def _weights(self, theta):
        th = np.asarray(theta, dtype=float).ravel()
        t1, t2 = th[0] ** 2, th[1] ** 2
        a = 1.0 + t1 * self.counts
        w = self.counts / a
        W = np.bincount(self.parent, weights=w, minlength=self.n_outer)
        return t1, t2, a, w, W

    def evaluate(self, theta) -> Pieces:
        _, t2, a, w, W = self._weights(theta)
        g = W / (1.0 + t2 * W)
        means = np.column_stack([self.mean_x, self.mean_y])
        tilde = _means(self.parent, means, w, self.n_outer)  # weighted therapist means of the client means
        dev = means - tilde[self.parent]
        inner = (dev * w[:, None]).T @ dev + (tilde * g[:, None]).T @ tilde  # (p+1) x (p+1)
        p = self.p
        M = self.wxx + inner[:p, :p]
        b = self.wxy + inner[:p, p]
        ld_l2 = float(np.sum(np.log(a)) + np.sum(np.log1p(t2 * W)))

        def r2_at(beta):
            d = self.mean_y - self.mean_x @ beta
            d_t = np.bincount(self.parent, weights=w * d, minlength=self.n_outer) / W
            e = d - d_t[self.parent]
            within = self.wyy - 2.0 * beta @ self.wxy + beta @ self.wxx @ beta
            return float(within + np.sum(w * e * e) + np.sum(g * d_t * d_t))

        return fixed_solution(M, b, ld_l2, r2_at)

    def random_effects(self, theta, beta) -> np.ndarray:
        """Conditional modes (b_client, b_therapist) in lme4's order: b = ΛΛ'Z'(V/σ²)⁻¹(y - Xβ), i.e.
        b_c = θ₁² w_c (d̄_c - θ₂² W_t d̃_t / (1 + θ₂² W_t)) and b_t = θ₂² W_t d̃_t / (1 + θ₂² W_t), with d the
        marginal residuals y - Xβ."""
        t1, t2, _, w, W = self._weights(theta)
        d = self.mean_y - self.mean_x @ beta
        m = np.bincount(self.parent, weights=w * d, minlength=self.n_outer)  # W_t d̃_t
        shrunk = m / (1.0 + t2 * W)
        b_outer = t2 * shrunk
        b_inner = t1 * w * (d - t2 * shrunk[self.parent])
        return np.concatenate([b_inner, b_outer])

    def fitted_random(self, theta, beta) -> np.ndarray:
        """Z b on the rows."""
        b = self.random_effects(theta, beta)
        n_inner = len(self.parent)
        return b[:n_inner][self.inner] + b[n_inner:][self.outer]

    def moment_start(self) -> np.ndarray:
        """θ from ANOVA-type moments of the least-squares residuals (a start; clipped to [0.1, 10])."""
        M = self.wxx + (self.mean_x * self.counts[:, None]).T @ self.mean_x
        b = self.wxy + self.mean_x.T @ (self.counts * self.mean_y)
        beta = np.linalg.lstsq(M, b, rcond=None)[0] if self.p else np.zeros(0)
        within = self.wyy - 2.0 * beta @ self.wxy + beta @ self.wxx @ beta
        n_inner = len(self.parent)
        s2 = max(within / max(self.n - n_inner, 1), 1e-12)
        d = self.mean_y - self.mean_x @ beta
        n_t = np.bincount(self.parent, weights=self.counts, minlength=self.n_outer)
        d_t = np.bincount(self.parent, weights=self.counts * d, minlength=self.n_outer) / n_t
        between_c = float(np.sum(self.counts * (d - d_t[self.parent]) ** 2)) / max(n_inner - self.n_outer, 1)
        n_bar = self.n / n_inner
        v_c = max((between_c - s2) / n_bar, 0.0)
        v_t = max(float(np.var(d_t)) - v_c / (n_inner / self.n_outer) - s2 / (self.n / self.n_outer), 0.0)
        return np.clip(np.sqrt([v_c / s2, v_t / s2]), 0.1, 10.0)

    def fit(self, reml: bool) -> tuple[np.ndarray, bool, list[str]]:
        """θ at the minimum of the profiled deviance under θ >= 0; returns (theta, converged, notes)."""
        def dev(t):
            return profiled_deviance(self.evaluate(t), self.n, self.p, reml)

        bounds = [(0.0, None), (0.0, None)]
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            first = minimize(dev, self.moment_start(), method="Powell", bounds=bounds,
                             options={"xtol": 1e-4, "ftol": 1e-10})
            polish = minimize(dev, first.x, method="L-BFGS-B", bounds=bounds,
                              options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
        best = polish if polish.fun <= first.fun else first
        theta, best_dev = np.asarray(best.x, dtype=float), float(best.fun)
        theta, best_dev = self._boundary(dev, theta, best_dev)
        converged = bool(np.isfinite(best_dev) and (first.success or polish.success))
        notes = [] if converged else [f"the optimiser did not report convergence: {polish.message}"]
        return theta, converged, notes

    @staticmethod
    def _boundary(dev, theta: np.ndarray, best_dev: float) -> tuple[np.ndarray, float]:
        """Each element within 1e-6 of 0 set to 0 (the other re-optimised in one dimension) when the deviance
        stays equal up to rounding: lme4's optimiser lands on the bound there (a singular fit)."""
        for k in (0, 1):
            if theta[k] >= 1e-6:
                continue
            other = 1 - k

            def along(x, k=k, other=other):
                t = np.zeros(2)
                t[other] = x
                return dev(t)

            hi = max(10.0, 10.0 * theta[other])
            res = minimize_scalar(along, bounds=(0.0, hi), method="bounded", options={"xatol": 1e-10})
            trial = np.zeros(2)
            trial[other] = res.x if res.fun <= along(theta[other]) else theta[other]
            trial_dev = dev(trial)
            if trial_dev <= best_dev + 1e-9:
                theta, best_dev = trial, min(trial_dev, best_dev)
        return theta, best_dev
