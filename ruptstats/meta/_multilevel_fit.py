r"""The numerical core of the three-level model: likelihood, score and information of
:math:`V = \operatorname{diag}(v + \sigma^2_{(2)}) + \sigma^2_{(3)} ZZ^\top`, block-diagonal by cluster, never
formed as a k x k matrix.

Within cluster :math:`j` with :math:`D_j = \operatorname{diag}(v_j + \sigma^2_{(2)})`, the block
:math:`V_j = D_j + \sigma^2_{(3)} 11^\top` has the closed-form inverse (Sherman-Morrison)

.. math:: W_j = V_j^{-1} = D_j^{-1} - c_j\, D_j^{-1}11^\top D_j^{-1}, \qquad
          c_j = \frac{\sigma^2_{(3)}}{1 + \sigma^2_{(3)} 1^\top D_j^{-1} 1}, \qquad
          \log|V_j| = \log|D_j| + \log(1 + \sigma^2_{(3)} 1^\top D_j^{-1} 1),

so :math:`W` times a k x m matrix, the traces of the REML score :math:`\tfrac12(y^\top P G_r P y - \operatorname{tr}
P G_r)` and the Fisher information :math:`\tfrac12 \operatorname{tr}(P G_r P G_s)` (:math:`G_3 = ZZ^\top`,
:math:`G_2 = I`, :math:`P = W - WX(X^\top W X)^{-1}X^\top W`) are sums over clusters, O(k p²) per evaluation.
ML uses :math:`W` in place of :math:`P` in the traces.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from ..exceptions import ConvergenceError

__all__ = ["Blocks"]


class Blocks:
    """Data of a three-level model: ``y``, ``v``, model matrix ``X`` and 0-based cluster ``codes``."""

    def __init__(self, y, v, X, codes):
        self.y, self.v, self.X = y, v, X
        self.codes = codes
        self.k, self.p = X.shape
        J = int(codes.max()) + 1
        self.Z = sparse.csr_matrix((np.ones(self.k), (np.arange(self.k), codes)), shape=(self.k, J))
        self.ZT = self.Z.T.tocsr()
        self.logdet_xtx = float(np.linalg.slogdet(X.T @ X)[1])

    def gsum(self, x):
        """Per-cluster sums of the rows of ``x``."""
        return self.ZT @ x

    def state(self, s):
        """Everything the likelihood and its derivatives need at ``s = (sigma2_cluster, sigma2_within)``."""
        st = {"s": s}
        dinv = 1.0 / (self.v + s[1])
        s1 = self.gsum(dinv)
        c = s[0] / (1.0 + s[0] * s1)
        st.update(dinv=dinv, s1=s1, c=c, shrink=1.0 / (1.0 + s[0] * s1), logdet=float(np.sum(np.log(self.v + s[1])) + np.sum(np.log1p(s[0] * s1))))
        WX = self.apply_w(st, self.X)
        XtWX = self.X.T @ WX
        M = np.linalg.inv(XtWX)
        beta = M @ (WX.T @ self.y)
        e = self.y - self.X @ beta
        We = self.apply_w(st, e)
        st.update(WX=WX, XtWX=XtWX, M=M, beta=beta, e=e, We=We, quad=float(e @ We))
        return st

    def apply_w(self, st, Y):
        r""":math:`W Y` (``Y`` a vector or a k x m matrix), as
        :math:`D^{-1}(Y - \bar Y_j) + D^{-1}\bar Y_j / (1 + \sigma^2_{(3)} 1^\top D_j^{-1} 1)` with the
        :math:`D^{-1}`-weighted cluster mean :math:`\bar Y_j`: no cancellation when
        :math:`\sigma^2_{(3)} 1^\top D_j^{-1} 1` is large."""
        dinv, s1, shrink = st["dinv"], st["s1"], st["shrink"]
        col = (lambda a: a) if Y.ndim == 1 else (lambda a: a[:, None])
        mean = (self.gsum(col(dinv) * Y) / col(s1))[self.codes]
        return col(dinv) * (Y - mean) + col(dinv * shrink[self.codes]) * mean

    def loglik(self, st, method) -> float:
        if method == "ML":
            return -0.5 * (self.k * math.log(2 * math.pi) + st["logdet"] + st["quad"])
        return -0.5 * ((self.k - self.p) * math.log(2 * math.pi) - self.logdet_xtx + st["logdet"]
                       + float(np.linalg.slogdet(st["XtWX"])[1]) + st["quad"])

    def score_info(self, st, method):
        """Score (2,) and Fisher information (2 x 2) in the order (sigma2_cluster, sigma2_within)."""
        dinv, s1, c, shrink = st["dinv"], st["s1"], st["c"], st["shrink"]
        s2, s3 = self.gsum(dinv**2), self.gsum(dinv**3)
        w1 = s1 * shrink  # 1' W_j 1 = S1 / (1 + s S1)
        others = (s1[self.codes] - dinv)  # (W_j)_ii = d_i (1 + s (S1 - d_i)) / (1 + s S1), without cancellation
        tr_w = float(np.sum(dinv * (1.0 + st["s"][0] * others) * shrink[self.codes]))
        ge = self.gsum(st["We"])
        quad = np.array([float(ge @ ge), float(st["We"] @ st["We"])])
        tr = np.array([float(np.sum(w1)), tr_w])
        T = np.array([[np.sum(w1**2), np.sum(shrink**2 * s2)],
                      [np.sum(shrink**2 * s2), np.sum(s2 - 2 * c * s3 + c**2 * s2**2)]])
        if method == "REML":
            WX, M = st["WX"], st["M"]
            R = self.gsum(WX)
            Q = self.gsum(self.apply_w(st, WX))
            K = [R.T @ R, WX.T @ WX]
            L = [[R.T @ (w1[:, None] * R), R.T @ Q], [Q.T @ R, WX.T @ self.apply_w(st, WX)]]
            tr = tr - np.array([np.sum(M * K[0]), np.sum(M * K[1])])
            T = np.array([[T[a, b] - 2 * np.sum(M * L[b][a]) + np.sum((M @ K[a]) * (M @ K[b]).T)
                           for b in range(2)] for a in range(2)])
        return 0.5 * (quad - tr), 0.5 * T

    def fit(self, method, fixed=None, start=None, maxiter=1000, tol=1e-12):
        """Maximise the (restricted) likelihood over the free components by projected Fisher scoring (a step
        that lowers the likelihood is halved until it does not, as metafor's ``stepadj``);
        ``fixed = (index, value)`` holds one component (for the profile likelihood). Returns ``(s, state,
        iterations)``."""
        s = np.array(self._start() if start is None else start, dtype=float)
        free_idx = [0, 1] if fixed is None else [1 - fixed[0]]
        if fixed is not None:
            s[fixed[0]] = fixed[1]
        st = self.state(s)
        ll = self.loglik(st, method)
        for it in range(1, maxiter + 1):
            score, info = self.score_info(st, method)
            free = [i for i in free_idx if not (s[i] <= 0 and score[i] <= 0)]
            step = np.zeros(2)
            if free:
                # least squares: the information of a component can vanish in floating point (variances far
                # below the components tried by the profile search); the step is then 0 along it
                step[free] = np.linalg.lstsq(info[np.ix_(free, free)], score[free], rcond=None)[0]
            for _ in range(60):  # step halving: a full scoring step can overshoot and cycle near a boundary
                new = s + step
                new[free_idx] = np.maximum(new[free_idx], 0.0)
                st_new = self.state(new)
                ll_new = self.loglik(st_new, method)
                if ll_new >= ll:
                    break
                step = step / 2
            if np.max(np.abs(new - s)) <= tol * max(1.0, float(np.max(np.abs(s)))):
                return new, st_new, it
            s, st, ll = new, st_new, ll_new
        raise ConvergenceError(f"{method} estimation of the three-level model did not converge in {maxiter} "
                               "iterations")

    def _start(self):
        from ._wls import Wls

        ls0 = Wls(1.0 / self.v, self.X)
        _, r0 = ls0.fit(self.y)
        start = max(float(np.dot(r0 * r0, ls0.w) - (self.k - self.p)) / ls0.trace_p(), 0.01 * float(np.var(self.y)),
                    1e-4)
        return [start / 2, start / 2]

    def profile_ci(self, method, s_hat, ll_max, level):
        """Profile-likelihood CIs of both components (metafor's ``confint.rma.mv``): the values where
        :math:`2(\\ell_{max} - \\ell_p) = \\chi^2_{1, level}`, 0 when the profile at 0 stays above that."""
        from scipy.optimize import brentq
        from scipy.stats import chi2

        target = ll_max - 0.5 * float(chi2.ppf(level, 1))
        scale = max(float(np.var(self.y)), float(np.mean(self.v)))  # where to start looking for an upper bound
        out = []
        for r in (0, 1):
            def gap(val, r=r):
                _, st, _ = self.fit(method, fixed=(r, val), start=s_hat)
                return self.loglik(st, method) - target

            est = float(s_hat[r])
            lo = 0.0 if est == 0 or gap(0.0) >= 0 else brentq(gap, 0.0, est, xtol=1e-12 * max(est, scale), rtol=1e-12)
            hi = max(est, scale) * 2
            for _ in range(200):
                if gap(hi) < 0:
                    break
                hi *= 2
            else:  # pragma: no cover - a flat profile
                out.append((lo, math.inf))
                continue
            out.append((lo, brentq(gap, est, hi, xtol=1e-12 * max(est, scale), rtol=1e-12)))
        return out
