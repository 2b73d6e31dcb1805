"""The canonical session and client tables: column names, meanings and fixed dtypes.

Every loader in :mod:`ruptstats.sessions` returns these columns with these dtypes, whatever the file looked like,
so every later analysis can rely on them.

Session table (one row per client × session, or client × session × rater when ``rater`` is present)
====================  ==========================  ==============================================================
column                dtype                       meaning
====================  ==========================  ==============================================================
``study``             category (text)             study label; a constant from the mapping when the file has none
``client``            category (text)             client identifier (a keyed pseudonym when pseudonymised)
``therapist``         category (text)             therapist identifier (optional)
``session``           Int64                       session number, a whole number ≥ 1, strictly increasing per client
``rater``             category                    ``client`` / ``therapist`` / ``observer`` (optional)
``rupture``           boolean (nullable)          rupture in this session (as reported, or as classified)
``rupture_type``      category                    ``withdrawal`` / ``confrontation`` / ``both`` (optional)
``rupture_intensity`` float64                     rupture intensity on the instrument's scale (optional)
``resolution``        float64                     resolution rating on the instrument's scale (optional)
``repaired``          boolean (nullable)          True only for a session whose rupture was repaired
``alliance``          float64                     alliance score (e.g. WAI-SR total, SRS total) (optional)
``outcome``           float64                     session outcome score (e.g. ORS, OQ-45 total) (optional)
``condition``         category                    ``none`` / ``unrepaired`` / ``repaired`` (after classification)
====================  ==========================  ==============================================================

Client-level columns may also stand in the session table, repeated on every row of a client: ``pre`` and
``post`` (float64, outcome before and after treatment) and ``dropout`` (boolean). They must not vary within a
client. Every other kept column is a covariate with the dtype it was read with (labelled SPSS/Stata values as
categoricals).

Client table (one row per client; :func:`ruptstats.sessions.client_conditions`)
====================  ==========================  ==============================================================
``study``             category                    as above
``client``            category                    as above
``therapist``         category                    as above (missing when unknown)
``pre``, ``post``     float64                     outcome before and after treatment
``dropout``           boolean (nullable)          ended treatment early
``n_sessions``        Int64                       number of session rows of the client
``condition``         category                    ``none`` / ``unrepaired`` / ``repaired``
====================  ==========================  ==============================================================
followed by the client-level covariates.

Rows are ordered by study, client, rater and session, following the order of the categories; the categories of
``study``, ``client`` and ``therapist`` are in order of first appearance in the file (columns stored as
categoricals in the file, e.g. Parquet, keep their own category order). The index, named ``row``, is the 1-based
data row of the file (for wide files, the client's row), so messages and reports can point back to the file.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "CONDITIONS", "RATERS", "RUPTURE_TYPES", "SESSION_COLUMNS", "CLIENT_COLUMNS", "CLIENT_LEVEL_COLUMNS",
    "ID_COLUMNS", "BOOLEAN_COLUMNS", "FLOAT_COLUMNS", "canonical_dtype", "session_key",
]

#: Session conditions, in the order used for tables and plots.
CONDITIONS = ("none", "unrepaired", "repaired")
#: Who rated a session.
RATERS = ("client", "therapist", "observer")
#: Kinds of rupture marker (Safran & Muran, 2000; Eubanks et al., 2019).
RUPTURE_TYPES = ("withdrawal", "confrontation", "both")

CONDITION_DTYPE = pd.CategoricalDtype(list(CONDITIONS))
RATER_DTYPE = pd.CategoricalDtype(list(RATERS))
RUPTURE_TYPE_DTYPE = pd.CategoricalDtype(list(RUPTURE_TYPES))

#: Identifier columns: categoricals of text.
ID_COLUMNS = ("study", "client", "therapist")
#: Nullable boolean columns.
BOOLEAN_COLUMNS = ("rupture", "repaired", "dropout")
#: Numeric score columns (float64, NaN for missing).
FLOAT_COLUMNS = ("rupture_intensity", "resolution", "alliance", "outcome", "pre", "post")
#: Columns of the canonical session table, in output order.
SESSION_COLUMNS = ("study", "client", "therapist", "session", "rater", "rupture", "rupture_type",
                   "rupture_intensity", "resolution", "repaired", "alliance", "outcome", "condition")
#: Columns that describe a client, not a session: constant within a client.
CLIENT_LEVEL_COLUMNS = ("therapist", "pre", "post", "dropout")
#: Columns of the canonical client table, in output order (covariates follow).
CLIENT_COLUMNS = ("study", "client", "therapist", "pre", "post", "dropout", "n_sessions", "condition")

_FIXED = {"session": "Int64", "n_sessions": "Int64", "rater": RATER_DTYPE, "rupture_type": RUPTURE_TYPE_DTYPE,
          "condition": CONDITION_DTYPE}
_FIXED.update({c: "boolean" for c in BOOLEAN_COLUMNS})
_FIXED.update({c: "float64" for c in FLOAT_COLUMNS})

#: Every canonical name (session and client table).
CANONICAL_COLUMNS = tuple(dict.fromkeys(SESSION_COLUMNS + CLIENT_COLUMNS))


def canonical_dtype(column: str):
    """Return the fixed dtype of a canonical column, ``"category"`` for identifiers, or None for covariates.

    >>> canonical_dtype("session"), canonical_dtype("rupture"), canonical_dtype("client"), canonical_dtype("age")
    ('Int64', 'boolean', 'category', None)
    """
    if column in ID_COLUMNS:
        return "category"
    return _FIXED.get(column)


def session_key(columns) -> list[str]:
    """Return the columns that identify a session row: study, client, rater (when present), session.

    >>> session_key(["study", "client", "session", "alliance"])
    ['study', 'client', 'session']
    """
    return [c for c in ("study", "client", "rater", "session") if c in columns]
