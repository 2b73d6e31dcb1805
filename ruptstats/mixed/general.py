"""The general path: lme4's penalised least squares with a sparse Z and relative covariance factor Λ(θ)
(Bates et al., 2015, section 3), for nested, crossed and random-slope terms.

For each random term t with p_t columns and J_t levels, Z has J_t p_t columns (level-major, as lme4 orders them)
and Λ is block diagonal with J_t copies of a lower-triangular p_t x p_t factor whose elements are θ
(column-wise lower triangle, lme4's order); diagonal elements of θ are bounded below by 0. At each θ the
symmetric positive definite ``A = Λ'Z'ZΛ + I`` is factored by SuperLU without pivoting on the diagonal (a
Cholesky-like factorisation; its U diagonal gives log|L|²; a dense Cholesky when Z has at most 400 columns) and the fixed effects by a dense Cholesky of
``R_X'R_X``. θ minimises the profiled deviance (:mod:`ruptstats.mixed.profile`) under the bounds with L-BFGS-B,
after a bounded Powell search from lme4's start (1 on the diagonal, 0 elsewhere): the derivative-free search is
robust far from the optimum (where R_X'R_X loses positive definiteness to rounding), L-BFGS-B converges tightly.

References
----------
Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using lme4.
*Journal of Statistical Software, 67*(1), 1-48. https://doi.org/10.18637/jss.v067.i01
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize
from scipy.sparse.linalg import splu

from .design import ReTerm
from .profile import Pieces, fixed_solution, profiled_deviance

__all__ = ["SparseModel", "minimise_theta"]

#: up to this many random effects (columns of Z) a dense Cholesky is faster than SuperLU's sparse overhead
DENSE_MAX_Q = 400


class _Dense:
    """A dense Cholesky factor with SuperLU's ``solve`` and the log-determinant."""

    def __init__(self, A: np.ndarray) -> None:
        self.factor = cho_factor(A, lower=True)
        self.logdet = 2.0 * float(np.sum(np.log(np.diag(self.factor[0]))))

    def solve(self, b):
        return cho_solve(self.factor, b)


class _Sparse:
    """SuperLU without diagonal pivoting on a symmetric positive definite matrix (a Cholesky-like LDU)."""

    def __init__(self, A) -> None:
        self.lu = splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                       options={"SymmetricMode": True})
        self.logdet = float(np.sum(np.log(np.abs(self.lu.U.diagonal())))
                            + np.sum(np.log(np.abs(self.lu.L.diagonal()))))

    def solve(self, b):
        return self.lu.solve(b)


def _lower_tri(p: int) -> list[tuple[int, int]]:
    """(row, col) of a p x p lower triangle, column by column (lme4's order of θ)."""
    return [(r, c) for c in range(p) for r in range(c, p)]


class SparseModel:
    """Z, the Λ template and the cross-products of a mixed model; ``evaluate(theta)`` gives the PLS pieces."""

    def __init__(self, y: np.ndarray, X: np.ndarray, terms: tuple[ReTerm, ...]) -> None:
        self.n, self.p = X.shape
        rows, cols, vals, lrows, lcols, lind, lower = [], [], [], [], [], [], []
        offset = toff = 0
        for t in terms:
            pt = t.columns.shape[1]
            for k in range(pt):
                rows.append(np.arange(self.n))
                cols.append(offset + t.codes * pt + k)
                vals.append(t.columns[:, k])
            base = offset + np.arange(t.n_levels) * pt
            for idx, (r, c) in enumerate(_lower_tri(pt)):
                lrows.append(base + r)
                lcols.append(base + c)
                lind.append(np.full(t.n_levels, toff + idx))
                lower.append(0.0 if r == c else -np.inf)
            offset += t.n_levels * pt
            toff += pt * (pt + 1) // 2
        self.q = offset
        Z = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(self.n, self.q))
        self.Z = Z
        self.lrows, self.lcols, self.lind = np.concatenate(lrows), np.concatenate(lcols), np.concatenate(lind)
        self.theta_lower = np.array(lower)
        self.ztz = (Z.T @ Z).tocsc()
        self.ztx = np.asarray(Z.T @ X)
        self.zty = np.asarray(Z.T @ y).ravel()
        self.xtx, self.xty = X.T @ X, X.T @ y
        self.y, self.X = y, X
        self.eye = sp.identity(self.q, format="csc")
        self.dense = self.q <= DENSE_MAX_Q
        if self.dense:
            self.ztz = self.ztz.toarray()

    def lam(self, theta):
        """Λ(θ): a dense array for small q, else a sparse CSC matrix."""
        theta = np.asarray(theta, dtype=float)
        if self.dense:
            out = np.zeros((self.q, self.q))
            out[self.lrows, self.lcols] = theta[self.lind]
            return out
        return sp.csc_matrix((theta[self.lind], (self.lrows, self.lcols)), shape=(self.q, self.q))

    def _solve(self, theta):
        lam = self.lam(theta)
        if self.dense:
            lu = _Dense(lam.T @ self.ztz @ lam + np.eye(self.q))
        else:
            lu = _Sparse(lam.T @ self.ztz @ lam + self.eye)
        c = lam.T @ self.zty
        B = np.asarray(lam.T @ self.ztx)
        return lu, c, B

    def evaluate(self, theta) -> Pieces:
        lu, c, B = self._solve(theta)
        ld_l2 = lu.logdet
        ainv_c = lu.solve(c)
        ainv_b = lu.solve(B) if self.p else np.zeros((self.q, 0))
        M = self.xtx - B.T @ ainv_b
        b = self.xty - B.T @ ainv_c
        lam = self.lam(theta)

        def r2_at(beta):  # ||y - Xβ - ZΛu||² + ||u||², u = A⁻¹(c - Bβ)
            u = lu.solve(c - B @ beta)
            resid = self.y - self.X @ beta - self.Z @ (lam @ u)
            return float(resid @ resid + u @ u)

        return fixed_solution(M, b, ld_l2, r2_at)

    def random_effects(self, theta, beta) -> np.ndarray:
        """Conditional modes b = Λu with u = (Λ'Z'ZΛ + I)⁻¹ Λ'Z'(y - Xβ)."""
        lu, c, B = self._solve(theta)
        return self.lam(theta) @ lu.solve(c - B @ beta)

    def fitted_random(self, theta, beta) -> np.ndarray:
        return self.Z @ self.random_effects(theta, beta)

    def fit(self, reml: bool) -> tuple[np.ndarray, bool, list[str]]:
        """θ at the minimum of the profiled deviance under θ_diag >= 0; returns (theta, converged, notes)."""
        return minimise_theta(lambda t: profiled_deviance(self.evaluate(t), self.n, self.p, reml),
                              self.theta_lower)


def minimise_theta(dev, lower: np.ndarray, polish_dev=None) -> tuple[np.ndarray, bool, list[str]]:
    """Minimise ``dev(theta)`` under ``theta >= lower`` from lme4's start (1 on the diagonal, 0 elsewhere).

    A derivative-free bounded Powell search first (robust far from the optimum, as lme4's bobyqa), then L-BFGS-B
    from there to converge tightly (on ``polish_dev`` when given: the same criterion computed more accurately);
    a diagonal element within 1e-6 of its bound 0 whose removal leaves the deviance equal up to rounding is set
    to 0 (lme4's optimiser lands on the bound there: a singular fit).
    """
    bounds = [(lo if np.isfinite(lo) else None, None) for lo in lower]
    start = np.where(lower == 0.0, 1.0, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):  # an infinite deviance far out is expected
        first = minimize(dev, start, method="Powell", bounds=bounds, options={"xtol": 1e-4, "ftol": 1e-10})
        if polish_dev is not None:
            dev = polish_dev
            first.fun = dev(first.x)
        polish = minimize(dev, first.x, method="L-BFGS-B", bounds=bounds,
                          options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
    best = polish if polish.fun <= first.fun else first
    theta = np.asarray(best.x, dtype=float)
    at_zero = (lower == 0.0) & (np.abs(theta) < 1e-6)
    if at_zero.any():
        trial = np.where(at_zero, 0.0, theta)
        if dev(trial) <= best.fun + 1e-9:
            theta = trial
    converged = bool(np.isfinite(best.fun) and (first.success or polish.success))
    notes = [] if converged else [f"the optimiser did not report convergence: {polish.message}"]
    return theta, converged, notes
