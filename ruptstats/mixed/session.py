"""``session_model``: does a rupture in this session predict the next session's outcome, within a client or
between clients? (issue 13 item 3)

From a session table it builds the outcome ``lag`` sessions later within each client, splits each predictor into
its client mean (between-client part) and the session's deviation from it (within-client part; person-mean
centring, Curran & Bauer, 2011), and fits ``next ~ within + between [+ current outcome] + (1 | client)`` (or
``(1 | therapist/client)``) with :func:`ruptstats.mixed.mixed_model`.

References
----------
Curran, P. J., & Bauer, D. J. (2011). The disaggregation of within-person and between-person effects in
longitudinal models of change. *Annual Review of Psychology, 62*, 583-619.
https://doi.org/10.1146/annurev.psych.093008.100356
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._checks import check_number
from ..exceptions import DataError, OptionError
from .model import mixed_model
from .result import MixedModelResult

__all__ = ["SessionModelResult", "session_model"]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
EFFECT_COLUMNS = ("predictor", "part", "term", "estimate", "se", "df", "statistic", "p", "ci_lower", "ci_upper")


@dataclass(frozen=True)
class SessionModelResult:
    """The session-level model: ``model`` (a :class:`MixedModelResult`), ``effects`` (one row per predictor and
    part: ``predictor, part`` ('within', 'between' or 'total'), ``term`` and the model's columns), the outcome,
    the lag and notes."""

    model: MixedModelResult
    effects: pd.DataFrame
    outcome: str
    lag: int
    decompose: bool
    notes: tuple = ()

    def summary_frame(self) -> pd.DataFrame:
        """The within/between (or total) effects, one row each (columns ``EFFECT_COLUMNS``)."""
        return self.effects.copy()

    def to_dict(self) -> dict:
        """Strict JSON: ``outcome, lag, decompose, effects`` (rows), ``model`` (the mixed model's ``to_dict()``),
        ``notes``."""
        model = self.model.to_dict()
        rows = {r["term"]: r for r in model["fixed"]}
        effects = [{"predictor": r.predictor, "part": r.part, **rows[r.term]}
                   for r in self.effects.itertuples(index=False)]
        return {"outcome": self.outcome, "lag": int(self.lag), "decompose": bool(self.decompose),
                "effects": effects, "model": model, "notes": list(self.notes)}

    def summary(self) -> str:
        """The within and between effects in words with APA numbers, then the model's summary."""
        from ..report import apa_ci, apa_number, apa_p, apa_stat

        later = "the next session" if self.lag == 1 else f"{self.lag} sessions later"
        lines = [f"Session-level model of {self.outcome} in {later} "
                 f"({self.model.n_obs} sessions, {', '.join(f'{n} {g}' for g, n in self.model.n_groups.items())})."]
        for r in self.effects.itertuples(index=False):
            stats = (f"b = {apa_number(r.estimate)}, {apa_ci(r.ci_lower, r.ci_upper, self.model.level)}, "
                     f"{apa_stat('t', r.statistic, (r.df,))}, {apa_p(r.p)}")
            if r.part == "within":
                text = (f"Within clients: a session with {r.predictor} one unit above the client's own mean is "
                        f"followed by {self.outcome} in {later} that differs by {stats}.")
            elif r.part == "between":
                text = (f"Between clients: clients whose mean {r.predictor} is one unit higher differ in "
                        f"{self.outcome} in {later} by {stats}.")
            else:
                text = f"{r.predictor} (not decomposed): {stats}."
            lines.append(text)
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n\n" + self.model.summary()

    def __str__(self) -> str:
        return self.summary()


def _check(sessions, outcome, predictors, client, session, therapist) -> list[str]:
    if not isinstance(sessions, pd.DataFrame):
        raise DataError(f"sessions must be a pandas DataFrame, got {type(sessions).__name__}")
    if isinstance(predictors, str) or not predictors:
        raise OptionError(f"predictors={predictors!r} must be a non-empty list of column names")
    names = [outcome, *predictors, client, session] + ([therapist] if therapist is not None else [])
    for name in names:
        if not isinstance(name, str) or not _NAME.match(name):
            raise OptionError(f"column name {name!r} cannot be used in a model formula; rename it to letters, "
                              f"digits, '_' and '.'")
        if name not in sessions.columns:
            raise DataError(f"column {name!r} is not in the sessions table", column=name)
    if len(set(names)) != len(names):
        raise OptionError(f"outcome, predictors, client, session and therapist must be different columns: {names}")
    for name in [outcome, *predictors, session]:
        values = sessions[name]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise DataError(f"must be numeric (0/1 for an indicator such as rupture or repair), got dtype "
                            f"{values.dtype}", column=name)
    return names


def session_model(sessions: pd.DataFrame, *, outcome: str, predictors, client: str = "client",
                  session: str = "session", therapist: str | None = None, lag: int = 1, decompose: bool = True,
                  control_current: bool = True, reml: bool = True, level: float = 0.95) -> SessionModelResult:
    """Fit the next-session outcome on within- and between-client parts of session-level predictors.

    Parameters
    ----------
    sessions : pandas.DataFrame
        One row per session.
    outcome : str
        Numeric column (symptoms, alliance); the model's response is its value ``lag`` sessions later within the
        client (the ``lag``-th next recorded session; the client's last ``lag`` sessions have none and are left
        out).
    predictors : list of str
        Numeric or 0/1 columns (rupture, repair, condition indicators).
    client, session : str
        Client identifier and session number (the order within a client).
    therapist : str, optional
        Therapist identifier: random intercepts ``(1 | therapist/client)`` instead of ``(1 | client)``.
    lag : int, default 1
        How many sessions ahead the outcome is taken (>= 1).
    decompose : bool, default True
        Split each predictor into ``{p}_between`` (the client's mean over their sessions with a value) and
        ``{p}_within`` (the session's deviation from it); False enters it as it is.
    control_current : bool, default True
        Adjust for the current session's outcome.
    reml, level
        As in :func:`ruptstats.mixed.mixed_model`.

    Returns
    -------
    SessionModelResult
        ``effects`` with one row per predictor part: ``within`` is the within-client effect, ``between`` the
        between-client effect of the client mean (Curran & Bauer, 2011; their difference is the contextual
        effect).

    Raises
    ------
    DataError
        A missing or non-numeric column. OptionError: bad names or options.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> client = np.repeat(np.arange(30), 10)
    >>> s = pd.DataFrame({"client": client, "session": np.tile(np.arange(1, 11), 30),
    ...                   "rupture": (rng.random(300) < 0.3).astype(int)})
    >>> s["alliance"] = 5 + rng.normal(0, 0.5, 30)[client] - 0.3 * s["rupture"] + rng.normal(0, 0.3, 300)
    >>> res = session_model(s, outcome="alliance", predictors=["rupture"])
    >>> res.effects[["predictor", "part", "term"]].values.tolist()
    [['rupture', 'within', 'rupture_within'], ['rupture', 'between', 'rupture_between']]
    """
    _check(sessions, outcome, predictors, client, session, therapist)
    lag = check_number("lag", lag, low=1, integer=True)
    for name, flag in (("decompose", decompose), ("control_current", control_current)):
        if not isinstance(flag, (bool, np.bool_)):
            raise OptionError(f"{name}={flag!r} must be True or False")
    cols = [client, session, outcome, *predictors] + ([therapist] if therapist else [])
    frame = sessions[cols].copy()
    frame = frame.loc[frame[client].notna() & frame[session].notna()]
    frame = frame.sort_values([client, session], kind="stable")
    for p in predictors:
        frame[p] = frame[p].astype(float)
    target = f"{outcome}_next"
    if target in frame.columns or any(f"{p}_{s}" in frame.columns for p in predictors for s in ("within", "between")):
        raise OptionError("a predictor's name clashes with a column the model builds (…_next, …_within, …_between)")
    frame[target] = frame.groupby(client, sort=False)[outcome].shift(-lag)
    terms, parts = [], []
    for p in predictors:
        if decompose:
            mean = frame.groupby(client, sort=False)[p].transform("mean")
            frame[f"{p}_within"] = frame[p] - mean
            frame[f"{p}_between"] = mean
            terms += [f"{p}_within", f"{p}_between"]
            parts += [(p, "within", f"{p}_within"), (p, "between", f"{p}_between")]
        else:
            terms.append(p)
            parts.append((p, "total", p))
    notes = []
    if decompose:
        constant = [p for p in predictors if frame.groupby(client)[p].nunique().max() <= 1]
        if constant:
            raise DataError(f"{', '.join(constant)} never varies within a client: no within-client effect to "
                            f"estimate (use decompose=False)", column=constant[0])
    fixed = " + ".join(terms + ([outcome] if control_current else []))
    random = f"(1 | {therapist}/{client})" if therapist else f"(1 | {client})"
    model = mixed_model(f"{target} ~ {fixed} + {random}", frame, reml=reml, level=level)
    table = model.fixed.set_index("term")
    effects = pd.DataFrame([{"predictor": p, "part": part, "term": term, **table.loc[term].to_dict()}
                            for p, part, term in parts], columns=list(EFFECT_COLUMNS))
    notes.append(f"the response is {outcome} {lag} session(s) later within the client; each client's last "
                 f"{lag} session(s) have none")
    return SessionModelResult(model, effects, outcome, int(lag), bool(decompose), tuple(notes))
