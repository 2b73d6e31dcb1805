"""Forest-type plots of sensitivity analyses: leave-one-out and cumulative meta-analysis."""

from __future__ import annotations

import math

from ._common import as_frame, check_layout, interval_text, level_text, number_text, require_columns, scale_for
from ._rows import Layout, Row, draw_rows
from .style import publication_style

__all__ = ["leave_one_out_plot", "cumulative_plot"]

_COMMON_PARAMETERS = """
    measure : str, optional
        The measure the numbers are on (default ``data.attrs["measure"]`` or the result's ``measure``), to
        title the axis and, with ``back_transform``, draw r for ``ZCOR`` and ratios on a log axis.
    back_transform : bool, default True
        Draw the numbers on the reported scale when the measure has one.
    reference : float, optional
        The estimate of the model with all studies, on the same scale as ``estimate`` (e.g. ``res.estimate``),
        drawn as a dotted vertical line.
    xlim : (float, float), optional
        Axis limits on the drawn scale.
    xlabel, title : str, optional
        Axis title and figure title.
    digits : int, default 2
        Decimals of the numbers written beside the intervals.
    row_height, panel_width : float
        Inches per row (the figure grows with the number of rows) and width of the interval panel.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        A table without the needed columns or rows.
    OptionError
        ``digits`` not a whole number in [0, 10], ``row_height`` or ``panel_width`` not positive."""


def leave_one_out_plot(data, *, measure=None, back_transform: bool = True, reference=None, xlim=None,
                       xlabel=None, title=None, digits: int = 2, row_height: float = 0.2,
                       panel_width: float = 2.6):
    return _sensitivity_plot(data, "leave_one_out_plot", "Study omitted", measure=measure,
                             back_transform=back_transform, reference=reference, xlim=xlim, xlabel=xlabel,
                             title=title, digits=digits, row_height=row_height, panel_width=panel_width)


leave_one_out_plot.__doc__ = """Leave-one-out plot: the pooled estimate and CI with each study left out in turn.

    Parameters
    ----------
    data : pandas.DataFrame or result
        One row per omitted study with columns ``study`` (the study left out), ``estimate``, ``ci_lower``,
        ``ci_upper`` (the model without it, analysis scale) and optionally ``i2`` (percent, shown in a
        column); or a result whose ``summary_frame()`` / ``to_frame()`` gives that table.""" + \
    _COMMON_PARAMETERS + """

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> loo = pd.DataFrame({"study": ["A", "B", "C"], "estimate": [0.30, 0.25, 0.20],
    ...                     "ci_lower": [0.10, 0.05, 0.02], "ci_upper": [0.50, 0.45, 0.38]})
    >>> fig = leave_one_out_plot(loo, reference=0.25)
    >>> len(fig.axes[0].collections[1].get_offsets())  # one dot per omitted study
    3
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """


def cumulative_plot(data, *, measure=None, back_transform: bool = True, reference=None, xlim=None,
                    xlabel=None, title=None, digits: int = 2, row_height: float = 0.2, panel_width: float = 2.6):
    return _sensitivity_plot(data, "cumulative_plot", "Study added", measure=measure,
                             back_transform=back_transform, reference=reference, xlim=xlim, xlabel=xlabel,
                             title=title, digits=digits, row_height=row_height, panel_width=panel_width)


cumulative_plot.__doc__ = """Cumulative meta-analysis: the pooled estimate and CI as studies are added in order.

    Parameters
    ----------
    data : pandas.DataFrame or result
        One row per step, in the order the studies were added, with columns ``study`` (the study added),
        ``estimate``, ``ci_lower``, ``ci_upper`` (the model up to and including it, analysis scale) and
        optionally ``i2`` (percent); or a result whose ``summary_frame()`` / ``to_frame()`` gives that
        table.""" + _COMMON_PARAMETERS + """

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> cm = pd.DataFrame({"study": ["A (1999)", "B (2004)"], "estimate": [0.40, 0.30],
    ...                    "ci_lower": [0.10, 0.12], "ci_upper": [0.70, 0.48]})
    >>> fig = cumulative_plot(cm)
    >>> [t.get_text() for t in fig.texts if t.get_gid() == "point-label"]
    ['A (1999)', 'B (2004)']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """


def _sensitivity_plot(data, what, label_header, *, measure, back_transform, reference, xlim, xlabel, title,
                      digits, row_height, panel_width):
    digits, row_height, panel_width = check_layout(digits, row_height, panel_width)
    frame = as_frame(data, what)
    require_columns(frame, ("study", "estimate", "ci_lower", "ci_upper"), what)
    if measure is None:
        measure = frame.attrs.get("measure", getattr(data, "measure", None))
    with publication_style():
        scale = scale_for(measure, back_transform=back_transform, transform_values=True, xlabel=xlabel)
        est, lo, hi = (scale.apply(frame[c].to_numpy(dtype=float)) for c in ("estimate", "ci_lower", "ci_upper"))
        has_i2 = "i2" in frame.columns
        rows = []
        for i, study in enumerate(frame["study"].astype(str)):
            values = (interval_text(est[i], lo[i], hi[i], scale, digits),)
            if has_i2:
                i2 = float(frame["i2"].iloc[i])
                values += (f"{number_text(i2, None, 1)}%" if math.isfinite(i2) else "",)
            rows.append(Row("point", study, est[i], lo[i], hi[i], values=values))
        level = frame.attrs.get("level", getattr(data, "level", 0.95))
        headers = (f"{scale.column} [{level_text(level)} CI]",) + (("I\u00b2",) if has_i2 else ())
        if reference is not None:
            reference = float(scale.apply([reference])[0])
        layout = Layout(row_height=row_height, panel_width=panel_width, headers=headers,
                        label_header=label_header)
        return draw_rows(rows, scale, layout, xlim=xlim, title=title, reference=reference)
