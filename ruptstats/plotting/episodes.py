"""Rupture-episode figures: Kaplan-Meier time to repair, a swimmer plot of clients, the alliance around episodes.

Each draws numbers computed in :mod:`ruptstats.episodes` (a :class:`~ruptstats.episodes.TimeToRepair`, the
episode table with :func:`~ruptstats.episodes.client_spans`, :func:`~ruptstats.episodes.alliance_around_episodes`)
and estimates nothing. Save with :func:`ruptstats.plotting.save_figure` (300 dpi).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ._common import pyplot, require_columns
from .style import PALETTE, publication_style

__all__ = ["km_plot", "swimmer_plot", "episode_alliance_plot"]

_DASHES = ("-", "--", ":", "-.")


def km_plot(result, *, risk_table: bool = True, ticks=None, xlabel: str = "Sessions since rupture onset",
            ylabel: str = "Share not yet repaired", title: str | None = None, figsize=(5.0, 4.0)):
    """Kaplan-Meier curves of the time to repair, one per group, with CI bands and a number-at-risk table.

    Parameters
    ----------
    result : TimeToRepair
        :func:`ruptstats.episodes.time_to_repair`'s result; its ``km`` rows are drawn as steps from (0, 1).
    risk_table : bool, default True
        Write the number of episodes still at risk (not yet repaired nor censored) under the axis, per group, at
        each tick: the ``n_risk`` of the first listed time at or after the tick (0 after the last).
    ticks : sequence of int, optional
        x ticks (default 0 to the largest latency).
    xlabel, ylabel, title : str
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
        One line (``Line2D`` labelled by group) and one CI band (``PolyCollection``) per group; the risk table
        as text artists in a second axes (``fig.axes[1]``).
    """
    km = pd.DataFrame(list(getattr(result, "km", ())))
    if km.empty:
        raise DataError("the result has no Kaplan-Meier rows (no episodes) to draw")
    groups = list(dict.fromkeys(km["group"]))
    top = int(np.ceil(km["time"].max()))
    ticks = list(range(0, top + 1, max(1, top // 8 or 1))) if ticks is None else list(ticks)
    with publication_style():
        plt = pyplot()
        fig = plt.figure(figsize=figsize)
        ax = fig.add_axes([0.15, 0.18 + 0.05 * len(groups) * risk_table, 0.8, 0.72 - 0.05 * len(groups) * risk_table])
        for j, g in enumerate(groups):
            rows = km[km["group"] == g]
            x = np.r_[0.0, rows["time"].to_numpy(float)]
            colour = PALETTE[j % len(PALETTE)]
            ax.step(x, np.r_[1.0, rows["survival"].to_numpy(float)], where="post", color=colour,
                    linestyle=_DASHES[j // len(PALETTE) % len(_DASHES)], label=str(g))
            lo = np.r_[1.0, rows["ci_lower"].to_numpy(float, na_value=np.nan)]
            hi = np.r_[1.0, rows["ci_upper"].to_numpy(float, na_value=np.nan)]
            ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.15, linewidth=0)
        ax.set_ylim(0, 1.02)
        ax.set_xlim(min(ticks[0], 0), max(ticks[-1], top, 1))  # every latency 0: still a unit-wide axis
        ax.set_xticks(ticks)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        if len(groups) > 1 or groups[0] != "all":
            ax.legend(frameon=False, title=getattr(result, "by", None))
        if risk_table:
            _risk_table(fig, ax, km, groups, ticks)
    return fig


def _risk_table(fig, ax, km, groups, ticks):
    pos = ax.get_position()
    table = fig.add_axes([pos.x0, 0.02, pos.width, 0.05 * len(groups)], sharex=ax)
    table.set_axis_off()
    table.text(0, 1.0, "Number at risk", transform=table.transAxes, fontsize=8, fontweight="bold", va="bottom")
    for j, g in enumerate(groups):
        rows = km[km["group"] == g]
        times, risk = rows["time"].to_numpy(float), rows["n_risk"].to_numpy(float)
        y = 1 - (j + 0.5) / len(groups)
        table.text(-0.02, y, str(g), transform=table.transAxes, ha="right", va="center", fontsize=8)
        for t in ticks:
            k = np.searchsorted(times, t, side="left")
            n = int(risk[k]) if k < len(risk) else 0
            table.text(t, y, str(n), transform=table.get_xaxis_transform(), ha="center", va="center", fontsize=8)


def swimmer_plot(episodes: pd.DataFrame, spans: pd.DataFrame, *, include_ids: bool = False,
                 xlabel: str = "Session", title: str | None = None, figsize=None):
    """One line per client over its sessions, ruptures (onsets), repairs and dropout marked.

    Parameters
    ----------
    episodes : pandas.DataFrame
        :func:`ruptstats.episodes.rupture_episodes` (``client``, ``onset``, ``repaired``, ``repair_session``).
    spans : pandas.DataFrame
        :func:`ruptstats.episodes.client_spans` of the same sessions (``client``, ``first_session``,
        ``last_session``, ``dropout``): one line each, in its order, top to bottom.
    include_ids : bool, default False
        Label lines with the raw client identifiers; by default ``client 1 … client n`` (pseudonymised by row).

    Returns
    -------
    matplotlib.figure.Figure
        Lines (``LineCollection`` of the spans), markers: onsets (triangles, label ``rupture``), repairs (circles,
        ``repair``), unrepaired ends (crosses, ``unrepaired``), dropout (squares at the last session, ``dropout``).
    """
    require_columns(spans, ["client", "first_session", "last_session"], "spans")
    require_columns(episodes, ["client", "onset", "repaired", "repair_session"], "episodes")
    keys = [c for c in ("study", "client", "rater") if c in spans.columns and c in episodes.columns]
    line = pd.DataFrame({k: spans[k].astype(str).to_numpy() for k in keys})
    line["y"] = np.arange(len(spans))[::-1]
    ep = pd.DataFrame({k: episodes[k].astype(str).to_numpy() for k in keys})
    ep = ep.assign(onset=episodes["onset"].to_numpy(float), repaired=episodes["repaired"].to_numpy(bool),
                   repair=episodes["repair_session"].to_numpy(float, na_value=np.nan)).merge(line, on=keys)
    labels = (spans["client"].astype(str).tolist() if include_ids
              else [f"client {i + 1}" for i in range(len(spans))])
    with publication_style():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=figsize or (5.0, max(2.0, 0.25 * len(spans) + 1)))
        from matplotlib.collections import LineCollection

        y = line["y"].to_numpy(float)
        segs = [[(a, b), (c, b)] for a, c, b in zip(spans["first_session"].to_numpy(float),
                                                  spans["last_session"].to_numpy(float), y)]
        ax.add_collection(LineCollection(segs, colors=PALETTE[0], linewidths=1.2))
        ax.scatter(ep["onset"], ep["y"], marker="v", color=PALETTE[2], zorder=3, label="rupture")
        rep = ep[ep["repaired"]]
        ax.scatter(rep["repair"], rep["y"], marker="o", color=PALETTE[1], zorder=3, label="repair")
        ends = spans["last_session"].to_numpy(float)
        open_ = ep[~ep["repaired"]]
        ax.scatter(ends[len(spans) - 1 - open_["y"].to_numpy(int)], open_["y"], marker="x", color=PALETTE[2],
                   zorder=3, label="unrepaired")
        if "dropout" in spans.columns:
            drop = spans["dropout"].astype("boolean").fillna(False).to_numpy(bool)
            if drop.any():
                ax.scatter(ends[drop], y[drop], marker="s", facecolors="none", edgecolors=PALETTE[0], zorder=4,
                           label="dropout")
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        ax.set_xlabel(xlabel)
        lo, hi = np.nanmin(spans["first_session"].to_numpy(float)), np.nanmax(ends)
        ax.set_xlim(lo - 0.5, hi + 0.5)
        ax.set_ylim(-0.7, len(spans) - 0.3)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if title:
            ax.set_title(title)
    return fig


def episode_alliance_plot(around: pd.DataFrame, *, ylabel: str = "Mean alliance", title: str | None = None,
                          figsize=(5.0, 3.6)):
    """Mean alliance from sessions before the onset to sessions after the repair, repaired vs censored episodes.

    Parameters
    ----------
    around : pandas.DataFrame
        :func:`ruptstats.episodes.alliance_around_episodes` (``status, anchor, offset, position, mean, se``).

    Returns
    -------
    matplotlib.figure.Figure
        One line with ±1 SE error bars per status (label ``repaired`` / ``censored``); a dotted vertical line
        between the onset and the end block; x tick labels ``-k``, ``onset``, ``end``, ``+k``.
    """
    require_columns(around, ["status", "anchor", "offset", "position", "mean", "se"], "around")
    if around.empty:
        raise DataError("no alliance values around episodes to draw")
    with publication_style():
        plt = pyplot()
        fig, ax = plt.subplots(figsize=figsize)
        for j, status in enumerate(("repaired", "censored")):
            rows = around[around["status"] == status]
            if rows.empty:
                continue
            for i, (_, block) in enumerate(rows.groupby("anchor", sort=False)):  # onset and end blocks apart
                ax.errorbar(block["position"], block["mean"], yerr=block["se"].fillna(0), color=PALETTE[j + 1],
                            marker="o", capsize=2, label=status if i == 0 else None)
        ticks = around.drop_duplicates("position").sort_values("position")
        names = [("onset" if o == 0 else f"{o:+d}") if a == "onset" else ("end" if o == 0 else f"+{o}")
                 for a, o in zip(ticks["anchor"], ticks["offset"])]
        ax.set_xticks(ticks["position"].to_numpy())
        ax.set_xticklabels([n.replace("-", "\u2212") for n in names])
        gap = ticks.loc[ticks["anchor"] == "end", "position"]
        if len(gap):
            ax.axvline(gap.min() - 0.5, color=PALETTE[0], linestyle=":", linewidth=0.8)
        ax.set_xlabel("Session relative to onset | to repair (end)")
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False)
        if title:
            ax.set_title(title)
    return fig
