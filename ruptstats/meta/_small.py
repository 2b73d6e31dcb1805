"""A base for small frozen result objects: ``to_dict()``, a one-row ``summary_frame()`` and ``summary()``."""

from __future__ import annotations

import dataclasses

import numpy as np

from .results import _num

__all__ = ["SmallResult", "json_value"]


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
