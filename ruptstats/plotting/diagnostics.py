"""Heterogeneity diagnostics: Baujat plot and GOSH plot."""

from __future__ import annotations

import numpy as np

from .._checks import check_number
from ..exceptions import DataError
from ._common import as_frame, format_axis, pyplot, require_columns, scale_for
from .style import publication_style

__all__ = ["baujat_plot", "gosh_plot"]


def baujat_plot(data, *, labels="all", xlabel="Contribution to overall heterogeneity",
                ylabel="Influence on overall result", title=None, figsize=(4.5, 3.6)):
    r"""Baujat plot: each study's contribution to Q against its influence on the pooled estimate.

    Parameters
    ----------
    data : pandas.DataFrame or result
        One row per study with columns ``study``, ``x`` (contribution to the Q statistic) and ``y``
        (influence on the pooled result), as metafor's ``baujat()`` returns them; or a result whose
        ``summary_frame()`` / ``to_frame()`` gives that table.
    labels : "all", int or None, default "all"
        Which points get their study label: all, the ``n`` points furthest out (largest ``x + y`` after
        scaling each axis to its maximum), or none.
    xlabel, ylabel, title : str, optional
        Axis titles and figure title.
    figsize : (float, float), default (4.5, 3.6)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        Missing columns or rows, or a bad ``labels``.

    Notes
    -----
    :math:`x_i = (y_i - \hat\mu)^2 / v_i` with the common-effect :math:`\hat\mu`, and :math:`y_i` the
    standardized squared change of the pooled estimate when study *i* is left out (Baujat et al., 2002);
    both are computed by the analysis, not here.

    References
    ----------
    Baujat, B., Mahé, C., Pignon, J.-P., & Hill, C. (2002). A graphical method for exploring heterogeneity in
    meta-analyses: Application to a meta-analysis of 65 trials. *Statistics in Medicine, 21*(18), 2641-2652.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> b = pd.DataFrame({"study": ["A", "B", "C"], "x": [0.5, 4.0, 1.0], "y": [0.1, 0.9, 0.3]})
    >>> fig = baujat_plot(b)
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['A', 'B', 'C']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    frame = as_frame(data, "baujat_plot")
    require_columns(frame, ("study", "x", "y"), "baujat_plot")
    x = frame["x"].to_numpy(dtype=float)
    y = frame["y"].to_numpy(dtype=float)
    show = _labelled(x, y, labels)
    with publication_style():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=figsize)
        ax.scatter(x, y, s=22, marker="o", facecolors="none", edgecolors="black", linewidths=0.9, zorder=3,
                   gid="studies")
        xmax = float(np.nanmax(x)) if np.nanmax(x) > 0 else 1.0
        ymax = float(np.nanmax(y)) if np.nanmax(y) > 0 else 1.0
        ax.set_xlim(-0.06 * xmax, 1.12 * xmax)  # room for labels of points near zero
        ax.set_ylim(-0.06 * ymax, 1.12 * ymax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        order = [i for i in np.argsort(-y, kind="stable") if show[i]]
        _place_labels(fig, ax, x[order], y[order], [str(frame["study"].iloc[i]) for i in order])
        return fig


#: Label positions tried in turn (offset in points, alignment): right, left, above, below, diagonals, further.
_CANDIDATES = ((5, 0, "left", "center"), (-5, 0, "right", "center"), (0, 5, "center", "bottom"),
               (0, -5, "center", "top"), (4, 4, "left", "bottom"), (-4, 4, "right", "bottom"),
               (4, -4, "left", "top"), (-4, -4, "right", "top"), (10, 10, "left", "bottom"),
               (10, -10, "left", "top"), (-10, 10, "right", "bottom"), (-10, -10, "right", "top"),
               (0, 14, "center", "bottom"), (0, -14, "center", "top"))


def _place_labels(fig, ax, x, y, texts, fontsize=7.5) -> None:
    """Annotate points, each label where it overlaps the fewest labels placed so far and points, preferring
    positions inside the axes (candidates tried in the order of ``_CANDIDATES``). Layout only."""
    from matplotlib.text import Text

    get_renderer = getattr(fig.canvas, "get_renderer", None)
    renderer = get_renderer() if get_renderer is not None else None
    r = 4.0 * fig.dpi / 72.0  # marker radius in pixels
    points = [(px - r, py - r, px + r, py + r) for px, py in (ax.transData.transform((a, b)) for a, b in zip(x, y))]
    labels = []
    frame = ax.get_window_extent(renderer) if renderer is not None else None
    for xi, yi, text in zip(x, y, texts):
        best = None
        for dx, dy, ha, va in _CANDIDATES if renderer is not None else _CANDIDATES[:1]:
            leader = {"arrowprops": {"arrowstyle": "-", "color": "0.5", "linewidth": 0.5, "shrinkA": 1,
                                     "shrinkB": 4}} if max(abs(dx), abs(dy)) > 5 else {}
            ann = ax.annotate(text, (xi, yi), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                              fontsize=fontsize, annotation_clip=False, gid="study-label", **leader)
            if renderer is None:
                best = (0, ann, None)
                break
            ann.update_positions(renderer)
            box = Text.get_window_extent(ann, renderer)  # the text alone, without the leader line
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            score = (2 * sum(_overlap(box, t) for t in points) + 4 * sum(_overlap(box, t) for t in labels)
                     + (0 if inside else 3))
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, ann, box)
            else:
                ann.remove()
            if score == 0:
                break
        if best[2] is not None:
            labels.append((best[2].x0, best[2].y0, best[2].x1, best[2].y1))


def _overlap(box, other) -> bool:
    x0, y0, x1, y1 = other
    return box.x0 < x1 and x0 < box.x1 and box.y0 < y1 and y0 < box.y1


def _labelled(x, y, labels) -> np.ndarray:
    if labels is None:
        return np.zeros(x.size, dtype=bool)
    if isinstance(labels, str) and labels == "all":
        return np.ones(x.size, dtype=bool)
    if isinstance(labels, (int, np.integer)) and not isinstance(labels, bool) and labels >= 0:
        sx = x / np.nanmax(x) if np.nanmax(x) > 0 else x
        sy = y / np.nanmax(y) if np.nanmax(y) > 0 else y
        show = np.zeros(x.size, dtype=bool)
        show[np.argsort(-(sx + sy), kind="stable")[:labels]] = True
        return show
    raise DataError(f"baujat_plot: labels={labels!r} is not allowed; use 'all', a whole number >= 0, or None")


def gosh_plot(data, *, measure=None, back_transform: bool = True, bins: int = 40, xlabel=None, title=None,
              figsize=(5.0, 4.2)):
    r"""GOSH plot: estimate against I² for every fitted subset of studies, with marginal histograms.

    Parameters
    ----------
    data : pandas.DataFrame or result
        One row per subset with columns ``estimate`` (analysis scale) and ``i2`` (percent), as metafor's
        ``gosh()`` returns them (other columns are ignored); or a result whose ``summary_frame()`` /
        ``to_frame()`` gives that table.
    measure : str, optional
        The measure of ``estimate`` (default ``data.attrs["measure"]`` or the result's ``measure``).
    back_transform : bool, default True
        Draw estimates on the reported scale (r for ``ZCOR``; ratios on a log axis).
    bins : int, default 40
        Number of histogram bins.
    xlabel, title : str, optional
        Axis title of the estimate and figure title.
    figsize : (float, float), default (5.0, 4.2)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Axes: the scatter (first), the histogram of estimates (top) and of I² (right). The scatter is
        rasterized in PDF and SVG files, so millions of subsets still give a small file.

    Raises
    ------
    DataError
        Missing columns or rows.
    OptionError
        ``bins`` not a whole number >= 1.

    References
    ----------
    Olkin, I., Dahabreh, I. J., & Trikalinos, T. A. (2012). GOSH - a graphical display of study
    heterogeneity. *Research Synthesis Methods, 3*(3), 214-223.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> g = pd.DataFrame({"estimate": [0.2, 0.25, 0.3, 0.22], "i2": [10.0, 40.0, 55.0, 0.0]})
    >>> fig = gosh_plot(g)
    >>> len(fig.axes[0].collections[0].get_offsets()), fig.axes[0].get_ylabel()
    (4, 'I² (%)')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    bins = check_number("bins", bins, low=1, integer=True)
    frame = as_frame(data, "gosh_plot")
    require_columns(frame, ("estimate", "i2"), "gosh_plot")
    if measure is None:
        measure = frame.attrs.get("measure", getattr(data, "measure", None))
    with publication_style():
        scale = scale_for(measure, back_transform=back_transform, transform_values=True, xlabel=xlabel)
        est = scale.apply(frame["estimate"].to_numpy(dtype=float))
        i2 = frame["i2"].to_numpy(dtype=float)
        plt = pyplot()
        fig = plt.figure(figsize=figsize)
        grid = fig.add_gridspec(2, 2, width_ratios=(4, 1), height_ratios=(1, 4), wspace=0.05, hspace=0.05)
        ax = fig.add_subplot(grid[1, 0])
        top = fig.add_subplot(grid[0, 0], sharex=ax)
        right = fig.add_subplot(grid[1, 1], sharey=ax)
        alpha = float(np.clip(30.0 / np.sqrt(max(len(est), 1)), 0.05, 0.8))
        ax.scatter(est, i2, s=4, marker="o", color="black", alpha=alpha, linewidths=0, rasterized=True,
                   gid="subsets")
        if scale.log:
            ax.set_xscale("log")
            edges = np.geomspace(np.nanmin(est), np.nanmax(est), bins + 1) if np.nanmin(est) > 0 else bins
        else:
            edges = bins
        top.hist(est, bins=edges, color="0.55", edgecolor="white", linewidth=0.3, gid="estimate-histogram")
        right.hist(i2, bins=bins, orientation="horizontal", color="0.55", edgecolor="white", linewidth=0.3,
                   gid="i2-histogram")
        for hist_ax, base in ((top, "bottom"), (right, "left")):
            hist_ax.tick_params(left=False, bottom=False, labelleft=False, labelbottom=False)
            for side in ("top", "right", "left", "bottom"):
                hist_ax.spines[side].set_visible(side == base)
        format_axis(ax.xaxis, scale)
        ax.set_xlabel(scale.title)
        ax.set_ylabel("I\u00b2 (%)")
        if title:
            top.set_title(title)
        return fig
