"""Rupture episodes: the rupture itself as the unit (onset, type, strategy, repair, latency, alliance around it).

- :func:`rupture_episodes`: one row per episode from a classified session table (the episode rules);
- :func:`time_to_repair`: Kaplan-Meier time to repair, median latency, share repaired within k sessions, and by
  group the log-rank test and a Cox model with client-clustered robust SEs (equal to R's ``survival``);
- :func:`repair_by_type`: logistic GEE of repair (and linear GEE of the alliance gain) on rupture type x strategy,
  clients as clusters (equal to R's ``geepack::geeglm``);
- :func:`stronger_after_repair`: share of repaired episodes with the alliance above its pre-rupture level (Wilson
  CI) and the mean gain (paired t CI), overall and by type;
- :func:`alliance_around_episodes`, :func:`client_spans`: the numbers behind the episode figures.

Data flow one way::

    classified = classify_sessions(sessions, rule=rule)
    episodes = rupture_episodes(classified)
    res = time_to_repair(episodes, by="type")
    print(res.summary())
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .around import alliance_around_episodes, client_spans
    from .build import EPISODE_COLUMNS, rupture_episodes
    from .gee import GeeResult, RepairByType, repair_by_type
    from .stronger import StrongerAfterRepair, stronger_after_repair
    from .survival import TimeToRepair, time_to_repair

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "alliance_around_episodes": ".around",
    "client_spans": ".around",
    "EPISODE_COLUMNS": ".build",
    "GeeResult": ".gee",
    "repair_by_type": ".gee",
    "RepairByType": ".gee",
    "rupture_episodes": ".build",
    "stronger_after_repair": ".stronger",
    "StrongerAfterRepair": ".stronger",
    "time_to_repair": ".survival",
    "TimeToRepair": ".survival",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
