"""Bubble plot of a meta-regression on one moderator."""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError
from ._common import AXIS_TITLES, format_axis, pyplot, require_columns, scale_for
from .style import publication_style

__all__ = ["bubble_plot"]


def bubble_plot(result=None, *, moderator=None, x=None, yi=None, weight=None, intercept=None, slope=None,
                band=None, measure=None, back_transform: bool = False, labels=None, xlabel=None, ylabel=None,
                title=None, figsize=(4.5, 3.6)):
    r"""Bubble plot: effect sizes against a moderator, bubbles sized by weight, with the fitted line.

    Parameters
    ----------
    result : MetaRegressionResult, optional
        A meta-regression on one moderator (:func:`ruptstats.meta.meta_regression`): the moderator column of
        its model matrix, its ``yi``, its ``weight`` (percent) and its coefficients are drawn. Without it,
        give ``x``, ``yi``, ``weight``, ``intercept`` and ``slope``.
    moderator : str, optional
        The term of ``result`` to draw (default: its only moderator term).
    x : array_like, optional
        The moderator value of each study.
    yi : array_like, optional
        The effect sizes (analysis scale), one per study.
    weight : array_like, optional
        The studies' weights in the meta-regression (any positive unit, e.g. percent); bubble areas are
        proportional to them.
    intercept, slope : float, optional
        Coefficients of the fitted line :math:`\hat y = b_0 + b_1 x`; the plot only evaluates this line over
        the range of ``x``.
    band : pandas.DataFrame, optional
        The confidence band of the fitted line from the result, with columns ``x``, ``ci_lower`` and
        ``ci_upper`` (analysis scale), drawn as a grey region.
    measure : str, optional
        The measure of ``yi`` (default: the result's), for the axis title and the back-transformation.
    back_transform : bool, default False
        Draw effect sizes, line and band on the reported scale (r for ``ZCOR``; ratios on a log axis).
    labels : array_like of str, optional
        Study labels written beside the bubbles.
    xlabel, ylabel, title : str, optional
        Axis titles (defaults: the moderator's name, the measure's title) and figure title.
    figsize : (float, float), default (4.5, 3.6)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        A model with more than one moderator term and no ``moderator``, an unknown term, arrays of unequal
        length, no study, or negative weights.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> fig = bubble_plot(x=[1, 2, 3, 4], yi=[0.1, 0.2, 0.35, 0.4], weight=[10, 30, 20, 40], intercept=0.0,
    ...                   slope=0.1)
    >>> len(fig.axes[0].collections[0].get_offsets()), fig.axes[0].lines[0].get_gid()
    (4, 'fitted-line')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    if result is not None:
        x, yi, weight, intercept, slope, name = _from_result(result, moderator)
        measure = getattr(result, "measure", None) if measure is None else measure
        xlabel = name if xlabel is None else xlabel
    missing = [n for n, v in (("x", x), ("yi", yi), ("weight", weight), ("intercept", intercept),
                              ("slope", slope)) if v is None]
    if missing:
        raise DataError(f"bubble_plot needs a meta-regression result or {', '.join(missing)}")
    x = np.asarray(x, dtype=float)
    yi = np.asarray(yi, dtype=float)
    w = np.asarray(weight, dtype=float)
    if not (x.shape == yi.shape == w.shape) or x.ndim != 1 or x.size == 0:
        raise DataError(f"bubble_plot: x, yi and weight must be 1-d of equal length, got {x.shape}, {yi.shape} "
                        f"and {w.shape}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise DataError("bubble_plot: weights must be finite and >= 0")
    xlabel = "Moderator" if xlabel is None else xlabel
    with publication_style():
        scale = scale_for(measure, back_transform=back_transform, transform_values=True)
        plt = pyplot()
        fig, ax = plt.subplots(figsize=figsize)
        if scale.log:
            ax.set_yscale("log")
        if band is not None:
            require_columns(band, ("x", "ci_lower", "ci_upper"), "bubble_plot band")
            ax.fill_between(band["x"].to_numpy(dtype=float), scale.apply(band["ci_lower"]),
                            scale.apply(band["ci_upper"]), color="0.85", linewidth=0, zorder=0,
                            gid="confidence-band")
        grid = np.linspace(np.nanmin(x), np.nanmax(x), 101)
        ax.plot(grid, scale.apply(intercept + slope * grid), color="black", linewidth=1.2, zorder=2,
                gid="fitted-line")
        area = 400.0 * w / w.max() if w.max() > 0 else np.full(w.size, 40.0)
        ax.scatter(x, scale.apply(yi), s=np.maximum(area, 8.0), facecolors="0.75", edgecolors="black",
                   linewidths=0.7, alpha=0.75, zorder=3, gid="studies")
        if labels is not None:
            for xi, yv, lab in zip(x, scale.apply(yi), labels):
                ax.annotate(str(lab), (xi, yv), xytext=(5, 4), textcoords="offset points", fontsize=7,
                            annotation_clip=False)
        ax.axhline(scale.null, color="0.45", linewidth=0.8, linestyle=(0, (4, 3)), zorder=1,
                   gid="reference-line")
        format_axis(ax.yaxis, scale)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel if ylabel is not None else AXIS_TITLES.get(scale.symbol, scale.symbol))
        if title:
            ax.set_title(title)
        return fig


def _from_result(result, moderator):
    """(x, yi, weight, intercept, slope, term) of a one-moderator meta-regression result."""
    terms = list(getattr(result, "terms", ()))
    if not terms or getattr(result, "fit", None) is None:
        raise DataError(f"bubble_plot needs a meta-regression result, got {type(result).__name__}")
    others = [t for t in terms if t != "intercept"]
    if moderator is None:
        if len(others) != 1 or "intercept" not in terms:
            raise DataError(f"bubble_plot draws one moderator with an intercept; the model has terms {terms}: "
                            "name one with moderator=")
        moderator = others[0]
    if moderator not in others:
        raise DataError(f"bubble_plot: moderator={moderator!r} is not a term of the model; choose one of {others}")
    j = terms.index(moderator)
    intercept = float(result.estimate[terms.index("intercept")]) if "intercept" in terms else 0.0
    weight = getattr(result, "weight", None)
    weight = result.fit.weights if weight is None else weight
    return (result.X[:, j], result.yi, weight, intercept, float(result.estimate[j]), moderator)
