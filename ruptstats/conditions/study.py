r"""``study_effects``: condition comparisons to the rows of a study table that ``python -m ruptstats.meta`` pools.

Rows per study (``contrast`` names are fixed, so a table filtered to one contrast holds one measure):

- ``repaired_vs_unrepaired``, ``repaired_vs_none``, ``unrepaired_vs_none`` (measure ``SMD``): Hedges' g of A vs B
  with the exact J (metafor ``escalc("SMD")``), signed;
- ``dropout_repaired_vs_unrepaired``, ``dropout_repaired_vs_none``, ``dropout_unrepaired_vs_none`` (measure
  ``OR``): metafor ``escalc("OR")`` on the dropout 2×2 table (events = dropouts; 1/2 added to every cell of a
  table with a zero cell) with its sign reversed, i.e. the log odds ratio of staying, so positive = less dropout
  in A;
- ``repair_outcome_correlation`` (measure ``COR``): the point-biserial r between repair (1 repaired,
  0 unrepaired) and the outcome over the clients with a rupture (Eubanks et al. 2018), signed.

Signs: **a positive yi (and r) always means a better result for the first group** (A in ``A_vs_B``; the
repaired clients in the correlation). For an outcome where higher is worse (OQ-45, PHQ-9, BDI-II;
``higher_is_better=False``) the SMD and the correlation are multiplied by -1; for dropout, less dropout is better.
The ``direction`` column says this in words for every row.

Columns ``study, contrast, measure, yi, vi, n1, n2, r, n, direction, outcome``:

- ``vi``: metafor's variance of the measure (SMD: :math:`1/n_1 + 1/n_2 + g^2/(2(n_1+n_2))`; OR:
  :math:`1/a + 1/b + 1/c + 1/d`; COR: :math:`(1 - r^2)^2/(n - 1)`);
- ``n1``, ``n2``: the sizes of groups A and B (repaired and unrepaired for the correlation); ``n = n1 + n2``;
- ``r``: for SMD rows the point-biserial r from the signed g with the group sizes (Borenstein et al. 2009,
  eq. 7.7: :math:`r = g/\sqrt{g^2 + a}`, :math:`a = (n_1 + n_2)^2/(n_1 n_2)`;
  :func:`ruptstats.effects.convert.d_to_r`); for the correlation row the exact point-biserial r,

  .. math:: r = \frac{(\bar y_1 - \bar y_0)\sqrt{n_1 n_0 / n}}{\sqrt{(n_1 - 1)s_1^2 + (n_0 - 1)s_0^2 +
            \frac{n_1 n_0}{n}(\bar y_1 - \bar y_0)^2}}

  (the Pearson correlation of the 0/1 repair indicator with the outcome); empty for OR rows. So
  ``python -m ruptstats.meta table.csv --r r --n n`` on the rows of one contrast pools r as Fisher's z;
- ``outcome``: the analysed outcome (``change in post`` or the outcome column).

A statistic a comparison could not compute (a condition with fewer than two clients, SD 0) leaves an empty
``yi``/``vi`` on its row; ``python -m ruptstats.meta --drop-missing`` excludes and reports such rows.

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to meta-analysis*.
Wiley. Chapter 7 (pp. 45-49).
Eubanks, C. F., Muran, J. C., & Safran, J. D. (2018). Alliance rupture repair: A meta-analysis. *Psychotherapy,
55*(4), 508-519.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..effects.convert import d_to_r
from ..effects.correlation import cor
from ..effects.counts import continuity, or_
from ..effects.means import smd
from ..exceptions import OptionError
from ._data import CONTRASTS
from .result import ConditionComparison

__all__ = ["STUDY_COLUMNS", "study_effects"]

STUDY_COLUMNS = ("study", "contrast", "measure", "yi", "vi", "n1", "n2", "r", "n", "direction", "outcome")
_HINT = ("say higher_is_better=False for OQ-45, PHQ-9 or BDI-II (higher is worse) or higher_is_better=True for "
         "ORS, WAI-SR or SRS (higher is better)")


def _items(comparisons) -> list[tuple[object, ConditionComparison]]:
    if isinstance(comparisons, ConditionComparison):
        return [(comparisons.study, comparisons)]
    if isinstance(comparisons, dict):
        items = [(label, comp) for label, comp in comparisons.items()]
    elif isinstance(comparisons, (list, tuple)):
        items = [(comp.study if isinstance(comp, ConditionComparison) else None, comp) for comp in comparisons]
    else:
        raise OptionError(f"comparisons must be a ConditionComparison or a list/dict of them, got "
                          f"{type(comparisons).__name__}")
    for _, comp in items:
        if not isinstance(comp, ConditionComparison):
            raise OptionError(f"comparisons must hold ConditionComparison results, got {type(comp).__name__}")
    return items


def _direction(hib) -> float:
    return 1.0 if hib else -1.0


def _label(comp: ConditionComparison) -> str:
    return f"change in {comp.outcome}" if comp.baseline else str(comp.outcome)


def _smd_row(c: dict, sign: float) -> tuple:
    if c["hedges_g"] is None:
        return np.nan, np.nan, np.nan
    yi, vi = smd(c["mean1"], c["sd1"], c["n1"], c["mean2"], c["sd2"], c["n2"])
    yi = sign * yi
    r, _ = d_to_r(yi, vi, c["n1"], c["n2"])
    return float(yi[0] if np.ndim(yi) else yi), float(vi), float(r[0])


def _point_biserial(c: dict, sign: float) -> float:
    n1, n0 = c["n1"], c["n2"]
    if n1 < 1 or n0 < 1:
        return np.nan
    n = n1 + n0
    diff = c["mean1"] - c["mean2"]
    ss = (n1 - 1) * (c["sd1"] or 0.0) ** 2 + (n0 - 1) * (c["sd2"] or 0.0) ** 2 + n1 * n0 / n * diff**2
    return sign * diff * np.sqrt(n1 * n0 / n) / np.sqrt(ss) if ss > 0 else np.nan


def _dropout_rows(comp: ConditionComparison, label) -> list[dict]:
    if comp.dropout is None:
        return []
    counts = {r["condition"]: (r["dropouts"], r["n"]) for r in comp.dropout["proportions"]}
    rows = []
    for name, first, second in CONTRASTS:
        (a, na), (c, nb) = counts[first], counts[second]
        yi = vi = np.nan
        if na > 0 and nb > 0:
            cells = continuity([a], [na - a], [c], [nb - c])
            y, v = or_(*cells)
            yi, vi = -float(y[0]), float(v[0])
        rows.append({"study": label, "contrast": f"dropout_{name}", "measure": "OR", "yi": yi, "vi": vi,
                     "n1": na, "n2": nb, "r": np.nan, "n": na + nb,
                     "direction": f"positive = less dropout for {first} than {second}", "outcome": "dropout"})
    return rows


def _rows(comp: ConditionComparison, label, hib: bool) -> list[dict]:
    sign = _direction(hib)
    what = _label(comp)
    better = f"better outcome ({'higher' if hib else 'lower'} {what})"
    rows = []
    for c in comp.contrasts:
        yi, vi, r = _smd_row(c, sign)
        first, second = c["contrast"].split("_vs_")
        rows.append({"study": label, "contrast": c["contrast"], "measure": "SMD", "yi": yi, "vi": vi,
                     "n1": c["n1"], "n2": c["n2"], "r": r, "n": c["n1"] + c["n2"],
                     "direction": f"positive = {better} for {first} than {second}", "outcome": what})
    rows += _dropout_rows(comp, label)
    c = comp.contrasts[0]  # repaired_vs_unrepaired: the clients with a rupture
    r = _point_biserial(c, sign)
    n = c["n1"] + c["n2"]
    vi = float(cor([r], [n])[1][0]) if np.isfinite(r) and abs(r) < 1 and n > 1 else np.nan
    rows.append({"study": label, "contrast": "repair_outcome_correlation", "measure": "COR", "yi": r, "vi": vi,
                 "n1": c["n1"], "n2": c["n2"], "r": r, "n": n,
                 "direction": f"positive = repair goes with a {better}", "outcome": what})
    return rows


def study_effects(comparisons, *, higher_is_better=None) -> pd.DataFrame:
    """Rows of a study table (one per study and contrast) from condition comparisons, signed so positive = better.

    Parameters
    ----------
    comparisons : ConditionComparison, list of ConditionComparison, or dict
        One study's comparison, several (each labelled by its ``study``), or ``{study label: comparison}``.
        A comparison without a label becomes ``"Study i"`` (its 1-based position).
    higher_is_better : bool, optional
        Direction of the outcome scale; default: each comparison's ``higher_is_better``.

    Returns
    -------
    pandas.DataFrame
        Columns ``study, contrast, measure, yi, vi, n1, n2, r, n, direction, outcome`` (see the module
        docstring for every column, the measures and the signs): three SMD rows, three dropout OR rows (with
        ``dropout=``) and the ``repair_outcome_correlation`` COR row per study.

    Raises
    ------
    OptionError
        The direction is unknown (neither the argument nor the comparison says it), or the input is not a
        comparison.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruptstats.conditions import compare_conditions
    >>> clients = pd.DataFrame({"condition": ["none"] * 3 + ["unrepaired"] * 3 + ["repaired"] * 3,
    ...                         "post": [70., 75, 66, 84, 86, 85, 70, 72, 77]})
    >>> table = study_effects(compare_conditions(clients, outcome="post", study="A"), higher_is_better=False)
    >>> table.loc[0, ["study", "contrast", "measure"]].tolist(), bool(table.loc[0, "yi"] > 0)
    (['A', 'repaired_vs_unrepaired', 'SMD'], True)
    """
    if higher_is_better is not None and not isinstance(higher_is_better, bool):
        raise OptionError(f"higher_is_better={higher_is_better!r} must be True, False or None")
    rows = []
    for i, (label, comp) in enumerate(_items(comparisons), start=1):
        hib = comp.higher_is_better if higher_is_better is None else higher_is_better
        if hib is None:
            raise OptionError(f"the direction of {comp.outcome!r} is unknown, so the sign of an effect cannot be "
                              f"set: {_HINT}")
        rows += _rows(comp, str(label) if label is not None else f"Study {i}", hib)
    table = pd.DataFrame(rows, columns=list(STUDY_COLUMNS))
    return table.astype({"yi": float, "vi": float, "r": float, "n1": "int64", "n2": "int64", "n": "int64"})
