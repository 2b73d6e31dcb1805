"""One intake for study tables and session tables: read a file, check its cells, apply the ``missing`` policy.

- :mod:`ruptstats.intake.read`: :func:`read_table`, any table file (CSV/TSV/TXT, Excel, Parquet, JSON, SPSS,
  Stata) to a DataFrame whose data rows are numbered from 1;
- :mod:`ruptstats.intake.policy`: :func:`missing_policy`, the one ``missing="error"``/``"drop"`` policy and the
  deprecated spellings ``drop_missing=`` and ``on_invalid=``;
- :mod:`ruptstats.intake.cells`: every cell check (numbers, ranges, sample sizes, variances, empty cells) and
  the one message format ``<file>: row <n>, column '<c>': <expected>, got <found>``;
- :mod:`ruptstats.intake.study`: :func:`effects_from_table`, a study table to validated effect sizes
  (:class:`EffectInput`).

>>> from ruptstats.intake import missing_policy
>>> missing_policy("drop")
'drop'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public names, visible to IDEs and type checkers; imported lazily at run time
    from .cells import RULES, check_rule, check_sample_size, drop_empty, to_numbers
    from .policy import MISSING, missing_policy
    from .read import TABLE_EXTENSIONS, read_table, sniff_csv_format
    from .study import STUDY_COLUMNS, EffectInput, effect_columns, effects_from_table, find_column

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "check_rule": ".cells",
    "check_sample_size": ".cells",
    "drop_empty": ".cells",
    "effect_columns": ".study",
    "EffectInput": ".study",
    "effects_from_table": ".study",
    "find_column": ".study",
    "MISSING": ".policy",
    "missing_policy": ".policy",
    "read_table": ".read",
    "RULES": ".cells",
    "sniff_csv_format": ".read",
    "STUDY_COLUMNS": ".study",
    "TABLE_EXTENSIONS": ".read",
    "to_numbers": ".cells",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
