"""Small argument checks shared by every module (the PyMARE ``Options`` / statsmodels ``string_like`` idea).

Each check names the argument, the bad value and what is allowed, and raises :class:`OptionError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real

from .exceptions import OptionError

__all__ = ["check_choice", "check_level", "check_number"]


def check_choice(name: str, value, allowed: Iterable, *, case_insensitive: bool = True):
    """Return ``value`` in its canonical spelling from ``allowed``, or raise :class:`OptionError`.

    >>> check_choice("method", "reml", ["FE", "REML"])
    'REML'
    """
    allowed = list(allowed)
    if isinstance(value, str) and case_insensitive:
        for a in allowed:
            if isinstance(a, str) and a.lower() == value.lower():
                return a
    elif value in allowed:
        return value
    shown = ", ".join(repr(a) for a in allowed)
    raise OptionError(f"{name}={value!r} is not allowed; choose one of {shown}")


def check_level(level) -> float:
    """Return a confidence level as a proportion in (0, 1); 95 and 0.95 both mean 95 %.

    >>> check_level(95), check_level(0.9)
    (0.95, 0.9)
    """
    if isinstance(level, bool) or not isinstance(level, Real):
        raise OptionError(f"level={level!r} must be a number, e.g. 95 or 0.95")
    lv = float(level)
    if 1 < lv < 100:
        lv = lv / 100.0
    if not 0 < lv < 1:
        raise OptionError(f"level={level!r} must lie in (0, 1) or (1, 100), e.g. 95 or 0.95")
    return lv


def check_number(name: str, value, *, low=None, high=None, low_open=False, high_open=False,
                 integer=False):
    """Check a scalar option against a range; return it as float (or int with ``integer=True``).

    >>> check_number("seed", 3, low=0, integer=True)
    3
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise OptionError(f"{name}={value!r} must be a number")
    if value != value:  # NaN passes every comparison below
        raise OptionError(f"{name}=nan must be a finite number")
    if integer and (not math.isfinite(value) or float(value) != int(value)):
        raise OptionError(f"{name}={value!r} must be a whole number")
    v = int(value) if integer else float(value)
    bad_low = low is not None and (v <= low if low_open else v < low)
    bad_high = high is not None and (v >= high if high_open else v > high)
    if bad_low or bad_high:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        rng = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
        raise OptionError(f"{name}={value!r} is outside the allowed range {rng}")
    return v
