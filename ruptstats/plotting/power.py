"""Power curves: the power of a planned meta-analysis or primary study against the number of studies or clients.

Draws the tables of :mod:`ruptstats.power` as they are (:func:`~ruptstats.power.power_curve`,
:func:`~ruptstats.power.simulate_power`); nothing is estimated here.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, OptionError
from ._common import as_frame, require_columns
from .conditions import _axes
from .style import PALETTE, publication_style

__all__ = ["power_plot"]

#: Axis titles of the columns a power curve is usually drawn against.
AXIS_TITLES = {
    "k": "Number of studies (k)",
    "n1": "Group size per study (n1)",
    "n2": "Group size per study (n2)",
    "n_clients": "Number of clients",
    "n_sessions": "Sessions per client",
    "n_therapists": "Therapists per study",
    "true_smd": "True standardised mean difference",
    "tau2": "Between-study variance (\u03c4\u00b2)",
    "rupture_rate": "Rupture rate per session",
    "repair_probability": "Probability of repair",
}
#: How a grouping column is named in the legend.
LEGEND_NAMES = {"true_smd": "\u03b4", "tau2": "\u03c4\u00b2", "k": "k", "n_clients": "clients"}
#: Result columns of power tables: never used to tell curves apart.
_RESULTS = ("power", "power_se", "n_reps", "mean_estimate", "n_analysed")
_MARKERS = ("o", "s", "^", "D", "v", "P")
_LINESTYLES = ("-", (0, (5, 1.5)), (0, (1, 1.2)), (0, (6, 1.5, 1, 1.5)))


def _groups(frame, x, y, by):
    """The grouping columns: ``by`` as given (a name or a list), or every other parameter column that varies."""
    if by is None:
        return [c for c in frame.columns if c not in (x, y, *_RESULTS) and frame[c].nunique(dropna=False) > 1]
    by = [by] if isinstance(by, str) else list(by)
    require_columns(frame, by, "power_plot")
    return by


def _label(keys, names) -> str:
    parts = []
    for name, value in zip(names, keys):
        shown = f"{value:g}" if isinstance(value, (int, float, np.integer, np.floating)) else str(value)
        parts.append(f"{LEGEND_NAMES.get(name, name)} = {shown}")
    return ", ".join(parts)


def power_plot(curves, *, x: str = "k", y: str = "power", by=None, target: float | None = 0.80,
               errorbars: bool = True, ax=None, xlabel=None, ylabel="Power", title=None, figsize=(4.6, 3.2)):
    r"""Power curves: power against ``x``, one line per effect size or design, and a dashed line at the target.

    Parameters
    ----------
    curves : pandas.DataFrame
        A power table: the output of :func:`ruptstats.power.power_curve` (columns ``true_smd, k, n1, n2, tau2,
        power``) or of :func:`ruptstats.power.simulate_power` (the design's fields, ``true_smd``, ``power``,
        ``power_se``, ...).
    x : str, default "k"
        The column on the x axis (``"k"`` for :func:`~ruptstats.power.power_curve`, e.g. ``"n_clients"`` for
        :func:`~ruptstats.power.simulate_power`).
    y : str, default "power"
        The column on the y axis (shares from 0 to 1).
    by : str or list of str, optional
        The columns that tell the curves apart (one line per combination, named in the legend). Default: every
        column other than ``x``, ``y`` and the result columns (``power_se, n_reps, mean_estimate,
        n_analysed``) whose value varies between rows, e.g. ``true_smd`` for curves of several effect sizes.
    target : float or None, default 0.80
        The conventional power target, drawn as a dashed horizontal line; None: no line.
    errorbars : bool, default True
        With a ``power_se`` column (simulated power), draw each point's Monte Carlo standard error as a bar
        (:math:`\pm 1` SE, as given in the table).
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default: a new figure of ``figsize``.
    xlabel, ylabel, title : str, optional
        Axis titles (default ``xlabel``: a title for the usual columns, else the column name) and title.
    figsize : (float, float), default (4.6, 3.2)
        Size in inches of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`ruptstats.plotting.save_figure` (PNG at 300 dpi).

    Raises
    ------
    DataError
        A column is missing, the table is empty, a value of ``x`` or ``y`` is not a finite number, ``y`` lies
        outside [0, 1], or a curve has two rows at one ``x`` (name the columns that tell them apart in ``by``).
    OptionError
        ``target`` not a number strictly between 0 and 1 (or None).

    Notes
    -----
    Each curve's points are joined in order of ``x``; curves differ in colour, marker and line style, so they
    stay apart in greyscale. The lines are named ``curve-1``, ``curve-2``, ... (matplotlib ``gid``), the target
    line ``target``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from ruptstats.power import power_curve
    >>> fig = power_plot(power_curve([0.3, 0.5], range(2, 21), 25, 25, tau2=0.05))
    >>> [(line.get_gid(), line.get_label()) for line in fig.axes[0].lines]
    [('target', '80% power'), ('curve-1', 'δ = 0.3'), ('curve-2', 'δ = 0.5')]
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    frame = as_frame(curves, "power_plot")
    require_columns(frame, (x, y), "power_plot")
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float, np.number))
                               or not 0.0 < float(target) < 1.0):
        raise OptionError(f"target={target!r} must be a number strictly between 0 and 1, or None")
    values = {}
    for name in (x, y):
        try:
            values[name] = frame[name].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"power_plot: column {name!r} must hold numbers") from None
        if not np.isfinite(values[name]).all():
            raise DataError(f"power_plot: column {name!r} holds a missing or infinite value (row "
                            f"{int(np.flatnonzero(~np.isfinite(values[name]))[0]) + 1})")
    if ((values[y] < 0) | (values[y] > 1)).any():
        raise DataError(f"power_plot: column {y!r} must hold shares between 0 and 1")
    by = _groups(frame, x, y, by)
    se = frame["power_se"].to_numpy(dtype=float) if errorbars and "power_se" in frame.columns else None
    keys = list(frame[by].itertuples(index=False, name=None)) if by else [()] * len(frame)
    order = list(dict.fromkeys(keys))
    with publication_style():
        fig, ax = _axes(ax, figsize)
        if target is not None:
            ax.axhline(float(target), color="0.45", linewidth=0.9, linestyle=(0, (4, 2.5)), zorder=1, gid="target",
                       label=f"{100 * float(target):g}% power")
        for i, key in enumerate(order):
            rows = np.flatnonzero([k == key for k in keys])
            xs = values[x][rows]
            if len(np.unique(xs)) < len(xs):
                raise DataError(f"power_plot: the curve {_label(key, by) or 'of all rows'} has several rows at one "
                                f"{x}; name the columns that tell them apart in by= (now {by})")
            rows = rows[np.argsort(xs, kind="stable")]
            style = dict(color=PALETTE[i % len(PALETTE)], marker=_MARKERS[i % len(_MARKERS)],
                         linestyle=_LINESTYLES[i % len(_LINESTYLES)], linewidth=1.3, zorder=3,
                         markersize=3.5 if len(rows) > 12 else 4.5)
            ax.plot(values[x][rows], values[y][rows], gid=f"curve-{i + 1}", label=_label(key, by) or "Power",
                    **style)
            if se is not None:
                ax.errorbar(values[x][rows], values[y][rows], yerr=se[rows], fmt="none", ecolor=style["color"],
                            elinewidth=0.8, capsize=2.0, zorder=2, gid=f"se-{i + 1}")
        ax.set_ylim(0.0, 1.0)
        ax.set_xlabel(AXIS_TITLES.get(x, x) if xlabel is None else xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, handlelength=2.4,
                  title="Bars: \u00b1 1 Monte Carlo SE" if se is not None else None, title_fontsize=8.0,
                  alignment="left")
        return fig
