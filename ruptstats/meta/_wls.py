r"""Weighted least squares without a :math:`k \times k` matrix: the pieces every estimator needs, in
:math:`O(k p^2)` time and :math:`O(k p)` memory.

With weights :math:`w`, model matrix :math:`X` (k x p) and the thin QR factorisation
:math:`W^{1/2} X = Q R`, the hat matrix is :math:`H = Q Q^\top` (leverages :math:`h_i = \sum_a Q_{ia}^2`) and

.. math:: P_w = W - W X (X^\top W X)^{-1} X^\top W = W^{1/2} (I - H) W^{1/2},

so that :math:`P_w y = w \circ r` with :math:`r` the weighted least-squares residuals,
:math:`y^\top P_w y = \sum_i w_i r_i^2`, :math:`\operatorname{tr} P_w = \sum_i w_i (1 - h_i)` and, for any
vectors :math:`a, b`,

.. math:: \sum_{ij} a_i b_j (I - H)_{ij}^2 = \sum_i a_i b_i (1 - 2 h_i) + \langle Q^\top A Q, Q^\top B Q\rangle_F,

which gives :math:`\operatorname{tr}(P_w P_w)` (:math:`a = b = w`) and the traces of the HE and SJ standard
errors. For one column :math:`x` everything is a sum: :math:`h_i = w_i x_i^2 / \sum_j w_j x_j^2`; for the
intercept :math:`\operatorname{tr} P = S_1 - S_2/S_1` with :math:`S_j = \sum_i w_i^j`.

Residuals are computed from centred data: the weighted mean is subtracted first (and refined by one
correction step) whenever the model has an intercept, so that :math:`Q = \sum w_i (y_i - \hat\mu)^2` keeps its
digits for precise measurements around a large mean and does not depend on the order of the rows.
"""

from __future__ import annotations

import weakref

import numpy as np

__all__ = ["Wls", "weighted_mean", "is_intercept", "intercept_q"]


def weighted_mean(y: np.ndarray, w: np.ndarray, s1: float | None = None) -> float:
    """The weighted mean :math:`\\sum w_i y_i / \\sum w_i`, refined by one correction step (centred sum)."""
    s1 = float(w.sum()) if s1 is None else s1
    mu = float(np.dot(w, y)) / s1
    return mu + float(np.dot(w, y - mu)) / s1


_LAST: list = [None, False]  # weak reference to the last matrix checked by is_intercept, and the answer


def is_intercept(X: np.ndarray) -> bool:
    """True when ``X`` is one column of ones (an intercept-only model).

    The answer for the last read-only matrix is cached (fit_model's own intercept column is read-only), so the
    many evaluations of one fit check it once; a writeable matrix is checked every time.
    """
    if _LAST[0] is not None and _LAST[0]() is X:
        return _LAST[1]
    x = X[:, 0]
    answer = X.shape[1] == 1 and x[0] == 1.0 and bool(np.all(x == 1.0))
    if not X.flags.writeable:
        _LAST[:] = [weakref.ref(X), answer]
    return answer


def intercept_q(t: float, y: np.ndarray, v: np.ndarray) -> float:
    r""":math:`Q(t) = \sum_i w_i (y_i - \hat\mu)^2`, :math:`w_i = 1/(v_i + t)`, for the intercept-only model.

    With :math:`d = y - \tilde\mu` (:math:`\tilde\mu` the weighted mean as first computed),
    :math:`Q = \sum w d^2 - (\sum w d)^2 / S_1` exactly; the correction is tiny, so Q is a sum of centred
    squares (two temporaries, eight passes over the data).
    """
    w = np.add(v, t)
    np.reciprocal(w, out=w)
    s1 = float(w.sum())
    d = np.subtract(y, float(np.dot(w, y)) / s1)
    np.multiply(w, d, out=w)
    s = float(w.sum())
    return float(np.dot(w, d)) - s * s / s1


class Wls:
    """Weighted least-squares quantities for weights ``w`` and model matrix ``X`` (see the module docstring)."""

    __slots__ = ("w", "X", "k", "p", "s", "lev", "Q", "R", "sw", "has_intercept")

    def __init__(self, w: np.ndarray, X: np.ndarray):
        self.w = w
        self.X = X
        self.k, self.p = X.shape
        if self.p == 1:
            x = X[:, 0]
            self.has_intercept = is_intercept(X)
            wx2 = w if self.has_intercept else w * x * x
            self.s = float(wx2.sum())
            self.lev = wx2 / self.s
            self.Q = self.R = self.sw = None
        else:
            self.sw = np.sqrt(w)
            self.Q, self.R = np.linalg.qr(X * self.sw[:, None])
            self.lev = np.einsum("ia,ia->i", self.Q, self.Q)
            self.has_intercept = bool(np.all(X[:, 0] == 1.0))

    def fit(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients and residuals :math:`r = y - X\\hat\\beta` (from centred data, one refinement step)."""
        if self.p == 1 and self.has_intercept:
            mu = weighted_mean(y, self.w, self.s)
            return np.array([mu]), y - mu
        if self.p == 1:
            x = self.X[:, 0]
            wx = self.w * x
            b = float(np.dot(wx, y)) / self.s
            r = y - b * x
            b2 = float(np.dot(wx, r)) / self.s
            return np.array([b + b2]), r - b2 * x
        shift = weighted_mean(y, self.w) if self.has_intercept else 0.0
        yc = y - shift
        beta = np.linalg.solve(self.R, self.Q.T @ (self.sw * yc))
        r = yc - self.X @ beta
        step = np.linalg.solve(self.R, self.Q.T @ (self.sw * r))
        beta = beta + step
        r = yc - self.X @ beta
        beta[0] += shift
        return beta, r

    def gram(self, a: np.ndarray) -> np.ndarray:
        """:math:`Q^\\top \\operatorname{diag}(a) Q` (p x p)."""
        if self.p == 1:
            return np.array([[float(np.dot(a, self.lev))]])
        return self.Q.T @ (self.Q * a[:, None])

    def pair_sum(self, a: np.ndarray, b: np.ndarray) -> float:
        """:math:`\\sum_{ij} a_i b_j (I - H)_{ij}^2`."""
        diag = float(np.dot(a * b, 1.0 - 2.0 * self.lev))
        if self.p == 1:  # the 1 x 1 Gram matrices are the scalars sum_i a_i h_i, sum_i b_i h_i
            return diag + float(np.dot(a, self.lev)) * float(np.dot(b, self.lev))
        return diag + float(np.sum(self.gram(a) * self.gram(b)))

    def trace_p(self) -> float:
        """:math:`\\operatorname{tr} P_w = \\sum_i w_i (1 - h_i)`."""
        return float(np.dot(self.w, 1.0 - self.lev))

    def trace_pp(self) -> float:
        """:math:`\\operatorname{tr}(P_w P_w) = \\sum_{ij} (P_w)_{ij}^2`."""
        return self.pair_sum(self.w, self.w)

    def xtwx_inv(self) -> np.ndarray:
        """:math:`(X^\\top W X)^{-1}` from the triangular factor."""
        if self.p == 1:
            return np.array([[1.0 / self.s]])
        Rinv = np.linalg.inv(self.R)
        return Rinv @ Rinv.T

    def logdet_xtwx(self) -> float:
        """:math:`\\log\\det(X^\\top W X)`."""
        if self.p == 1:
            return float(np.log(self.s))
        return float(2.0 * np.sum(np.log(np.abs(np.diag(self.R)))))
