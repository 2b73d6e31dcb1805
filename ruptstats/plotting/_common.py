"""Helpers shared by the plot functions: the drawing scale, number text, table checks, text widths.

Nothing here computes a statistic: the scale only maps numbers a result already holds onto the axis (the
back-transformation of :mod:`ruptstats.effects.transforms`), and number text comes from :mod:`ruptstats.report`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..exceptions import DataError
from ..effects.transforms import back_transform as _back_transform
from ..effects.transforms import reported_label

__all__ = ["Scale", "scale_for", "number_text", "interval_text", "level_text", "check_layout", "tick_text", "format_axis",
           "require_columns", "text_width", "as_frame", "pyplot"]

#: Axis titles for the symbols of :func:`ruptstats.effects.transforms.reported_label`.
AXIS_TITLES = {
    "r": "Correlation (r)",
    "z": "Fisher's z",
    "g": "Standardized mean difference (g)",
    "OR": "Odds ratio (log scale)",
    "RR": "Risk ratio (log scale)",
    "ROM": "Ratio of means (log scale)",
    "log OR": "Log odds ratio",
    "log RR": "Log risk ratio",
    "log ROM": "Log ratio of means",
    "MD": "Mean difference",
    "RD": "Risk difference",
    "estimate": "Estimate",
}

_RATIO_LABELS = ("OR", "RR", "ROM")


def pyplot():
    """Import and return ``matplotlib.pyplot`` (lazily, so importing ruptstats stays light)."""
    import matplotlib.pyplot as plt

    return plt


@dataclass(frozen=True)
class Scale:
    """How numbers are put on the x axis.

    ``transform`` maps a number as given to the drawn number (identity unless a table on the analysis scale is
    drawn back-transformed); ``log`` draws a logarithmic axis (ratios); ``null`` is the no-effect line.
    """

    symbol: str
    title: str
    log: bool
    bounded: bool
    transform: Callable | None = None

    @property
    def column(self) -> str:
        """The symbol as a column header (``"r"``, ``"OR"``, ``"Estimate"``)."""
        return "Estimate" if self.symbol == "estimate" else self.symbol

    @property
    def null(self) -> float:
        return 1.0 if self.log else 0.0

    def apply(self, values):
        values = np.asarray(values, dtype=float)
        return values if self.transform is None else self.transform(values)


def scale_for(measure, *, back_transform: bool, transform_values: bool, log_scale=None, xlabel=None) -> Scale:
    """The :class:`Scale` for ``measure``.

    ``back_transform`` says whether the numbers are shown on the reported scale (r, OR); ``transform_values``
    whether the plot must map them there itself (tables on the analysis scale) or they already are (frames
    from ``summary_frame(back_transform=True)``).
    """
    bt = _back_transform(measure) if back_transform else None
    symbol = reported_label(measure, back_transformed=bt is not None)
    log = symbol in _RATIO_LABELS if log_scale is None else bool(log_scale)
    transform = bt[1] if (bt is not None and transform_values) else None
    title = xlabel if xlabel is not None else AXIS_TITLES.get(symbol, symbol)
    return Scale(symbol=symbol, title=title, log=log, bounded=symbol == "r", transform=transform)


def number_text(x, scale: Scale | None = None, digits: int = 2) -> str:
    """``x`` as figure text via :func:`ruptstats.report.apa_number` (APA: no leading zero for correlations),
    with a true minus sign."""
    from ..report import apa_number

    if x is None or not math.isfinite(float(x)):
        return ""
    text = apa_number(float(x), digits, bounded=bool(scale and scale.bounded)).replace("\u2212", "-")
    if not text.lstrip("-").strip("0.,"):
        text = text.lstrip("-")  # -0.004 is written 0.00, not -0.00
    return text.replace("-", "\u2212")  # a true minus sign, as on the axis


def interval_text(estimate, lower, upper, scale: Scale, digits: int = 2) -> str:
    """``"0.29 [0.12, 0.42]"`` (or ``"[0.12, 0.42]"`` without an estimate)."""
    ci = f"[{number_text(lower, scale, digits)}, {number_text(upper, scale, digits)}]"
    if estimate is None or not math.isfinite(float(estimate)):
        return ci
    return f"{number_text(estimate, scale, digits)} {ci}"


def tick_text(x: float, scale: Scale) -> str:
    """Tick label: no leading zero for correlations (APA), a true minus sign."""
    if abs(x) < 1e-12:
        return "0"
    text = f"{x:.10g}"
    if scale.bounded:
        text = text.replace("0.", ".", 1)
    return text.replace("-", "\u2212")


def format_axis(axis, scale: Scale) -> None:
    """Use :func:`tick_text` for the ticks of a linear ``axis`` (an ``ax.xaxis`` or ``ax.yaxis``)."""
    from matplotlib.ticker import FuncFormatter

    if not scale.log:
        axis.set_major_formatter(FuncFormatter(lambda x, _: tick_text(x, scale)))


def check_layout(digits, row_height, panel_width) -> tuple:
    """Check the layout options of forest-type plots; return them as (int, float, float)."""
    from .._checks import check_number

    return (check_number("digits", digits, low=0, high=10, integer=True),
            check_number("row_height", row_height, low=0, low_open=True),
            check_number("panel_width", panel_width, low=0, low_open=True))


def level_text(level: float) -> str:
    """``"95%"`` for 0.95 (or 95)."""
    level = level / 100.0 if level > 1 else level
    return f"{100 * level:g}%"


def as_frame(data, what: str):
    """A DataFrame from ``data``: a DataFrame as is, or an object's ``summary_frame()`` / ``to_frame()``."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    for name in ("summary_frame", "to_frame"):
        method = getattr(data, name, None)
        if callable(method):
            frame = method()
            if isinstance(frame, pd.DataFrame):
                return frame
    raise DataError(f"{what} needs a pandas DataFrame (or a result with summary_frame()), got "
                    f"{type(data).__name__}")


def require_columns(frame, columns, what: str) -> None:
    """Raise :class:`DataError` naming the columns of ``columns`` missing from ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what} needs the columns {', '.join(columns)}; missing: {', '.join(missing)} "
                        f"(found: {', '.join(map(str, frame.columns))})")
    if len(frame) == 0:
        raise DataError(f"{what} needs at least one row, got an empty table")


def text_width(fig, text: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """Width of ``text`` in inches at ``size`` points in the current font, as ``fig``'s renderer draws it."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    if not text:
        return 0.0
    prop = FontProperties(size=size, weight=weight, style=style)
    renderer = getattr(fig.canvas, "get_renderer", None)
    if renderer is not None:
        width, _, _ = renderer().get_text_width_height_descent(text, prop, ismath=False)
        return 1.02 * width / fig.dpi
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return 1.06 * width / 72.0
