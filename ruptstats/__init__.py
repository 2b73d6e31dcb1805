"""ruptstats: alliance rupture and repair research in Python.

Re-exports only; see the subpackages for the work:

- :mod:`ruptstats.meta`: random-effects meta-analysis equal to metafor (``python -m ruptstats.meta``);
- :mod:`ruptstats.effects`: effect sizes with sampling variances (metafor's ``escalc`` shape);
- :mod:`ruptstats.sessions`: session-level rupture/repair data: loading, scoring, classifying;
- :mod:`ruptstats.tables`: reading study and session tables from CSV, Excel, SPSS, Stata, Parquet, JSON.
"""

from __future__ import annotations

from ._lazy import lazy_exports
from .exceptions import ConvergenceWarning, DataError, OptionError, RuptstatsError, TableReadError

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "aggregate": ".effects",
    "classify_sessions": ".sessions",
    "client_conditions": ".sessions",
    "compare_conditions": ".conditions",
    "convert_table": ".effects",
    "escalc": ".effects",
    "load_sessions": ".sessions",
    "read_table": ".tables",
    "rma": ".meta",
    "study_effects": ".conditions",
    "subgroup_analysis": ".meta",
}

__version__ = "0.1.0"

__all__ = sorted(_EXPORTS) + ["ConvergenceWarning", "DataError", "OptionError", "RuptstatsError", "TableReadError",
                              "__version__"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
