"""The row layout shared by forest-type plots (forest, leave-one-out, cumulative).

A plot is a list of :class:`Row` objects drawn top to bottom: a text column of labels on the left, the
interval panel in the middle and text columns (estimate [CI], weight) on the right. Column widths are
measured from the text itself, so no label is ever cut off, and the figure grows by one row height per row,
so 2 or 500 studies both fit.

Artists carry a ``gid`` naming what they show (``study-ci``, ``study-markers``, ``point-markers``,
``pooled-diamond``, ``subgroup-diamond``, ``prediction-interval``, ``reference-line``, ``header-rule``); the
same names appear as ``id`` attributes in SVG files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._common import Scale, format_axis, pyplot, text_width

__all__ = ["Row", "draw_rows"]

_PAD = 0.08        # inches around the figure content
_GAP = 0.18        # inches between columns
_INDENT = 0.16     # inches per indent level
_AXIS_AREA = 0.55  # inches below the rows for ticks and the axis title
_LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


@dataclass
class Row:
    """One line of a forest-type plot.

    ``kind`` is ``"study"`` (square sized by ``weight``; ``hollow=True`` for studies filled in by trim and
    fill), ``"point"`` (fixed-size dot), ``"diamond"`` (pooled estimate; ``subgroup=True`` draws it grey),
    ``"pi"`` (prediction-interval bar), ``"heading"`` (bold label), ``"note"`` (small text that may run into
    the panel) or ``"blank"``.
    """

    kind: str
    label: str = ""
    estimate: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    weight: float = math.nan
    values: tuple = ()
    indent: int = 0
    subgroup: bool = False
    bold: bool = False
    hollow: bool = False


@dataclass
class Layout:
    """Sizes in inches."""

    row_height: float = 0.2
    panel_width: float = 2.6
    font_size: float = 9.0
    note_size: float = 8.0
    headers: tuple = ()
    label_header: str = "Study"


def draw_rows(rows: list, scale: Scale, layout: Layout, *, xlim=None, title=None, refline=True, reference=None):
    """Draw ``rows`` on a new figure sized to its content; return the figure."""
    plt = pyplot()
    n = len(rows)
    fig = plt.figure(figsize=(6.0, 2.0))
    widths = _column_widths(fig, rows, layout)
    left = _PAD + widths["label"] + _GAP
    right_cols = widths["values"]
    width = left + layout.panel_width + sum(_GAP + w for w in right_cols) + _PAD
    width = max(width, _PAD + widths["note"] + _PAD)
    top = layout.row_height * (1.6 if layout.headers or layout.label_header else 0.5)
    top += layout.row_height * 1.4 if title else 0.0
    height = top + n * layout.row_height + _AXIS_AREA
    fig.set_size_inches(width, height)
    ax = fig.add_axes((left / width, _AXIS_AREA / height, layout.panel_width / width,
                       n * layout.row_height / height))
    ax.set_ylim(n - 0.5, -0.5)
    _set_xaxis(ax, rows, scale, xlim, reference)
    if refline:
        drawn = [y for y, r in enumerate(rows) if r.kind in ("study", "point", "diamond", "pi")]
        ax.plot([scale.null, scale.null], [-0.5, max(drawn, default=n - 1) + 0.5], color="0.45",
                linewidth=0.8, linestyle=(0, (4, 3)), zorder=0, gid="reference-line")
    if reference is not None and math.isfinite(float(reference)):
        ax.plot([reference, reference], [-0.5, n - 0.5], color="0.3", linewidth=0.8, linestyle=(0, (1, 2)),
                zorder=0, gid="estimate-line")
    _draw_intervals(ax, rows, scale, layout)
    _draw_text(fig, ax, rows, layout, left, right_cols, width)
    if title:
        fig.suptitle(title, x=_PAD / width, y=1.0 - 0.3 * layout.row_height / height, ha="left", va="top",
                     fontsize=layout.font_size + 1, fontweight="bold")
    return fig


def _column_widths(fig, rows, layout) -> dict:
    size = layout.font_size
    labels = [text_width(fig, r.label, size, "bold" if (r.bold or r.kind == "heading") else "normal")
              + r.indent * _INDENT for r in rows if r.kind != "note"]
    labels.append(text_width(fig, layout.label_header, size, "bold"))
    notes = [text_width(fig, r.label, layout.note_size, style="italic") + r.indent * _INDENT
             for r in rows if r.kind == "note"]
    ncols = max([len(layout.headers)] + [len(r.values) for r in rows])
    values = []
    for j in range(ncols):
        cells = [text_width(fig, r.values[j], size, "bold" if r.bold else "normal")
                 for r in rows if len(r.values) > j]
        if j < len(layout.headers):
            cells.append(text_width(fig, layout.headers[j], size, "bold"))
        values.append(max(cells))
    return {"label": max(labels), "values": values, "note": max(notes, default=0.0)}


def _set_xaxis(ax, rows, scale: Scale, xlim, reference=None) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    if scale.log:
        ax.set_xscale("log")
    if xlim is None:
        xlim = _auto_xlim(rows, scale, reference)
    ax.set_xlim(*xlim)
    if scale.log:
        ticks = [t for t in _LOG_TICKS if xlim[0] <= t <= xlim[1]]
        if len(ticks) >= 3:
            ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(FixedLocator([]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        format_axis(ax.xaxis, scale)
    ax.set_xlabel(scale.title)
    ax.tick_params(axis="y", left=False, labelleft=False)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def _auto_xlim(rows, scale: Scale, extra=None) -> tuple:
    values = [v for r in rows if r.kind in ("study", "point", "diamond", "pi")
              for v in (r.lower, r.upper, r.estimate) if math.isfinite(v)]
    values.append(scale.null)
    if extra is not None and math.isfinite(float(extra)):
        values.append(float(extra))
    if scale.log:
        values = [math.log(v) for v in values if v > 0]
    lo, hi = min(values), max(values)
    span = hi - lo if hi > lo else 1.0
    lo, hi = lo - 0.04 * span, hi + 0.04 * span
    if scale.log:
        return math.exp(lo), math.exp(hi)
    if scale.bounded:
        lo, hi = max(lo, -1.0), min(hi, 1.0)
    return lo, hi


def _draw_intervals(ax, rows, scale: Scale, layout: Layout) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    half = 0.32  # half height of diamonds and PI caps, in rows
    for kind, gid in (("study", "study-ci"), ("point", "point-ci")):
        segs = [((r.lower, y), (r.upper, y)) for y, r in enumerate(rows)
                if r.kind == kind and math.isfinite(r.lower) and math.isfinite(r.upper)]
        if segs:
            ax.add_collection(LineCollection(segs, colors="black", linewidths=0.9, gid=gid, zorder=2))
    study = [(y, r) for y, r in enumerate(rows) if r.kind == "study" and math.isfinite(r.estimate)]
    if study:
        w = np.array([r.weight for _, r in study], dtype=float)
        max_side = 0.62 * layout.row_height * 72.0
        if np.isfinite(w).any() and np.nanmax(w) > 0:
            side = np.clip(max_side * np.sqrt(np.where(np.isfinite(w), w, 0.0) / np.nanmax(w)), 2.5, max_side)
        else:
            side = np.full(len(study), 0.5 * max_side)
        hollow = np.array([r.hollow for _, r in study])
        for keep, face, gid in ((~hollow, "black", "study-markers"), (hollow, "none", "filled-study-markers")):
            if keep.any():
                ax.scatter([r.estimate for (_, r), k in zip(study, keep) if k],
                           [y for (y, _), k in zip(study, keep) if k], s=side[keep] ** 2, marker="s",
                           facecolors=face, edgecolors="black", linewidths=0 if face == "black" else 0.9,
                           zorder=3, gid=gid)
    points = [(y, r) for y, r in enumerate(rows) if r.kind == "point" and math.isfinite(r.estimate)]
    if points:
        ax.scatter([r.estimate for _, r in points], [y for y, _ in points], s=22, marker="o",
                   color="black", linewidths=0, zorder=3, gid="point-markers")
    for y, r in enumerate(rows):
        if r.kind == "diamond" and all(map(math.isfinite, (r.estimate, r.lower, r.upper))):
            verts = [(r.lower, y), (r.estimate, y - half), (r.upper, y), (r.estimate, y + half)]
            ax.add_patch(Polygon(verts, closed=True, facecolor="0.6" if r.subgroup else "black",
                                 edgecolor="black", linewidth=0.8, zorder=3,
                                 gid="subgroup-diamond" if r.subgroup else "pooled-diamond"))
        elif r.kind == "pi" and math.isfinite(r.lower) and math.isfinite(r.upper):
            cap = 0.6 * half
            ax.add_line(Line2D([r.lower, r.lower, np.nan, r.lower, r.upper, np.nan, r.upper, r.upper],
                               [y - cap, y + cap, np.nan, y, y, np.nan, y - cap, y + cap],
                               color="black", linewidth=1.1, zorder=3, gid="prediction-interval"))


def _draw_text(fig, ax, rows, layout: Layout, left: float, right_cols: list, width: float) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(fig.dpi_scale_trans, ax.transData)
    size = layout.font_size
    x_right = []
    x = left + layout.panel_width
    for w in right_cols:
        x += _GAP + w
        x_right.append(x)
    header_y = -0.5 - 0.8
    if layout.label_header:
        fig.text(_PAD, header_y, layout.label_header, transform=trans, ha="left", va="center",
                 fontsize=size, fontweight="bold", gid="header")
    for xr, head in zip(x_right, layout.headers):
        fig.text(xr, header_y, head, transform=trans, ha="right", va="center", fontsize=size,
                 fontweight="bold", gid="header")
    fig.add_artist(Line2D([_PAD, width - _PAD], [-0.5 - 0.25] * 2, transform=trans, color="black",
                          linewidth=0.6, gid="header-rule"))
    for y, r in enumerate(rows):
        xl = _PAD + r.indent * _INDENT
        if r.kind == "note":
            fig.text(xl, y, r.label, transform=trans, ha="left", va="center", fontsize=layout.note_size,
                     fontstyle="italic", gid="note")
            continue
        if r.label:
            bold = r.bold or r.kind == "heading"
            fig.text(xl, y, r.label, transform=trans, ha="left", va="center", fontsize=size,
                     fontweight="bold" if bold else "normal", gid=f"{r.kind}-label")
        for xr, value in zip(x_right, r.values):
            if value:
                fig.text(xr, y, value, transform=trans, ha="right", va="center", fontsize=size,
                         fontweight="bold" if r.bold else "normal", gid="value")
