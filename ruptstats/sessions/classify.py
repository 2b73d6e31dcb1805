"""Session and client conditions: ``classify_sessions``, ``client_conditions``, ``condition_counts``, ``compare_rules``.

Session condition: ``none`` (no rupture), ``unrepaired`` (rupture, not repaired), ``repaired``; missing when
the rule's inputs are missing.

Client condition (``by``):

- ``"any"`` (default): ``repaired`` when at least one rupture during treatment was repaired, ``unrepaired``
  when there were ruptures and none was repaired, ``none`` when no classified session holds a rupture;
- ``"last"``: the condition of the client's last rupture (``none`` without ruptures).

Sessions whose condition is missing do not count; a client with no classified session has a missing condition.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._checks import check_choice
from ..exceptions import DataError, DataWarning, OptionError
from ..intake.policy import missing_policy
from ..intake.cells import check_frame, raise_cells, source_of, working_copy
from ._groups import group_codes, order_sessions
from .data import ClientData
from .report import Issue
from .rules import default_rule, make_rule
from .schema import CLIENT_COLUMNS, CLIENT_LEVEL_COLUMNS, CONDITION_DTYPE, CONDITIONS, SESSION_COLUMNS
from .privacy import pseudonymise
from .validate import client_conflicts

__all__ = ["classify_sessions", "client_conditions", "condition_counts", "compare_rules"]


def classify_sessions(sessions: pd.DataFrame, *, rule=None, **options) -> pd.DataFrame:
    """Apply a rupture/repair rule: add ``rupture``, ``repaired`` and ``condition`` (and ``rupture_type``).

    Parameters
    ----------
    sessions : pandas.DataFrame
        A canonical session table (:func:`~ruptstats.sessions.read_sessions`'s ``sessions``).
    rule : str, dict or rule object
        ``"self_report"``, ``"observer"``, ``"trajectory"``, a dict ``{"type": …, options}``, or a
        :mod:`~ruptstats.sessions.rules` object, e.g. the mapping's rule ``read_sessions(...).rule``. Without
        one, a table that already holds ``rupture`` and ``repaired`` is classified as coded (rule ``"coded"``:
        the columns are used as they are, and the rule's label says so); otherwise :class:`OptionError` names
        the choices.
    **options
        Options of the rule (e.g. ``c=2, m=3`` for the trajectory rule).

    Returns
    -------
    pandas.DataFrame
        A copy of ``sessions`` (ordered by client and session) with ``rupture`` and ``repaired`` (nullable
        booleans), ``condition`` (``none``/``unrepaired``/``repaired``) and, for the observer rule,
        ``rupture_type``. Client conditions are not computed here: :func:`client_conditions` does that, once.
        The rule's label (for :func:`condition_counts`) is ``make_rule(rule, **options).label``.

    Raises
    ------
    OptionError
        No rule, an unknown rule or option.
    DataError
        A column the rule needs is missing or holds invalid values (file, row and column named).

    Examples
    --------
    Differences -3, 3, 0 have SD 3 (n - 1); -3 < -0.5 * 3, so session 2 is a rupture, and session 3 regains the
    pre-drop 5 within m = 2 sessions:

    >>> d = pd.DataFrame({"client": ["a"] * 4, "session": [1, 2, 3, 4], "alliance": [5., 2, 5, 5]})
    >>> classify_sessions(d, rule="trajectory", c=0.5, m=2)["condition"].tolist()
    ['none', 'repaired', 'none', 'none']
    """
    check_frame(sessions, "sessions", "a session table from read_sessions")
    if rule is None and not options:  # pre-coded rupture and repaired columns: the coded rule (its label says so)
        rule = default_rule(sessions)
    rule = make_rule(rule, **options)  # still None: OptionError "rule= is required", naming the rules
    out = order_sessions(working_copy(sessions))  # new columns only; copy-on-write protects the input
    result = rule.apply(out)
    for col in result.columns:
        out[col] = result[col]
    rup = out["rupture"].to_numpy(dtype=bool, na_value=False)
    rep = out["repaired"].to_numpy(dtype=bool, na_value=False)
    unknown = out["rupture"].isna().to_numpy() | (rup & out["repaired"].isna().to_numpy())
    codes = rup.astype(np.int8)  # 0 none, 1 unrepaired, 2 repaired, -1 unknown
    codes += rup & rep
    codes[unknown] = -1
    out["condition"] = pd.Categorical.from_codes(codes, dtype=CONDITION_DTYPE)
    return out[[c for c in SESSION_COLUMNS if c in out.columns] + [c for c in out.columns if c not in SESSION_COLUMNS]]


def _client_condition(sessions: pd.DataFrame, by: str, g: np.ndarray):
    """One row per client (``study, client, n_sessions, condition``) and the position of each client's first row.

    ``g``: the (study, client) group code of each row. Group maxima by ``ufunc.reduceat``; a table grouped by
    client (e.g. from :func:`classify_sessions`) is not reordered.
    """
    key = [c for c in ("study", "client") if c in sessions.columns]
    grouped = bool(np.all(g[1:] >= g[:-1]))  # true for an ordered table: no reordering needed
    order = None if grouped else np.argsort(g, kind="stable")
    code = sessions["condition"].cat.codes.to_numpy()  # -1 missing, 0 none, 1, 2 (int8)
    if order is not None:
        g, code = g[order], code[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=np.int64)
    if by == "any":  # repaired (2) > unrepaired (1) > none (0) > missing (-1)
        cond = np.maximum.reduceat(code, starts) if len(starts) else code[:0]
    else:  # the rupture with the highest session number (ties between raters: the higher code)
        session = sessions["session"].to_numpy(dtype=np.int64, na_value=0)
        session = session if order is None else session[order]
        last = np.maximum.reduceat(np.where(code >= 1, session * 4 + code, -1), starts) if len(starts) else code[:0]
        known = np.maximum.reduceat(code, starts) >= 0 if len(starts) else code[:0] >= 0
        cond = np.where(last >= 0, last % 4, np.where(known, 0, -1))
    first_rows = starts if order is None else order[starts]  # position of each client's first session row
    out = sessions[key].iloc[first_rows].reset_index(drop=True)
    out["n_sessions"] = pd.array(np.diff(np.r_[starts, len(g)]), dtype="Int64")
    out["condition"] = pd.Categorical.from_codes(cond, dtype=CONDITION_DTYPE)
    return out, first_rows


def client_conditions(sessions: pd.DataFrame, *, by: str = "any", clients=None, covariates=None,
                      missing: str | None = None, key=None, without_sessions=None, on_invalid=None) -> pd.DataFrame:
    """One row per client with its condition, joined to the client-level columns.

    Parameters
    ----------
    sessions : pandas.DataFrame
        A classified session table (:func:`classify_sessions`). Rows need not be ordered; an ordered table (as
        classify_sessions returns it) is used as it is.
    by : {"any", "last"}, default "any"
        Client condition rule (module docstring); pass the mapping's, ``read_sessions(...).condition_by``.
    clients : pandas.DataFrame or ClientData, optional
        Client-level data (``client`` and, if several studies, ``study`` columns in canonical names), e.g.
        pre/post scores and dropout from a separate file read with :func:`~ruptstats.sessions.read_clients`.
        Clients here without session rows are kept with ``n_sessions`` 0 and a missing condition, and reported
        by a :class:`DataWarning`.
    covariates : list of str, optional
        Client-level columns to take from the session table; they must be constant within a client. Default:
        the canonical client-level columns present (``therapist, pre, post, dropout``); the mapping's covariates
        are ``read_sessions(...).report.client_level``.
    missing : {"error", "drop"}, default "error"
        A covariate that varies within a client: error, or its values dropped (set to missing) for that client
        and reported with the file rows (warned).
    key : str or bytes, optional
        The pseudonymisation key the sessions were loaded with: the ``client`` and ``therapist`` identifiers of
        ``clients`` are replaced by the same keyed pseudonyms before the join, unless they are pseudonyms already
        (a :class:`ClientData` says which columns are; for a plain table, client identifiers that already match
        the session table's are taken as pseudonymised).
    without_sessions : pandas.DataFrame, optional
        Clients with client-level values but no session rows, ``read_sessions(...).clients_without_sessions``
        (wide files): appended with ``n_sessions`` 0 and a missing condition, and reported by a
        :class:`DataWarning`, so no client (and no dropout) is lost.
    on_invalid : {"error", "exclude"}, optional
        Deprecated spelling of ``missing`` (``"exclude"`` is ``"drop"``); warns with a :class:`DeprecationWarning`.

    Returns
    -------
    pandas.DataFrame
        ``study, client, therapist, pre, post, dropout, n_sessions, condition`` (those available) and the
        covariates (:mod:`~ruptstats.sessions.schema`).

    Raises
    ------
    DataError
        No ``condition`` column, a covariate not in the table or varying within a client (``missing="error"``),
        a clients table that cannot be joined.

    Warns
    -----
    DataWarning
        Covariate values set to missing (``missing="drop"``), clients of ``clients`` without sessions: each
        finding is one warning (catch them with :func:`warnings.catch_warnings` to keep them).

    Examples
    --------
    Sample differences -3, 1 (client a) and 0 (b): SD = sqrt(((-3 + 2/3)^2 + (1 + 2/3)^2 + (2/3)^2) / 2) = 2.08;
    -3 < -2.08 is a rupture at a's session 2, and 3 < 5 at session 3 leaves it unrepaired (m = 1):

    >>> d = pd.DataFrame({"client": ["a", "a", "a", "b", "b"], "session": [1, 2, 3, 1, 2],
    ...                   "alliance": [5., 2, 3, 4, 4]})
    >>> c = client_conditions(classify_sessions(d, rule="trajectory", c=1, m=1))
    >>> c[["client", "n_sessions", "condition"]].values.tolist()
    [['a', 3, 'unrepaired'], ['b', 2, 'none']]
    """
    check_frame(sessions, "sessions", "a classified session table")
    if "condition" not in sessions.columns:
        raise DataError("sessions have no 'condition' column; run classify_sessions first", source=source_of(sessions))
    by = check_choice("by", by, ["any", "last"])
    missing = missing_policy(missing, on_invalid=on_invalid)
    if covariates is None:
        covariates = [c for c in CLIENT_LEVEL_COLUMNS if c in sessions.columns]
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    absent = [c for c in covariates if c not in sessions.columns]
    if absent:
        raise DataError(f"covariates not in the session table: {absent}", source=source_of(sessions))
    group = [c for c in ("study", "client") if c in sessions.columns]
    table = working_copy(sessions)
    if table["condition"].dtype != CONDITION_DTYPE:  # e.g. text after a round trip through a file
        cond = table["condition"]
        raise_cells(table, (cond.notna() & ~cond.astype(object).isin(CONDITIONS)).to_numpy(), "condition",
                    f"condition must be one of {', '.join(CONDITIONS)}")
        table["condition"] = pd.Categorical(cond, dtype=CONDITION_DTYPE)
    out, first_rows = _client_condition(table, by, group_codes(table, group))
    issues = []
    for col in covariates:
        table, issue = client_conflicts(table, col, missing)
        if issue is not None:
            issues.append(issue)
    gappy = [c for c in covariates if table[c].hasnans]
    for col in covariates:  # constant within client (checked above): the first row's value, if it has one
        if col not in gappy:
            out[col] = table[col].iloc[first_rows].reset_index(drop=True)
    if gappy:  # the first non-missing value of each client
        values = table.groupby(group, observed=True, sort=False)[gappy].first().reset_index()
        out = out.merge(values, on=group, how="left")
    if without_sessions is not None and len(without_sessions):
        out = _append_without_sessions(out, without_sessions, group, issues)
    if clients is not None:
        out = _join_clients(out, _pseudonymised_clients(clients, out, key), group, issues)
    cols = [c for c in CLIENT_COLUMNS if c in out.columns]
    out = out[cols + [c for c in out.columns if c not in cols]]
    for issue in issues:
        warnings.warn(issue.message, DataWarning, stacklevel=2)
    out.attrs = {"source": source_of(sessions)} if source_of(sessions) else {}
    return out


def _append_without_sessions(out: pd.DataFrame, extra: pd.DataFrame, group: list, issues: list) -> pd.DataFrame:
    """Clients without session rows appended with n_sessions 0 and a missing condition (one issue says so)."""
    need = [c for c in group if c not in extra.columns]
    if need:
        raise DataError(f"without_sessions needs the column(s) {need}", source=source_of(extra))
    extra = extra.reset_index(drop=True).copy()
    known = out[group].astype(str).agg("\x1f".join, axis=1) if len(out) else pd.Series([], dtype=str)
    key = extra[group].astype(str).agg("\x1f".join, axis=1)
    if key.isin(set(known)).any():
        raise DataError("without_sessions holds a client that has session rows", source=source_of(extra),
                        column="client")
    extra["n_sessions"] = pd.array([0] * len(extra), dtype="Int64")
    extra["condition"] = pd.Categorical([None] * len(extra), dtype=CONDITION_DTYPE)
    issues.append(Issue("warning", "client_without_sessions",
                        f"{len(extra)} client(s) without session rows kept with n_sessions 0 and a missing "
                        f"condition", "client"))
    merged = pd.concat([out, extra], ignore_index=True, sort=False)
    for k in group:  # identifiers stay categoricals of text, in order of appearance
        merged[k] = pd.Categorical(merged[k].astype(object).where(merged[k].notna(), None),
                                   categories=pd.unique(merged[k].dropna().astype(str)))
    return merged


def _pseudonymised_clients(clients, out: pd.DataFrame, key) -> pd.DataFrame:
    """The clients table with its identifiers pseudonymised by ``key`` (those not pseudonymised already)."""
    if isinstance(clients, ClientData):
        done, clients = set(clients.pseudonymised), clients.clients
    elif isinstance(clients, pd.DataFrame):
        done = None
    else:
        raise OptionError(f"clients= must be a DataFrame or the ClientData of read_clients, got "
                          f"{type(clients).__name__}")
    if key is None:
        return clients
    if done is None:  # a plain table: pseudonyms already when its client identifiers match the sessions' ones
        known = set(out["client"].astype(str)) if "client" in out.columns else set()
        same = "client" in clients.columns and bool(known & set(clients["client"].dropna().astype(str)))
        done = {"client", "therapist"} if same else set()
    clients = clients.copy()
    for col in ("client", "therapist"):
        if col in clients.columns and col not in done:
            clients[col] = pseudonymise(clients[col], key)
    return clients


def _join_clients(out, clients, key, issues):
    clients = clients.copy()
    if "study" in key and "study" not in clients.columns and out["study"].nunique() == 1:
        clients["study"] = out["study"].iloc[0]  # one study: the clients table need not repeat it
    need = [k for k in key if k not in clients.columns]
    if need:
        raise DataError(f"the clients table needs the column(s) {need} to join on", source=source_of(clients))
    for k in key:  # join on the text of the identifiers
        clients[k] = clients[k].astype(str)
    out = out.astype({k: str for k in key})
    dup = clients.duplicated(key).to_numpy()
    if dup.any():
        raise DataError(f"the clients table has {int(dup.sum())} duplicated client row(s) (row "
                        f"{int(np.flatnonzero(dup)[0]) + 1})", source=source_of(clients), column="client")
    extra = [c for c in clients.columns if c not in key]
    both = sorted(set(extra) & set(out.columns) - {"n_sessions", "condition"})
    if both:
        raise DataError(f"columns {both} are in both the session and the clients table", source=source_of(clients))
    merged = out.merge(clients[key + extra], on=key, how="outer", indicator=True, sort=False)
    for k in key:
        merged[k] = pd.Categorical(merged[k], categories=pd.unique(merged[k]))
    lonely = (merged["_merge"] == "right_only").to_numpy()
    if not (merged["_merge"] == "both").any():
        raise DataError("no client of the clients table has sessions; were the sessions pseudonymised? Then "
                        "pass the same key= to client_conditions", source=source_of(clients), column="client")
    if lonely.any():
        issues.append(Issue("warning", "client_without_sessions",
                            f"{int(lonely.sum())} client(s) of the clients table have no sessions; kept with "
                            f"n_sessions 0 and a missing condition", "client"))
        merged["n_sessions"] = merged["n_sessions"].fillna(0)
    return merged.drop(columns="_merge")


def condition_counts(table: pd.DataFrame, *, level: str = "session", rule: str = "") -> pd.DataFrame:
    """Count conditions per study: ``study, rule, level, condition, n`` (every condition listed, zeros kept).

    ``table`` is a classified session table or a client table; ``rule`` is the label written in the ``rule``
    column (e.g. ``make_rule(...).label``; the table does not carry it).

    >>> d = pd.DataFrame({"study": ["S"] * 2, "condition": pd.Categorical(["none", "repaired"])})
    >>> condition_counts(d, rule="coded")[["rule", "condition", "n"]].values.tolist()
    [['coded', 'none', 1], ['coded', 'unrepaired', 0], ['coded', 'repaired', 1]]
    """
    check_frame(table, "table", "a classified session table or a client table")
    level = check_choice("level", level, ["session", "client"])
    if "study" in table.columns:
        study = pd.Categorical(table["study"])
        s_codes, studies = study.codes, [str(c) for c in study.categories]
    else:
        s_codes, studies = np.zeros(len(table), dtype=np.int8), [""]
    cond = pd.Categorical(table["condition"], categories=list(CONDITIONS)).codes
    k = len(CONDITIONS)
    if len(studies) == 1:  # one study: a count per condition (rows without study left out)
        known = cond if s_codes.min(initial=0) >= 0 else cond[s_codes >= 0]
        n = np.array([np.count_nonzero(known == j) for j in range(k)])
    else:
        cell = s_codes.astype(np.int64) * k + cond
        cell[(cond < 0) | (s_codes < 0)] = len(studies) * k  # one extra bin for rows without study or condition
        n = np.bincount(cell, minlength=len(studies) * k + 1)[:-1]
    return pd.DataFrame({"study": np.repeat(studies, k), "rule": str(rule), "level": level,
                         "condition": list(CONDITIONS) * len(studies), "n": n.astype(np.int64)})


def compare_rules(sessions: pd.DataFrame, rules, *, by: str = "any") -> pd.DataFrame:
    """Classify with several rules (e.g. the 1 SD and 2 SD trajectory variants) and count side by side.

    ``rules``: rule objects, names or dicts (as for :func:`classify_sessions`); ``by``: the client condition
    rule (pass ``read_sessions(...).condition_by``). Returns a tidy DataFrame ``study, rule, level, condition, n``
    with session and client counts per rule (the rule's label in ``rule``).

    Client differences 0, -4, 4, 0 have SD sqrt(32 / 3) = 3.27: the drop of 4 exceeds 1 SD, not 2 SD.

    >>> d = pd.DataFrame({"client": ["a"] * 5, "session": [1, 2, 3, 4, 5], "alliance": [5., 5, 1, 5, 5]})
    >>> t = compare_rules(d, [{"type": "trajectory", "c": 1, "sd": "client"},
    ...                       {"type": "trajectory", "c": 2, "sd": "client"}])
    >>> t.query("level == 'client'")[["rule", "condition", "n"]].query("n > 0").values.tolist()
    [['trajectory (c=1, sd=client, m=3)', 'repaired', 1], ['trajectory (c=2, sd=client, m=3)', 'none', 1]]
    """
    check_frame(sessions, "sessions", "a session table from read_sessions")
    by = check_choice("by", by, ["any", "last"])
    parts = []
    for rule in rules:  # loop over rules, not rows
        rule = make_rule(rule)
        classified = classify_sessions(sessions, rule=rule)
        g = group_codes(classified, [c for c in ("study", "client") if c in classified.columns])
        clients, _ = _client_condition(classified, by, g)
        parts += [condition_counts(classified, level="session", rule=rule.label),
                  condition_counts(clients, level="client", rule=rule.label)]
    return pd.concat(parts, ignore_index=True)
