"""Session-level rupture/repair/outcome data: load, score, classify sessions and clients.

- :func:`read_sessions`: a study's file (CSV/TSV, XLSX, SPSS, Stata, Parquet, JSON; long or wide) and its TOML
  mapping (:mod:`~ruptstats.sessions.mapping`) to a :class:`SessionData`: the canonical session table
  (:mod:`~ruptstats.sessions.schema`), its validation report (:mod:`~ruptstats.sessions.report`) and the mapping,
  whose ``rule`` and ``condition_by`` the next steps take (:func:`load_sessions` returns the table alone);
- :func:`classify_sessions`: a rupture/repair rule (:mod:`~ruptstats.sessions.rules`) per session;
- :func:`client_conditions`: one row per client with its condition, joined to client-level columns (from the
  session table or a client file read by :func:`read_clients`/:func:`load_clients`);
- :func:`client_outcomes`: per client first, last, change, slope, mean alliance and, per instrument, the
  Jacobson & Truax reliable change index and clinically significant change (:mod:`~ruptstats.sessions.outcomes`);
- :func:`alliance_around_ruptures`: mean alliance by session relative to the rupture (the V-shape);
- :func:`score_instrument`: WAI-SR, SRS, ORS, OQ-45, PHQ-9, BDI-II or a declared instrument from items.

Data flow one way; each step takes what it needs as arguments::

    data = read_sessions("study.csv", "study.toml")
    print(data.summary())
    classified = classify_sessions(data.sessions, rule=data.rule)
    clients = client_conditions(classified, by=data.condition_by, covariates=data.report.client_level)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .classify import classify_sessions, client_conditions, compare_rules, condition_counts
    from .clients import load_clients, read_clients
    from .data import ClientData, SessionData
    from .instruments import Instrument, INSTRUMENTS, Norms, score_instrument
    from .loader import load_sessions, read_sessions
    from .mapping import Mapping, read_mapping
    from .outcomes import client_outcomes
    from .privacy import pseudonymise
    from .report import Issue, SessionReport
    from .rules import CodedRule, make_rule, ObserverRule, SelfReportRule, TrajectoryRule
    from .vshape import alliance_around_ruptures

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "alliance_around_ruptures": ".vshape",
    "classify_sessions": ".classify",
    "ClientData": ".data",
    "client_conditions": ".classify",
    "client_outcomes": ".outcomes",
    "CodedRule": ".rules",
    "compare_rules": ".classify",
    "condition_counts": ".classify",
    "Instrument": ".instruments",
    "INSTRUMENTS": ".instruments",
    "Issue": ".report",
    "load_clients": ".clients",
    "load_sessions": ".loader",
    "Norms": ".instruments",
    "make_rule": ".rules",
    "Mapping": ".mapping",
    "ObserverRule": ".rules",
    "pseudonymise": ".privacy",
    "read_clients": ".clients",
    "read_mapping": ".mapping",
    "read_sessions": ".loader",
    "score_instrument": ".instruments",
    "SelfReportRule": ".rules",
    "SessionData": ".data",
    "SessionReport": ".report",
    "TrajectoryRule": ".rules",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
