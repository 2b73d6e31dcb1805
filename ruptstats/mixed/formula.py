"""lme4's formula syntax: ``y ~ fixed part + (expr | group) + (expr || group)``.

The fixed part is handed to formulaic (R's model-formula rules: treatment contrasts, ``a:b``, ``a*b``, ``-1``);
this module splits off the response and the random-effects terms and checks their syntax. Nested grouping
``(1 | therapist/client)`` expands as in lme4 to ``(1 | therapist) + (1 | client:therapist)``; ``(x || g)``
to ``(1 | g) + (0 + x | g)`` (Bates et al., 2015, section 2.2).

>>> f = parse_formula("y ~ session + condition + (1 | therapist/client)")
>>> f.response, f.fixed, [t.group for t in f.random]
('y', 'session + condition', ['therapist', 'client:therapist'])

References
----------
Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using lme4.
*Journal of Statistical Software, 67*(1), 1-48. https://doi.org/10.18637/jss.v067.i01
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import OptionError

__all__ = ["ParsedFormula", "RandomTerm", "parse_formula"]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class RandomTerm:
    """One random-effects term ``(slopes | group)``: ``intercept`` and the numeric ``slopes`` columns vary over the
    levels of ``group`` (columns joined by ``:`` for an interaction of factors); ``factors`` are its columns."""

    intercept: bool
    slopes: tuple[str, ...]
    group: str
    factors: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into ``response``, the ``fixed`` right-hand side (formulaic syntax) and ``random`` terms."""

    text: str
    response: str
    fixed: str
    random: tuple[RandomTerm, ...]


def _split_top(text: str, sep: str, formula: str) -> list[str]:
    """Split ``text`` at ``sep`` characters outside parentheses (checking that they balance)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise OptionError(f"formula={formula!r}: unbalanced ')' in {text.strip()!r}")
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise OptionError(f"formula={formula!r}: unbalanced '(' in {text.strip()!r}")
    parts.append(text[start:])
    return parts


def _random_term(inner: str, formula: str) -> list[RandomTerm]:
    """``inner`` is the text between the parentheses of a random term: ``expr | group`` or ``expr || group``."""
    correlated = "||" not in inner
    pieces = inner.split("||") if not correlated else inner.split("|")
    if len(pieces) != 2 or "|" in pieces[1]:
        raise OptionError(f"formula={formula!r}: the random term '({inner})' must read '(expr | group)'")
    expr, group = pieces[0].strip(), pieces[1].strip()
    if not expr or not group:
        raise OptionError(f"formula={formula!r}: the random term '({inner})' needs an expression left of "
                          f"'|' and a grouping factor right of it, e.g. '(1 | client)'")
    intercept, slopes = True, []
    for piece in re.split(r"\s*\+\s*|\s*(?=-)", expr):
        piece = re.sub(r"\s+", "", piece)
        if piece in ("", "1"):
            continue
        if piece in ("0", "-1", "-0"):
            intercept = False
        elif _NAME.match(piece):
            slopes.append(piece)
        else:
            raise OptionError(f"formula={formula!r}: {piece!r} in '({inner})' is not supported; a random "
                              f"term takes column names, '1' and '0' (e.g. '(session | client)')")
    if not intercept and not slopes:
        raise OptionError(f"formula={formula!r}: the random term '({inner})' has no intercept and no slope")
    levels = [g.strip() for g in group.split("/")]
    for g in levels:
        for factor in g.split(":"):
            if not _NAME.match(factor.strip()):
                raise OptionError(f"formula={formula!r}: grouping factor {factor.strip()!r} in "
                                  f"'({inner})' is not a column name")
    groups = []
    for i in range(len(levels)):  # therapist/client -> therapist, client:therapist (lme4's names)
        factors = [f.strip() for lv in levels[: i + 1] for f in lv.split(":")]
        groups.append(tuple(reversed(factors)) if i else tuple(factors))
    terms = []
    for factors in groups:
        name = ":".join(factors)
        if correlated or not slopes:
            terms.append(RandomTerm(intercept, tuple(slopes), name, factors, f"({expr} | {name})"))
        else:  # (x || g) = (1 | g) + (0 + x | g): no correlations
            if intercept:
                terms.append(RandomTerm(True, (), name, factors, f"(1 | {name})"))
            terms.extend(RandomTerm(False, (s,), name, factors, f"(0 + {s} | {name})") for s in slopes)
    return terms


def parse_formula(formula) -> ParsedFormula:
    """Split an lme4 formula into response, fixed part and random terms; :class:`OptionError` on bad syntax.

    Parameters
    ----------
    formula : str
        ``"y ~ x + condition + x:z + (1 | client)"``; at least one random term ``(expr | group)`` or
        ``(expr || group)``; ``group`` may be ``a/b`` (nested) or ``a:b``.

    Returns
    -------
    ParsedFormula
    """
    if not isinstance(formula, str):
        raise OptionError(f"formula={formula!r} must be a string such as 'y ~ session + (1 | client)'")
    sides = formula.split("~")
    if len(sides) != 2:
        raise OptionError(f"formula={formula!r} must have exactly one '~' (response ~ predictors)")
    response, rhs = sides[0].strip(), sides[1].strip()
    if not _NAME.match(response):
        raise OptionError(f"formula={formula!r}: the response {response!r} must be one column name")
    if not rhs:
        raise OptionError(f"formula={formula!r}: nothing right of '~'")
    fixed, random = [], []
    for piece in _split_top(rhs, "+", formula):
        text = piece.strip()
        if not text:
            raise OptionError(f"formula={formula!r}: an empty term (two '+' in a row, or '+' at an end)")
        if text.startswith("(") and text.endswith(")") and "|" in text:
            inner = text[1:-1]
            if _split_top(inner, "|", formula) and "(" in inner:
                raise OptionError(f"formula={formula!r}: nested parentheses in the random term {text!r}")
            random.extend(_random_term(inner, formula))
        elif "|" in text:
            raise OptionError(f"formula={formula!r}: the random term {text!r} must be in parentheses, "
                              f"e.g. '(1 | client)'")
        else:
            fixed.append(text)
    if not random:
        raise OptionError(f"formula={formula!r} has no random-effects term; add one such as '(1 | client)'")
    return ParsedFormula(formula, response, " + ".join(fixed) if fixed else "1", tuple(random))
