"""Checking a client table and extracting the values a condition comparison analyses.

Every check names the column (and the 1-based row of the client table for a bad value); rows that cannot be
analysed (no condition, a missing outcome or baseline) are excluded and counted in a note, never dropped
silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..intake.cells import show

__all__ = ["CONDITIONS", "CONTRASTS", "ClientData", "client_data", "numeric_column"]

#: The three client conditions, in table and plot order.
CONDITIONS = ("none", "unrepaired", "repaired")
#: The three pairwise contrasts ``A_vs_B`` as ``(name, A, B)``; a positive mean difference means A > B.
CONTRASTS = (("repaired_vs_unrepaired", "repaired", "unrepaired"),
             ("repaired_vs_none", "repaired", "none"),
             ("unrepaired_vs_none", "unrepaired", "none"))


@dataclass(frozen=True)
class ClientData:
    """The clients of one comparison after the checks.

    ``table`` has ``condition`` (categorical over :data:`CONDITIONS`), ``value`` (the analysed value) and the
    ``outcome``/``baseline``/covariate columns the analyses use, for the clients with a condition and a value;
    ``dropout`` holds ``condition``/``dropout`` for every client with a condition and a known dropout status.
    """

    table: pd.DataFrame
    dropout: pd.DataFrame | None
    covariates: tuple
    study: object
    notes: tuple


def _where(frame: pd.DataFrame) -> str:
    src = frame.attrs.get("source") if isinstance(frame.attrs, dict) else None
    return str(src) if src else "client table"


def numeric_column(frame: pd.DataFrame, column: str, *, role: str) -> np.ndarray:
    """Return ``frame[column]`` as float (missing -> NaN); DataError for a non-numeric or infinite value."""
    if column not in frame.columns:
        raise DataError(f"{role} column {column!r} is not in the client table; its columns are "
                        f"{', '.join(map(str, frame.columns))}", source=_where(frame), column=str(column))
    col = frame[column]
    if isinstance(col, pd.DataFrame):
        raise DataError(f"{role} column {column!r} appears more than once", source=_where(frame), column=str(column))
    if pd.api.types.is_bool_dtype(col.dtype):
        values = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(col.dtype):
        values = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    else:
        present = col.notna().to_numpy()
        parsed = pd.to_numeric(col.astype("string").str.strip().replace("", pd.NA), errors="coerce")
        parsed = parsed.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        bad = present & np.isnan(parsed) & (col.astype("string").str.strip().fillna("") != "").to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"{role} must be numeric, got {show(col.iloc[i])}", source=_where(frame), row=i + 1,
                            column=str(column))
        values = parsed
    inf = np.isinf(values)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise DataError(f"{role} must be finite, got {float(values[i]):g}", source=_where(frame), row=i + 1,
                        column=str(column))
    return values


def _conditions(frame: pd.DataFrame, column: str) -> pd.Categorical:
    if column not in frame.columns:
        raise DataError(f"condition column {column!r} is not in the client table (run "
                        "ruptstats.sessions.client_conditions first)", source=_where(frame), column=str(column))
    raw = frame[column].astype("string").str.strip().str.lower()
    bad = raw.notna() & ~raw.isin(CONDITIONS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"condition must be one of {', '.join(CONDITIONS)}, got {show(frame[column].iloc[i])}",
                        source=_where(frame), row=i + 1, column=str(column))
    return pd.Categorical(raw.to_numpy(dtype=object, na_value=None), categories=list(CONDITIONS))


_TRUTH = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0}


def _dropout(frame: pd.DataFrame, column: str) -> np.ndarray:
    col = frame[column] if column in frame.columns else None
    if (col is not None and not isinstance(col, pd.DataFrame) and not pd.api.types.is_numeric_dtype(col.dtype)
            and not pd.api.types.is_bool_dtype(col.dtype)):
        text = col.astype("string").str.strip().str.lower()  # a CSV bool column with gaps reads as object; text TRUE/false
        mapped = text.map(lambda t: _TRUTH.get(t, np.nan) if isinstance(t, str) else np.nan).astype(float)
        bad = text.notna().to_numpy() & np.isnan(mapped.to_numpy())
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"dropout must be True/False (or 1/0), got {show(col.iloc[i])}", source=_where(frame),
                            row=i + 1, column=str(column))
        return mapped.to_numpy()
    values = numeric_column(frame, column, role="dropout")
    bad = ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"dropout must be True/False (or 1/0), got {show(frame[column].iloc[i])}",
                        source=_where(frame), row=i + 1, column=str(column))
    return values


def _select_study(frame: pd.DataFrame, study):
    if "study" not in frame.columns:
        return frame, study
    labels = frame["study"]
    present = pd.unique(labels.dropna())
    if study is None:
        if len(present) > 1:
            shown = ", ".join(map(str, present[:5]))
            raise DataError(f"the client table holds {len(present)} studies ({shown}); give study= to compare "
                            "one study's clients", source=_where(frame), column="study")
        return frame, (present[0] if len(present) else None)
    keep = (labels.astype("string") == str(study)).fillna(False).to_numpy()
    if not keep.any():
        raise DataError(f"study {study!r} is not in the client table's study column (it has "
                        f"{', '.join(map(str, present[:5]))})", source=_where(frame), column="study")
    return frame.loc[keep], study


def _excluded_note(what: str, cond: pd.Categorical, mask: np.ndarray) -> str | None:
    if not mask.any():
        return None
    counts = pd.Series(cond[mask]).value_counts().reindex(CONDITIONS, fill_value=0)
    detail = ", ".join(f"{int(n)} {c}" for c, n in counts.items() if n)
    total = int(mask.sum())
    return f"{total} client{'s' if total != 1 else ''} excluded for a missing {what} ({detail})"


def _check_magnitude(table: pd.DataFrame, frame: pd.DataFrame, outcome: str, what: str) -> None:
    """The analysed values' squared variances must stay finite (Welch's df squares a variance: |values| up to
    about 1e75); beyond that the statistics overflow. DataError naming the largest value's row."""
    v = table["value"].to_numpy(dtype=float)
    if not len(v):
        return
    with np.errstate(all="ignore"):
        total = np.sum(v * v) * len(v)
        fine = np.isfinite(total * total)
    if fine:
        return
    i = int(np.argmax(np.abs(v)))
    raise DataError(f"{what} is too large for the arithmetic (up to {float(v[i]):g}; squared variances overflow): "
                    "rescale the values", source=_where(frame), row=int(table["row"].iat[i]), column=outcome)


def client_data(clients: pd.DataFrame, *, outcome: str, baseline, condition: str, dropout, covariates,
                study) -> ClientData:
    """Check the client table and return :class:`ClientData` (notes list every exclusion with counts)."""
    if not isinstance(clients, pd.DataFrame):
        raise DataError(f"clients must be a pandas DataFrame (one row per client), got {type(clients).__name__}")
    frame, label = _select_study(clients, study)
    position = np.arange(len(frame))
    frame = frame.reset_index(drop=True)
    frame.attrs = dict(clients.attrs) if isinstance(clients.attrs, dict) else {}
    cond = _conditions(frame, condition)
    y = numeric_column(frame, outcome, role="outcome")
    notes = []
    no_cond = np.asarray(pd.isna(cond))
    if no_cond.any():
        notes.append(f"{int(no_cond.sum())} client{'s' if no_cond.sum() != 1 else ''} excluded for a missing "
                     f"condition ({condition!r})")
    columns = {"condition": cond, "outcome": y}
    miss_y = np.isnan(y) & ~no_cond
    note = _excluded_note(f"outcome ({outcome!r})", cond, miss_y)
    keep = ~no_cond & ~miss_y
    if baseline is not None:
        b = numeric_column(frame, baseline, role="baseline")
        miss_b = np.isnan(b) & keep
        columns["baseline"] = b
        keep &= ~miss_b
        note_b = _excluded_note(f"baseline ({baseline!r})", cond, miss_b)
    else:
        note_b = None
    notes += [n for n in (note, note_b) if n]
    for cov in covariates:
        columns[f"covariate:{cov}"] = numeric_column(frame, cov, role="covariate")
    table = pd.DataFrame(columns)
    table["value"] = table["outcome"] - table["baseline"] if baseline is not None else table["outcome"]
    table["row"] = position + 1
    table = table.loc[keep].reset_index(drop=True)
    _check_magnitude(table, frame, outcome, outcome if baseline is None else f"{outcome} - {baseline}")
    drop_frame = None
    if dropout is not None:
        d = _dropout(frame, dropout)
        dmiss = np.isnan(d) & ~no_cond
        note_d = _excluded_note(f"dropout status ({dropout!r}); excluded from the dropout analysis only", cond,
                                dmiss)
        if note_d:
            notes.append(note_d)
        ok = ~no_cond & ~dmiss
        drop_frame = pd.DataFrame({"condition": cond[ok], "dropout": d[ok].astype(bool)})
    return ClientData(table=table, dropout=drop_frame, covariates=tuple(covariates), study=label,
                      notes=tuple(notes))
