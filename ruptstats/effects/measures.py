"""``escalc``: the caller's rows with ``yi``, ``vi`` and ``measure`` appended (metafor's shape).

One entry point, :func:`escalc`, checks the columns a measure needs (naming the 1-based row and the column
of the first bad value) and dispatches to one plain function per measure:

==========================  ====================================  =============================
measure                     needs                                 function
==========================  ====================================  =============================
``COR``, ``UCOR``, ``ZCOR``  ``ri, ni``                            :mod:`.correlation`
``MD``, ``SMD``, ``SMDH``,   ``m1i, sd1i, n1i, m2i, sd2i, n2i``    :mod:`.means`
``ROM``
``OR``, ``RR``, ``RD``       ``ai, ci`` and ``bi, di`` or           :mod:`.counts`
                             ``n1i, n2i``
``SMCR``                     ``m1i, m2i, sd1i, ni, ri``            :func:`.means.smcr`
``SMCC``, ``SMCRH``          ``m1i, m2i, sd1i, sd2i, ni, ri``      :mod:`.change`
``PR``, ``PLN``, ``PLO``,    ``xi, ni``                            :mod:`.proportions`
``PAS``, ``PFT``
``IR``                       ``xi, ti``                            :func:`.rates.ir`
``IRR``                      ``x1i, t1i, x2i, t2i``                :func:`.rates.irr`
``PCOR``, ``ZPCOR``          ``ti, ni, mi``                        :mod:`.partial`
``SPCOR``                    ``ti, ni, mi, r2i``                   :func:`.partial.spcor`
``RPB``, ``RBIS``, ``D2ORN``  ``m1i, sd1i, n1i, m2i, sd2i, n2i``    :mod:`.biserial`
``D2ORL``
``OR2DN``, ``OR2DL``         as ``OR``                             :mod:`.biserial`
==========================  ====================================  =============================

``vtype`` selects the variance where metafor offers a choice (``PR``: LS, UB, AV; ``PLN``, ``PLO``, ``PCOR``,
``SPCOR``: LS, AV; ``SMCC``: LS, LS2; ``RPB``: LS, ST, CS); the default ``"LS"`` is metafor's. The continuity
correction (``add``, ``to``, ``drop00``) applies to 2×2 tables (``OR``, ``RR``, ``RD``, ``OR2DN``, ``OR2DL``),
proportions (events and non-events; default ``add`` 1/2, but 0 for ``PAS`` and ``PFT`` as in metafor) and
incidence counts (``IR``, ``IRR``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_choice
from ..exceptions import DataError, DataWarning, OptionError
from . import biserial, change, counts, means, partial, proportions, rates
from ..intake.cells import check_rule, check_sample_size, drop_empty, first_bad, values_of
from ..intake.policy import missing_policy
from .correlation import cor, ucor, zcor

__all__ = ["escalc", "MEASURES", "two_by_two"]


@dataclass(frozen=True)
class _Spec:
    roles: tuple[str, ...]           # argument names, in the order the measure function takes them
    rules: dict                      # role -> rule name of intake.cells.RULES, or ("n", minimum)
    func: object
    label: str                       # what the measure is, for messages and the conversion record
    vtypes: tuple[str, ...] = ("LS",)  # metafor's vtype values the function accepts (passed as vtype=)
    correct: str | None = None       # continuity correction: "cells", "proportion", "rate" (None: none)


_TWO = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
_TWO_RULES = {"m1i": "any", "m2i": "any", "sd1i": "sd", "sd2i": "sd", "n1i": ("n", 2), "n2i": ("n", 2)}
_CELLS = ("ai", "bi", "ci", "di")
_CELL_RULES = dict.fromkeys(_CELLS, "count")
_CELL_MEASURES = ("OR", "RR", "RD", "OR2DN", "OR2DL")
_CHANGE = ("m1i", "m2i", "sd1i", "sd2i", "ni", "ri")
_CHANGE_RULES = {"m1i": "any", "m2i": "any", "sd1i": "sd", "sd2i": "sd", "ni": ("n", 3), "ri": "r"}
_PROP_RULES = {"xi": "count", "ni": ("n", 1)}
_PCOR_RULES = {"ti": "any", "ni": ("n", 1), "mi": "count", "r2i": "nonneg"}

MEASURES = {
    "COR": _Spec(("ri", "ni"), {"ri": "r", "ni": ("n", 4)}, cor, "raw correlation"),
    "UCOR": _Spec(("ri", "ni"), {"ri": "r", "ni": ("n", 5)}, ucor, "bias-corrected correlation"),
    "ZCOR": _Spec(("ri", "ni"), {"ri": "r", "ni": ("n", 4)}, zcor, "Fisher's z of r"),
    "MD": _Spec(_TWO, _TWO_RULES, means.md, "raw mean difference"),
    "SMD": _Spec(_TWO, _TWO_RULES, means.smd, "standardised mean difference (Hedges' g)"),
    "SMDH": _Spec(_TWO, _TWO_RULES, means.smdh, "standardised mean difference, unequal variances"),
    "ROM": _Spec(_TWO, {**_TWO_RULES, "m1i": "positive", "m2i": "positive"}, means.rom, "log ratio of means"),
    "OR": _Spec(_CELLS, _CELL_RULES, counts.or_, "log odds ratio", correct="cells"),
    "RR": _Spec(_CELLS, _CELL_RULES, counts.rr, "log risk ratio", correct="cells"),
    "RD": _Spec(_CELLS, _CELL_RULES, counts.rd, "risk difference", correct="cells"),
    "SMCR": _Spec(("m1i", "m2i", "sd1i", "ni", "ri"),
                  {"m1i": "any", "m2i": "any", "sd1i": "sd", "ni": ("n", 3), "ri": "r"},
                  means.smcr, "standardised mean change (raw-score standardisation)"),
    "SMCC": _Spec(_CHANGE, _CHANGE_RULES, change.smcc, "standardised mean change (change-score standardisation)",
                  change.VTYPES["SMCC"]),
    "SMCRH": _Spec(_CHANGE, _CHANGE_RULES, change.smcrh,
                   "standardised mean change (raw-score standardisation, unequal variances)"),
    **{m: _Spec(("xi", "ni"), _PROP_RULES, getattr(proportions, m.lower()), label, proportions.VTYPES[m],
                "proportion")
       for m, label in (("PR", "raw proportion"), ("PLN", "log proportion"), ("PLO", "logit proportion"),
                        ("PAS", "arcsine square-root proportion"), ("PFT", "Freeman-Tukey double arcsine proportion"))},
    "IR": _Spec(("xi", "ti"), {"xi": "count", "ti": "positive"}, rates.ir, "incidence rate", correct="rate"),
    "IRR": _Spec(("x1i", "t1i", "x2i", "t2i"), {"x1i": "count", "x2i": "count", "t1i": "positive", "t2i": "positive"},
                 rates.irr, "log incidence rate ratio", correct="rate"),
    "PCOR": _Spec(("ti", "ni", "mi"), _PCOR_RULES, partial.pcor, "partial correlation", partial.VTYPES["PCOR"]),
    "ZPCOR": _Spec(("ti", "ni", "mi"), _PCOR_RULES, partial.zpcor, "Fisher's z of a partial correlation"),
    "SPCOR": _Spec(("ti", "ni", "mi", "r2i"), _PCOR_RULES, partial.spcor, "semi-partial correlation",
                   partial.VTYPES["SPCOR"]),
    "RPB": _Spec(_TWO, _TWO_RULES, biserial.rpb, "point-biserial correlation", biserial.VTYPES["RPB"]),
    "RBIS": _Spec(_TWO, _TWO_RULES, biserial.rbis, "biserial correlation"),
    "D2ORN": _Spec(_TWO, _TWO_RULES, biserial.d2orn, "log odds ratio from d (normal)"),
    "D2ORL": _Spec(_TWO, _TWO_RULES, biserial.d2orl, "log odds ratio from d (logistic)"),
    "OR2DN": _Spec(_CELLS, _CELL_RULES, biserial.or2dn, "d from a log odds ratio (normal)", correct="cells"),
    "OR2DL": _Spec(_CELLS, _CELL_RULES, biserial.or2dl, "d from a log odds ratio (logistic)", correct="cells"),
}
_NO_ADD = ("PAS", "PFT")  # metafor's escalc: add = 0 unless given


def escalc(data=None, *, measure, ri=None, ni=None, m1i=None, sd1i=None, n1i=None, m2i=None, sd2i=None,
           n2i=None, ai=None, bi=None, ci=None, di=None, add=None, to="only0", drop00=False,
           missing="error", xi=None, ti=None, mi=None, r2i=None, x1i=None, t1i=None, x2i=None, t2i=None,
           vtype="LS") -> pd.DataFrame:
    """Compute an effect size and its sampling variance for every row (metafor's ``escalc``).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        The study table. When given, the inputs below are column names; without it they are arrays.
    measure : str
        One of :data:`MEASURES`: ``COR``, ``UCOR``, ``ZCOR``, ``MD``, ``SMD``, ``SMDH``, ``ROM``, ``OR``, ``RR``,
        ``RD``, ``SMCR``, ``SMCC``, ``SMCRH``, ``PR``, ``PLN``, ``PLO``, ``PAS``, ``PFT``, ``IR``, ``IRR``,
        ``PCOR``, ``ZPCOR``, ``SPCOR``, ``RPB``, ``RBIS``, ``D2ORN``, ``D2ORL``, ``OR2DN``, ``OR2DL``
        The effect size (metafor's codes; see the module docstring for what each needs).
    ri, ni : str or array_like
        Correlations and sample sizes (``COR``, ``UCOR``, ``ZCOR``); for ``SMCR`` the pre-post correlation
        (a column or one number for all rows) and the sample size.
    m1i, sd1i, n1i, m2i, sd2i, n2i : str or array_like
        Means, SDs and sizes of groups 1 and 2 (``MD``, ``SMD``, ``SMDH``, ``ROM``); for ``SMCR``
        ``m1i``/``m2i`` are the means at the two occasions and ``sd1i`` the pre-test SD.
    ai, bi, ci, di : str or array_like
        2×2 cells (``OR``, ``RR``, ``RD``): events and non-events in groups 1 and 2. Instead of ``bi`` and
        ``di`` the group sizes ``n1i`` and ``n2i`` may be given.
    add : float, optional
        Continuity correction (metafor's ``add``): default 0.5, but 0 for ``PAS`` and ``PFT`` as in metafor.
    to : {"only0", "all", "if0all", "none"}, default "only0"
        Which tables get ``add`` (metafor's ``to``), see :func:`ruptstats.effects.counts.continuity`.
    drop00 : bool, default False
        With ``True``, tables with no events (or only events) in both groups get ``NaN`` ``yi``/``vi``
        (metafor's ``drop00``); a :class:`~ruptstats.exceptions.DataWarning` names those rows.
    missing : {"error", "drop"}, default "error"
        Empty cells among the needed inputs are an error; with ``"drop"`` those rows are dropped, a
        :class:`~ruptstats.exceptions.DataWarning` names them and ``attrs["dropped_rows"]`` lists them.
    xi, ti, mi, r2i : str or array_like
        Proportions: events ``xi`` among ``ni``. ``IR``: events ``xi`` over person-time ``ti``. ``PCOR``,
        ``ZPCOR``, ``SPCOR``: the predictor's t statistic ``ti``, sample size ``ni``, number of predictors
        ``mi`` and (``SPCOR``) the model's R² ``r2i``.
    x1i, t1i, x2i, t2i : str or array_like
        ``IRR``: events and person-time of groups 1 and 2.
    vtype : str, default "LS"
        Variance type where metafor offers one (see the module docstring); other measures accept only "LS".

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` (or a table of the arrays given) with columns ``yi`` (the effect size: log scale
        for ``OR``, ``RR`` and ``ROM``, Fisher's z for ``ZCOR``), ``vi`` (its sampling variance) and
        ``measure``. ``attrs["measure"]`` holds the measure, ``attrs["dropped_rows"]`` the 1-based rows
        dropped under ``missing="drop"`` and ``attrs["continuity_rows"]`` the 1-based rows whose 2×2 cells
        got ``add``.

    Raises
    ------
    OptionError
        Unknown ``measure``, ``to``, ``missing``, or an input the measure needs was not given.
    DataError
        A value is not a number, empty, or out of range (SD <= 0, n too small, negative counts, events above
        the group size, ``|r| >= 1``, non-positive means for ``ROM``); the message names row and column.

    References
    ----------
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of
    Statistical Software, 36*(3), 1-48. https://doi.org/10.18637/jss.v036.i03

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"m1": [103.0], "s1": [5.5], "n1": [50], "m2": [100.0], "s2": [4.5], "n2": [50]})
    >>> out = escalc(d, measure="SMD", m1i="m1", sd1i="s1", n1i="n1", m2i="m2", sd2i="s2", n2i="n2")
    >>> round(float(out["yi"].iloc[0]), 4), out.attrs["measure"]
    (0.5924, 'SMD')
    """
    measure = check_choice("measure", measure, MEASURES)
    missing = missing_policy(missing)
    spec = MEASURES[measure]
    vtype = check_choice("vtype", vtype, spec.vtypes)
    add = (0.0 if measure in _NO_ADD else 0.5) if add is None else add
    given = {"ri": ri, "ni": ni, "m1i": m1i, "sd1i": sd1i, "n1i": n1i, "m2i": m2i, "sd2i": sd2i, "n2i": n2i,
             "ai": ai, "bi": bi, "ci": ci, "di": di, "xi": xi, "ti": ti, "mi": mi, "r2i": r2i, "x1i": x1i,
             "t1i": t1i, "x2i": x2i, "t2i": t2i}
    table = _as_table(data, given)
    source = table.attrs.get("source")
    columns, labels = _collect(table, measure, spec, given, source)
    keep, dropped = drop_empty({labels[r]: x for r, x in columns.items()}, missing=missing, source=source)
    rows = np.flatnonzero(keep) + 1
    kept = {name: x[keep] for name, x in columns.items()}
    _check(kept, spec, measure, labels, source, rows)
    _check_extra(kept, measure, labels, source, rows)
    args, adjusted = _corrected([kept[r] for r in spec.roles], spec, add=add, to=to, drop00=drop00, rows=rows,
                                source=source)
    yi, vi = spec.func(*args, vtype=vtype) if len(spec.vtypes) > 1 else spec.func(*args)
    out = table.iloc[np.flatnonzero(keep)].copy()
    out["yi"] = np.asarray(yi, dtype=float)
    out["vi"] = np.asarray(vi, dtype=float)
    out["measure"] = measure
    out.attrs = {**table.attrs, "measure": measure, "dropped_rows": [r for r, _ in dropped], "continuity_rows": adjusted}
    return out


def two_by_two(data=None, *, ai=None, bi=None, ci=None, di=None, n1i=None, n2i=None, missing="error"):
    """The checked 2×2 cells of every row, as ``escalc(measure="OR")`` reads them (``bi``/``di`` or the group
    sizes ``n1i``/``n2i``), without continuity correction.

    Returns
    -------
    cells : tuple of numpy.ndarray
        ``ai, bi, ci, di`` (floats) of the rows kept.
    table : pandas.DataFrame
        The rows kept (a copy of ``data`` or a table of the arrays given).
    rows : numpy.ndarray
        Their 1-based row numbers; ``table.attrs["dropped_rows"]`` lists those left out under ``missing="drop"``.
    """
    missing = missing_policy(missing)
    spec = MEASURES["OR"]
    given = dict.fromkeys(("ri", "ni", "m1i", "sd1i", "m2i", "sd2i"), None)
    given.update(ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i)
    table = _as_table(data, given)
    source = table.attrs.get("source")
    columns, labels = _collect(table, "OR", spec, given, source)
    keep, dropped = drop_empty({labels[r]: x for r, x in columns.items()}, missing=missing, source=source)
    rows = np.flatnonzero(keep) + 1
    kept = {name: x[keep] for name, x in columns.items()}
    _check(kept, spec, "OR", labels, source, rows)
    out = table.iloc[np.flatnonzero(keep)].copy()
    out.attrs = {**table.attrs, "dropped_rows": [r for r, _ in dropped]}
    return tuple(kept[r] for r in _CELLS), out, rows


def _corrected(args, spec, *, add, to, drop00, rows, source):
    """Apply the measure's continuity correction; return the arguments and the 1-based rows it changed."""
    if spec.correct is None:
        return args, []
    raw = args
    if spec.correct == "cells":
        args = list(counts.continuity(*raw, add=add, to=to, drop00=drop00))
    elif spec.correct == "proportion":
        args = list(proportions.continuity(*raw, add=add, to=to))
    else:  # rate: counts at positions 0 (IR) or 0 and 2 (IRR)
        pos = [0] if len(raw) == 2 else [0, 2]
        fixed = rates.continuity(*[raw[i] for i in pos], add=add, to=to, drop00=drop00)
        args = list(raw)
        for i, x in zip(pos, fixed):
            args[i] = x
    changed = np.any([a != b for a, b in zip(args, raw)], axis=0) & ~np.isnan(args[0])
    _warn_drop00(rows[np.isnan(args[0])], source)
    return args, [int(r) for r in rows[changed]]


def _check_extra(columns, measure, labels, source, rows) -> None:
    """Checks linking two inputs: events within the group size, R² at most 1, positive residual df."""
    def bad(ok, column, what):
        i = first_bad(ok)
        if i is not None:
            raise DataError(what(i), source=source, row=int(rows[i]), column=labels[column])

    if "xi" in columns and "ni" in columns:
        x, n = columns["xi"], columns["ni"]
        bad(~(x > n), "xi", lambda i: f"{_num(x[i])} events are more than the sample size {_num(n[i])}")
    if "mi" in columns:
        n, m = columns["ni"], columns["mi"]
        bad(n - m - 1 > 0, "mi", lambda i: f"{_num(m[i])} predictors leave no residual degrees of freedom with "
                                            f"n = {_num(n[i])} (n - mi - 1 must be above 0)")
    if "r2i" in columns:
        r2 = columns["r2i"]
        bad(r2 <= 1, "r2i", lambda i: f"R² = {r2[i]} is above 1")


def _warn_drop00(rows, source) -> None:
    if len(rows):
        where = f"{source}: " if source else ""
        shown = ", ".join(str(int(r)) for r in rows)
        warnings.warn(f"{where}row(s) {shown}: no events (or only events) in both groups; yi and vi are NaN "
                      "(drop00=True)", DataWarning, stacklevel=3)


def _as_table(data, given) -> pd.DataFrame:
    if data is not None:
        if not isinstance(data, pd.DataFrame):
            raise OptionError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        return data
    arrays = {k: v for k, v in given.items() if v is not None and np.ndim(v) > 0}
    if not arrays:
        raise OptionError("without data=, give the inputs as arrays (e.g. ri=[0.3, 0.5], ni=[40, 60])")
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k} ({n})" for k, n in lengths.items())
        raise OptionError(f"the input arrays differ in length: {shown}")
    return pd.DataFrame({k: list(v) for k, v in arrays.items()})


def _name(role, given) -> str:
    return given[role] if isinstance(given[role], str) else role


def _collect(table, measure, spec, given, source) -> tuple[dict, dict]:
    """Return role -> float array for every role the measure needs (2×2: ``bi``/``di`` from group sizes),
    and role -> the column name to show in messages."""
    k = len(table)
    need = list(spec.roles)
    if measure in _CELL_MEASURES:
        for cell, size in (("bi", "n1i"), ("di", "n2i")):
            if given[cell] is None and given[size] is not None:
                need[need.index(cell)] = size
    absent = [r for r in need if given[r] is None]
    if absent:
        raise OptionError(f"measure={measure!r} needs {', '.join(need)}; not given: {', '.join(absent)}")
    columns = {r: values_of(table if isinstance(given[r], str) else None, given[r], column=r, k=k,
                            source=source) for r in need}
    labels = {r: _name(r, given) for r in need}
    for cell, size, events in (("bi", "n1i", "ai"), ("di", "n2i", "ci")):
        if events not in need or cell in need:
            continue
        _check_events(columns[events], columns[size], labels[events], labels[size], source)
        columns[cell] = columns.pop(size) - columns[events]
        labels[cell] = labels.pop(size)
    return columns, labels


def _check_events(events, size, events_name, size_name, source) -> None:
    check_rule(events, "count", column=events_name, source=source)
    check_rule(size, "count", column=size_name, source=source)
    with np.errstate(invalid="ignore"):
        bad = first_bad(~(events > size))
    if bad is not None:
        raise DataError(f"{_num(events[bad])} events are more than the group size {size_name} = "
                        f"{_num(size[bad])}", source=source, row=bad + 1, column=events_name)


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _check(columns, spec, measure, labels, source, rows) -> None:
    for role, x in columns.items():
        rule = spec.rules.get(role, "count")
        name = labels[role]
        if isinstance(rule, tuple):
            why = f" for measure {measure}"
            check_sample_size(x, rule[1], column=name, source=source, rows=rows, why=why)
        else:
            check_rule(x, rule, column=name, source=source, rows=rows)
