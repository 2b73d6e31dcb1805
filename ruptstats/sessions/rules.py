"""Rupture and repair rules: which sessions hold a rupture, and was it repaired?

Four rules, each a frozen dataclass (keyword-only options) with ``label`` and ``apply(sessions)``; :func:`make_rule` builds one from a
name or a mapping-file ``[rule]`` table. Every rule returns, per session row, ``rupture`` and ``repaired``
(nullable booleans: missing when the inputs are missing) and, for the observer rule, ``rupture_type``.
``repaired`` is True only for a session with a repaired rupture; it is False for sessions without rupture.

- :class:`SelfReportRule`: post-session questionnaire (PSQ rupture intensity and resolution items, patient and
  therapist versions, as in Muran et al., 2009);
- :class:`ObserverRule`: observer-coded markers in the style of the Rupture Resolution Rating System (3RS;
  Eubanks et al., 2015 manual; Eubanks et al., 2019);
- :class:`TrajectoryRule`: a sudden drop of the alliance score and its recovery (V-shape; Stiles et al., 2004;
  Strauss et al., 2006; Gumz et al., 2012);
- :class:`CodedRule`: pre-coded ``rupture`` and ``repaired`` columns used as they are (checked only); the default
  of :func:`~ruptstats.sessions.classify_sessions` for a table that has both columns and no rule
  (:func:`default_rule`).

The default thresholds are conventions of this package, chosen to be explicit, not values taken from a manual:
set them to the ones your study pre-registered.

References
----------
Eubanks, C. F., Muran, J. C., & Safran, J. D. (2015). Rupture Resolution Rating System (3RS): Manual.
Unpublished manuscript, Mount Sinai-Beth Israel Medical Center, New York.

Eubanks, C. F., Lubitz, J., Muran, J. C., & Safran, J. D. (2019). Rupture Resolution Rating System (3RS):
Development and validation. Psychotherapy Research, 29(3), 306-319.

Gumz, A., Brähler, E., Geyer, M., & Erices, R. (2012). Crisis-repair sequences: considerations on the
classification and assessment of breaches in the therapeutic relationship. BMC Medical Research Methodology,
12, 10.

Muran, J. C., Safran, J. D., Gorman, B. S., Samstag, L. W., Eubanks-Carter, C., & Winston, A. (2009). The
relationship of early alliance ruptures and their resolution to process and outcome in three time-limited
psychotherapies for personality disorders. Psychotherapy: Theory, Research, Practice, Training, 46(2), 233-248.

Stiles, W. B., Glick, M. J., Osatuke, K., Hardy, G. E., Shapiro, D. A., Agnew-Davies, R., Rees, A., &
Barkham, M. (2004). Patterns of alliance development and the rupture-repair hypothesis: Are productive
relationships U-shaped or V-shaped? Journal of Counseling Psychology, 51(1), 81-92.

Strauss, J. L., Hayes, A. M., Johnson, S. L., Newman, C. F., Brown, G. K., Barber, J. P., Laurenceau, J.-P., &
Beck, A. T. (2006). Early alliance, alliance ruptures, and symptom change in a nonrandomized trial of cognitive
therapy for avoidant and obsessive-compulsive personality disorders. Journal of Consulting and Clinical
Psychology, 74(2), 337-345.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from numbers import Real

import numpy as np
import pandas as pd

from .._checks import check_choice, check_number
from ..exceptions import DataError, OptionError
from ..intake.cells import raise_cells, range_check, source_of
from ._groups import group_codes, group_std, is_sorted, sample_sd, session_numbers, single_group
from .schema import RUPTURE_TYPE_DTYPE, session_key

__all__ = ["SelfReportRule", "ObserverRule", "TrajectoryRule", "CodedRule", "make_rule", "default_rule", "RULES"]


def _boolean(values: np.ndarray, missing: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool) & ~missing, np.asarray(missing, dtype=bool))


def _need(df: pd.DataFrame, column: str, option: str) -> None:
    if not isinstance(column, str):
        raise OptionError(f"rule option {option}={column!r} must be a column name (text)")
    if column not in df.columns:
        raise DataError(f"column '{column}' (rule option {option}) not found; columns: {', '.join(map(str, df.columns))}",
                        source=source_of(df))


def _check_range(name: str, bounds) -> tuple:
    pair = isinstance(bounds, (tuple, list)) and len(bounds) == 2
    if not pair or not all(_is_number(b) for b in bounds) or not bounds[0] < bounds[1]:
        raise OptionError(f"{name}={bounds!r} must be a pair (low, high) with low < high")
    return float(bounds[0]), float(bounds[1])


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and value == value


def _g(value) -> str:
    """A rule option in a label: a number as ``:g``, anything else (a bad option, checked later) as written."""
    return f"{value:g}" if _is_number(value) else repr(value)


@dataclass(frozen=True, kw_only=True)
class _ResolutionCriterion:
    """The repair criterion the self-report and observer rules share: resolution rating >= a threshold."""

    resolution: str = "resolution"
    resolution_threshold: float = 3
    resolution_range: tuple = (1, 5)

    def _resolution_bounds(self) -> tuple:
        """Check the resolution range and threshold; return the range."""
        lo, hi = _check_range("resolution_range", self.resolution_range)
        check_number("resolution_threshold", self.resolution_threshold, low=lo, high=hi)
        return lo, hi

    def _repaired(self, sessions: pd.DataFrame, rupture: pd.arrays.BooleanArray, bounds):
        """repaired = rupture and resolution >= threshold; False without rupture; missing when a rupture has
        no resolution rating."""
        _need(sessions, self.resolution, "resolution")
        res = range_check(sessions, self.resolution, bounds, "resolution")
        r = np.asarray(rupture.fillna(False), dtype=bool)
        missing = np.asarray(rupture.isna(), dtype=bool) | (r & np.isnan(res))
        return _boolean(r & (res >= self.resolution_threshold), missing)


@dataclass(frozen=True, kw_only=True)
class SelfReportRule(_ResolutionCriterion):
    """Post-session questionnaire rule (PSQ; Muran et al., 2009).

    Rupture when the presence item is yes **or** the intensity item is at least ``intensity_threshold``;
    repaired when the rupture's resolution item is at least ``resolution_threshold``. Item names and scale
    ranges are options because PSQ versions differ (e.g. 1–5 or 0–4 scales, presence asked or implied).

    Parameters
    ----------
    presence : str or None, default "rupture"
        Boolean column "was there a rupture/tension?"; None to decide by intensity alone.
    intensity : str or None, default None
        Rupture intensity column; used only with ``intensity_threshold``.
    intensity_threshold : float, optional
        Intensity at or above which a session counts as a rupture.
    intensity_range : (float, float), default (1, 5)
        Allowed intensity values; values outside are errors naming the cell.
    resolution : str, default "resolution"
        Resolution column.
    resolution_threshold : float, default 3
        Resolution at or above which the rupture counts as repaired.
    resolution_range : (float, float), default (1, 5)
        Allowed resolution values.

    Notes
    -----
    With missing values the rule uses three-valued (Kleene) logic: a yes on either criterion is a rupture even
    if the other is missing; no rupture needs both criteria known.

    Examples
    --------
    >>> d = pd.DataFrame({"rupture": pd.array([True, False, True], dtype="boolean"), "resolution": [4., 1., 2.]})
    >>> r = SelfReportRule().apply(d)
    >>> r["rupture"].tolist(), r["repaired"].tolist()
    ([True, False, True], [True, False, False])
    """

    presence: str | None = "rupture"
    intensity: str | None = None
    intensity_threshold: float | None = None
    intensity_range: tuple = (1, 5)

    name = "self_report"

    @property
    def label(self) -> str:
        parts = [f"presence={self.presence}"] if self.presence else []
        if self.intensity_threshold is not None:
            parts.append(f"{self.intensity}>={_g(self.intensity_threshold)}")
        return f"self_report ({' or '.join(parts)}; {self.resolution}>={_g(self.resolution_threshold)})"

    def apply(self, sessions: pd.DataFrame) -> pd.DataFrame:
        """Return ``rupture`` and ``repaired`` for each row of ``sessions`` (same index)."""
        if self.presence is None and self.intensity_threshold is None:
            raise OptionError("self_report rule: give presence= or intensity= with intensity_threshold=")
        bounds = self._resolution_bounds()
        n = len(sessions)
        rupture = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
        if self.presence is not None:
            _need(sessions, self.presence, "presence")
            rupture = pd.array(sessions[self.presence], dtype="boolean")
        if self.intensity_threshold is not None:
            if self.intensity is None:
                raise OptionError("self_report rule: intensity_threshold needs intensity= (a column name)")
            _need(sessions, self.intensity, "intensity")
            ilo, ihi = _check_range("intensity_range", self.intensity_range)
            check_number("intensity_threshold", self.intensity_threshold, low=ilo, high=ihi)
            x = range_check(sessions, self.intensity, (ilo, ihi), "rupture intensity")
            by_intensity = _boolean(x >= self.intensity_threshold, np.isnan(x))
            rupture = (rupture | by_intensity) if self.presence is not None else by_intensity
        repaired = self._repaired(sessions, rupture, bounds)
        return pd.DataFrame({"rupture": rupture, "repaired": repaired}, index=sessions.index)


@dataclass(frozen=True, kw_only=True)
class ObserverRule(_ResolutionCriterion):
    """Observer rule in the style of the 3RS (Eubanks et al., 2019).

    Rupture when any withdrawal or confrontation marker is rated at least ``marker_threshold``; the type is
    ``withdrawal``, ``confrontation`` or ``both``. Repaired when the resolution rating is at least
    ``resolution_threshold``. The ratings are per session: where a coding system rates segments (the 3RS codes
    5-minute segments), summarise them per session first (e.g. the highest significance of each marker).

    Parameters
    ----------
    withdrawal, confrontation : tuple of str
        Marker columns of each kind (default the single columns ``withdrawal`` and ``confrontation``).
    marker_threshold : float, default 1
        Rating at or above which a marker counts (1 = present at any significance on a 0–5 scale).
    marker_range : (float, float), default (0, 5)
        Allowed marker ratings.
    resolution : str, default "resolution"
    resolution_threshold : float, default 3
    resolution_range : (float, float), default (1, 5)

    Examples
    --------
    >>> d = pd.DataFrame({"withdrawal": [0, 3, 2], "confrontation": [0, 0, 4], "resolution": [1, 4, 2]})
    >>> r = ObserverRule(marker_threshold=2).apply(d)
    >>> r["rupture_type"].tolist(), r["repaired"].tolist()
    ([nan, 'withdrawal', 'both'], [False, True, False])
    """

    withdrawal: tuple = ("withdrawal",)
    confrontation: tuple = ("confrontation",)
    marker_threshold: float = 1
    marker_range: tuple = (0, 5)

    name = "observer"

    @property
    def label(self) -> str:
        return f"observer (marker>={_g(self.marker_threshold)}; {self.resolution}>={_g(self.resolution_threshold)})"

    def _kind(self, sessions, columns, option, bounds):
        if not isinstance(columns, (str, list, tuple)):
            raise OptionError(f"rule option {option}={columns!r} must be a column name or a list of them")
        columns = (columns,) if isinstance(columns, str) else tuple(columns)
        hit = np.zeros(len(sessions), dtype=bool)
        known = np.ones(len(sessions), dtype=bool)
        for c in columns:
            _need(sessions, c, option)
            x = range_check(sessions, c, bounds, f"{option} marker")
            hit |= x >= self.marker_threshold
            known &= ~np.isnan(x)
        return hit, known

    def apply(self, sessions: pd.DataFrame) -> pd.DataFrame:
        """Return ``rupture``, ``rupture_type`` and ``repaired`` for each row of ``sessions`` (same index)."""
        mb = _check_range("marker_range", self.marker_range)
        check_number("marker_threshold", self.marker_threshold, low=mb[0], high=mb[1])
        bounds = self._resolution_bounds()
        if not self.withdrawal and not self.confrontation:
            raise OptionError("observer rule: give at least one withdrawal= or confrontation= column")
        w, w_known = self._kind(sessions, self.withdrawal, "withdrawal", mb)
        c, c_known = self._kind(sessions, self.confrontation, "confrontation", mb)
        hit = w | c
        rupture = _boolean(hit, ~hit & ~(w_known & c_known))
        codes = np.where(w & c, 2, np.where(c, 1, np.where(w, 0, -1)))
        kind = pd.Categorical.from_codes(codes, dtype=RUPTURE_TYPE_DTYPE)
        repaired = self._repaired(sessions, rupture, bounds)
        return pd.DataFrame({"rupture": rupture, "rupture_type": kind, "repaired": repaired}, index=sessions.index)


@dataclass(frozen=True, kw_only=True)
class TrajectoryRule:
    """Alliance-trajectory rule: a sudden drop (rupture) and the return to the pre-drop level (repair).

    With :math:`a_t` the alliance at a client's t-th recorded session and :math:`d_t = a_t - a_{t-1}`, session
    t holds a rupture when

    .. math:: d_t < -c \\cdot SD

    and the rupture is repaired when :math:`\\max(a_{t+1}, \\ldots) \\ge a_{t-1}` over the sessions numbered at
    most ``m`` after session t; it is unrepaired otherwise. This is the V-shaped rupture-repair sequence of
    Stiles et al. (2004), found in session-by-session alliance ratings as in Strauss et al. (2006); Gumz et al.
    (2012) compare such criteria. Published studies differ in the size of the drop, the SD it is measured in
    and the repair window, hence ``c``, ``sd`` and ``m`` (e.g. ``c=1`` and ``c=2`` for the 1 SD and 2 SD
    variants).

    Parameters
    ----------
    variable : str, default "alliance"
        The score column.
    c : float, default 1.0
        Multiplier of the SD (e.g. 1 or 2); the drop must be larger than ``c * SD``.
    sd : {"sample", "client"}, default "sample"
        ``"sample"``: SD (n - 1) of all session-to-session differences of the study (all clients pooled);
        ``"client"``: SD of the client's own differences (needs at least two differences).
    m : int, default 3
        Sessions allowed for the repair (by session number: sessions t+1 … t+m).
    censored : {"unrepaired", "missing"}, default "unrepaired"
        A rupture not repaired whose window of ``m`` sessions is not fully observed (treatment ended or
        values missing): unrepaired, or missing (unknown).

    Notes
    -----
    Differences are taken between consecutive recorded sessions of a client (and rater); a missing score
    makes the two differences next to it missing, so no rupture is found there. The first session cannot
    hold a drop: it is no rupture when its score is known.

    Examples
    --------
    Hand computation, one client with scores 5 5 3 4 5 6: differences 0 -2 1 1 1, mean 0.2, squared deviations
    0.04 4.84 0.64 0.64 0.64, SD = sqrt(6.8 / 4) = 1.304; -2 < -1.304 so session 3 is a rupture; with m = 2 the
    score regains 5 (the pre-drop level) at session 5: repaired.

    >>> d = pd.DataFrame({"client": ["a"] * 6, "session": range(1, 7), "alliance": [5., 5, 3, 4, 5, 6]})
    >>> r = TrajectoryRule(c=1, sd="client", m=2).apply(d)
    >>> r["rupture"].tolist(), r["repaired"].tolist()
    ([False, False, True, False, False, False], [False, False, True, False, False, False])
    """

    variable: str = "alliance"
    c: float = 1.0
    sd: str = "sample"
    m: int = 3
    censored: str = "unrepaired"

    name = "trajectory"

    @property
    def label(self) -> str:
        return f"trajectory (c={_g(self.c)}, sd={self.sd}, m={self.m})"

    def apply(self, sessions: pd.DataFrame) -> pd.DataFrame:
        """Return ``rupture`` and ``repaired`` for each row of ``sessions`` (same index)."""
        c = check_number("c", self.c, low=0, low_open=True)
        m = check_number("m", self.m, low=1, integer=True)
        sd_kind = check_choice("sd", self.sd, ["sample", "client"])
        censored = check_choice("censored", self.censored, ["unrepaired", "missing"])
        _need(sessions, self.variable, "variable")
        _need(sessions, "session", "session")
        key = [k for k in session_key(sessions.columns) if k != "session"]
        g = group_codes(sessions, key)
        s = session_numbers(sessions)
        if not is_sorted(g, s):
            raise DataError("sessions must be ordered by client and strictly increasing session within client; "
                            "use the table returned by load_sessions", source=source_of(sessions))
        score = sessions[self.variable]
        if not (score.dtype == np.float64):  # float64 scores (the loader's) are used as they are
            score = pd.to_numeric(score)
        a = score.to_numpy(dtype=np.float64, na_value=np.nan)
        n = len(a)
        same = g[1:] == g[:-1]  # row t + 1 is the next recorded session of the client of row t
        first = np.empty(n, dtype=bool)  # the client's first row
        first[:1] = True
        np.logical_not(same, out=first[1:])
        d = np.empty(n)  # a_t - a_{t-1} within the client
        np.subtract(a[1:], a[:-1], out=d[1:])
        d[first] = np.nan
        study = ["study"] if "study" in sessions.columns else []
        if sd_kind == "sample" and single_group(sessions, study):  # one study: one SD for every row
            sd = sample_sd(d)
            unknown = np.isnan(d) if not np.isnan(sd) else np.ones(n, dtype=bool)
        else:
            sd = group_std(d, group_codes(sessions, study) if sd_kind == "sample" else g)
            unknown = np.isnan(d) | np.isnan(sd)
        with np.errstate(invalid="ignore"):
            drop = d < -c * sd
        rupture = drop & ~first
        a_missing = np.isnan(a)
        r_missing = np.where(first, a_missing, unknown & ~drop)
        # regained[t]: a score at rows t + 1 … within m sessions reaches a[t - 1], the pre-drop level; it is only
        # used together with rupture[t], which is False on a client's first row (where a[t - 1] is another's)
        regained = np.zeros(n, dtype=bool)
        seen = np.zeros(n, dtype=np.int64) if censored == "missing" else None
        within, gap = same, d.view(s.dtype)  # session gaps overwrite d (no longer needed; both 8-byte numbers)
        for k in range(1, min(m, n - 1) + 1):  # loop over the window, not over rows: row t vs row t + k
            if k > 1:  # rows t and t + k are one client's when every step between them is (rows are grouped)
                within = within[:-1] & same[k - 1:]
            np.subtract(s[k:], s[:-k], out=gap[:n - k])
            with np.errstate(invalid="ignore"):
                inside = within & (gap[:n - k] <= m)
                regained[1:n - k] |= inside[1:] & (a[1 + k:] >= a[:n - k - 1])
            if seen is not None:
                seen[:-k] += inside & ~a_missing[k:]
        rep_missing = r_missing | (rupture & ~regained & (seen < m) if censored == "missing" else False)
        return pd.DataFrame({"rupture": _boolean(rupture, r_missing),
                             "repaired": _boolean(rupture & regained, rep_missing)}, index=sessions.index)


def _coded_flags(sessions: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A boolean-like column as (values, missing): booleans, or the numbers 0 and 1 (or text 'true'/'false',
    '0'/'1'), missing cells kept missing; anything else is a DataError naming the first bad cell."""
    s = sessions[column]
    if pd.api.types.is_bool_dtype(s.dtype):  # bool or nullable boolean: used as it is
        return s.to_numpy(dtype=bool, na_value=False), s.isna().to_numpy()
    missing = s.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        raise_cells(sessions, ~missing & (x != 0) & (x != 1), column,
                    f"{column} must be boolean-like (true/false or 1/0)")
        return x == 1, missing
    text = s.astype("string").str.strip().str.lower()
    truth = text.isin(["true", "1", "1.0"]).to_numpy(dtype=bool, na_value=False)
    false = text.isin(["false", "0", "0.0"]).to_numpy(dtype=bool, na_value=False)
    raise_cells(sessions, ~missing & ~truth & ~false, column, f"{column} must be boolean-like (true/false or 1/0)")
    return truth, missing


@dataclass(frozen=True, kw_only=True)
class CodedRule:
    """Pre-coded ruptures and repairs: the table's ``rupture`` and ``repaired`` columns are used as they are.

    For sessions coded by raters (or by an earlier step): nothing is computed, the two columns are only checked.
    Each must be boolean-like (booleans, 1/0, or the text true/false); missing cells stay missing. ``repaired``
    may be True only where ``rupture`` is True (a DataError naming the file, row and column otherwise); where
    ``rupture`` is False, a missing ``repaired`` becomes False (no rupture, nothing to repair); where ``rupture``
    is missing, ``repaired`` is missing.

    Parameters
    ----------
    rupture : str, default "rupture"
        The rupture column.
    repaired : str, default "repaired"
        The repair column.

    Examples
    --------
    >>> d = pd.DataFrame({"rupture": [True, True, False], "repaired": [1, 0, None]})
    >>> r = CodedRule().apply(d)
    >>> r["rupture"].tolist(), r["repaired"].tolist()
    ([True, True, False], [True, False, False])
    """

    rupture: str = "rupture"
    repaired: str = "repaired"

    name = "coded"

    @property
    def label(self) -> str:
        return f"coded ({self.rupture} and {self.repaired} columns as given)"

    def apply(self, sessions: pd.DataFrame) -> pd.DataFrame:
        """Return ``rupture`` and ``repaired`` for each row of ``sessions`` (same index), checked."""
        _need(sessions, self.rupture, "rupture")
        _need(sessions, self.repaired, "repaired")
        rup, rup_missing = _coded_flags(sessions, self.rupture)
        rep, rep_missing = _coded_flags(sessions, self.repaired)
        rup_true = rup & ~rup_missing
        raise_cells(sessions, rep & ~rep_missing & ~rup_true, self.repaired,
                    f"{self.repaired} is True in a session whose {self.rupture} is not True (a repair needs a "
                    f"rupture)")
        return pd.DataFrame({"rupture": _boolean(rup, rup_missing),
                             "repaired": _boolean(rep & rup_true, rup_missing | (rup_true & rep_missing))},
                            index=sessions.index)


def default_rule(sessions: pd.DataFrame):
    """The rule used when none is given: :class:`CodedRule` when the table has ``rupture`` and ``repaired``
    columns (pre-coded data), else None.

    >>> default_rule(pd.DataFrame({"rupture": [True], "repaired": [False]})).label
    'coded (rupture and repaired columns as given)'
    """
    if "rupture" in sessions.columns and "repaired" in sessions.columns:
        return CodedRule()
    return None


RULES = {"self_report": SelfReportRule, "observer": ObserverRule, "trajectory": TrajectoryRule, "coded": CodedRule}


def make_rule(spec=None, **options):
    """Build a rule from a rule object, a name (``self_report``, ``observer``, ``trajectory``, ``coded``) or a dict.

    A dict holds the name under ``"type"`` and the options of the rule's dataclass, as in a mapping file's
    ``[rule]`` table. Unknown options are errors naming the allowed ones.

    >>> make_rule({"type": "trajectory", "c": 2, "m": 4}).label
    'trajectory (c=2, sd=sample, m=4)'
    """
    if isinstance(spec, tuple(RULES.values())) and not options:
        return spec
    if isinstance(spec, dict):
        options = {**{k: v for k, v in spec.items() if k != "type"}, **options}
        spec = spec.get("type")
    if spec is None:
        raise OptionError("rule= is required: one of 'self_report', 'observer', 'trajectory', 'coded' or a rule "
                          "object")
    cls = RULES[check_choice("rule", spec, list(RULES))]
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise OptionError(f"rule {cls.name!r} has no option(s) {unknown}; allowed: {', '.join(allowed)}")
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
    return cls(**options)
