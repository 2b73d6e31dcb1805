"""The validation report of a loaded session table (``read_sessions(...).report``).

The report records what the loader did and found: columns renamed and kept, missing codes applied, instruments
scored, rows excluded and why, warnings, and (when the caller adds them with :meth:`SessionReport.with_counts`,
e.g. from :func:`~ruptstats.sessions.compare_rules`) counts per study, rule and condition. It holds file row
numbers and column names, never client or therapist identifiers, so ``summary()`` and ``to_dict()`` are safe to
print or save. It travels beside the table in :class:`~ruptstats.sessions.data.SessionData`, never inside
``DataFrame.attrs``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import pandas as pd

__all__ = ["Issue", "SessionReport"]


@dataclass(frozen=True)
class Issue:
    """One finding of the checks.

    Attributes
    ----------
    level : {"warning", "excluded"}
        ``excluded``: the rows (or, for conflicts, the values) were left out; ``warning``: kept, worth a look.
    check : str
        ``missing_id``, ``session_number``, ``duplicate_session``, ``session_order``, ``client_conflict``,
        ``client_without_sessions``.
    message : str
        What was found (row numbers and column names only).
    column : str or None
        The column concerned.
    rows : tuple of int
        1-based data rows in the file.
    """

    level: str
    check: str
    message: str
    column: str | None = None
    rows: tuple = ()


@dataclass(frozen=True)
class SessionReport:
    """What :func:`~ruptstats.sessions.read_sessions` did; see the module docstring.

    Attributes
    ----------
    source, mapping : str
        The data file and the mapping file (or ``(no mapping)``).
    layout : {"long", "wide"}
    n_rows_read, n_rows : int
        Data rows in the file (wide: client rows) and session rows in the returned table.
    n_clients : int
    empty_sessions : int
        Wide layout: client × session blocks without any value (no session row is made for them).
    renamed : tuple of (str, str)
        File column and canonical name.
    covariates, client_level : tuple of str
        Kept non-canonical columns; the columns checked to be constant within a client.
    dropped_columns : tuple of str
        File columns not kept (``[covariates] keep`` as a list).
    missing_codes : tuple of (str, int)
        Column and number of cells set to missing by the mapping's missing codes.
    instruments : tuple of str
        Scored instruments, ``key: name``.
    issues : tuple of Issue
    excluded_rows : tuple of int
    rule : dict or None
        The mapping's ``[rule]`` as written (the rule object is ``read_sessions(...).rule``).
    condition_by : {"any", "last"}
    pseudonymised : tuple of str
        Identifier columns replaced by keyed pseudonyms.
    counts : tuple of dict
        Records ``study, rule, level, condition, n``; empty unless added with :meth:`with_counts`
        (``report.with_counts(compare_rules(...).to_dict("records"))``).
    """

    source: str
    mapping: str = "(no mapping)"
    layout: str = "long"
    n_rows_read: int = 0
    n_rows: int = 0
    n_clients: int = 0
    empty_sessions: int = 0
    renamed: tuple = ()
    covariates: tuple = ()
    client_level: tuple = ()
    dropped_columns: tuple = ()
    missing_codes: tuple = ()
    instruments: tuple = ()
    issues: tuple = ()
    excluded_rows: tuple = ()
    rule: dict | None = None
    condition_by: str = "any"
    pseudonymised: tuple = ()
    counts: tuple = field(default=())

    def with_counts(self, records) -> "SessionReport":
        """Return a copy with the condition counts ``records`` replacing those of the same rule and level."""
        records = tuple(records)
        done = {(r["rule"], r["level"]) for r in records}
        kept = tuple(r for r in self.counts if (r["rule"], r["level"]) not in done)
        return replace(self, counts=kept + records)

    def issues_frame(self) -> pd.DataFrame:
        """Issues as a DataFrame: ``level, check, column, n_rows, rows, message``."""
        return pd.DataFrame([{"level": i.level, "check": i.check, "column": i.column, "n_rows": len(i.rows),
                              "rows": list(i.rows), "message": i.message} for i in self.issues],
                            columns=["level", "check", "column", "n_rows", "rows", "message"])

    def counts_frame(self) -> pd.DataFrame:
        """Condition counts: ``study, rule, level ("session"/"client"), condition, n``."""
        return pd.DataFrame(list(self.counts), columns=["study", "rule", "level", "condition", "n"])

    def summary(self) -> str:
        """A short text report (no identifiers)."""
        lines = [f"{self.source} ({self.layout} layout, mapping {self.mapping}): {self.n_rows_read} rows read, "
                 f"{self.n_rows} session rows of {self.n_clients} clients kept, {len(self.excluded_rows)} rows "
                 f"excluded"]
        if self.layout == "wide":
            lines.append(f"wide layout: {self.empty_sessions} client x session blocks without any value (no row)")
        if self.renamed:
            lines.append("renamed: " + ", ".join(f"{a} -> {b}" for a, b in self.renamed))
        if self.missing_codes:
            lines.append("missing codes: " + ", ".join(f"{c} ({n} cells)" for c, n in self.missing_codes))
        if self.instruments:
            lines.append("scored: " + ", ".join(self.instruments))
        if self.pseudonymised:
            lines.append("pseudonymised: " + ", ".join(self.pseudonymised))
        for i in self.issues:
            lines.append(f"{i.level}: {i.message}")
        for r in self.counts:
            lines.append(f"{r['study']} | {r['rule']} | {r['level']} | {r['condition']}: {r['n']}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready dict of every attribute (no identifiers are held, so none are written)."""
        d = asdict(self)
        d["renamed"] = [list(p) for p in self.renamed]
        d["missing_codes"] = [list(p) for p in self.missing_codes]
        d["issues"] = [dict(asdict(i), rows=list(i.rows)) for i in self.issues]
        for key in ("covariates", "client_level", "dropped_columns", "instruments", "excluded_rows",
                    "pseudonymised"):
            d[key] = list(d[key])
        d["counts"] = [dict(r) for r in self.counts]
        return d
