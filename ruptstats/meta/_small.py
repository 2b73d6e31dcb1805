"""A base for small frozen result objects: ``to_dict()``, a one-row ``summary_frame()`` and ``summary()``."""

from __future__ import annotations

import dataclasses

import numpy as np

from .results import _num

__all__ = ["SmallResult", "CoefficientsResult", "PerStudyResult", "json_value", "records"]


def json_value(val):
    """A JSON-ready copy of ``val`` (floats with NaN as None, arrays as lists)."""
    if isinstance(val, (bool, np.bool_)):
        return bool(val)
    if isinstance(val, (int, np.integer)):
        return int(val)
    if isinstance(val, (float, np.floating)):
        return _num(val)
    if isinstance(val, np.ndarray):
        return [json_value(x) for x in val.tolist()]
    if isinstance(val, (list, tuple)):
        return [json_value(x) for x in val]
    if isinstance(val, dict):
        return {str(k): json_value(x) for k, x in val.items()}
    return val


def _json_column(col) -> list:
    """A column as a JSON-ready list: floats with NaN as None (as :func:`json_value`), ints and bools as such."""
    values = col.to_numpy()
    if values.dtype.kind == "f":
        out = values.tolist()
        for i in np.flatnonzero(np.isnan(values)).tolist():
            out[i] = None
        return out
    if values.dtype.kind in "iub":
        return values.tolist()
    out = values.tolist()
    if set(map(type, out)) == {str}:  # study labels: already JSON-ready, no call per row
        return out
    return [json_value(x) for x in out]


def records(names, columns) -> list:
    """Row dictionaries (keys ``names`` in order) from equally long ``columns``: ``rows[i][names[j]] ==
    columns[j][i]``, built without a Python call per value."""
    names = list(names)
    return [{name: value for name, value in zip(names, row)} for row in zip(*columns)]


class SmallResult:
    """Mixin for frozen dataclasses holding one test.

    ``to_dict()`` writes the fields named in :attr:`json_fields` (every field when it is None): that is the
    JSON section of the command line, so one result serialises one way. ``summary_frame()`` and ``summary()``
    show every scalar field.
    """

    #: Title used by :meth:`summary`.
    title = "Result"
    #: Fields written by :meth:`to_dict`, in order (the JSON contract); None for every field.
    json_fields: tuple | None = None

    def to_dict(self) -> dict:
        """The fields of :attr:`json_fields` (every field when None), JSON-ready (NaN as None)."""
        names = self.json_fields or tuple(f.name for f in dataclasses.fields(self))
        return {name: json_value(getattr(self, name)) for name in names}

    def summary_frame(self):
        """One row with every scalar field (fields declared with ``compare=False`` are left out)."""
        import pandas as pd

        row = {f.name: json_value(getattr(self, f.name)) for f in dataclasses.fields(self) if f.compare}
        return pd.DataFrame([{k: v for k, v in row.items() if not isinstance(v, (list, dict))}])

    def summary(self) -> str:
        """Title and a one-row table (rounded by :func:`ruptstats.report.format_table`)."""
        from ..report import format_table

        return f"{self.title}\n{format_table(self.summary_frame())}"

    def __str__(self) -> str:
        return self.summary()


class CoefficientsResult(SmallResult):
    """:class:`SmallResult` of a model with a ``coefficients`` field (one dict per coefficient): ``summary()``
    adds one row per coefficient when the model has moderators."""

    def summary(self) -> str:
        """Title, the one-row table and, for a model with moderators, one row per coefficient (rounded by
        :func:`ruptstats.report.format_table`)."""
        import pandas as pd

        from ..report import format_table

        text = super().summary()
        if len(self.coefficients) > 1:
            text += f"\nCoefficients:\n{format_table(pd.DataFrame(list(self.coefficients)))}"
        return text


class PerStudyResult:
    """Mixin for frozen dataclasses with a ``study`` tuple and one array per column (k rows).

    ``summary_frame()`` is the table (``study`` first; 2-D arrays become one column per coefficient with a
    ``_j`` suffix), ``to_dict()`` its list of row dictionaries with the columns of :attr:`json_fields`.
    """

    title = "Per-study results"
    #: Columns written by :meth:`to_dict`, in order (the JSON contract); None for every column.
    json_fields: tuple | None = None

    def summary_frame(self):
        """One row per study, a column per field."""
        import pandas as pd

        cols = {}
        for f in dataclasses.fields(self):
            val = getattr(self, f.name)
            if isinstance(val, np.ndarray) and val.ndim == 2:
                for j in range(val.shape[1]):
                    cols[f"{f.name}_{j + 1}"] = val[:, j]
            else:
                cols[f.name] = list(val) if isinstance(val, tuple) else val
        return pd.DataFrame(cols)

    def to_dict(self) -> list:
        """A list of JSON-ready row dictionaries with the columns of :attr:`json_fields` (all when None)."""
        frame = self.summary_frame()
        names = list(self.json_fields) if self.json_fields is not None else list(frame.columns)
        columns = [_json_column(frame[name]) for name in names]  # column-wise: O(k) list conversions
        return records(names, columns)

    def summary(self) -> str:
        """Title and table (rounded by :func:`ruptstats.report.format_table`)."""
        from ..report import format_table

        return f"{self.title}\n{format_table(self.summary_frame())}"

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(k={len(self.study)})"
