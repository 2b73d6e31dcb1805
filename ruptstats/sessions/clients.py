"""``read_clients``/``load_clients``: a client-level file (one row per client: pre/post scores, dropout, covariates)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataWarning
from ..intake.cells import hidden_values, raise_cells, strip_labels
from ..intake.policy import missing_policy
from ..intake.read import read_table
from .data import ClientData
from .instruments import item_columns
from .loader import (_coerce, _keep, _policy_of, _pseudonymise, _rename, _score, identifier_sources,
                     stripped_issues)
from .mapping import read_mapping
from .normalise import apply_missing, apply_value_labels
from .report import Issue
from .schema import CLIENT_COLUMNS, FLOAT_COLUMNS, ID_COLUMNS

__all__ = ["read_clients", "load_clients"]


def load_clients(path, mapping=None, *, key=None, missing=None, on_invalid=None) -> pd.DataFrame:
    """Load a client-level file for :func:`~ruptstats.sessions.client_conditions`: ``read_clients(...).clients``.

    Arguments, table, errors and warnings are those of :func:`read_clients`.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "c.csv")
    >>> _ = open(p, "w").write("Klient,OQ_prae,Abbruch\\nA,80,nein\\nB,95,ja\\n")
    >>> c = load_clients(p, {"columns": {"Klient": "client", "OQ_prae": "pre", "Abbruch": "dropout"}})
    >>> c[["client", "pre", "dropout"]].values.tolist()
    [['A', 80.0, False], ['B', 95.0, True]]
    """
    return read_clients(path, mapping, key=key, missing=missing, on_invalid=on_invalid).clients


def read_clients(path, mapping=None, *, key=None, missing=None, on_invalid=None) -> ClientData:
    """Load a client-level file for :func:`~ruptstats.sessions.client_conditions` (its ``clients=``).

    The mapping has the format of :mod:`ruptstats.sessions.mapping` (``[read]`` sheet/header row, ``[columns]``,
    ``[values]``, ``[missing]``, ``[instruments]`` e.g. OQ-45 items scored into ``pre`` and ``post``,
    ``[privacy]``); the layout is always one row per client.

    Parameters
    ----------
    path : str or os.PathLike
        Any file :func:`ruptstats.tables.read_table` reads.
    mapping : str, os.PathLike, dict or Mapping, optional
        As for :func:`~ruptstats.sessions.read_sessions`.
    key : str or bytes, optional
        Pseudonymisation key; use the key the sessions were loaded with, so the tables still join.
    missing : {"error", "drop"}, optional
        Rows without a client, and repeated clients: error (default; the mapping's ``[checks] missing``), or
        dropped and reported with their file rows (a warning and ``ClientData.issues``).
    on_invalid : {"error", "exclude"}, optional
        Deprecated spelling of ``missing`` (``"exclude"`` is ``"drop"``); warns with a :class:`DeprecationWarning`.

    Returns
    -------
    ClientData
        ``clients``: ``study, client, therapist, pre, post, dropout`` (those present, canonical dtypes; ``study``
        only from a study column or the mapping's ``study``, not from the file name) and the other kept columns;
        index ``row`` = the file's data row; ``attrs["source"]`` the file. ``issues``: the exclusions;
        ``pseudonymised``: the identifier columns already replaced by pseudonyms; ``source``, ``mapping``.
        Pass the ClientData itself (or its ``clients``) to ``client_conditions(..., clients=)``.

    Raises
    ------
    DataError
        Values that cannot be converted, missing or repeated clients (``missing="error"``); the message names
        file, row and column.

    Warns
    -----
    DataWarning
        Rows were excluded (also in ``issues``).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "c.csv")
    >>> _ = open(p, "w").write("client,pre\\nA,80\\nA,95\\nB,70\\n")
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # row 2 repeats client A: excluded, with a DataWarning
    ...     c = read_clients(p, missing="drop")
    >>> c.clients["client"].tolist(), c.issues[0].rows
    (['A', 'B'], (2,))
    """
    m = read_mapping(mapping)
    with hidden_values(bool(m.pseudonymise) or key is not None):  # no cell value in any message
        return _read_clients(path, m, key=key, missing=missing, on_invalid=on_invalid)


def _read_clients(path, m, *, key, missing, on_invalid) -> ClientData:
    name = str(path)
    missing = missing_policy(missing, on_invalid=on_invalid, default=_policy_of(m), stacklevel=4)
    ids = identifier_sources(m)  # read as text by every reader, so 007 stays 007 and joins the session file
    df = read_table(path, sheet=m.sheet, header_row=m.header_row, keep_value_labels=False, categorical=ids)
    df, stripped = strip_labels(df, ids)
    labels = dict(df.attrs.get("value_labels") or {})
    df.index = pd.RangeIndex(1, len(df) + 1, name="row")
    df.attrs = {"source": name}
    df, _, labels = _rename(df, m, labels, name, need=("client",), study_from_file=False)
    df, _ = _keep(df, m)
    if m.missing:
        apply_missing(df, m.missing, source=m.source)
    items = {c for spec in m.instruments for c in item_columns(spec.instrument, spec.items)}
    for col, lab in labels.items():
        if col in df.columns and col not in FLOAT_COLUMNS and col not in items and lab:
            df[col] = apply_value_labels(df[col], lab, distinct=col in ID_COLUMNS, source=name)
    df = _coerce(df, m)
    df, issues = _check_clients(df, missing)
    issues = stripped_issues(stripped) + issues
    for frame, spec in _score(df, m, name):
        df = df.copy(deep=False)
        for col, values in frame.items():
            df[col] = values
        if spec.target:
            df[spec.target] = frame[f"{spec.key}_total"]
    done = _pseudonymise(df, m, key)
    first = [c for c in CLIENT_COLUMNS if c in df.columns]
    df = df[first + [c for c in df.columns if c not in first]]
    for issue in issues:
        warnings.warn(f"{name}: {issue.message}", DataWarning, stacklevel=3)
    df.attrs = {"source": name}
    return ClientData(clients=df, source=name, mapping=m, issues=tuple(issues), pseudonymised=tuple(done))


def _check_clients(df: pd.DataFrame, missing: str):
    """Rows without a client and repeated (study, client): error naming the first row, or excluded."""
    issues = []
    checks = (("missing_id", lambda d: d["client"].isna().to_numpy(), "client is missing"),
              ("duplicate_client", lambda d: d.duplicated([c for c in ("study", "client") if c in d]).to_numpy(),
               "the same client appears in an earlier row of the clients file"))
    for check, find, message in checks:  # each check on the rows the previous one left
        bad = find(df)
        if not bad.any():
            continue
        if missing == "error":
            raise_cells(df, bad, "client", message)
        rows = tuple(int(r) for r in np.asarray(df.index)[bad])
        issues.append(Issue("excluded", check, f"{message}: rows {', '.join(map(str, rows[:8]))} excluded", "client",
                            rows))
        df = df[~bad]
    return df, issues
