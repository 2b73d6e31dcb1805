"""ruptstats: alliance rupture and repair research in Python.

Re-exports only; see the subpackages for the work:

- :mod:`ruptstats.meta`: random-effects meta-analysis equal to metafor (``python -m ruptstats.meta``);
- :mod:`ruptstats.effects`: effect sizes with sampling variances (metafor's ``escalc`` shape);
- :mod:`ruptstats.sessions`: session-level rupture/repair data: loading, scoring, classifying;
- :mod:`ruptstats.tables`: reading study and session tables from CSV, Excel, SPSS, Stata, Parquet, JSON.
"""

from .effects import aggregate, convert_table, escalc
from .exceptions import ConvergenceWarning, DataError, OptionError, RuptstatsError, TableReadError
from .meta import rma, subgroup_analysis
from .sessions import classify_sessions, client_conditions, load_sessions
from .tables import read_table

__version__ = "0.1.0"

__all__ = [
    "ConvergenceWarning",
    "DataError",
    "OptionError",
    "RuptstatsError",
    "TableReadError",
    "aggregate",
    "convert_table",
    "escalc",
    "rma",
    "subgroup_analysis",
    "read_table",
    "load_sessions",
    "classify_sessions",
    "client_conditions",
    "__version__",
]
