"""A base for small frozen result objects: ``to_dict()``, a one-row ``summary_frame()`` and ``summary()``."""

from __future__ import annotations

import dataclasses

import numpy as np

from .results import _num

__all__ = ["SmallResult", "PerStudyResult", "json_value"]


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


class SmallResult:
    """Mixin for frozen dataclasses holding one test: every field goes to ``to_dict()``."""

    #: Title used by :meth:`summary`.
    title = "Result"

    def to_dict(self) -> dict:
        """Every field, JSON-ready (NaN as None)."""
        return {f.name: json_value(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def summary_frame(self):
        """One row with the scalar fields."""
        import pandas as pd

        row = {k: v for k, v in self.to_dict().items() if not isinstance(v, (list, dict))}
        return pd.DataFrame([row])

    def summary(self) -> str:
        """Title and a one-row table (rounded by :func:`ruptstats.report.format_table`)."""
        from ..report import format_table

        return f"{self.title}\n{format_table(self.summary_frame())}"

    def __str__(self) -> str:
        return self.summary()


class PerStudyResult:
    """Mixin for frozen dataclasses with a ``study`` tuple and one array per column (k rows).

    ``summary_frame()`` is the table (``study`` first; 2-D arrays become one column per coefficient with a
    ``_j`` suffix), ``to_dict()`` its list of row dictionaries.
    """

    title = "Per-study results"

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
        """A list of JSON-ready row dictionaries (the vocabulary's keys)."""
        return [{k: json_value(v) for k, v in row.items()} for row in self.summary_frame().to_dict("records")]

    def summary(self) -> str:
        """Title and table (rounded by :func:`ruptstats.report.format_table`)."""
        from ..report import format_table

        return f"{self.title}\n{format_table(self.summary_frame())}"

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(k={len(self.study)})"
