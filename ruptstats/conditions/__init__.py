"""Comparing clients without ruptures, with unrepaired and with repaired ruptures, and study rows for pooling.

- :func:`compare_conditions`: a client table (:func:`ruptstats.sessions.client_conditions`) to a
  :class:`ConditionComparison`: descriptives, ANOVA / Welch / Kruskal-Wallis, ANCOVA with a baseline, the three
  pairwise contrasts (Hedges' g, Tukey, Games-Howell, Holm) and dropout (chi-square or Fisher, odds ratios);
- :func:`study_effects`: comparisons to the rows of a study table that ``python -m ruptstats.meta`` pools
  (signed SMDs with r, dropout log odds ratios, the repair-outcome correlation of Eubanks et al. 2018).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .compare import compare_conditions
    from .result import ConditionComparison
    from .study import study_effects

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "compare_conditions": ".compare",
    "ConditionComparison": ".result",
    "study_effects": ".study",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
