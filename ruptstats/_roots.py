"""A bracketed scalar root finder (Brent, 1973) without importing :mod:`scipy.optimize` (about 0.5 s).

It follows R's ``uniroot()`` step for step, so that iterative results computed with metafor's tolerances
agree with metafor to many more digits than those tolerances.

Brent's method combines bisection, the secant rule and inverse quadratic interpolation; it always keeps a
bracket, so it cannot diverge, and converges superlinearly for smooth functions.
"""

from __future__ import annotations

import math

from .exceptions import ConvergenceError

__all__ = ["brent_root", "expand_upper"]

_EPS = 2.220446049250313e-16


def brent_root(f, a: float, b: float, *, fa: float | None = None, fb: float | None = None,
               tol: float = 1e-14, maxiter: int = 1000) -> float:
    """Return ``x`` in ``[a, b]`` with ``f(x) = 0``, given ``f(a)`` and ``f(b)`` of opposite signs.

    This is Brent's (1973) *zeroin* in the form R's ``uniroot()`` uses, so that with the same interval,
    ``tol`` and ``maxiter`` it visits the same points and returns the same root as R (metafor calls
    ``uniroot`` for the Paule-Mandel estimator and the Q-profile confidence interval).

    Parameters
    ----------
    f : callable
        A continuous function of one float.
    a, b : float
        The bracket.
    fa, fb : float, optional
        ``f(a)`` and ``f(b)`` when already known.
    tol : float
        Absolute tolerance: the search stops when the bracket around the best point ``b`` is at most
        ``2 * (2 * eps * |b| + tol / 2)`` wide (R's ``uniroot(tol = )``).
    maxiter : int
        Iteration limit.

    Raises
    ------
    ConvergenceError
        ``f(a)`` and ``f(b)`` have the same sign, or the iteration limit was reached.

    References
    ----------
    Brent, R. P. (1973). *Algorithms for minimization without derivatives*, ch. 4. Prentice-Hall.
    Forsythe, G. E., Malcolm, M. A., & Moler, C. B. (1977). *Computer methods for mathematical computations*
    (procedure ZEROIN). Prentice-Hall.

    Examples
    --------
    >>> round(brent_root(lambda x: x * x - 2.0, 0.0, 2.0), 12)
    1.414213562373
    """
    fa = f(a) if fa is None else fa
    fb = f(b) if fb is None else fb
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if (fa > 0) == (fb > 0):
        raise ConvergenceError(f"no sign change of the estimating equation on [{a:g}, {b:g}]")
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            new_step = _interpolation_step(a, b, c, fa, fb, fc, prev_step, tol_act, new_step)
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise ConvergenceError(f"root search did not converge in {maxiter} iterations")


def _interpolation_step(a, b, c, fa, fb, fc, prev_step, tol_act, bisection):
    """Secant (two points) or inverse quadratic (three points) step, if it falls inside the bracket."""
    cb = c - b
    if a == c:
        t1 = fb / fa
        p = cb * t1
        q = 1.0 - t1
    else:
        q, t1, t2 = fa / fc, fb / fc, fb / fa
        p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
        q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
    if p > 0:
        q = -q
    else:
        p = -p
    if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
        return p / q
    return bisection


def expand_upper(f, start: float, *, factor: float = 2.0, limit: float = 1e12) -> tuple[float, float]:
    """Double ``start`` until ``f`` becomes negative; return ``(upper, f(upper))``.

    Used to bracket a decreasing estimating equation from above.

    Raises
    ------
    ConvergenceError
        ``f`` stays positive up to ``limit``.
    """
    x = max(start, 1e-8)
    fx = f(x)
    while fx > 0:
        x *= factor
        if x > limit:
            raise ConvergenceError(f"the estimating equation is still positive at tau2 = {limit:g}")
        fx = f(x)
    return x, fx
