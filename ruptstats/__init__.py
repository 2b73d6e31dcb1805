"""ruptstats: alliance rupture and repair research in Python.

Re-exports only; see the subpackages for the work:

- :mod:`ruptstats.meta`: random-effects meta-analysis equal to metafor (``python -m ruptstats.meta``);
- :mod:`ruptstats.effects`: effect sizes with sampling variances (metafor's ``escalc`` shape);
- :mod:`ruptstats.tables`: reading study and session tables from CSV, Excel, SPSS, Stata, Parquet, JSON.
"""

from .exceptions import ConvergenceWarning, DataError, OptionError, RuptstatsError, TableReadError
from .tables import read_table
from .sessions import classify_sessions, client_conditions, load_sessions

__version__ = "0.1.0"

__all__ = [
    "ConvergenceWarning",
    "DataError",
    "OptionError",
    "RuptstatsError",
    "TableReadError",
    "read_table",
    "load_sessions",
    "classify_sessions",
    "client_conditions",
    "__version__",
]
