"""The path for random terms that share one grouping factor, e.g. ``(session | client)`` or
``(session || client)``: Λ'Z'ZΛ + I is block diagonal, one k x k block per group.

With W the n x k columns that vary over the groups (intercept, slopes) and, per group j, the sufficient
statistics G_j = W_j'W_j, H_j = W_j'X_j and g_j = W_j'y_j (one pass over the rows), and T the k x k
lower-triangular template of θ (block diagonal over the terms; Bates et al., 2015, section 3):

    A_j = T'G_jT + I,   log|L|² = Σ_j log|A_j|
    R_X'R_X = X'X - Σ_j H_j'T A_j⁻¹ T'H_j,   b = X'y - Σ_j H_j'T A_j⁻¹ T'g_j,   β = (R_X'R_X)⁻¹ b
    u_j = A_j⁻¹ T'(g_j - H_jβ),   r² = ||y - Xβ - W(Tu)_[group]||² + Σ_j ||u_j||²

Each evaluation costs O(J k³ + J k p²) for the batched k x k factorisations; r² comes from the sufficient
statistics during the coarse search (r² = y'y - Σ_j c_j'A_j⁻¹c_j - β'b, c_j = T'g_j) and as a sum of squared
residuals (O(n (k + p))) for the final L-BFGS-B steps and the Satterthwaite derivatives, which need it accurate
to rounding; no sparse matrix.
θ is found as on the general path (:func:`ruptstats.mixed.general.minimise_theta`).
"""

from __future__ import annotations

import numpy as np

from .design import ReTerm
from .general import minimise_theta
from .profile import Pieces, fixed_solution, profiled_deviance

__all__ = ["BlockModel"]


def _cholesky(A: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of J small k x k positive definite matrices (J, k, k), vectorised over J (LAPACK's
    per-matrix call overhead dominates for k = 2 or 3)."""
    k = A.shape[1]
    L = np.zeros_like(A)
    for j in range(k):
        d = A[:, j, j] - np.sum(L[:, j, :j] ** 2, axis=1)
        L[:, j, j] = np.sqrt(d)
        for i in range(j + 1, k):
            L[:, i, j] = (A[:, i, j] - np.sum(L[:, i, :j] * L[:, j, :j], axis=1)) / L[:, j, j]
    return L


def _cho_solve(L: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve (L L') x = rhs for each of the J blocks (rhs: J x k x m) by forward and back substitution."""
    k = L.shape[1]
    z = np.empty_like(rhs)
    for i in range(k):
        z[:, i] = (rhs[:, i] - np.einsum("jk,jkm->jm", L[:, i, :i], z[:, :i])) / L[:, i, i][:, None]
    x = np.empty_like(rhs)
    for i in reversed(range(k)):
        x[:, i] = (z[:, i] - np.einsum("jk,jkm->jm", L[:, i + 1:, i], x[:, i + 1:])) / L[:, i, i][:, None]
    return x


class BlockModel:
    """Per-group cross-products of terms sharing one grouping factor; ``evaluate(theta)`` gives the PLS pieces."""

    def __init__(self, y: np.ndarray, X: np.ndarray, terms: tuple[ReTerm, ...]) -> None:
        self.n, self.p = X.shape
        self.codes, J = terms[0].codes, terms[0].n_levels
        self.W = np.hstack([t.columns for t in terms])
        k = self.W.shape[1]
        entries, lower, off, toff = [], [], 0, 0
        for t in terms:
            pt = t.columns.shape[1]
            idx = 0
            for c in range(pt):
                for r in range(c, pt):
                    entries.append((off + r, off + c, toff + idx))
                    lower.append(0.0 if r == c else -np.inf)
                    idx += 1
            off += pt
            toff += idx
        self.entries = np.array(entries)
        self.theta_lower = np.array(lower)

        def per_group(w):
            return np.bincount(self.codes, weights=w, minlength=J)

        self.G = np.empty((J, k, k))
        for a in range(k):
            for b in range(a, k):
                self.G[:, a, b] = self.G[:, b, a] = per_group(self.W[:, a] * self.W[:, b])
        self.H = np.stack([np.stack([per_group(self.W[:, a] * X[:, q]) for q in range(self.p)], axis=-1)
                           for a in range(k)], axis=1) if self.p else np.zeros((J, k, 0))
        self.g = np.stack([per_group(self.W[:, a] * y) for a in range(k)], axis=1)
        self.xtx, self.xty, self.yty = X.T @ X, X.T @ y, float(y @ y)
        self.y, self.X, self.k = y, X, k

    def template(self, theta) -> np.ndarray:
        T = np.zeros((self.k, self.k))
        T[self.entries[:, 0], self.entries[:, 1]] = np.asarray(theta, dtype=float)[self.entries[:, 2]]
        return T

    def _solve(self, theta):
        T = self.template(theta)
        A = T.T @ self.G @ T + np.eye(self.k)
        chol = _cholesky(A)
        c = self.g @ T  # rows T'g_j
        B = np.einsum("ab,jaq->jbq", T, self.H)  # T'H_j
        sol = _cho_solve(chol, np.concatenate([c[:, :, None], B], axis=2))
        return T, chol, c, B, sol[:, :, 0], sol[:, :, 1:]

    def evaluate(self, theta, precise: bool = True) -> Pieces:
        """The PLS pieces at θ; ``precise=False`` takes r² = y'y - c'A⁻¹c - β'b from the sufficient statistics
        (O(J), accurate to about 1e-12 relative: enough to locate the optimum) instead of the O(n) residuals
        (accurate to rounding: needed by the numerical derivatives of the Satterthwaite df)."""
        T, chol, c, B, ainv_c, ainv_b = self._solve(theta)
        ld_l2 = 2.0 * float(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2))))
        M = self.xtx - np.einsum("jkp,jkq->pq", B, ainv_b)
        b = self.xty - np.einsum("jkp,jk->p", B, ainv_c)
        if not precise:
            rhs_norm = self.yty - float(np.sum(c * ainv_c))
            return fixed_solution(M, b, ld_l2, lambda beta: rhs_norm - beta @ b)

        def r2_at(beta):
            u = ainv_c - ainv_b @ beta
            fitted = np.einsum("ik,ik->i", self.W, (u @ T.T)[self.codes])
            resid = self.y - self.X @ beta - fitted
            return float(resid @ resid + np.sum(u * u))

        return fixed_solution(M, b, ld_l2, r2_at)

    def random_effects(self, theta, beta) -> np.ndarray:
        """Conditional modes b_j = T u_j, one row per group (columns: the terms' columns in order)."""
        T, _, _, _, ainv_c, ainv_b = self._solve(theta)
        return (ainv_c - ainv_b @ beta) @ T.T

    def fitted_random(self, theta, beta) -> np.ndarray:
        return np.einsum("ik,ik->i", self.W, self.random_effects(theta, beta)[self.codes])

    def fit(self, reml: bool) -> tuple[np.ndarray, bool, list[str]]:
        """θ at the minimum of the profiled deviance under θ_diag >= 0; returns (theta, converged, notes)."""
        return minimise_theta(lambda t: profiled_deviance(self.evaluate(t, precise=False), self.n, self.p, reml),
                              self.theta_lower,
                              polish_dev=lambda t: profiled_deviance(self.evaluate(t), self.n, self.p, reml))
