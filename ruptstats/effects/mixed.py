"""Mixed-report study tables: rows that report different statistics, converted to one measure.

Study reports give a correlation, a t test, an F, a chi-square, an exact p, an odds ratio with its CI, group
means or a 2×2 table. :func:`convert_table` turns every row into one target measure (``COR``, ``ZCOR`` or
``SMD``) with its sampling variance, and records per row which conversion was used (``conversion``).

Which statistic a row reports is read from a ``statistic`` column (table form A) or, when the table has
none, from which statistic column of the row is filled (form B):

===============  ==========================================  ===========================================
statistic        form A: ``value`` plus                      form B: columns filled
===============  ==========================================  ===========================================
``r``            ``n``                                       ``r, n``
``d``            ``n1, n2``                                  ``d, n1, n2``
``t``            ``n1, n2`` (independent groups)             ``t, n1, n2``
``t_paired``     ``n, r_prepost``                            ``t_paired, n, r_prepost``
``F``            ``n1, n2, sign`` (F(1, n1 + n2 - 2))        ``F, n1, n2, sign``
``chi2``         ``n, sign`` (chi-square with 1 df)          ``chi2, n, sign``
``p``            ``n, sign`` (exact two-sided p)             ``p, n, sign``
``or``           ``ci_lower, ci_upper`` (the OR's CI)        ``or, ci_lower, ci_upper``
``log_or``       ``se``                                      ``log_or, se``
``means``        ``m1, sd1, n1, m2, sd2, n2``                the same
``counts``       ``ai, bi, ci, di``                          the same
===============  ==========================================  ===========================================

``sign`` (+1 or -1) is the direction of an effect whose statistic has none. Converting ``d``-type rows to a
correlation needs the group sizes ``n1``, ``n2``; paired designs cannot be converted to a correlation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_choice, check_level
from ..exceptions import DataError, OptionError
from . import convert
from ..intake.cells import drop_empty, values_of
from ..intake.policy import missing_policy
from .measures import escalc

__all__ = ["convert_table", "STATISTICS", "TARGETS"]

TARGETS = ("COR", "ZCOR", "SMD")


# statistic -> the vocabulary fields a row needs besides its value
STATISTICS = {
    "r": ("n",),
    "d": ("n1", "n2"),
    "t": ("n1", "n2"),
    "t_paired": ("n", "r_prepost"),
    "F": ("n1", "n2", "sign"),
    "chi2": ("n", "sign"),
    "p": ("n", "sign"),
    "or": ("ci_lower", "ci_upper"),
    "log_or": ("se",),
    "means": ("m1", "sd1", "n1", "m2", "sd2", "n2"),
    "counts": ("ai", "bi", "ci", "di"),
}
_NO_VALUE = ("means", "counts")
_OPTIONAL = {"or": ("n1", "n2"), "log_or": ("n1", "n2")}  # needed only when converting to a correlation


def convert_table(data: pd.DataFrame, *, to: str = "ZCOR", statistic: str = "statistic", columns=None,
                  level=0.95, missing: str = "error") -> pd.DataFrame:
    """Convert a table whose rows report different statistics to one effect-size measure.

    Parameters
    ----------
    data : pandas.DataFrame
        The study table, in form A or form B of the module docstring.
    to : {"COR", "ZCOR", "SMD"}, default "ZCOR"
        The target: raw correlation, Fisher's z, or standardised mean difference.
    statistic : str, default "statistic"
        The column naming each row's statistic (form A); when the table has no such column, each row's
        statistic is the one statistic column that is filled (form B).
    columns : dict, optional
        Vocabulary name -> column name, for tables that use other names (e.g. ``{"n": "N"}``).
    level : float, default 0.95
        Confidence level of the intervals in ``ci_lower``/``ci_upper``.
    missing : {"error", "drop"}, default "error"
        An empty cell the row needs is an error; with ``"drop"`` the row is dropped and reported (a
        :class:`~ruptstats.exceptions.DataWarning` and ``attrs["dropped_rows"]``).

    Returns
    -------
    pandas.DataFrame
        A copy of the rows with ``yi`` (the target measure), ``vi`` (its sampling variance), ``measure``
        (the target) and ``conversion`` (the steps taken, e.g. ``"t -> d -> r -> z"``). For ``SMD``,
        ``means`` rows give Hedges' g (metafor's ``SMD``); rows converted from other statistics give d.

    Notes
    -----
    Rows are first carried to r (``r``, ``chi2``, ``p``) or to d (all others) with the functions of
    :mod:`ruptstats.effects.convert`, then to the target: r -> d by :func:`~.convert.r_to_d`, d -> r by
    :func:`~.convert.d_to_r` (with the group sizes), and r -> Fisher's z as
    :math:`z = \\operatorname{artanh}(r)`, :math:`v_z = 1/(n - 3)` with :math:`n` the total sample size
    (Borenstein et al., 2009, ch. 6 and ch. 7).

    Raises
    ------
    OptionError
        Unknown ``to``, ``missing`` or ``level``.
    DataError
        Unknown or ambiguous statistic, an empty or non-numeric cell, a value out of range, or a
        conversion that is not possible (a paired design to a correlation, a ``d``-type row without group
        sizes to a correlation); the message names the 1-based row and the column.

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
    meta-analysis* (ch. 7, Converting among effect sizes). Wiley. Lipsey, M. W., & Wilson, D. B. (2001).
    *Practical meta-analysis* (Appendix B). Sage.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"statistic": ["r", "t"], "value": [0.3, 2.1], "n": [50, None],
    ...                   "n1": [None, 20], "n2": [None, 22]})
    >>> convert_table(t, to="ZCOR")["conversion"].tolist()
    ['r -> z', 't -> d -> r -> z']
    """
    to = check_choice("to", to, TARGETS)
    level = check_level(level)
    missing = missing_policy(missing)
    if not isinstance(data, pd.DataFrame):
        raise OptionError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    source = data.attrs.get("source")
    names = _vocabulary(columns)
    kinds, value_cols = _row_kinds(data, statistic, names, source)
    inputs = _row_inputs(data, kinds, value_cols, names, source)
    keep, dropped = drop_empty(_needed(inputs, kinds, value_cols, names), missing=missing, source=source,
                                 what=f"a {to} effect size")
    results = [_convert_row(i, kinds[i], inputs, value_cols[i], names, to, level, source)
               for i in np.flatnonzero(keep)]
    out = data.iloc[np.flatnonzero(keep)].copy()
    out["yi"] = [r[0] for r in results]
    out["vi"] = [r[1] for r in results]
    out["measure"] = to
    out["conversion"] = [r[2] for r in results]
    out.attrs = {**data.attrs, "measure": to, "dropped_rows": [r for r, _ in dropped]}
    return out


def _vocabulary(columns) -> dict:
    fields = {f for k in STATISTICS.values() for f in k} | {"value"} | set(STATISTICS)
    names = {f: f for f in fields}
    for key, col in (columns or {}).items():
        if key not in names:
            shown = ", ".join(sorted(names))
            raise OptionError(f"columns={{{key!r}: ...}}: {key!r} is not a field; choose from {shown}")
        names[key] = col
    return names


def _row_kinds(data, statistic, names, source):
    """Return per row the statistic it reports and the column holding its value."""
    kinds, value_cols = [], []
    if statistic in data.columns:
        allowed = list(STATISTICS)
        for i, raw in enumerate(data[statistic].tolist()):
            text = "" if pd.isna(raw) else str(raw).strip()
            match = next((k for k in allowed if k.lower() == text.lower()), None)
            if match is None:
                what = f"unknown statistic {raw!r}" if text else "the cell is empty"
                raise DataError(f"{what}; expected one of {', '.join(allowed)}", source=source, row=i + 1,
                                column=statistic)
            kinds.append(match)
            value_cols.append(None if match in _NO_VALUE else names["value"])
        return kinds, value_cols
    present = [k for k in STATISTICS if k not in _NO_VALUE and names[k] in data.columns]
    for k in _NO_VALUE:
        if names[STATISTICS[k][0]] in data.columns:
            present.append(k)
    for i in range(len(data)):
        col_of = {k: names[k] if k not in _NO_VALUE else names[STATISTICS[k][0]] for k in present}
        filled = [k for k in present if _filled(data[col_of[k]].iloc[i])]
        if len(filled) != 1:
            what = "none" if not filled else ", ".join(col_of[k] for k in filled)
            raise DataError(f"a row must report exactly one statistic (filled: {what}); or add a "
                            f"'{statistic}' column", source=source, row=i + 1)
        kinds.append(filled[0])
        value_cols.append(None if filled[0] in _NO_VALUE else col_of[filled[0]])
    return kinds, value_cols


def _filled(v) -> bool:
    return not (v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())
                or v is pd.NA or v is pd.NaT)


def _row_inputs(data, kinds, value_cols, names, source) -> dict:
    """Column name -> float array for every column any row needs (NaN where empty)."""
    wanted = {c for c in value_cols if c}
    for kind in set(kinds):
        wanted |= {names[f] for f in STATISTICS[kind] + _OPTIONAL.get(kind, ())}
    return {c: values_of(data, c, column=c, k=len(data), source=source) if c in data.columns
            else np.full(len(data), np.nan) for c in wanted}


def _needed(inputs, kinds, value_cols, names) -> dict:
    """Column -> values where only the cells a row needs count (others are treated as filled)."""
    k = len(kinds)
    out = {}
    for i, kind in enumerate(kinds):
        cols = [names[f] for f in STATISTICS[kind]] + ([value_cols[i]] if value_cols[i] else [])
        for c in cols:
            out.setdefault(c, np.zeros(k))[i] = inputs[c][i]
    return out


def _convert_row(i, kind, inputs, value_col, names, to, level, source):
    def get(field):
        col = inputs.get(names[field])
        return np.nan if col is None else col[i]

    try:
        value = inputs[value_col][i] if value_col else np.nan
        family, y, v, sizes, steps = _first_step(kind, value, get, level)
        return _to_target(family, y, v, sizes, steps, to, kind)
    except DataError as exc:
        column = value_col if exc.column in _VALUE_ARGS else names.get(_ARG_FIELD.get(exc.column, exc.column),
                                                                       exc.column)
        raise DataError(exc.message, source=source, row=i + 1, column=column) from None


_VALUE_ARGS = {"r", "d", "t", "t_paired", "F", "chi2", "p", "estimate", "log_or"}
_ARG_FIELD = {"vd": "se", "v_log_or": "se", "m1i": "m1", "m2i": "m2", "sd1i": "sd1", "sd2i": "sd2", "n1i": "n1",
              "n2i": "n2"}


def _first_step(kind, value, get, level):
    """Convert a row's statistic to r (with n) or d (with group sizes): (family, y, v, sizes, steps)."""
    if kind == "r":
        return "r", value, float(convert.var_r(value, get("n"))[0]), {"n": get("n")}, ["r"]
    if kind in ("chi2", "p"):
        fn = convert.chi2_to_r if kind == "chi2" else convert.p_to_r
        r, vr = fn(value, get("n"), sign=get("sign"))
        return "r", r[0], vr[0], {"n": get("n")}, [kind, "r"]
    sizes = {"n1": get("n1"), "n2": get("n2")}
    if kind == "d":
        return "d", value, float(convert.var_d(value, sizes["n1"], sizes["n2"])[0]), sizes, ["d"]
    if kind in ("t", "F"):
        d, vd = (convert.t_to_d(value, sizes["n1"], sizes["n2"]) if kind == "t"
                 else convert.f_to_d(value, sizes["n1"], sizes["n2"], sign=get("sign")))
        return "d", d[0], vd[0], sizes, [kind, "d"]
    if kind == "t_paired":
        d, vd = convert.paired_t_to_d(value, get("n"), get("r_prepost"))
        return "d", d[0], vd[0], {"n": get("n"), "paired": True}, ["paired t", "d"]
    if kind == "means":
        row = {f: [get(f)] for f in ("m1", "sd1", "n1", "m2", "sd2", "n2")}
        es = escalc(pd.DataFrame(row), measure="SMD", m1i="m1", sd1i="sd1", n1i="n1", m2i="m2", sd2i="sd2",
                    n2i="n2")
        return "d", es["yi"].iloc[0], es["vi"].iloc[0], sizes, ["means", "g"]
    lor, vlor, steps = _log_or(kind, value, get, level)
    if kind == "counts":
        sizes = {"n1": get("ai") + get("bi"), "n2": get("ci") + get("di")}
    d, vd = convert.log_or_to_d(lor, vlor)
    return "d", d[0], vd[0], sizes, steps + ["d"]


def _log_or(kind, value, get, level):
    if kind == "or":
        y, v = convert.ci_to_yi_vi(value, get("ci_lower"), get("ci_upper"), level=level, scale="log")
        return y, v, ["OR with CI", "log OR"]
    if kind == "log_or":
        se = np.atleast_1d(get("se"))
        if not se[0] > 0:
            raise DataError(f"must be a standard error greater than 0, got {se[0]!r}", column="se")
        return np.atleast_1d(value), se**2, ["log OR"]
    cells = {c: [get(c)] for c in ("ai", "bi", "ci", "di")}
    es = escalc(pd.DataFrame(cells), measure="OR", ai="ai", bi="bi", ci="ci", di="di")
    zero = min(cells["ai"][0], cells["bi"][0], cells["ci"][0], cells["di"][0]) == 0
    first = "2x2 counts (+1/2 to each cell: a zero cell)" if zero else "2x2 counts"
    return es["yi"].to_numpy(), es["vi"].to_numpy(), [first, "log OR"]


def _to_target(family, y, v, sizes, steps, to, kind):
    """Carry (y, v) from its family to the target measure; returns (yi, vi, conversion)."""
    if to == "SMD":
        if family == "r":
            d, vd = convert.r_to_d(y, v)
            return float(d[0]), float(vd[0]), " -> ".join(steps + ["d"])
        return float(y), float(v), " -> ".join(steps)
    if family == "d":
        if sizes.get("paired"):
            raise DataError("a paired (pre-post) statistic cannot be converted to a correlation; use "
                            "to='SMD'", column="t_paired")
        if not (np.isfinite(sizes.get("n1", np.nan)) and np.isfinite(sizes.get("n2", np.nan))):
            raise DataError(f"converting {kind!r} to a correlation needs the group sizes n1 and n2",
                            column="n1")
        r, vr = convert.d_to_r(y, v, sizes["n1"], sizes["n2"])
        y, v, steps = float(r[0]), float(vr[0]), steps + ["r"]
        n = sizes["n1"] + sizes["n2"]
    else:
        n = sizes["n"]
    if to == "COR":
        return float(y), float(v), " -> ".join(steps)
    if n <= 3:
        raise DataError(f"Fisher's z needs n > 3, got {n:g}", column="n")
    return float(np.arctanh(y)), 1.0 / (n - 3.0), " -> ".join(steps + ["z"])
