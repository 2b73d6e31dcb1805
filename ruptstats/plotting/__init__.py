"""Publication figures drawn from ruptstats results (matplotlib, imported lazily).

Every function takes a result (or a table with documented columns), draws it in the ruptstats publication
style and returns a :class:`matplotlib.figure.Figure`; none of them estimates anything. Save figures with
:func:`save_figure` (PNG at 300 dpi or more, PDF, SVG; byte-identical on every run).

- :func:`forest_plot`: studies, pooled diamond, prediction interval, subgroup blocks; or a plain table;
- :func:`funnel_plot`: contour-enhanced, trim-and-fill studies hollow, optional Egger line;
- :func:`leave_one_out_plot`, :func:`cumulative_plot`: sensitivity analyses as forest-type plots;
- :func:`baujat_plot`, :func:`gosh_plot`: heterogeneity diagnostics;
- :func:`bubble_plot`: meta-regression on one moderator.
"""

from .diagnostics import baujat_plot, gosh_plot
from .forest import forest_plot
from .funnel import funnel_plot
from .regression import bubble_plot
from .sensitivity import cumulative_plot, leave_one_out_plot
from .style import GREYS, PALETTE, STYLE, publication_style, save_figure

__all__ = [
    "GREYS",
    "PALETTE",
    "STYLE",
    "baujat_plot",
    "bubble_plot",
    "cumulative_plot",
    "forest_plot",
    "funnel_plot",
    "gosh_plot",
    "leave_one_out_plot",
    "publication_style",
    "save_figure",
]
