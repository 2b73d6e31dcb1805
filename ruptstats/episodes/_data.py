"""Shared input checks of the episode analyses: columns, one rater, group levels in canonical order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError, OptionError
from ..intake.cells import raise_cells, source_of
from ..sessions.schema import RUPTURE_TYPES

__all__ = ["episode_arrays", "group_levels"]


def episode_arrays(episodes: pd.DataFrame, *, by=None, need=("latency", "repaired")):
    """The episode rows an analysis can use and the notes on those left out.

    Checks that ``episodes`` is a DataFrame with the ``need`` columns, one rater at most, latencies whole numbers
    >= 0, ``repaired`` true/false; leaves out rows with a missing ``by`` value (noted).
    """
    if not isinstance(episodes, pd.DataFrame):
        raise DataError(f"episodes must be a DataFrame (from rupture_episodes), got {type(episodes).__name__}")
    if by is not None and (not isinstance(by, str) or by not in episodes.columns):
        raise OptionError(f"by={by!r} is not a column of the episode table; choose one of "
                          f"{', '.join(map(repr, episodes.columns))}")
    missing = [c for c in need if c not in episodes.columns]
    if missing:
        raise DataError(f"the episode table needs the column(s) {missing} (from rupture_episodes)",
                        source=source_of(episodes))
    if "rater" in episodes.columns and episodes["rater"].nunique() > 1:
        raise DataError("the episode table holds several raters; select one (episodes[episodes.rater == ...]): "
                        "episodes seen by two raters are the same ruptures, not independent ones",
                        source=source_of(episodes), column="rater")
    notes = []
    if "repaired" in need:
        rep = episodes["repaired"]
        ok = pd.api.types.is_bool_dtype(rep.dtype) or rep.map(lambda v: isinstance(v, (bool, np.bool_))).all()
        if not ok or rep.isna().any():
            raise DataError("column 'repaired' must hold true/false values without missing ones",
                            source=source_of(episodes), column="repaired")
    if "latency" in need:
        lat = pd.to_numeric(episodes["latency"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        raise_cells(episodes, ~np.isfinite(lat) | (lat < 0) | (lat != np.round(lat)), "latency",
                    "latency must be a whole number of sessions >= 0")
    data = episodes
    if by is not None:
        gone = data[by].isna().to_numpy()
        if gone.any():
            notes.append(f"{int(gone.sum())} episode(s) without '{by}' left out")
            data = data[~gone]
    return data.reset_index(drop=True), notes


def group_levels(data: pd.DataFrame, by):
    """Levels present in column ``by`` (canonical order for ``type``, category order for categoricals, else
    sorted as R's ``factor``) and each row's level code. Without ``by``: one level ``"all"``."""
    if by is None:
        return ["all"], np.zeros(len(data), dtype=np.int64)
    s = data[by]
    present = set(s.astype(str))
    if isinstance(s.dtype, pd.CategoricalDtype):
        order = [str(c) for c in s.cat.categories]
    elif by == "type":
        order = list(RUPTURE_TYPES) + sorted(present - set(RUPTURE_TYPES))
    else:
        order = sorted(present)
    if by == "type":
        order = [c for c in RUPTURE_TYPES if c in order] + [c for c in order if c not in RUPTURE_TYPES]
    levels = [c for c in order if c in present]
    codes = pd.Categorical(s.astype(str), categories=levels).codes.astype(np.int64)
    return levels, codes
