"""Contour-enhanced funnel plots, with trim-and-fill studies drawn hollow and an optional regression line."""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_level
from .._dist import norm_ppf
from ..exceptions import DataError, OptionError
from ..effects.transforms import reported_label
from ._common import AXIS_TITLES, pyplot
from .style import GREYS, publication_style

__all__ = ["funnel_plot"]


def funnel_plot(res, *, contours=(0.90, 0.95, 0.99), egger=None, pseudo_ci: bool = True, legend: bool = True,
                xlabel=None, title=None, figsize=(4.5, 3.6)):
    r"""Contour-enhanced funnel plot: effect sizes against their standard errors (inverted axis).

    Parameters
    ----------
    res : MetaResult or a trim-and-fill result
        Any object with per-study ``yi`` and ``vi`` (analysis scale) and ``estimate``; optional ``measure``
        (axis title) and a boolean per-study array ``is_filled`` or ``filled`` (trim-and-fill: those studies
        are drawn as hollow circles, the estimate line is the adjusted estimate).
    contours : sequence of float, default (0.90, 0.95, 0.99)
        Up to three levels of the significance contours around zero (Peters et al., 2008); ``()`` draws
        none.
    egger : EggerResult or (float, float), optional
        Draw the regression line of Egger's test, :math:`y = b_0 + b_1 \cdot SE`, from a fitted
        :func:`ruptstats.meta.bias.egger_test` result (``limit_estimate`` is :math:`b_0`, ``intercept`` — the
        asymmetry coefficient — is :math:`b_1`), a dict with those keys, or a pair ``(b0, b1)``. This is
        metafor's ``regtest(res, model = "lm", predictor = "sei")``. Nothing is fitted here.
    pseudo_ci : bool, default True
        Draw the pseudo 95% confidence region :math:`\hat\mu \pm 1.96\,SE` (dashed) around the estimate.
    legend : bool, default True
        Legend for the contour shades and markers.
    xlabel, title : str, optional
        Axis title (default from the measure, e.g. "Fisher's z") and title.
    figsize : (float, float), default (4.5, 3.6)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        ``yi``/``vi`` missing, of unequal length, or ``filled`` of another length.
    OptionError
        ``contours`` that are not confidence levels.

    Notes
    -----
    A study lies outside the :math:`100(1-\alpha)\%` contour when :math:`|y_i| / SE_i > z_{1-\alpha/2}`, i.e.
    its two-sided test of zero has :math:`p < \alpha`; the contours are the lines
    :math:`y = \pm z_{1-\alpha/2}\,SE`.

    References
    ----------
    Peters, J. L., Sutton, A. J., Jones, D. R., Abrams, K. R., & Rushton, L. (2008). Contour-enhanced
    meta-analysis funnel plots help distinguish publication bias from other causes of asymmetry. *Journal of
    Clinical Epidemiology, 61*(10), 991-996.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from ruptstats.meta import rma
    >>> res = rma([0.10, 0.30, 0.35, 0.05], [0.010, 0.020, 0.015, 0.04])
    >>> fig = funnel_plot(res)
    >>> len(fig.axes[0].collections[0].get_offsets())  # one marker per study
    4
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    yi, se, filled = _funnel_data(res)
    levels = _contour_levels(contours)
    with publication_style():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=figsize)
        se_max = 1.08 * float(np.max(se)) if np.max(se) > 0 else 1.0
        handles = _draw_contours(ax, levels, se_max)
        estimate = getattr(res, "estimate", None)
        ax.scatter(yi[~filled], se[~filled], s=22, marker="o", color="black", linewidths=0.8, zorder=3,
                   gid="studies", label="Observed studies")
        if filled.any():
            ax.scatter(yi[filled], se[filled], s=22, marker="o", facecolors="none", edgecolors="black",
                       linewidths=0.9, zorder=3, gid="filled-studies", label="Filled studies (trim and fill)")
        if estimate is not None and math.isfinite(float(estimate)):
            ax.plot([estimate, estimate], [0, se_max], color="black", linewidth=0.9, zorder=2,
                    gid="estimate-line")
            if pseudo_ci:
                z = float(norm_ppf(0.975))
                ax.plot([estimate - z * se_max, estimate, estimate + z * se_max], [se_max, 0, se_max],
                        color="black", linewidth=0.8, linestyle=(0, (4, 3)), zorder=2, gid="pseudo-ci")
        if egger is not None:
            b0, b1 = _egger_line(egger)
            ax.plot([b0, b0 + b1 * se_max], [0, se_max], color="#0072B2", linewidth=1.2, zorder=2,
                    gid="regression-line", label="Regression line (Egger)")
        _finish_axes(ax, yi, se, se_max, estimate, getattr(res, "measure", None), xlabel, title)
        if legend:
            marker_handles, _ = ax.get_legend_handles_labels()
            ax.legend(handles=handles + marker_handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      borderaxespad=0.0, handlelength=1.4)
        return fig


def _funnel_data(res):
    yi = getattr(res, "yi", None)
    vi = getattr(res, "vi", None)
    if yi is None or vi is None:
        raise DataError(f"funnel_plot needs a result with per-study 'yi' and 'vi', got {type(res).__name__}")
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    if yi.shape != vi.shape or yi.ndim != 1 or yi.size == 0:
        raise DataError(f"funnel_plot: 'yi' and 'vi' must be 1-d of equal length, got {yi.shape} and {vi.shape}")
    filled = getattr(res, "is_filled", None)
    if filled is None:
        filled = getattr(res, "filled", None)
    filled = np.zeros(yi.size, dtype=bool) if filled is None else np.asarray(filled, dtype=bool)
    if filled.shape != yi.shape:
        raise DataError(f"funnel_plot: 'filled' has {filled.size} values for {yi.size} studies")
    return yi, np.sqrt(vi), filled


def _contour_levels(contours) -> list:
    """The contour levels as sorted proportions, or OptionError naming ``contours``."""
    try:
        levels = sorted(check_level(c) for c in contours)
    except (OptionError, TypeError):
        raise OptionError(f"contours={contours!r} must be confidence levels such as (0.90, 0.95, 0.99) or "
                          "(90, 95, 99)") from None
    if len(levels) > len(GREYS) - 1:
        raise OptionError(f"contours={contours!r}: at most {len(GREYS) - 1} levels can be shaded")
    return levels


def _draw_contours(ax, levels, se_max) -> list:
    """Shade the regions between the significance contours; return legend handles."""
    from matplotlib.patches import Patch, Polygon

    from ..report import apa_number

    if not levels:
        return []
    alphas = [1.0 - lv for lv in levels]  # e.g. .10, .05, .01
    shades = list(GREYS[: len(levels) + 1])
    handles = []
    width = 50.0 * se_max  # beyond any axis limit
    ax.add_patch(Polygon([(-width, 0), (width, 0), (width, se_max), (-width, se_max)], closed=True,
                         facecolor=shades[-1], edgecolor="none", zorder=0, gid="contour-region"))
    for i, lv in enumerate(reversed(levels)):
        z = float(norm_ppf(1.0 - (1.0 - lv) / 2.0))
        ax.add_patch(Polygon([(0, 0), (-z * se_max, se_max), (z * se_max, se_max)], closed=True,
                             facecolor=shades[len(levels) - 1 - i], edgecolor="none", zorder=0,
                             gid="contour-region"))
    text = [apa_number(a, 2, bounded=True) for a in alphas]
    handles.append(Patch(facecolor=shades[0], edgecolor="0.6", linewidth=0.5, label=f"p > {text[0]}"))
    for j in range(1, len(alphas)):
        handles.append(Patch(facecolor=shades[j], edgecolor="0.6", linewidth=0.5,
                             label=f"{text[j]} < p \u2264 {text[j - 1]}"))
    handles.append(Patch(facecolor=shades[-1], edgecolor="0.6", linewidth=0.5, label=f"p \u2264 {text[-1]}"))
    return handles


def _egger_line(egger) -> tuple:
    """(b0, b1) of the line y = b0 + b1 * SE from an Egger result, a dict or a pair."""
    if isinstance(egger, (tuple, list)) and len(egger) == 2:
        return float(egger[0]), float(egger[1])
    get = (lambda k: egger.get(k)) if isinstance(egger, dict) else (lambda k: getattr(egger, k, None))
    b0, b1 = get("limit_estimate"), get("intercept")
    if b0 is None or b1 is None:
        raise DataError("funnel_plot: egger must be an egger_test() result, a dict with 'limit_estimate' and "
                        f"'intercept', or a pair (b0, b1); got {type(egger).__name__}")
    return float(b0), float(b1)


def _finish_axes(ax, yi, se, se_max, estimate, measure, xlabel, title) -> None:
    z = float(norm_ppf(0.975))  # the pseudo 95% region must fit
    centre = 0.0 if estimate is None or not math.isfinite(float(estimate)) else float(estimate)
    lo = min(float(np.min(yi)), centre - z * se_max, -z * se_max)
    hi = max(float(np.max(yi)), centre + z * se_max, z * se_max)
    pad = 0.05 * (hi - lo)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(se_max, 0.0)
    ax.set_ylabel("Standard error")
    symbol = reported_label(measure)
    ax.set_xlabel(xlabel if xlabel is not None else AXIS_TITLES.get(symbol, symbol))
    if title:
        ax.set_title(title)
