"""Figures of session-level mixed models: within/between coefficients and predicted trajectories per condition.

Both draw what :mod:`ruptstats.mixed` computed (a :class:`~ruptstats.mixed.SessionModelResult`'s effects, the table
of :func:`~ruptstats.mixed.predict_trajectories`); nothing is estimated here.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError
from ._common import as_frame, level_text, require_columns
from .conditions import CONDITION_LABELS, _axes
from .style import PALETTE, publication_style

__all__ = ["coefficient_plot", "predicted_trajectory_plot"]

#: Marker colour and shape of each part of a session-level predictor (distinct in greyscale by shape).
_PART_STYLE = {"within": (PALETTE[1], "o"), "between": (PALETTE[2], "s"), "total": (PALETTE[0], "D")}
#: Line colour, marker and line style of each condition's predicted trajectory.
_LINE_STYLE = {"none": (PALETTE[0], "^", (0, (1, 1.5))), "unrepaired": (PALETTE[2], "s", (0, (4, 2))),
               "repaired": (PALETTE[1], "o", "-")}


def coefficient_plot(result, *, ax=None, xlabel=None, title=None, figsize=(4.4, None)):
    """Within- and between-client effects with their confidence intervals, one row each.

    Parameters
    ----------
    result : SessionModelResult or pandas.DataFrame
        :func:`ruptstats.mixed.session_model`'s result, or its ``summary_frame()``: columns ``predictor``,
        ``part`` (``within``, ``between`` or ``total``), ``estimate``, ``ci_lower``, ``ci_upper``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default: a new figure.
    xlabel : str, optional
        Axis title; default: ``"Effect on <outcome> in the next session"`` for a result, ``"Estimate"`` for a table.
    title : str, optional
        Figure title.
    figsize : (float, float or None), default (4.4, None)
        Size in inches of a new figure; a height of None grows with the number of rows.

    Returns
    -------
    matplotlib.figure.Figure
        One point (gid ``estimate-<predictor>-<part>``) and one CI line (gid ``ci-<predictor>-<part>``) per row,
        top to bottom in the table's order, and the dotted line of no effect (gid ``zero``).

    Raises
    ------
    DataError
        A missing column, an empty table, or a ``part`` other than within, between and total.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> effects = pd.DataFrame({"predictor": ["rupture"] * 2, "part": ["within", "between"],
    ...                         "estimate": [-0.3, -0.8], "ci_lower": [-0.5, -1.6], "ci_upper": [-0.1, 0.0]})
    >>> fig = coefficient_plot(effects)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['rupture (within)', 'rupture (between)']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    frame = as_frame(result, "coefficient_plot")
    require_columns(frame, ("predictor", "part", "estimate", "ci_lower", "ci_upper"), "coefficient_plot")
    bad = sorted(set(map(str, frame["part"])) - set(_PART_STYLE))
    if bad:
        raise DataError(f"coefficient_plot: column 'part' must hold within, between or total, got {bad}")
    if xlabel is None:
        outcome = getattr(result, "outcome", None)
        lag = getattr(result, "lag", 1)
        later = "the next session" if lag == 1 else f"{lag} sessions later"
        xlabel = f"Effect on {outcome} in {later}" if outcome else "Estimate"
    level = getattr(getattr(result, "model", None), "level", None)
    n = len(frame)
    width, height = figsize
    with publication_style():
        fig, ax = _axes(ax, (width, height if height is not None else 0.9 + 0.38 * n))
        ax.axvline(0.0, color="0.5", linewidth=0.8, linestyle=(0, (1, 2)), zorder=1, gid="zero")
        y = np.arange(n)[::-1].astype(float)
        seen = set()
        for yi, r in zip(y, frame.itertuples(index=False)):
            colour, marker = _PART_STYLE[str(r.part)]
            ax.plot([r.ci_lower, r.ci_upper], [yi, yi], color=colour, linewidth=1.4, zorder=2,
                    gid=f"ci-{r.predictor}-{r.part}")
            label = None if r.part in seen else str(r.part).capitalize()
            seen.add(r.part)
            ax.plot([r.estimate], [yi], color=colour, marker=marker, markersize=6, linestyle="none", zorder=3,
                    gid=f"estimate-{r.predictor}-{r.part}", label=label)
        ax.set_yticks(y)
        ax.set_yticklabels([f"{r.predictor} ({r.part})" for r in frame.itertuples(index=False)])
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(xlabel + (f" ({level_text(level)} CI)" if level is not None else ""))
        if title:
            ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        return fig


def predicted_trajectory_plot(predictions, *, session="session", condition="condition", band=True, ax=None,
                              xlabel="Session", ylabel="Predicted outcome", title=None, level=0.95,
                              figsize=(4.2, 3.2)):
    """Predicted outcome per condition over sessions, with confidence bands.

    Parameters
    ----------
    predictions : pandas.DataFrame
        :func:`ruptstats.mixed.predict_trajectories`'s table: the ``session`` and ``condition`` columns,
        ``estimate``, ``ci_lower``, ``ci_upper``.
    session, condition : str
        The names of those two columns.
    band : bool, default True
        Shade each condition's confidence interval.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default: a new figure of ``figsize``.
    xlabel, ylabel, title : str, optional
        Axis titles and title.
    level : float, default 0.95
        The level the predictions were made with, for the legend.
    figsize : (float, float), default (4.2, 3.2)

    Returns
    -------
    matplotlib.figure.Figure
        One line per condition (gid ``prediction-<condition>``, in the order none, unrepaired, repaired, then
        others) and, with ``band``, one band each (gid ``band-<condition>``).

    Raises
    ------
    DataError
        A missing column or an empty table.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> p = pd.DataFrame({"condition": ["none"] * 2 + ["repaired"] * 2, "session": [1, 10] * 2,
    ...                   "estimate": [5.0, 5.5, 5.0, 6.0], "ci_lower": [4.5, 5.0, 4.4, 5.4],
    ...                   "ci_upper": [5.5, 6.0, 5.6, 6.6]})
    >>> fig = predicted_trajectory_plot(p)
    >>> [line.get_gid() for line in fig.axes[0].lines]
    ['prediction-none', 'prediction-repaired']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from .._checks import check_level

    level = check_level(level)
    frame = as_frame(predictions, "predicted_trajectory_plot")
    require_columns(frame, (session, condition, "estimate", "ci_lower", "ci_upper"), "predicted_trajectory_plot")
    present = list(dict.fromkeys(map(str, frame[condition])))
    order = [c for c in _LINE_STYLE if c in present] + [c for c in present if c not in _LINE_STYLE]
    labels = frame[condition].astype(str).to_numpy()
    with publication_style():
        fig, ax = _axes(ax, figsize)
        for i, cond in enumerate(order):
            colour, marker, style = _LINE_STYLE.get(cond, (PALETTE[i % len(PALETTE)], "D", "-."))
            part = frame[labels == cond].sort_values(session)
            x = part[session].to_numpy(dtype=float)
            if band:
                ax.fill_between(x, part["ci_lower"].to_numpy(dtype=float), part["ci_upper"].to_numpy(dtype=float),
                                color=colour, alpha=0.15, linewidth=0, zorder=1, gid=f"band-{cond}")
            ax.plot(x, part["estimate"].to_numpy(dtype=float), color=colour, marker=marker, markersize=4,
                    linestyle=style, linewidth=1.4, zorder=3, gid=f"prediction-{cond}",
                    label=CONDITION_LABELS.get(cond, cond))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        handles, names = ax.get_legend_handles_labels()
        if band:
            from matplotlib.patches import Patch

            handles.append(Patch(facecolor="0.5", alpha=0.3, linewidth=0))
            names.append(f"{level_text(level)} CI")
        ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                  handlelength=2.2)
        return fig
