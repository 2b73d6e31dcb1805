r"""Trim-and-fill (Duval & Tweedie, 2000), as metafor's ``trimfill()``.

The side on which studies are missing is the opposite of the sign of the slope in the meta-regression of
:math:`y_i` on :math:`\sqrt{v_i}` fitted with the model's estimator (metafor's rule: a negative slope means
studies are missing on the right). On the side-adjusted scale (effects negated when filling on the right)
the studies are sorted, and iteratively: the :math:`k - k_0` smallest effects are pooled, the centred effects
:math:`y_i - \hat\theta` are ranked by absolute value (ties: first come first), and

.. math:: L_0 = \frac{4 S_r - k(k+1)}{2k - 1}, \qquad R_0 = k - r^* - 1,

where :math:`S_r` is the sum of the positive signed ranks and :math:`r^*` the largest absolute rank of a
negative centred effect; :math:`k_0` is rounded and truncated at 0 until it stops changing. The :math:`k_0`
most extreme effects are then mirrored about :math:`\hat\theta` (:math:`2\hat\theta - y_i`, same variance)
and the model is refitted with them.

The result is a :class:`TrimFillResult`: a :class:`~ruptstats.meta.MetaResult` of the filled data set (the
filled studies last, labelled ``Filled 1``, ...) with ``is_filled`` marking them, so funnel and forest plots
show them. As metafor's ``trimfill()``, the filled data are refitted with the original model's estimator but
metafor's defaults otherwise: the z-test and a 95% level, whatever the model's ``test`` and ``level`` (a note
says so when they differ); with :math:`k_0 = 0` the result is the original model.

References
----------
Duval, S., & Tweedie, R. (2000). Trim and fill: A simple funnel-plot-based method of testing and adjusting for
publication bias in meta-analysis. *Biometrics, 56*, 455-463.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_choice
from ..exceptions import ConvergenceError, DataError, OptionError
from ._refit import quick_fit, refuse_user_weights
from .fitting import fit_model
from .results import MetaResult, _num

__all__ = ["TrimFillResult", "trim_and_fill"]


@dataclass(frozen=True, repr=False)
class TrimFillResult(MetaResult):
    """A :class:`MetaResult` of the filled data with the trim-and-fill details.

    Attributes
    ----------
    is_filled : numpy.ndarray of bool
        True for the imputed studies (the last ``k0``).
    k0, se_k0 : int, float
        Estimated number of missing studies and its SE.
    side : str
        ``"left"`` or ``"right"``: where studies were filled.
    estimator : str
        ``"L0"`` or ``"R0"``.
    original : MetaResult or None
        The model before filling.
    """

    is_filled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    k0: int = 0
    se_k0: float = float("nan")
    side: str = "left"
    estimator: str = "L0"
    original: MetaResult | None = None

    def to_dict(self, include_studies: bool = True) -> dict:
        """``k0, side, estimate, se, ci_lower, ci_upper, tau2`` of the filled data (the ``bias.trimfill`` JSON
        section, written with ``include_studies=False``), and ``studies``: the study rows of
        :meth:`MetaResult.to_dict` with ``filled`` (True for the imputed studies).

        The full model of the filled data is :meth:`summary_frame` and the attributes.
        """
        out = {"k0": int(self.k0), "side": self.side, "estimate": _num(self.estimate), "se": _num(self.se),
               "ci_lower": _num(self.ci_lower), "ci_upper": _num(self.ci_upper), "tau2": _num(self.tau2)}
        if include_studies:
            out["studies"] = super().to_dict(include_studies=True)["studies"]
            for row, filled in zip(out["studies"], self.is_filled):
                row["filled"] = bool(filled)
        return out

    def summary(self) -> str:
        """Number of filled studies and the model of the filled data (see :func:`ruptstats.report.format_trimfill`)."""
        from ..report import format_trimfill

        return format_trimfill(self)

    def __repr__(self) -> str:
        return (f"TrimFillResult(k0={self.k0}, side={self.side!r}, estimate={self.estimate!r}, "
                f"tau2={self.tau2!r})")


def _side(y, v, method, control) -> str:
    X = np.column_stack([np.ones(y.size), np.sqrt(v)])
    return "right" if quick_fit(y, v, X, method, "z", control).beta[1] < 0 else "left"


def _k0(yc: np.ndarray, k: int, estimator: str) -> tuple[float, float]:
    """One step of the L0 or R0 estimator on centred, sorted effects ``yc``; returns (k0, se)."""
    ranks = np.empty(k)
    ranks[np.argsort(np.abs(yc), kind="stable")] = np.arange(1, k + 1)
    signed = np.sign(yc) * ranks
    if estimator == "R0":
        neg = -signed[signed < 0]
        k0 = (k - (neg.max() if neg.size else -math.inf)) - 1
        return k0, math.sqrt(2 * max(0.0, k0) + 2)
    sr = float(np.sum(signed[signed > 0]))
    k0 = (4 * sr - k * (k + 1)) / (2 * k - 1)
    var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0 - 18 * k * k0**2 - 18 * k * k0
              + 6 * k**2 * k0) / 24
    return k0, 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr > 0 else 0.0


def trim_and_fill(result: MetaResult, *, side: str | None = None, estimator: str = "L0",
                  maxiter: int = 100) -> TrimFillResult:
    """Estimate and fill in missing studies (metafor's ``trimfill``).

    Parameters
    ----------
    result : MetaResult
        An intercept-only model with k >= 2.
    side : {"left", "right"}, optional
        Side of the funnel plot where studies are missing (default: chosen as metafor chooses it).
    estimator : {"L0", "R0"}, default "L0"
    maxiter : int, default 100
        Iteration limit.

    Returns
    -------
    TrimFillResult

    Raises
    ------
    DataError
        k < 2.
    OptionError
        Bad ``side`` or ``estimator``.
    ConvergenceError
        The number of missing studies did not settle within ``maxiter`` iterations.
    """
    if not isinstance(result, MetaResult) or result.fit is None:
        raise OptionError("trim_and_fill needs a MetaResult (an intercept-only model) from rma()")
    estimator = check_choice("estimator", estimator, ("L0", "R0"))
    fit = result.fit
    refuse_user_weights(fit, "trim-and-fill")
    if result.k < 2:
        raise DataError("trim-and-fill needs at least 2 studies")
    side = _side(result.yi, result.vi, fit.method, fit.control) if side is None else check_choice(
        "side", side, ("left", "right"))
    y = -result.yi if side == "right" else result.yi.copy()
    order = np.argsort(y, kind="stable")
    y, v = y[order], result.vi[order]
    k = y.size
    k0, k0_prev, it, se_k0 = 0, -1, 0, float("nan")
    ones = np.ones((k, 1))
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            raise ConvergenceError(f"trim-and-fill did not converge in {maxiter} iterations")
        n = k - k0
        beta = float(quick_fit(y[:n], v[:n], ones[:n], fit.method, "z", fit.control).beta[0])
        est, se_k0 = _k0(y - beta, k, estimator)
        k0 = max(0, int(_round_half_even(est)))
        se_k0 = max(0.0, se_k0)
    if k0 == 0:
        return _wrap(result, result.fit, result.study, result.ni, np.zeros(k, dtype=bool), 0, se_k0, side,
                     estimator)
    fill_y = 2 * beta - y[k - k0:]
    fill_y = -fill_y if side == "right" else fill_y
    yy = np.concatenate([result.yi, fill_y])
    vv = np.concatenate([result.vi, v[k - k0:]])
    new = fit_model(yy, vv, method=fit.method, test="z", level=0.95, control=fit.control)
    notes = ()
    if fit.test != "z" or fit.level != 0.95:
        notes = (f"the filled data are refitted with the z-test at the 95% level (the model: test='{fit.test}', "
                 f"level={fit.level:g}), as metafor's trimfill() does",)
    study = tuple(result.study) + tuple(f"Filled {i + 1}" for i in range(k0))
    flags = np.r_[np.zeros(k, dtype=bool), np.ones(k0, dtype=bool)]
    ni = None if result.ni is None else np.concatenate([result.ni, result.ni[order][k - k0:]])
    return _wrap(result, new, study, ni, flags, k0, se_k0, side, estimator, notes)


def _round_half_even(x: float) -> float:
    """R's ``round()`` (IEC 60559: halves to even)."""
    return float(np.round(x))


def _wrap(result, fit, study, ni, flags, k0, se_k0, side, estimator, notes=()) -> TrimFillResult:
    base = MetaResult.from_fit(fit, study=study, ni=ni, measure=result.measure, notes=notes)
    flags.setflags(write=False)
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(MetaResult)}
    return TrimFillResult(**values, is_filled=flags, k0=k0, se_k0=float(se_k0), side=side, estimator=estimator,
                          original=result)
