"""What the loaders return: the table together with its report and its mapping, as one frozen object.

:func:`~ruptstats.sessions.read_sessions` returns a :class:`SessionData` and
:func:`~ruptstats.sessions.read_clients` a :class:`ClientData`. The validation report and the mapping's rule
travel beside the table, not inside ``DataFrame.attrs`` (which pandas drops in a ``merge``, a ``concat`` and many
other operations), so the next step receives them as arguments::

    data = read_sessions(path, mapping)
    print(data.summary())                                   # the validation report
    classified = classify_sessions(data.sessions, rule=data.rule)
    clients = client_conditions(classified, by=data.condition_by, covariates=data.report.client_level)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .mapping import Mapping
from .report import Issue, SessionReport

__all__ = ["SessionData", "ClientData"]


@dataclass(frozen=True, eq=False)
class SessionData:
    """A loaded session table, the report of its loading, and the mapping it was loaded with.

    Attributes
    ----------
    sessions : pandas.DataFrame
        The canonical session table (:mod:`ruptstats.sessions.schema`).
    report : SessionReport
        What the loader did and found (no identifiers): :meth:`summary` prints it.
    mapping : Mapping
        The parsed mapping (:func:`~ruptstats.sessions.read_mapping`).
    clients_without_sessions : pandas.DataFrame or None
        Wide files only: clients whose row holds client-level values (``pre``, ``post``, ``dropout``,
        covariates) but no session value, one row each (index: the file row), or None when there are none. They
        have no session rows; pass them to :func:`~ruptstats.sessions.client_conditions` as ``without_sessions=``
        so they stay in the client table (with ``n_sessions`` 0 and a missing condition).

    Examples
    --------
    >>> import tempfile, os
    >>> from ruptstats.sessions import read_sessions
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(p, "w").write("client,session,alliance\\nA,1,5\\nA,2,2\\nA,3,5\\n")
    >>> d = read_sessions(p, {"rule": {"type": "trajectory", "c": 0.5}})
    >>> d.report.n_clients, d.rule.label, d.condition_by
    (1, 'trajectory (c=0.5, sd=sample, m=3)', 'any')
    """

    sessions: pd.DataFrame
    report: SessionReport
    mapping: Mapping
    clients_without_sessions: pd.DataFrame | None = None

    @property
    def rule(self):
        """The mapping's ``[rule]`` as a rule object (:func:`~ruptstats.sessions.make_rule`), or None."""
        return self.mapping.rule_object

    @property
    def condition_by(self) -> str:
        """The mapping's client-condition rule (``[condition] by``): ``"any"`` or ``"last"``."""
        return self.mapping.condition_by

    def summary(self) -> str:
        """The report as text (:meth:`SessionReport.summary`; no identifiers)."""
        return self.report.summary()

    def to_dict(self) -> dict:
        """JSON-ready: the report (:meth:`SessionReport.to_dict`), the rule's label and the condition rule.

        The table itself is not included (it may hold identifiers); write it with pandas.
        """
        rule = self.rule
        return {"report": self.report.to_dict(), "rule": rule.label if rule is not None else None,
                "condition_by": self.condition_by}

    def __repr__(self) -> str:
        return (f"SessionData({self.report.source!r}: {len(self.sessions)} session rows of "
                f"{self.report.n_clients} clients, rule={self.rule.label if self.rule else None!r}, "
                f"condition_by={self.condition_by!r})")


@dataclass(frozen=True, eq=False)
class ClientData:
    """A loaded client table (:func:`~ruptstats.sessions.read_clients`) with what its loading found.

    Attributes
    ----------
    clients : pandas.DataFrame
        ``study, client, therapist, pre, post, dropout`` (those present) and other kept columns.
    source : str
        The file.
    mapping : Mapping
        The parsed mapping.
    issues : tuple of Issue
        Rows excluded (with ``missing="drop"``), each naming its file rows.
    pseudonymised : tuple of str
        Identifier columns already replaced by keyed pseudonyms; :func:`~ruptstats.sessions.client_conditions`
        does not pseudonymise them again.
    """

    clients: pd.DataFrame
    source: str
    mapping: Mapping
    issues: tuple = ()
    pseudonymised: tuple = ()

    def summary(self) -> str:
        """A short text report (row numbers and column names, no identifiers)."""
        lines = [f"{self.source} (mapping {self.mapping.source}): {len(self.clients)} client rows kept"]
        if self.pseudonymised:
            lines.append("pseudonymised: " + ", ".join(self.pseudonymised))
        lines += [f"{i.level}: {i.message}" for i in self.issues]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready dict: ``source, mapping, n_rows, issues, pseudonymised`` (the table is not included)."""
        return {"source": self.source, "mapping": self.mapping.source, "n_rows": len(self.clients),
                "issues": [_issue_dict(i) for i in self.issues], "pseudonymised": list(self.pseudonymised)}

    def __repr__(self) -> str:
        return f"ClientData({self.source!r}: {len(self.clients)} clients, {len(self.issues)} issue(s))"


def _issue_dict(issue: Issue) -> dict:
    return {"level": issue.level, "check": issue.check, "message": issue.message, "column": issue.column,
            "rows": list(issue.rows)}
