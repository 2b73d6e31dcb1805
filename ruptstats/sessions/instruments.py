"""Scoring of alliance and outcome questionnaires from item-level columns.

Built-in instruments (:data:`INSTRUMENTS`)
==========  =======  ========  =====================================================  ================  =========
name        items    range     subscales (item numbers)                               total             reverse
==========  =======  ========  =====================================================  ================  =========
``WAI-SR``  12       1–5       task 1 2 10 12; bond 3 5 7 9; goal 4 6 8 11            sum 12–60         none
``SRS``     4        0–10      none                                                   sum 0–40          none
``ORS``     4        0–10      none (adult clinical cut-off 25, reliable change 5)    sum 0–40          none
``OQ-45``   45       0–4       symptom distress (25), interpersonal relations (11),   sum 0–180 (RC 14) 1 12 13 20
                               social role (9); see :data:`OQ45_SUBSCALES`                                  21 24 31
                                                                                                         37 43
``PHQ-9``   9        0–3       none                                                   sum 0–27          none
``BDI-II``  21       0–3       none                                                   sum 0–63          none
==========  =======  ========  =====================================================  ================  =========

Direction and outcome norms (:attr:`Instrument.higher_is_better`, :attr:`Instrument.norms`, :class:`Norms`), used by
:func:`ruptstats.sessions.client_outcomes` for the Jacobson & Truax (1991) reliable change index and clinically
significant change. Only values this package could attribute to a published source are filled in; everything else
is None and must be passed by the user (``norms={"reliability": …}`` etc.).

==========  ==============  ==========  ===========  ===============================================================
name        higher is       cut-off     reliable     source
            better                      change (RC)
==========  ==============  ==========  ===========  ===============================================================
``WAI-SR``  yes (alliance)  --          --           none: an alliance measure, no outcome norms
``SRS``     yes (alliance)  --          --           none: an alliance measure, no outcome norms
``ORS``     yes             25          5            Miller et al. (2003); Miller & Duncan (2004) ORS/SRS manual
``OQ-45``   no              64          14           Lambert et al. (2004) manual (the 1996 manual gave cut-off 63)
``PHQ-9``   no              10          6            cut-off: Kroenke et al. (2001), score >= 10; RC: the IAPT data
                                                     handbook's reliable improvement of 6 points (McMillan et al.,
                                                     2010, compare criteria a, b, c for the PHQ-9)
``BDI-II``  no              14.29       8.46         Seggar, Lambert & Hansen (2002), derived from normative samples
                                                     of the Beck Depression Inventory and widely applied to the
                                                     BDI-II; check that they fit your version
==========  ==============  ==========  ===========  ===============================================================

The reliabilities and the functional and dysfunctional means and SDs of these instruments are left None: pass them
(``norms=``) to use criteria a and b or to compute the RC from a reliability. The published cut-offs above are
criterion-c style boundaries between the clinical and the non-clinical population (the PHQ-9's 10 is Kroenke et
al.'s diagnostic threshold, which McMillan et al. (2010) found to agree closely with criterion c).

A study can declare a further instrument with :class:`Instrument` (or an ``[instruments.<name>]`` table in a
mapping file, see :mod:`ruptstats.sessions.mapping`).

Scoring rule (every scale, :func:`score_instrument`): reverse-keyed items are replaced by
``low + high - x``; a scale's raw score is the sum of its items. With ``k`` of its ``n`` items answered and
``n - k <= max_missing`` the sum is prorated, ``sum * n / k`` (equivalently ``n`` times the mean of the answered
items); with more items missing the score is missing. ``score="mean"`` gives the item mean instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from .._checks import check_choice, check_number
from ..exceptions import DataError, OptionError
from ..intake.cells import show, values_hidden

__all__ = ["Instrument", "Norms", "INSTRUMENTS", "OUTCOME_NORMS", "OQ45_SUBSCALES", "get_instrument", "score_instrument", "score_arrays",
           "item_columns"]


@dataclass(frozen=True, kw_only=True)
class Norms:
    """Outcome norms of an instrument's total for the reliable change index and clinically significant change.

    Every value is optional; :func:`ruptstats.sessions.client_outcomes` says which one it needs when it is
    missing. Subscript 0 of Jacobson & Truax (1991) is the dysfunctional (clinical) population, 1 the
    functional (non-clinical) one.

    Parameters
    ----------
    reliability : float, optional
        Reliability :math:`r_{xx}` of the total (test-retest or internal consistency), in [0, 1).
    functional_mean, functional_sd : float, optional
        Mean and SD (> 0) of the functional population (:math:`M_1`, :math:`s_1`).
    dysfunctional_mean, dysfunctional_sd : float, optional
        Mean and SD (> 0) of the dysfunctional population (:math:`M_0`, :math:`s_0`).
    cutoff : float, optional
        A published cut-off between the two populations (used as criterion c when given).
    reliable_change : float, optional
        A published reliable change value RC (> 0): the smallest change, in points of the total, that counts as
        reliable; it stands for :math:`1.96 S_{diff}`.
    source : str
        Where the values come from (a citation).

    Examples
    --------
    >>> Norms(reliability=0.8, dysfunctional_sd=10).reliability
    0.8
    >>> Norms.coerce({"cutoff": 20}, base=Norms(reliable_change=5)).reliable_change
    5.0
    """

    reliability: float | None = None
    functional_mean: float | None = None
    functional_sd: float | None = None
    dysfunctional_mean: float | None = None
    dysfunctional_sd: float | None = None
    cutoff: float | None = None
    reliable_change: float | None = None
    source: str = ""

    def __post_init__(self):
        limits = {"reliability": dict(low=0, high=1, high_open=True), "functional_sd": dict(low=0, low_open=True),
                  "dysfunctional_sd": dict(low=0, low_open=True), "reliable_change": dict(low=0, low_open=True)}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "source":
                if not isinstance(value, str):
                    raise OptionError(f"norms: source={value!r} must be text (a citation)")
                continue
            if value is None:
                continue
            v = check_number(f"norms: {f.name}", value, **limits.get(f.name, {}))
            if not math.isfinite(v):
                raise OptionError(f"norms: {f.name}={value!r} must be a finite number")
            object.__setattr__(self, f.name, v)

    @classmethod
    def coerce(cls, value, *, base: "Norms | None" = None) -> "Norms | None":
        """A :class:`Norms` from ``value``: a Norms (used as it is), a dict (its keys replace those of ``base``,
        or of empty norms), or None (``base``)."""
        if value is None or isinstance(value, Norms):
            return base if value is None else value
        if not isinstance(value, dict):
            raise OptionError(f"norms={value!r} must be a Norms, a dict of its fields or None")
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise OptionError(f"norms has unknown key(s) {unknown}; allowed: {', '.join(allowed)}")
        return replace(base or cls(), **value)


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: item count, item range, reverse-keyed items and subscales.

    Parameters
    ----------
    name : str
        Label used in messages.
    n_items : int
        Number of items, numbered 1 … ``n_items``.
    low, high : float
        Smallest and largest allowed item value.
    reverse : tuple of int
        Item numbers scored ``low + high - x``.
    subscales : dict of str to tuple of int
        Subscale name to item numbers.
    integer : bool
        Items must be whole numbers (False for visual-analogue items such as SRS/ORS, measured in cm).
    cutoff, reliable_change : float, optional
        Published clinical cut-off and reliable change value of the total (the same as ``norms.cutoff`` and
        ``norms.reliable_change``; given here, they make the norms).
    reference : str
        The citation of the scoring rule.
    higher_is_better : bool, optional
        Direction of the total: True when a higher score is better (ORS, WAI-SR, SRS), False when it is worse
        (OQ-45, PHQ-9, BDI-II). None (not stated) is allowed for scoring; outcome analyses need it.
    norms : Norms, optional
        Outcome norms of the total (:class:`Norms`), each value with its source.
    """

    name: str
    n_items: int
    low: float
    high: float
    reverse: tuple = ()
    subscales: dict = field(default_factory=dict)
    integer: bool = True
    cutoff: float | None = None
    reliable_change: float | None = None
    reference: str = ""
    higher_is_better: bool | None = None
    norms: Norms | None = None

    def __post_init__(self):
        if self.higher_is_better is not None and not isinstance(self.higher_is_better, (bool, np.bool_)):
            raise OptionError(f"{self.name}: higher_is_better={self.higher_is_better!r} must be True, False or None")
        if self.norms is not None and not isinstance(self.norms, Norms):
            raise OptionError(f"{self.name}: norms={self.norms!r} must be a Norms (or None)")
        norms = self.norms
        for name in ("cutoff", "reliable_change"):  # the two fields and the norms say one thing
            given, in_norms = getattr(self, name), getattr(norms, name, None)
            if given is not None and in_norms is not None and float(given) != in_norms:
                raise OptionError(f"{self.name}: {name}={given!r} differs from norms.{name}={in_norms!r}")
        if norms is None and (self.cutoff is not None or self.reliable_change is not None):
            norms = Norms(cutoff=self.cutoff, reliable_change=self.reliable_change, source=self.reference)
        if norms is not None:
            object.__setattr__(self, "norms", norms)
            object.__setattr__(self, "cutoff", norms.cutoff)
            object.__setattr__(self, "reliable_change", norms.reliable_change)
        check_number(f"{self.name}: n_items", self.n_items, low=1, integer=True)
        if not self.low < self.high:
            raise OptionError(f"{self.name}: the item range must have low < high, got [{self.low}, {self.high}]")
        for label, items in [("reverse", self.reverse)] + [(f"subscale {k!r}", v) for k, v in self.subscales.items()]:
            bad = [i for i in items if not (isinstance(i, (int, np.integer)) and 1 <= i <= self.n_items)]
            if bad:
                raise OptionError(f"{self.name}: {label} lists item numbers {bad} outside 1..{self.n_items}")


#: OQ-45.2 subscale item numbers (Lambert et al., 1996, Administration and scoring manual, scoring key).
OQ45_SUBSCALES = {
    "symptom_distress": (2, 3, 5, 6, 8, 9, 10, 11, 13, 15, 22, 23, 24, 25, 27, 29, 31, 33, 34, 35, 36, 40, 41, 42,
                         45),
    "interpersonal_relations": (1, 7, 16, 17, 18, 19, 20, 26, 30, 37, 43),
    "social_role": (4, 12, 14, 21, 28, 32, 38, 39, 44),
}

_MILLER_2003 = ("Miller, S. D., Duncan, B. L., Brown, J., Sparks, J. A., & Claud, D. A. (2003). The Outcome Rating "
                "Scale. Journal of Brief Therapy, 2(2), 91-100.")
_LAMBERT = ("Lambert, M. J., Hansen, N. B., Umphress, V., Lunnen, K., Okiishi, J., Burlingame, G. M., & Reisinger, "
            "C. W. (1996). Administration and scoring manual for the OQ-45.2. American Professional Credentialing "
            "Services; Lambert, M. J., et al. (2004). Administration and scoring manual for the OQ-45.2. American "
            "Professional Credentialing Services.")
_KROENKE = ("Kroenke, K., Spitzer, R. L., & Williams, J. B. W. (2001). The PHQ-9. Journal of General Internal "
            "Medicine, 16(9), 606-613.")
_BECK = ("Beck, A. T., Steer, R. A., & Brown, G. K. (1996). Manual for the Beck Depression Inventory-II. "
         "Psychological Corporation.")

#: Published outcome norms of the built-in outcome instruments (module docstring table; None = not published here).
OUTCOME_NORMS = {
    "ORS": Norms(cutoff=25, reliable_change=5, source=(
        _MILLER_2003 + " Miller, S. D., & Duncan, B. L. (2004). The Outcome and Session Rating Scales: "
        "Administration and scoring manual. Institute for the Study of Therapeutic Change. (Cut-off 25, RC 5.)")),
    "OQ-45": Norms(cutoff=64, reliable_change=14, source=(
        "Lambert, M. J., et al. (2004). Administration and scoring manual for the OQ-45.2 (cut-off 64, RC 14; the "
        "1996 manual gave a cut-off of 63: pass norms={'cutoff': 63} to follow it).")),
    "PHQ-9": Norms(cutoff=10, reliable_change=6, source=(
        _KROENKE + " (cut-off: a score of 10 or more). RC 6: National IAPT Programme Team (2011). The IAPT data "
        "handbook (reliable improvement: a PHQ-9 decrease of 6 or more points); see McMillan, D., Gilbody, S., & "
        "Richards, D. (2010). Defining successful treatment outcome in depression using the PHQ-9: a comparison "
        "of methods. Journal of Affective Disorders, 127(1-3), 122-129.")),
    "BDI-II": Norms(cutoff=14.29, reliable_change=8.46, source=(
        "Seggar, L. B., Lambert, M. J., & Hansen, N. B. (2002). Assessing clinical significance: Application to "
        "the Beck Depression Inventory. Behavior Therapy, 33(2), 253-269 (cut-off 14.29, RC 8.46; derived for "
        "the Beck Depression Inventory and commonly applied to the BDI-II).")),
}

INSTRUMENTS = {
    "WAI-SR": Instrument(
        "WAI-SR", 12, 1, 5, subscales={"task": (1, 2, 10, 12), "bond": (3, 5, 7, 9), "goal": (4, 6, 8, 11)},
        reference="Hatcher, R. L., & Gillaspy, J. A. (2006). Development and validation of a revised short version "
                  "of the Working Alliance Inventory. Psychotherapy Research, 16(1), 12-25.",
        higher_is_better=True),
    "SRS": Instrument(
        "SRS", 4, 0, 10, integer=False,
        reference="Duncan, B. L., Miller, S. D., Sparks, J. A., Claud, D. A., Reynolds, L. R., Brown, J., & "
                  "Johnson, L. D. (2003). The Session Rating Scale. Journal of Brief Therapy, 3(1), 3-12.",
        higher_is_better=True),
    "ORS": Instrument("ORS", 4, 0, 10, integer=False, reference=_MILLER_2003, higher_is_better=True,
                      norms=OUTCOME_NORMS["ORS"]),
    "OQ-45": Instrument("OQ-45", 45, 0, 4, reverse=(1, 12, 13, 20, 21, 24, 31, 37, 43), subscales=OQ45_SUBSCALES,
                        reference=_LAMBERT, higher_is_better=False, norms=OUTCOME_NORMS["OQ-45"]),
    "PHQ-9": Instrument("PHQ-9", 9, 0, 3, reference=_KROENKE, higher_is_better=False, norms=OUTCOME_NORMS["PHQ-9"]),
    "BDI-II": Instrument("BDI-II", 21, 0, 3, reference=_BECK, higher_is_better=False, norms=OUTCOME_NORMS["BDI-II"]),
}


def get_instrument(name) -> Instrument:
    """Return a built-in :class:`Instrument` by name (case-insensitive), or ``name`` itself if it is one.

    >>> get_instrument("wai-sr").subscales["bond"]
    (3, 5, 7, 9)
    """
    if isinstance(name, Instrument):
        return name
    return INSTRUMENTS[check_choice("instrument", name, list(INSTRUMENTS))]


def item_columns(instrument: Instrument, items) -> list[str]:
    """Return the item column names: ``items`` is a list of names or a template such as ``"wai_{}"``.

    >>> item_columns(get_instrument("SRS"), "srs{}")
    ['srs1', 'srs2', 'srs3', 'srs4']
    """
    if isinstance(items, str):
        if "{}" not in items:
            raise OptionError(f"items={items!r} must be a list of column names or a template containing '{{}}'")
        return [items.format(i) for i in range(1, instrument.n_items + 1)]
    items = list(items)
    if len(items) != instrument.n_items:
        raise OptionError(f"items lists {len(items)} columns but {instrument.name} has {instrument.n_items} items")
    return items


def score_instrument(df: pd.DataFrame, instrument, *, items, prefix: str | None = None, max_missing=0,
                     score: str = "sum", source: str | None = None, rows=None) -> pd.DataFrame:
    """Score a questionnaire from its item columns.

    Parameters
    ----------
    df : pandas.DataFrame
        Holds the item columns.
    instrument : str or Instrument
        A name from :data:`INSTRUMENTS` or a user-declared :class:`Instrument`.
    items : list of str or str
        The ``n_items`` item columns in item order, or a template such as ``"oq_{}"`` (``{}`` = item number).
    prefix : str, optional
        Prefix of the returned columns (default: the instrument name in lower case, ``-`` as ``_``: ``wai_sr``, ``oq_45``, ``phq_9``).
    max_missing : int or dict, default 0
        Largest number of missing items a scale may have and still be scored (prorated); a dict gives it per
        scale (``"total"`` and subscale names; scales not named get 0).
    score : {"sum", "mean"}, default "sum"
        Sum of items (prorated) or mean of the answered items.
    source : str, optional
        File name for error messages.
    rows : array of int, optional
        1-based file row of each row of ``df`` for error messages (default ``1..len(df)``).

    Returns
    -------
    pandas.DataFrame
        Same index as ``df``: ``<prefix>_total``, one ``<prefix>_<subscale>`` per subscale (float64, NaN when
        too many items are missing) and ``<prefix>_n_missing`` (int64, missing items of the total).

    Raises
    ------
    DataError
        An item column is missing, holds text, or a value outside ``[low, high]`` (or a fraction for integer
        items); the message names the file, the first offending row and column and the count of bad cells.

    Notes
    -----
    Prorated sum of a scale with ``n`` items of which ``k`` answered: :math:`S = \\frac{n}{k}\\sum_{j} x_j`,
    reverse-keyed :math:`x_j` replaced by :math:`low + high - x_j` first.

    Examples
    --------
    >>> d = pd.DataFrame({"s1": [5, 10], "s2": [5, None], "s3": [5, 8], "s4": [5, 6]})
    >>> score_instrument(d, "SRS", items="s{}", max_missing=1)["srs_total"].tolist()
    [20.0, 32.0]
    """
    return pd.DataFrame(score_arrays(df, instrument, items=items, prefix=prefix, max_missing=max_missing,
                                     score=score, source=source, rows=rows), index=df.index)


def score_arrays(df: pd.DataFrame, instrument, *, items, prefix=None, max_missing=0, score="sum", source=None,
                 rows=None) -> dict:
    """:func:`score_instrument` returning a dict of column name to numpy array (no DataFrame is built)."""
    inst = get_instrument(instrument)
    score = check_choice("score", score, ["sum", "mean"])
    cols = item_columns(inst, items)
    prefix = prefix or inst.name.lower().replace("-", "_")
    columns = _item_arrays(df, cols, inst, source, rows)
    scales = {"total": tuple(range(1, inst.n_items + 1)), **inst.subscales}
    limits = _limits(max_missing, scales)
    reverse = set(inst.reverse)
    if all(v.dtype.kind == "i" for v in columns) and float(inst.low).is_integer() and float(inst.high).is_integer():
        sums = _whole_sums(columns, scales, reverse, int(inst.low) + int(inst.high), len(df))
        if score == "mean":
            for k, numbers in scales.items():
                np.divide(sums[k], len(numbers), out=sums[k])
        out = {f"{prefix}_{k}": sums[k] for k in scales}
        out[f"{prefix}_n_missing"] = np.zeros(len(df), dtype=np.int64)
        return out
    member = {j: [k for k, numbers in scales.items() if j + 1 in numbers] for j in range(inst.n_items)}
    sums = {k: np.zeros(len(df)) for k in scales}
    n_missing = {k: np.zeros(len(df), dtype=np.int64) for k in scales}
    complete = True  # no item missing anywhere: no prorating needed
    for j, v in enumerate(columns):  # loop over item columns, not rows; one column in memory at a time
        if j + 1 in reverse:
            v = inst.low + inst.high - v
        miss = np.isnan(v) if v.dtype.kind == "f" else None  # integer columns have no missing values
        if miss is not None and miss.any():
            complete = False
            v = np.where(miss, 0.0, v)
            for k in member[j]:
                n_missing[k] += miss
        for k in member[j]:
            sums[k] += v
    out = {}
    for scale, numbers in scales.items():  # loop over scales
        n = len(numbers)
        if complete:
            out[f"{prefix}_{scale}"] = sums[scale] / n if score == "mean" else sums[scale]
            continue
        answered = n - n_missing[scale]
        with np.errstate(invalid="ignore", divide="ignore"):
            value = sums[scale] / answered if score == "mean" else sums[scale] * n / answered
        ok = (n_missing[scale] <= limits[scale]) & (answered > 0)
        out[f"{prefix}_{scale}"] = np.where(ok, value, np.nan)
    out[f"{prefix}_n_missing"] = n_missing["total"]
    return out


def _whole_sums(columns, scales, reverse, flip, n_rows) -> dict:
    """float64 scale sums of whole-number items without missing values, added up in int64.

    Integer sums are exact, so they equal the float64 sums of the general path (every partial sum is a whole
    number far below 2**53); one int64 scratch array is reused for every scale. When the subscales split the
    items (each item in exactly one subscale, as in the WAI-SR and the OQ-45), each item column is added once
    and the total is the (exact) sum of the subscale sums, written into the scratch's memory (fresh memory is
    what costs most here).
    """
    parts = [k for k in scales if k != "total"]
    split = bool(parts) and sorted(i for k in parts for i in scales[k]) == list(range(1, len(columns) + 1))
    buffer = np.empty(n_rows)
    scratch = buffer.view(np.int64)  # both 8-byte numbers
    sums = {}
    for k in parts if split else scales:  # loop over scales and their item columns, not rows
        items = [j for j in range(len(columns)) if j + 1 in scales[k]]
        if not items:
            sums[k] = np.zeros(n_rows)
            continue
        for i, j in enumerate(items):
            v = columns[j]
            if i == 0:
                np.copyto(scratch, v)
            else:
                scratch += v
            if j + 1 in reverse:  # low + high - x: take the item off twice, add low + high
                scratch -= v
                scratch -= v
                scratch += flip
        sums[k] = scratch.astype(np.float64)
    if split:  # the scratch is no longer needed: its memory takes the total
        np.copyto(buffer, sums[parts[0]])
        for k in parts[1:]:
            buffer += sums[k]
        sums["total"] = buffer
    return sums


def _limits(max_missing, scales) -> dict:
    if isinstance(max_missing, dict):
        unknown = sorted(set(max_missing) - set(scales))
        if unknown:
            raise OptionError(f"max_missing names unknown scales {unknown}; allowed: {sorted(scales)}")
        return {s: check_number(f"max_missing[{s!r}]", max_missing.get(s, 0), low=0, integer=True) for s in scales}
    m = check_number("max_missing", max_missing, low=0, integer=True)
    return {s: m for s in scales}


def _item_arrays(df, cols, inst: Instrument, source, rows) -> list:
    """The item columns as arrays (float64 with NaN, or the file's integers when none is missing), after checking
    they are numbers inside the item range."""
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise DataError(f"{inst.name} item columns not found: {', '.join(absent)}", source=source)
    arrays, first, n_bad, bad_cols = [], None, 0, 0
    for c in cols:
        s = df[c]
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() & s.notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                shown = "" if values_hidden() else f": {show(s.iloc[i])}"  # no cell under pseudonymisation
                raise DataError(f"{inst.name} item is not a number{shown}", source=source, row=_row(rows, i),
                                column=c)
            s = num
        if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:  # fast path: whole numbers, none missing
            v = s.to_numpy()
            if v.size == 0 or _within(v, inst.low, inst.high):
                arrays.append(v)
                continue
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = (x < inst.low) | (x > inst.high)  # NaN compares False
        kind = f"outside {inst.name}'s item range {inst.low:g}..{inst.high:g}"
        if inst.integer and not pd.api.types.is_integer_dtype(s.dtype) and not bad.any():
            bad = ~np.isnan(x) & (x != np.round(x))
            kind = f"not a whole number ({inst.name} items are integers)"
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            first = first or (f"value {x[i]:g} is {kind}", i, c)
            n_bad += int(bad.sum())
            bad_cols += 1
        arrays.append(x)
    if first is not None:
        message, i, c = first
        raise DataError(f"{message}; {n_bad} bad cell(s) in {bad_cols} column(s)", source=source, row=_row(rows, i),
                        column=c)
    return arrays


def _within(v: np.ndarray, low, high) -> bool:
    """All of the integer array ``v`` in ``[low, high]``: minimum and maximum in one pass (pyarrow's ``min_max``
    over the array's own memory)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    bounds = pc.min_max(pa.array(v))
    return bounds["min"].as_py() >= low and bounds["max"].as_py() <= high


def _row(rows, i) -> int:
    return int(rows[i]) if rows is not None else int(i) + 1
