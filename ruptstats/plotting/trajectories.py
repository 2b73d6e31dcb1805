"""Figures of session studies: the alliance around a rupture (the V-shape) and client counts under several rules.

Both draw a table made by :mod:`ruptstats.sessions` as it is (:func:`~ruptstats.sessions.alliance_around_ruptures`,
:func:`~ruptstats.sessions.compare_rules`); nothing is estimated here.
"""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import DataError
from ._common import as_frame, level_text, pyplot, require_columns
from .conditions import CONDITION_LABELS, _axes
from .style import GREYS, PALETTE, publication_style

__all__ = ["trajectory_plot", "rules_plot"]

#: Line colour, marker and line style of each rupture condition (distinct in greyscale: blue and orange differ
#: in lightness, and the line styles differ).
_TRAJECTORY_STYLE = {"unrepaired": (PALETTE[2], "s", (0, (4, 2))), "repaired": (PALETTE[1], "o", "-")}
#: Bar fill of each condition in the rule comparison (light grey, orange, blue: three lightnesses).
_BAR_COLOURS = {"none": GREYS[1], "unrepaired": PALETTE[2], "repaired": PALETTE[1]}


def trajectory_plot(frame, *, ax=None, level: float = 0.95, band: bool = True,
                    xlabel="Session relative to the rupture session", ylabel="Alliance (mean)", title=None,
                    figsize=(4.2, 3.2)):
    """Mean alliance by session relative to the rupture session, repaired vs unrepaired, with a CI band.

    Parameters
    ----------
    frame : pandas.DataFrame
        The output of :func:`ruptstats.sessions.alliance_around_ruptures`: columns ``condition`` (``repaired`` /
        ``unrepaired``), ``offset``, ``n_clients``, ``mean``, ``ci_lower``, ``ci_upper``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default: a new figure of ``figsize``.
    level : float, default 0.95
        The confidence level ``frame`` was made with (``alliance_around_ruptures(level=...)``), for the legend.
    band : bool, default True
        Shade each condition's confidence interval (offsets where fewer than two clients leave it undefined
        are not shaded).
    xlabel, ylabel, title : str, optional
        Axis titles and title.
    figsize : (float, float), default (4.2, 3.2)
        Size in inches of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        A column is missing, the table is empty, or ``condition`` holds another value.

    Notes
    -----
    Stiles et al. (2004) described rupture-repair sequences as V-shaped: the alliance drops in the rupture
    session (offset 0, the dotted vertical line) and recovers after a repair. The legend gives each condition's
    number of clients at offset 0.

    References
    ----------
    Stiles, W. B., Glick, M. J., Osatuke, K., Hardy, G. E., Shapiro, D. A., Agnew-Davies, R., Rees, A., &
    Barkham, M. (2004). Patterns of alliance development and the rupture-repair hypothesis: Are productive
    relationships U-shaped or V-shaped? *Journal of Counseling Psychology, 51*(1), 81-92.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from ruptstats.sessions import alliance_around_ruptures
    >>> d = pd.DataFrame({"client": list("aaabbb"), "session": [1, 2, 3] * 2, "alliance": [5., 2, 5, 4, 4, 1],
    ...                   "rupture": [False, True, False, False, False, True],
    ...                   "repaired": [False, True, False, False, False, False]})
    >>> fig = trajectory_plot(alliance_around_ruptures(d, before=1, after=1))
    >>> [line.get_gid() for line in fig.axes[0].lines]
    ['rupture-session', 'mean-unrepaired', 'mean-repaired']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from .._checks import check_level

    level = check_level(level)
    frame = as_frame(frame, "trajectory_plot")
    require_columns(frame, ("condition", "offset", "n_clients", "mean", "ci_lower", "ci_upper"), "trajectory_plot")
    conditions = [str(c) for c in frame["condition"]]
    bad = sorted(set(conditions) - set(_TRAJECTORY_STYLE))
    if bad:
        raise DataError(f"trajectory_plot: column 'condition' must hold 'unrepaired' or 'repaired', got {bad}")
    with publication_style():
        fig, ax = _axes(ax, figsize)
        offsets = frame["offset"].to_numpy(dtype=float)
        ax.axvline(0.0, color="0.5", linewidth=0.8, linestyle=(0, (1, 2)), zorder=1, gid="rupture-session")
        for cond, (colour, marker, style) in _TRAJECTORY_STYLE.items():
            part = frame[np.asarray(conditions) == cond].sort_values("offset")
            if part.empty:
                continue
            x = part["offset"].to_numpy(dtype=float)
            mean = part["mean"].to_numpy(dtype=float)
            if band:
                ax.fill_between(x, part["ci_lower"].to_numpy(dtype=float), part["ci_upper"].to_numpy(dtype=float),
                                color=colour, alpha=0.18, linewidth=0, zorder=1, gid=f"band-{cond}")
            ax.plot(x, mean, color=colour, marker=marker, markersize=4.5, linestyle=style, linewidth=1.4,
                    zorder=3, gid=f"mean-{cond}", label=f"{CONDITION_LABELS[cond]} (n = {_n_at_zero(part)})")
        if band:
            from matplotlib.patches import Patch

            handles, labels = ax.get_legend_handles_labels()
            handles.append(Patch(facecolor="0.5", alpha=0.3, linewidth=0))
            labels.append(f"{level_text(level)} CI")
        ticks = np.arange(math.floor(np.nanmin(offsets)), math.ceil(np.nanmax(offsets)) + 1)
        ax.set_xticks(ticks)
        ax.set_xlim(ticks[0] - 0.3, ticks[-1] + 0.3)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        if band:
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                      handlelength=2.2)
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, handlelength=2.2)
        return fig


def rules_plot(counts, *, level: str = "client", proportions: bool = True, title=None, width: float = 4.6):
    """Clients (or sessions) per condition under each classification rule: stacked bars, one panel per study.

    Parameters
    ----------
    counts : pandas.DataFrame
        The output of :func:`ruptstats.sessions.compare_rules` (or
        :func:`~ruptstats.sessions.condition_counts`): columns ``rule``, ``condition``, ``n`` and optionally
        ``study`` and ``level``.
    level : {"client", "session"}, default "client"
        Which counts to draw when ``counts`` has a ``level`` column.
    proportions : bool, default True
        Bar lengths as shares of each rule's total (the counts are written in the bars either way); False:
        the counts themselves.
    title : str, optional
        Figure title.
    width : float, default 4.6
        Figure width in inches (the height grows with the number of rules and studies).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        A column is missing, no row at ``level``, or ``condition`` holds another value.
    OptionError
        ``level`` not "client" or "session".

    Notes
    -----
    One horizontal bar per rule, split into none, unrepaired and repaired in that order; each study's panel lists the
    rules that study has rows for (in their order of first appearance). Proportions are the
    counts divided by the rule's total (a change of scale; nothing is estimated). A rule with no clients has no
    bar.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"rule": ["A"] * 3 + ["B"] * 3, "condition": ["none", "unrepaired", "repaired"] * 2,
    ...                        "n": [5, 3, 2, 8, 2, 0]})
    >>> fig = rules_plot(counts)
    >>> [round(float(p.get_width()), 2) for p in fig.axes[0].patches]
    [0.5, 0.8, 0.3, 0.2, 0.2, 0.0]
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from .._checks import check_choice

    level = check_choice("level", level, ["client", "session"])
    frame = as_frame(counts, "rules_plot")
    require_columns(frame, ("rule", "condition", "n"), "rules_plot")
    if "level" in frame.columns:
        frame = frame[frame["level"].astype(str) == level]
        if frame.empty:
            raise DataError(f"rules_plot: no rows with level '{level}' in the counts")
    bad = sorted(set(map(str, frame["condition"])) - set(_BAR_COLOURS))
    if bad:
        raise DataError(f"rules_plot: column 'condition' must hold none, unrepaired or repaired, got {bad}")
    studies = list(dict.fromkeys(map(str, frame["study"]))) if "study" in frame.columns else [""]
    parts = [frame if "study" not in frame.columns else frame[frame["study"].astype(str) == study]
             for study in studies]
    rules = [list(dict.fromkeys(map(str, part["rule"]))) for part in parts]  # each panel: its own study's rules
    with publication_style():
        plt = pyplot()
        height = 0.7 + sum(0.45 + 0.32 * len(r) for r in rules)
        fig, axes = plt.subplots(len(studies), 1, figsize=(width, height), sharex=True, squeeze=False,
                                 gridspec_kw={"height_ratios": [0.45 / 0.32 + len(r) for r in rules]})
        for ax, study, part, own in zip(axes[:, 0], studies, parts, rules):
            _rule_bars(ax, part, own, proportions)
            if study:
                ax.set_title(study, loc="left", fontsize=9.0)
        unit = "clients" if level == "client" else "sessions"
        axes[-1, 0].set_xlabel(f"Proportion of {unit}" if proportions else f"Number of {unit}")
        handles = [_patch(c) for c in _BAR_COLOURS]
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, handlelength=1.2)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig


def _n_at_zero(part) -> int:
    at = part.loc[part["offset"].to_numpy(dtype=float) == 0, "n_clients"]
    return int(at.iloc[0]) if len(at) else 0


def _patch(condition):
    from matplotlib.patches import Patch

    return Patch(facecolor=_BAR_COLOURS[condition], edgecolor="black", linewidth=0.5,
                 label=CONDITION_LABELS[condition])


def _rule_bars(ax, part, rules, proportions: bool) -> None:
    """One stacked horizontal bar per rule (top to bottom in the order given), counts written inside."""
    n = {(str(r), str(c)): float(v) for r, c, v in zip(part["rule"], part["condition"], part["n"])}
    y = np.arange(len(rules))[::-1].astype(float)
    left = np.zeros(len(rules))
    totals = np.array([sum(n.get((r, c), 0.0) for c in _BAR_COLOURS) for r in rules])
    for cond, colour in _BAR_COLOURS.items():
        counts = np.array([n.get((r, cond), 0.0) for r in rules])
        with np.errstate(invalid="ignore", divide="ignore"):
            length = np.where(totals > 0, counts / totals, 0.0) if proportions else counts
        bars = ax.barh(y, length, left=left, height=0.62, color=colour, edgecolor="black", linewidth=0.5,
                       zorder=2, gid=f"bars-{cond}")
        for bar, k, start, size in zip(bars, counts, left, length):
            bar.set_gid(f"bar-{cond}")
            if k > 0 and size >= (0.06 if proportions else 0.06 * max(totals.max(), 1)):
                ax.text(start + size / 2, bar.get_y() + bar.get_height() / 2, f"{int(k)}", ha="center",
                        va="center", fontsize=7.5, color="white" if cond == "repaired" else "black", zorder=3)
        left = left + length
    ax.set_yticks(y, rules)
    ax.tick_params(axis="y", length=0)
    if proportions:
        ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-0.6, len(rules) - 0.4)
