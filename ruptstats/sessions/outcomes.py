"""Client outcomes from session data: first, last, change, slope, mean alliance, and Jacobson & Truax (1991)
reliable and clinically significant change.

One row per client (``study, client``), ready to join to the client conditions with
``client_conditions(classified, clients=client_outcomes(classified, ...))``.

Reliable change (Jacobson & Truax, 1991)
    :math:`RCI = (x_{last} - x_{first}) / S_{diff}` with :math:`S_{diff} = \\sqrt{2}\\, s_{pre} \\sqrt{1 - r_{xx}}`.
    When the instrument's source gives the reliable change value RC directly (the built-in ORS, OQ-45, PHQ-9,
    BDI-II, see :mod:`~ruptstats.sessions.instruments`), RC is taken as :math:`1.96\\, S_{diff}`, so
    :math:`S_{diff} = RC / 1.96`; otherwise :math:`RC = 1.96\\, S_{diff}` from the reliability. A change counts
    as reliable when :math:`|x_{last} - x_{first}| \\ge RC` (equivalently :math:`|RCI| \\ge 1.96`), the
    published convention "a change of at least RC points"; it is an improvement in the instrument's better
    direction (a decrease on the OQ-45, PHQ-9, BDI-II; an increase on the ORS).

Clinically significant change (Jacobson & Truax, 1991), with subscript 0 the dysfunctional and 1 the
functional population, for an instrument on which lower is better (signs flip when higher is better)
    a: :math:`M_0 - 2 s_0` (two SDs beyond the dysfunctional mean);
    b: :math:`M_1 + 2 s_1` (within two SDs of the functional mean);
    c: :math:`(s_0 M_1 + s_1 M_0) / (s_0 + s_1)` (the weighted midpoint), or the published cut-off when the
    norms give one.
    A score is functional when it lies strictly on the better side of the cut-off (on the PHQ-9 with cut-off 10,
    9 is functional and 10 is not; on the ORS with cut-off 25, a 25 has not crossed it). A client has
    *recovered* when the change is a reliable improvement, the first score is not functional and the last one is.

References
----------
Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to defining meaningful change
in psychotherapy research. Journal of Consulting and Clinical Psychology, 59(1), 12-19.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_choice, check_number
from ..exceptions import DataError, OptionError
from ..intake.cells import check_frame, raise_cells, source_of
from ._groups import group_codes, group_std, is_sorted
from .instruments import Instrument, Norms, get_instrument

__all__ = ["client_outcomes", "clinical_cutoff", "RELIABLE_CHANGE"]

#: Categories of ``reliable_change``, in order.
RELIABLE_CHANGE = ("improved", "unchanged", "deteriorated")
_Z = 1.96  # Jacobson & Truax (1991): |RCI| > 1.96 is unlikely (p < .05) without true change


def clinical_cutoff(norms: Norms, *, criterion: str = "c", higher_is_better: bool) -> float:
    """The Jacobson & Truax (1991) cut-off of criterion a, b or c (module docstring).

    Criterion c uses ``norms.cutoff`` when given (a published cut-off), else the weighted midpoint.

    Raises
    ------
    OptionError
        ``criterion`` is not a, b or c, or the norms lack the means and SDs it needs (the message names them).

    Examples
    --------
    Dysfunctional M0 = 30, s0 = 10, functional M1 = 10, s1 = 5, lower is better: a = 30 - 2 * 10 = 10,
    b = 10 + 2 * 5 = 20, c = (10 * 10 + 5 * 30) / (10 + 5) = 250 / 15 = 16.667.

    >>> n = Norms(dysfunctional_mean=30, dysfunctional_sd=10, functional_mean=10, functional_sd=5)
    >>> [round(clinical_cutoff(n, criterion=k, higher_is_better=False), 3) for k in "abc"]
    [10.0, 20.0, 16.667]
    """
    criterion = check_choice("criterion", criterion, ["a", "b", "c"])
    if criterion == "c" and norms.cutoff is not None:
        return norms.cutoff
    need = {"a": ["dysfunctional_mean", "dysfunctional_sd"], "b": ["functional_mean", "functional_sd"],
            "c": ["dysfunctional_mean", "dysfunctional_sd", "functional_mean", "functional_sd"]}[criterion]
    absent = [k for k in need if getattr(norms, k) is None]
    if absent:
        extra = " (or cutoff)" if criterion == "c" else ""
        raise OptionError(f"criterion={criterion!r} needs the norms {', '.join(need)}{extra}; missing: "
                          f"{', '.join(absent)}; pass them with norms={{...}} or use criterion=None")
    sign = 1.0 if higher_is_better else -1.0  # the better direction
    if criterion == "a":
        return norms.dysfunctional_mean + sign * 2 * norms.dysfunctional_sd
    if criterion == "b":
        return norms.functional_mean - sign * 2 * norms.functional_sd
    s0, s1 = norms.dysfunctional_sd, norms.functional_sd
    return (s0 * norms.functional_mean + s1 * norms.dysfunctional_mean) / (s0 + s1)


def _numeric(df: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """``df[column]`` as float64 (NaN for missing), after checking it holds finite numbers (not booleans)."""
    s = df[column]
    if pd.api.types.is_bool_dtype(s.dtype) or s.dtype.kind in "mM":
        raise_cells(df, s.notna().to_numpy(), column, f"{what} must be a number, not {s.dtype}")
    if not pd.api.types.is_numeric_dtype(s.dtype):
        num = pd.to_numeric(s.astype(object), errors="coerce")
        raise_cells(df, (num.isna() & s.notna()).to_numpy(), column, f"{what} must be a number")
        s = num
    x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    raise_cells(df, np.isinf(x), column, f"{what} must be finite")
    return x


def client_order(g: np.ndarray, x: np.ndarray) -> np.ndarray | None:
    """The stable order of rows by client code ``g`` and session ``x`` (missing sessions last within a client),
    or None when the rows are in that order already.

    Whole session numbers (the usual case) are folded into one int64 key with the code, sorted once (much faster
    than ``np.lexsort`` on a million rows); other numbers fall back to ``np.lexsort``.
    """
    missing = np.isnan(x)
    if is_sorted(g, np.where(missing, -np.inf, x)):  # (rows without a session number hold no value used here)
        return None
    finite = x[~missing]
    if len(finite) and np.all(finite == np.round(finite)):
        lo, hi = finite.min(), finite.max()
        span = hi - lo + 2  # one more slot for missing sessions
        if span * (float(g.max()) + 1) * len(x) < 2.0 ** 62:  # the row position breaks ties: unique keys, so
            key = np.where(missing, span - 1, x - lo).astype(np.int64)  # the quick (unstable) sort is stable here
            key += g.astype(np.int64) * np.int64(span)
            key *= len(x)
            key += np.arange(len(x), dtype=np.int64)
            return np.argsort(key)
    return np.lexsort((x, g))  # NaN sorts last


def _resolve(instrument, norms, reliable_change, higher_is_better):
    """(norms, higher_is_better, label) when reliable change is asked for, else (None, None, None)."""
    if instrument is None and norms is None and reliable_change is None:
        return None, None, None
    inst = get_instrument(instrument) if instrument is not None else None
    if instrument is not None and not isinstance(inst, Instrument):
        raise OptionError(f"instrument={instrument!r} must be a built-in name or an Instrument")
    label = inst.name if inst is not None else "the outcome"
    merged = Norms.coerce(norms, base=inst.norms if inst is not None else None) or Norms()
    if reliable_change is not None:
        merged = Norms.coerce({"reliable_change": reliable_change}, base=merged)
    if higher_is_better is None:
        higher_is_better = inst.higher_is_better if inst is not None else None
    if higher_is_better is None:
        raise OptionError(f"{label} does not state its direction: pass higher_is_better=True or False (or "
                          f"declare it: Instrument(..., higher_is_better=...), or higher_is_better in the "
                          f"mapping's [instruments.<name>])")
    if not isinstance(higher_is_better, (bool, np.bool_)):
        raise OptionError(f"higher_is_better={higher_is_better!r} must be True or False")
    if merged.reliable_change is None and merged.reliability is None:
        raise OptionError(f"{label} has no reliable change value and no reliability: pass reliable_change= or "
                          f"norms={{'reliability': ...}}")
    return merged, bool(higher_is_better), label


def client_outcomes(sessions: pd.DataFrame, *, outcome: str = "outcome", instrument=None,
                    alliance: str | None = "alliance", session: str = "session", norms=None,
                    reliable_change=None, higher_is_better=None, criterion: str | None = "c") -> pd.DataFrame:
    """One row per client: the outcome's first, last, change and slope over sessions, mean alliance and, for a
    known instrument, the Jacobson & Truax (1991) reliable change index and clinically significant change.

    Parameters
    ----------
    sessions : pandas.DataFrame
        Session rows (canonical from :func:`~ruptstats.sessions.load_sessions`, or raw: any row order, missing
        cells allowed) with ``client`` (and ``study`` when several), the session number and the outcome.
    outcome : str, default "outcome"
        The outcome score column.
    instrument : str or Instrument, optional
        The outcome's instrument (a built-in name or a declared :class:`~ruptstats.sessions.Instrument`): its
        direction and norms give ``rci``, ``reliable_change`` and ``recovered``.
    alliance : str or None, default "alliance"
        Alliance column for ``alliance_mean``; when the default column is absent (or None), no
        ``alliance_mean``. A name given but absent is an error.
    session : str, default "session"
        Session number column (the x of the slope and the order of first and last).
    norms : Norms or dict, optional
        Outcome norms: a :class:`~ruptstats.sessions.Norms` replaces the instrument's; a dict replaces only the
        fields it names. Norms without an instrument need ``higher_is_better``.
    reliable_change : float, optional
        The reliable change value RC in points, replacing the norms'.
    higher_is_better : bool, optional
        Direction of the outcome, replacing the instrument's (required when the instrument states none).
    criterion : {"a", "b", "c"} or None, default "c"
        Cut-off of the clinically significant change (module docstring); None: no ``recovered`` column.

    Returns
    -------
    pandas.DataFrame
        One row per client (order of the client codes: categories, or first appearance), with:

        - ``study``, ``client`` (those present; categoricals);
        - ``n_outcome`` (Int64): sessions with an outcome value;
        - ``first``, ``last`` (float64): the outcome at the lowest and highest session number with a value;
        - ``change`` (float64): ``last - first`` (0 with one observed session, NaN with none);
        - ``slope`` (float64): OLS slope of outcome on session number, points per session (NaN with < 2);
        - ``alliance_mean`` (float64): mean of the client's non-missing alliance values (NaN with none);
        - with an instrument (or norms, or ``reliable_change``): ``rci`` (float64) = change / S_diff,
          ``reliable_change`` (category: improved, unchanged, deteriorated; missing without a change) and,
          with a criterion, ``recovered`` (boolean; missing without a change).

        No ``n_sessions`` or ``condition``: those come from :func:`~ruptstats.sessions.client_conditions`.

    Raises
    ------
    DataError
        A column is missing; an outcome, alliance or session cell is not a finite number (file, row, column);
        a client has two outcome values for one session number (several raters: select one first); a client
        identifier or the session number of an outcome value is missing.
    OptionError
        The direction, or what the RC or the criterion needs, is unknown (the message says what to pass).

    Notes
    -----
    Without RC, :math:`s_{pre}` is ``norms.dysfunctional_sd`` when given, else the sample SD (n - 1) of the
    clients' first observed scores (per study when a ``study`` column is present). Vectorised: one sort when
    the rows are not in client and session order, then ``np.add.reduceat`` per client.

    Examples
    --------
    OQ-45 from 80 to 60 over three sessions: change -20, slope -10 per session; -20 is a decrease of at least
    RC = 14 (improved), RCI = -20 / (14 / 1.96) = -2.8; 80 >= 64 and 60 < 64: recovered.

    >>> d = pd.DataFrame({"client": ["a"] * 3, "session": [1, 2, 3], "outcome": [80., 70, 60]})
    >>> r = client_outcomes(d, instrument="OQ-45")
    >>> r[["change", "slope", "rci"]].round(2).values.tolist(), r["reliable_change"].tolist(), r["recovered"].tolist()
    ([[-20.0, -10.0, -2.8]], ['improved'], [True])
    """
    check_frame(sessions, "sessions", "a session table from read_sessions")
    spec_norms, better, _ = _resolve(instrument, norms, reliable_change, higher_is_better)
    if criterion is not None:
        criterion = check_choice("criterion", criterion, ["a", "b", "c"])
    cutoff = clinical_cutoff(spec_norms, criterion=criterion, higher_is_better=better) \
        if spec_norms is not None and criterion is not None else None
    src = source_of(sessions)
    for col, what in [("client", "client"), (session, "session"), (outcome, "outcome")]:
        if col not in sessions.columns:
            raise DataError(f"no {what} column '{col}'; columns: {', '.join(map(str, sessions.columns))}", source=src)
    if alliance is not None and alliance not in sessions.columns:
        if alliance != "alliance":
            raise DataError(f"no alliance column '{alliance}'", source=src)
        alliance = None
    key = [c for c in ("study", "client") if c in sessions.columns]
    for k in key:
        raise_cells(sessions, sessions[k].isna().to_numpy(), k, f"{k} identifier is missing")
    y = _numeric(sessions, outcome, "outcome")
    x = _numeric(sessions, session, "session number")
    raise_cells(sessions, ~np.isnan(y) & np.isnan(x), session, "an outcome value needs a session number")
    a = _numeric(sessions, alliance, "alliance") if alliance is not None else None
    g = group_codes(sessions, key)
    order = client_order(g, x)
    if order is not None:
        g, x, y = g[order], x[order], y[order]
        a = a[order] if a is not None else None
    out, first = _per_client(sessions, key, g, x, y, a, order, session)
    if spec_norms is not None:
        _reliable(out, first, spec_norms, better, cutoff, "study" in key)
    return out


def _per_client(sessions, key, g, x, y, a, order, session):
    """The descriptive columns, from rows grouped by client (runs of ``g``) in session order."""
    n = len(g)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if n else np.zeros(0, dtype=np.int64)
    k = len(starts)
    sizes = np.diff(np.r_[starts, n])
    client_of = np.repeat(np.arange(k), sizes)  # the client number of each row
    ok = ~np.isnan(y)
    dup = ok[1:] & ok[:-1] & (g[1:] == g[:-1]) & (x[1:] == x[:-1])
    if dup.any():
        i = int(np.flatnonzero(dup)[0]) + 1
        raise_cells(sessions, _at(n, order, i), session, "a client has two outcome values for this session "
                    "(several raters? keep one rater's rows)")
    pos = np.arange(n)
    if k:
        n_obs = np.add.reduceat(ok.astype(np.int64), starts)
        first_pos = np.minimum.reduceat(np.where(ok, pos, n), starts)
        last_pos = np.maximum.reduceat(np.where(ok, pos, -1), starts)
    else:
        n_obs = first_pos = last_pos = np.zeros(0, dtype=np.int64)
    seen = n_obs > 0
    first = np.where(seen, y[np.minimum(first_pos, max(n - 1, 0))] if n else 0.0, np.nan)
    last = np.where(seen, y[np.maximum(last_pos, 0)] if n else 0.0, np.nan)
    slope = _slopes(x, y, ok, starts, client_of, n_obs)
    rows = starts if order is None else order[starts]  # each client's first row in the input
    out = pd.DataFrame({c: _categorical(sessions[c].iloc[rows]) for c in key})
    out["n_outcome"] = pd.array(n_obs, dtype="Int64")
    out["first"], out["last"], out["change"], out["slope"] = first, last, last - first, slope
    if a is not None:
        okay = ~np.isnan(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["alliance_mean"] = (np.add.reduceat(np.where(okay, a, 0.0), starts) /
                                    np.add.reduceat(okay.astype(np.int64), starts)) if k else np.zeros(0)
    return out, first


def _at(n, order, i):
    """A boolean mask over the input rows marking the input row behind sorted position ``i``."""
    mask = np.zeros(n, dtype=bool)
    mask[i if order is None else order[i]] = True
    return mask


def _slopes(x, y, ok, starts, client_of, n_obs):
    """Per-client OLS slope of y on x over the rows with y (two-pass: centred sums); NaN with fewer than 2."""
    if not len(starts):
        return np.zeros(0)
    xw, yw = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.add.reduceat(xw, starts) / n_obs
        my = np.add.reduceat(yw, starts) / n_obs
        dx = np.where(ok, x - mx[client_of], 0.0)
        dy = np.where(ok, y - my[client_of], 0.0)
        sxx = np.add.reduceat(dx * dx, starts)
        sxy = np.add.reduceat(dx * dy, starts)
        return np.where((n_obs >= 2) & (sxx > 0), sxy / sxx, np.nan)


def _categorical(s: pd.Series) -> pd.Categorical:
    """Client-level identifiers as categoricals (a categorical keeps its categories; others: first appearance)."""
    s = s.reset_index(drop=True)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s
    return pd.Series(pd.Categorical(s, categories=pd.unique(s.dropna())))


def _reliable(out, first, norms: Norms, better: bool, cutoff, by_study: bool) -> None:
    """Add ``rci``, ``reliable_change`` and (with a cut-off) ``recovered`` to ``out``."""
    change = out["change"].to_numpy()
    if norms.reliable_change is not None:
        rc = norms.reliable_change
        s_diff = rc / _Z
    else:
        sd_pre = norms.dysfunctional_sd
        if sd_pre is None:
            sd_pre = group_std(first, group_codes(out, ["study"]) if by_study else np.zeros(len(out), np.int64))
        s_diff = np.sqrt(2.0) * sd_pre * np.sqrt(1.0 - norms.reliability)
        s_diff = np.where(s_diff > 0, s_diff, np.nan)  # no spread of first scores: no reliable change known
        rc = _Z * s_diff
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rci"] = change / s_diff
        gain = change if better else -change  # > 0: improvement
        improved, worse = gain >= rc, -gain >= rc
    known = ~np.isnan(change) & ~np.isnan(np.broadcast_to(s_diff, change.shape))
    codes = np.where(improved, 0, np.where(worse, 2, 1))
    codes[~known] = -1
    out["reliable_change"] = pd.Categorical.from_codes(codes, categories=list(RELIABLE_CHANGE))
    if cutoff is not None:
        last = out["last"].to_numpy()
        functional = (lambda v: v > cutoff) if better else (lambda v: v < cutoff)
        recovered = improved & ~functional(first) & functional(last)
        out["recovered"] = pd.arrays.BooleanArray(recovered & known, ~known)
