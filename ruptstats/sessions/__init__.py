"""Session-level rupture/repair/outcome data: load, score, classify sessions and clients.

- :func:`load_sessions`: a study's file (CSV/TSV, XLSX, SPSS, Stata, Parquet, JSON; long or wide) and its TOML
  mapping (:mod:`~ruptstats.sessions.mapping`) to the canonical session table (:mod:`~ruptstats.sessions.schema`),
  with a validation report in ``df.attrs["report"]`` (:mod:`~ruptstats.sessions.report`);
- :func:`classify_sessions`: a rupture/repair rule (:mod:`~ruptstats.sessions.rules`) per session;
- :func:`client_conditions`: one row per client with its condition, joined to client-level columns (from the
  session table or a client file read by :func:`load_clients`);
- :func:`score_instrument`: WAI-SR, SRS, ORS, OQ-45, PHQ-9, BDI-II or a declared instrument from items.
"""

from .classify import classify_sessions, client_conditions, compare_rules, condition_counts
from .instruments import INSTRUMENTS, Instrument, score_instrument
from .clients import load_clients
from .loader import load_sessions
from .mapping import Mapping, read_mapping
from .privacy import pseudonymise
from .report import Issue, SessionReport
from .rules import ObserverRule, SelfReportRule, TrajectoryRule, make_rule

__all__ = [
    "load_sessions", "load_clients", "classify_sessions", "client_conditions", "compare_rules", "condition_counts",
    "score_instrument", "Instrument", "INSTRUMENTS", "read_mapping", "Mapping", "pseudonymise", "SessionReport",
    "Issue", "SelfReportRule", "ObserverRule", "TrajectoryRule", "make_rule",
]
