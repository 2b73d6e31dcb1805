"""A small builder of the fixed-effects design, used when formulaic is not installed.

It reads R's model-formula subset ``1``, ``0``/``-1``, column names, ``a:b`` and ``a*b`` (= ``a + b + a:b``):
numeric columns enter as they are; text, categorical and boolean columns with treatment contrasts (the first
level, in sorted order or the categorical's order, is the reference), named as lme4 names them
(``conditionunrepaired``, ``session:conditionunrepaired``). Terms are ordered as R orders them: the intercept,
then main effects, then interactions by their order. Anything else (``I()``, ``log()``, ``poly()``) needs
formulaic and is an :class:`OptionError` naming the term.

>>> import pandas as pd
>>> f = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["b", "a", "b"]})
>>> fixed_design(f, "x * g", "y ~ x * g + (1 | c)")[1]
('(Intercept)', 'x', 'gb', 'x:gb')
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..exceptions import OptionError

__all__ = ["fixed_design", "fixed_variables"]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


def _terms(fixed: str, formula: str) -> tuple[bool, list[tuple[str, ...]]]:
    """(intercept, terms as tuples of column names) in R's order."""
    text = re.sub(r"\s+", "", fixed)
    intercept, terms = True, []
    for piece in re.split(r"\+|(?=-)", text):
        if piece in ("", "1", "+1"):
            continue
        if piece in ("0", "-1", "-0"):
            intercept = False
            continue
        if piece.startswith("-"):
            raise OptionError(f"formula={formula!r}: removing the term {piece[1:]!r} needs formulaic (pip install "
                              f"formulaic)")
        if "*" in piece:
            names = piece.split("*")
            expanded = [()]
            for name in names:
                expanded += [e + (name,) for e in expanded]
            new = [e for e in expanded if e]
        else:
            new = [tuple(piece.split(":"))]
        for term in new:
            for name in term:
                if not _NAME.match(name):
                    raise OptionError(f"formula={formula!r}: cannot read the fixed part {fixed!r}: the term "
                                      f"{piece!r} needs formulaic (pip install formulaic)")
            if term not in terms:
                terms.append(term)
    terms.sort(key=len)  # stable: main effects, then two-way interactions, ...
    return intercept, terms


def fixed_variables(fixed: str, formula: str) -> list[str]:
    """The columns the fixed part uses."""
    return sorted({name for term in _terms(fixed, formula)[1] for name in term})


def _columns(values: pd.Series, name: str, full: bool = False) -> tuple[list[np.ndarray], list[str]]:
    """A column's coding: numeric as is; a factor by treatment contrasts, or all levels with ``full``."""
    if pd.api.types.is_bool_dtype(values):
        levels = [False, True]
    elif isinstance(values.dtype, pd.CategoricalDtype):
        levels = [lv for lv in values.cat.categories if (values == lv).any()]
    elif pd.api.types.is_numeric_dtype(values):
        return [values.to_numpy(dtype=float)], [name]
    else:
        levels = sorted(values.unique(), key=str)
    shown = {False: "FALSE", True: "TRUE"}
    kept = levels if full else levels[1:]
    return ([(values == lv).to_numpy(dtype=float) for lv in kept],
            [f"{name}{shown.get(lv, lv) if isinstance(lv, bool) else lv}" for lv in kept])


def fixed_design(frame: pd.DataFrame, fixed: str, formula: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """The design matrix and lme4's column names of the fixed part on the analysed rows."""
    intercept, terms = _terms(fixed, formula)
    cols, names = ([np.ones(len(frame))], ["(Intercept)"]) if intercept else ([], [])
    cache = {}
    full_done = intercept  # without an intercept R codes the first factor main effect by all its levels
    for term in terms:
        parts_cols, parts_names = [np.ones(len(frame))], [""]
        for name in term:
            if not full_done and len(term) == 1:
                c, nm = _columns(frame[name], name, full=True)
                full_done = len(c) > 1 or not pd.api.types.is_numeric_dtype(frame[name])
                if full_done:
                    parts_cols = [a * b for a in parts_cols for b in c]
                    parts_names = [f"{a}:{b}" if a else b for a in parts_names for b in nm]
                    continue
            if name not in cache:
                cache[name] = _columns(frame[name], name)
            c, nm = cache[name]
            parts_cols = [a * b for a in parts_cols for b in c]
            parts_names = [f"{a}:{b}" if a else b for a in parts_names for b in nm]
        cols += parts_cols
        names += parts_names
    X = np.column_stack(cols) if cols else np.zeros((len(frame), 0))
    return X, tuple(names)
