"""``read_sessions``: one study's session file to the canonical session table, with its validation report and
mapping (a :class:`~ruptstats.sessions.data.SessionData`); ``load_sessions``: the table alone."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import check_choice
from ..exceptions import DataError, DataWarning, OptionError
from ..intake.cells import hidden_values, strip_labels
from ..intake.policy import missing_policy
from ..intake.read import TEXT_EXTENSIONS, read_table
from ._groups import dense_codes, group_codes, order_sessions
from .instruments import item_columns, score_arrays
from .mapping import read_mapping
from .normalise import apply_missing, apply_value_labels, coerce_column
from .privacy import pseudonymise
from .data import SessionData
from .report import Issue, SessionReport
from .reshape import wide_to_long
from .schema import BOOLEAN_COLUMNS, CANONICAL_COLUMNS, CLIENT_LEVEL_COLUMNS, FLOAT_COLUMNS, ID_COLUMNS, SESSION_COLUMNS
from .validate import check_sessions

__all__ = ["read_sessions", "load_sessions"]

_NUMERIC = set(FLOAT_COLUMNS) | {"session"}


def load_sessions(path, mapping=None, *, key=None, missing=None, engine: str = "auto",
                  on_invalid=None) -> pd.DataFrame:
    """Load a session-level file into the canonical session table: ``read_sessions(...).sessions``.

    The arguments, the table, the errors and the warnings are those of :func:`read_sessions`; use that function
    to get the validation report and the mapping's rule as well.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(p, "w").write("client;session;alliance\\nA;1;3,5\\nA;2;4\\nB;1;2\\n")
    >>> load_sessions(p)[["client", "session", "alliance"]].values.tolist()
    [['A', 1, 3.5], ['A', 2, 4.0], ['B', 1, 2.0]]
    """
    return read_sessions(path, mapping, key=key, missing=missing, engine=engine, on_invalid=on_invalid).sessions


def read_sessions(path, mapping=None, *, key=None, missing=None, engine: str = "auto",
                  on_invalid=None) -> SessionData:
    """Load a session-level file: the canonical session table, its validation report and the mapping.

    Parameters
    ----------
    path : str or os.PathLike
        CSV/TSV (delimiter, decimal comma and encoding sniffed), XLSX, SPSS ``.sav``, Stata ``.dta``, Parquet or
        JSON, in long (one row per session) or wide layout (see :func:`ruptstats.tables.read_table`).
    mapping : str, os.PathLike, dict or Mapping, optional
        TOML mapping file (format: :mod:`ruptstats.sessions.mapping`) or its dict; None when the file already
        uses canonical column names.
    key : str or bytes, optional
        Pseudonymisation key (HMAC-SHA256, :func:`~ruptstats.sessions.privacy.pseudonymise`) for the columns in
        ``[privacy] pseudonymise`` (default key: the environment variable named by ``key_env``). Given without a
        ``[privacy]`` table, ``client`` and ``therapist`` are pseudonymised.
    missing : {"error", "drop"}, optional
        Invalid rows: error naming file, row and column, or dropped and reported with their file rows
        (:mod:`ruptstats.sessions.validate`); overrides the mapping's ``[checks] missing`` (default ``"error"``).
    engine : {"auto", "pandas", "pyarrow"}, default "auto"
        Text parser; ``"auto"`` uses pyarrow (fast, multi-threaded).
    on_invalid : {"error", "exclude"}, optional
        Deprecated spelling of ``missing`` (``"exclude"`` is ``"drop"``); warns with a :class:`DeprecationWarning`.

    Returns
    -------
    SessionData
        ``sessions``: the canonical session table (:mod:`ruptstats.sessions.schema`): canonical columns that are
        present, in schema order, then scored instrument columns and covariates; sorted by study, client, rater
        and session; the index (named ``row``) is the file's data row (wide files: the client's row);
        ``sessions.attrs["source"]`` names the file in later error messages (nothing else is kept in ``attrs``).
        ``report``: the :class:`~ruptstats.sessions.report.SessionReport`. ``mapping``: the parsed
        :class:`~ruptstats.sessions.mapping.Mapping`; ``rule`` (the mapping's rule object, or None) and
        ``condition_by`` are the arguments for :func:`~ruptstats.sessions.classify_sessions` and
        :func:`~ruptstats.sessions.client_conditions`.

    Raises
    ------
    TableReadError
        The file cannot be read.
    DataError
        A value cannot be converted, is out of range, or fails a check (with ``missing="error"``); the
        message names file, row and column.
    OptionError
        A bad mapping or option.

    Warns
    -----
    DataWarning
        Rows were excluded or checks found something worth a look (also in the report's ``issues``).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(p, "w").write("client;session;alliance\\nA;1;3,5\\nA;2;4\\nB;1;2\\n")
    >>> data = read_sessions(p)
    >>> data.sessions[["client", "session", "alliance"]].values.tolist()
    [['A', 1, 3.5], ['A', 2, 4.0], ['B', 1, 2.0]]
    >>> data.report.n_clients, data.rule is None
    (2, True)
    """
    m = read_mapping(mapping)
    with hidden_values(bool(m.pseudonymise) or key is not None):  # no cell value in any message
        return _read_sessions(path, m, key=key, missing=missing, engine=engine, on_invalid=on_invalid)


def identifier_sources(m, coded=ID_COLUMNS) -> list:
    """The file columns holding the canonical columns ``coded`` under mapping ``m`` (read as text)."""
    return [src for src, dst in m.columns.items() if dst in coded] + [c for c in coded if c not in m.columns.values()]


def stripped_issues(counts: dict) -> list:
    """One report entry per column whose labels had surrounding white space (counts, never values)."""
    return [Issue("warning", "whitespace", f"surrounding white space removed from {n} value(s) of '{col}'", col)
            for col, n in counts.items()]


def _read_sessions(path, m, *, key, missing, engine, on_invalid) -> SessionData:
    name = str(path)
    missing = missing_policy(missing, on_invalid=on_invalid, default=_policy_of(m), stacklevel=4)
    engine = check_choice("engine", engine, ["auto", "pandas", "pyarrow"])
    is_text = Path(os.fspath(path)).suffix.lower() in TEXT_EXTENSIONS
    # text columns with few distinct values are dictionary-encoded while parsing (much faster to convert);
    # identifiers are read as text by every reader, so 007 stays 007
    coded = set(ID_COLUMNS) | set(BOOLEAN_COLUMNS) | {"rater", "rupture_type", "condition"}
    ids = identifier_sources(m, tuple(coded))
    raw = read_table(path, sheet=m.sheet, header_row=m.header_row, keep_value_labels=False,
                     engine="pandas" if engine == "pandas" else "pyarrow",
                     categorical=ids if (is_text and m.layout == "long") else identifier_sources(m))
    raw, stripped = strip_labels(raw, ids)
    labels = dict(raw.attrs.get("value_labels") or {})
    n_read = len(raw)
    df = raw
    df.index = pd.RangeIndex(1, n_read + 1, name="row")
    df.attrs = {"source": name}
    empty, lonely = 0, ()
    if m.layout == "wide":
        df, origin = wide_to_long(df, m.wide_pattern, source=name, keep_empty_clients=True)
        empty = int(df.attrs.get("empty_sessions", 0))
        lonely = tuple(df.attrs.get("rows_without_sessions", ()))
        df.attrs = {"source": name}
        labels.update({var: labels[cols[0]] for var, cols in origin.items() if cols[0] in labels})
    df, renamed, labels = _rename(df, m, labels, name)
    df, dropped = _keep(df, m)
    missing_counts = apply_missing(df, m.missing, source=m.source) if m.missing else {}
    items = {c for spec in m.instruments for c in item_columns(spec.instrument, spec.items)}
    for col, lab in labels.items():
        if col in df.columns and col not in _NUMERIC and col not in items and lab:
            df[col] = apply_value_labels(df[col], lab, distinct=col in ID_COLUMNS, source=name)
    df = _coerce(df, m)
    client_level = [c for c in CLIENT_LEVEL_COLUMNS if c in df.columns] + [c for c in m.client_level]
    absent = [c for c in m.client_level if c not in df.columns]
    if absent:
        raise OptionError(f"{m.source}: [covariates] client_level names columns not in the table: {absent}")
    df, no_sessions = _split_clients_without_sessions(df, lonely, client_level)
    df, issues = check_sessions(df, client_level=client_level, missing=missing)
    if len(df) == 0 and no_sessions is None:  # nothing to classify: say why rather than fail downstream
        why = "; ".join(i.message for i in issues if i.level == "excluded")
        raise DataError(f"no session rows left: all {n_read} rows were excluded ({why})", source=name)
    issues = stripped_issues(stripped) + list(issues)
    if lonely:  # their client-level values have no session row to travel in
        issues.append(Issue("warning", "client_without_sessions",
                            f"{len(lonely)} client row(s) of the wide file have no session values (rows "
                            f"{', '.join(map(str, lonely[:8]))}{', ...' if len(lonely) > 8 else ''}); their "
                            "client-level values are kept in clients_without_sessions, which client_conditions "
                            "takes as without_sessions=", "client", lonely))
    instruments = _score(df, m, name)
    if instruments:
        df = _add_columns(df, instruments)
    pseud = _pseudonymise(df, m, key)
    if no_sessions is not None:
        _pseudonymise(no_sessions, m, key)
    df = order_sessions(df)
    df = df[[c for c in SESSION_COLUMNS if c in df.columns] + [c for c in df.columns if c not in SESSION_COLUMNS]]
    excluded = sorted({r for i in issues if i.level == "excluded" and i.check != "client_conflict" for r in i.rows})
    for issue in issues:
        warnings.warn(f"{name}: {issue.message}", DataWarning, stacklevel=3)
    report = SessionReport(
        source=name, mapping=m.source, layout=m.layout, n_rows_read=n_read, n_rows=len(df),
        n_clients=_n_clients(df), empty_sessions=empty,
        renamed=tuple(renamed), covariates=tuple(c for c in df.columns if c not in CANONICAL_COLUMNS),
        client_level=tuple(client_level), dropped_columns=tuple(dropped),
        missing_codes=tuple(missing_counts.items()),
        instruments=tuple(f"{spec.key}: {spec.instrument.name}" for _, spec in instruments), issues=tuple(issues),
        excluded_rows=tuple(excluded), rule=m.rule, condition_by=m.condition_by, pseudonymised=tuple(pseud))
    df.attrs = {"source": name}
    return SessionData(sessions=df, report=report, mapping=m, clients_without_sessions=no_sessions)


def _split_clients_without_sessions(df, lonely, client_level):
    """Split off the wide rows kept without any session value (``session`` missing): their identifiers and
    client-level columns, one row per client, or None when every client has sessions."""
    if not lonely:
        return df, None
    empty = (df.index.isin(lonely) & df["session"].isna()).to_numpy()
    keep = [c for c in ("study", "client", "therapist") if c in df.columns]
    keep += [c for c in client_level if c in df.columns and c not in keep]
    return df[~empty], df.loc[empty, keep].copy()


def _policy_of(m) -> str:
    """The mapping's ``[checks]`` policy in the API's spelling (``"exclude"`` is ``"drop"``)."""
    return "drop" if m.on_invalid == "exclude" else "error"


def _n_clients(df) -> int:
    g = group_codes(df, [c for c in ("study", "client") if c in df.columns])
    if len(g) and np.all(g[1:] >= g[:-1]):  # grouped (the table is sorted): count the starts of the groups
        return int(np.count_nonzero(g[1:] != g[:-1])) + 1
    g = dense_codes(g)
    return int(g.max()) + 1 if len(g) else 0


def _rename(df, m, labels, name, need=("client", "session"), study_from_file=True):
    absent = [src for src in m.columns if src not in df.columns]
    if absent:
        raise DataError(f"columns named in the mapping {m.source} are not in the file: {', '.join(absent)}; file "
                        f"columns: {', '.join(map(str, df.columns))}", source=name)
    renamed = [(src, dst) for src, dst in m.columns.items() if src != dst]
    clash = sorted({dst for _, dst in renamed} & (set(df.columns) - set(m.columns)))
    if clash:
        raise DataError(f"the mapping renames a column to {clash}, which the file already has", source=name)
    df = df.rename(columns=dict(renamed))
    labels = {m.columns.get(k, k): v for k, v in labels.items()}
    if "study" not in df.columns and (m.study or study_from_file):
        label = m.study or Path(os.fspath(name)).stem
        df["study"] = pd.Categorical.from_codes(np.zeros(len(df), dtype=np.int8), categories=[label])
    absent = [c for c in need if c not in df.columns]
    if absent:
        raise DataError(f"no column for {absent}; map a file column to it in [columns] (file columns: "
                        f"{', '.join(map(str, df.columns))})", source=name)
    return df, renamed, labels


def _keep(df, m):
    if m.keep == "all":
        return df, []
    rule_cols = []  # column names among the rule's options (e.g. observer marker columns)
    for v in (m.rule or {}).values():
        if isinstance(v, str):
            rule_cols.append(v)
        elif isinstance(v, list):
            rule_cols += [x for x in v if isinstance(x, str)]
    items = [c for spec in m.instruments for c in item_columns(spec.instrument, spec.items)]
    wanted = set(CANONICAL_COLUMNS) | set(m.keep) | set(items) | set(rule_cols) | set(m.client_level)
    absent = sorted(set(m.keep) - set(df.columns))
    if absent:
        raise OptionError(f"{m.source}: [covariates] keep names columns not in the table: {absent}")
    dropped = [c for c in df.columns if c not in wanted]
    return df[[c for c in df.columns if c in wanted]], dropped


def _coerce(df, m):
    out = {}
    for col in df.columns:
        if col in CANONICAL_COLUMNS or col in m.values:
            values = coerce_column(df, col, m.values.get(col))
            if values is not df[col].array:  # e.g. identifiers read as categoricals of text are kept as they are
                out[col] = values
    if not out:
        return df
    # fresh float arrays (numbers converted from the file's integers) join without another copy
    fresh = {c: v for c, v in out.items() if isinstance(v, np.ndarray) and v.flags.owndata and v.flags.writeable}
    attrs, columns = df.attrs, list(df.columns)
    df = df.copy(deep=False)
    for col, values in out.items():
        if col not in fresh:
            df[col] = values
    if fresh:
        df = pd.concat([df.drop(columns=list(fresh)), pd.DataFrame(fresh, index=df.index, copy=False)], axis=1)
        df = df[columns]
        df.attrs = attrs
    return df


def _score(df, m, name):
    results = []
    for spec in m.instruments:
        if spec.target and spec.target in df.columns:
            raise OptionError(f"{m.source}: [instruments.{spec.key}] target '{spec.target}' already exists in the "
                              f"table")
        frame = score_arrays(df, spec.instrument, items=spec.items, prefix=spec.key, max_missing=spec.max_missing,
                             score=spec.score, source=name, rows=df.index)
        results.append((frame, spec))
    return results


def _add_columns(df, instruments) -> pd.DataFrame:
    """Add each instrument's score columns, then its target (as ``df[col] = values`` would, in that order).

    New score columns are joined without copying their fresh arrays; the target is set from the total column,
    which copy-on-write shares until either is modified.
    """
    attrs = df.attrs
    for frame, spec in instruments:
        df = df.copy(deep=False)  # copy-on-write keeps the existing columns shared
        fresh = {}
        for col, values in frame.items():
            if col in df.columns:
                df[col] = values  # replaced where it stands
            else:
                fresh[col] = values
        if fresh:
            df = pd.concat([df, pd.DataFrame(fresh, index=df.index, copy=False)], axis=1)
        if spec.target:
            df[spec.target] = df[f"{spec.key}_total"]
    df.attrs = attrs
    return df


def _pseudonymise(df, m, key) -> list:
    done = []
    for col in m.pseudonymise:
        if col not in ID_COLUMNS or col == "study":
            raise OptionError(f"{m.source}: [privacy] pseudonymise may name client and therapist, got {col!r}")
        if col in df.columns:
            df[col] = pseudonymise(df[col], m.key(key))
            done.append(col)
    if key is not None and not m.pseudonymise:
        for col in ("client", "therapist"):
            if col in df.columns:
                df[col] = pseudonymise(df[col], m.key(key))
                done.append(col)
    return done

