"""Publication figures drawn from ruptstats results (matplotlib, imported lazily).

Every function takes a result (or a table with documented columns), draws it in the ruptstats publication
style and returns a :class:`matplotlib.figure.Figure`; none of them estimates anything. Save figures with
:func:`save_figure` (PNG at 300 dpi or more, PDF, SVG; byte-identical on every run).

- :func:`forest_plot`: studies, pooled diamond, prediction interval, subgroup blocks; or a plain table;
- :func:`funnel_plot`: contour-enhanced, trim-and-fill studies hollow, optional Egger line;
- :func:`leave_one_out_plot`, :func:`cumulative_plot`: sensitivity analyses as forest-type plots;
- :func:`baujat_plot`, :func:`gosh_plot`: heterogeneity diagnostics;
- :func:`bubble_plot`: meta-regression on one moderator;
- :func:`profile_plot`: the profile likelihood of τ²;
- :func:`condition_plot`, :func:`dropout_plot`: a condition comparison (each client, means and CIs, raw or
  ANCOVA-adjusted; dropout proportions with Wilson intervals);
- :func:`trajectory_plot`: the alliance around a rupture, repaired vs unrepaired (the V-shape);
- :func:`rules_plot`: client counts per condition under several classification rules;
- :func:`power_plot`: power curves of a planned meta-analysis or primary study, with the 0.80 target.
- :func:`coefficient_plot`, :func:`predicted_trajectory_plot`: a session-level model's within/between effects
  and its predicted trajectories per condition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .conditions import condition_plot, dropout_plot
    from .diagnostics import baujat_plot, gosh_plot
    from .episodes import episode_alliance_plot, km_plot, swimmer_plot
    from .forest import forest_plot
    from .funnel import funnel_plot
    from .profile import profile_plot
    from .power import power_plot
    from .mixed import coefficient_plot, predicted_trajectory_plot
    from .regression import bubble_plot
    from .sensitivity import cumulative_plot, leave_one_out_plot
    from .style import GREYS, PALETTE, publication_style, save_figure, STYLE
    from .trajectories import rules_plot, trajectory_plot

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "baujat_plot": ".diagnostics",
    "bubble_plot": ".regression",
    "coefficient_plot": ".mixed",
    "condition_plot": ".conditions",
    "cumulative_plot": ".sensitivity",
    "dropout_plot": ".conditions",
    "episode_alliance_plot": ".episodes",
    "forest_plot": ".forest",
    "funnel_plot": ".funnel",
    "gosh_plot": ".diagnostics",
    "km_plot": ".episodes",
    "GREYS": ".style",
    "leave_one_out_plot": ".sensitivity",
    "PALETTE": ".style",
    "profile_plot": ".profile",
    "power_plot": ".power",
    "predicted_trajectory_plot": ".mixed",
    "publication_style": ".style",
    "rules_plot": ".trajectories",
    "save_figure": ".style",
    "STYLE": ".style",
    "trajectory_plot": ".trajectories",
    "swimmer_plot": ".episodes",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
