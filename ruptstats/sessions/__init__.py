"""Session-level rupture/repair/outcome data: load, score, classify sessions and clients.

- :func:`load_sessions`: a study's file (CSV/TSV, XLSX, SPSS, Stata, Parquet, JSON; long or wide) and its TOML
  mapping (:mod:`~ruptstats.sessions.mapping`) to the canonical session table (:mod:`~ruptstats.sessions.schema`),
  with a validation report in ``df.attrs["report"]`` (:mod:`~ruptstats.sessions.report`);
- :func:`classify_sessions`: a rupture/repair rule (:mod:`~ruptstats.sessions.rules`) per session;
- :func:`client_conditions`: one row per client with its condition, joined to client-level columns (from the
  session table or a client file read by :func:`load_clients`);
- :func:`score_instrument`: WAI-SR, SRS, ORS, OQ-45, PHQ-9, BDI-II or a declared instrument from items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .classify import classify_sessions, client_conditions, compare_rules, condition_counts
    from .clients import load_clients
    from .instruments import Instrument, INSTRUMENTS, score_instrument
    from .loader import load_sessions
    from .mapping import Mapping, read_mapping
    from .privacy import pseudonymise
    from .report import Issue, SessionReport
    from .rules import make_rule, ObserverRule, SelfReportRule, TrajectoryRule

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "classify_sessions": ".classify",
    "client_conditions": ".classify",
    "compare_rules": ".classify",
    "condition_counts": ".classify",
    "Instrument": ".instruments",
    "INSTRUMENTS": ".instruments",
    "Issue": ".report",
    "load_clients": ".clients",
    "load_sessions": ".loader",
    "make_rule": ".rules",
    "Mapping": ".mapping",
    "ObserverRule": ".rules",
    "pseudonymise": ".privacy",
    "read_mapping": ".mapping",
    "score_instrument": ".instruments",
    "SelfReportRule": ".rules",
    "SessionReport": ".report",
    "TrajectoryRule": ".rules",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
