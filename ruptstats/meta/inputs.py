"""Study-table inputs of the meta-analysis: re-exported from :mod:`ruptstats.intake.study` (their one home)."""

from __future__ import annotations

from ..intake.cells import numeric_column
from ..intake.study import STUDY_COLUMNS, EffectInput, effect_columns, effects_from_table, find_column

__all__ = ["EffectInput", "effect_columns", "effects_from_table", "numeric_column", "find_column", "STUDY_COLUMNS"]
