r"""A seeded generator of session-level rupture studies with a known truth (vectorised numpy).

Model (per study; every quantity below is a field of :class:`StudyDesign`)
-------------------------------------------------------------------------
Clients :math:`i = 1..n` are seen by therapists ``i mod n_therapists`` for up to :math:`T` sessions.

* **Attendance**: session :math:`t > 1` is missed with probability ``missing_session_rate`` (a missed session
  has no row, no rupture and no rating).
* **Ruptures**: an attended session has a rupture with probability ``rupture_rate``; its type is *withdrawal*
  with probability ``withdrawal_share``, else *confrontation*; it is repaired with probability
  ``repair_probability``.
* **Dropout**: after session :math:`t < T` a client leaves with hazard ``dropout_hazard``, multiplied by
  ``dropout_hazard_ratio`` once the client has had an unrepaired rupture; later sessions are not observed.
* **Condition** (as :func:`ruptstats.sessions.client_conditions` with ``by="any"`` sees the observed sessions):
  ``repaired`` if a rupture was repaired, else ``unrepaired`` if any rupture, else ``none``.
* **Outcome** (higher is better, e.g. an ORS total):
  :math:`y_{it} = b_i + \gamma t + \sigma\,\delta_{c(i)}\,[t \ge f_i] + e_{it}` with
  :math:`b_i \sim N(\mu, \rho\sigma^2)`, :math:`e_{it} \sim N(0, (1-\rho)\sigma^2)`, :math:`f_i` the first rupture
  session and :math:`\delta_c` = ``effect_repaired``, ``effect_unrepaired`` or 0 (plus study deviations
  :math:`\pm u_j/2`, :math:`u_j \sim N(0, \tau^2)`, in :func:`simulate_studies`). ``pre`` is a measurement before
  session 1, ``post`` the outcome of the last attended session. With ``outcome_trend`` = 0 the standardised mean
  difference of ``post`` between repaired and unrepaired clients is exactly
  ``effect_repaired - effect_unrepaired`` (+ :math:`u_j`) in units of :math:`\sigma` (= ``outcome_sd``).
* **Alliance** (SRS, four items 0-10): a client level plus a slow rise; a rupture is a V-shaped dip of depth
  ``dip`` (in client-level SDs) in its session, which recovers in the next session when repaired and leaves
  80 % of the dip in every later session when not. Items are the total / 4 plus noise, clipped to [0, 10],
  rounded to 0.1, each missing with probability ``missing_item_rate``; the total is prorated from three
  answered items (the SRS mapping's ``max_missing = 1``), NaN with two or more missing.

Random streams: one :class:`numpy.random.SeedSequence` per study, spawned from the seed, so a study's data do
not depend on how many studies are drawn with it or on which worker draws them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from .._checks import check_number
from ..exceptions import OptionError
from ..sessions.schema import RUPTURE_TYPE_DTYPE

__all__ = ["StudyDesign", "Simulation", "simulate_study", "simulate_studies", "SRS_ITEMS"]

#: Item columns of the simulated alliance questionnaire (SRS: four items 0-10).
SRS_ITEMS = ("srs1", "srs2", "srs3", "srs4")


@dataclass(frozen=True)
class StudyDesign:
    """One primary study's design and true effects (see the module docstring for the model).

    Attributes
    ----------
    n_clients, n_sessions, n_therapists : int
        Clients, planned sessions per client, therapists.
    rupture_rate : float
        Probability of a rupture in an attended session.
    withdrawal_share : float
        Share of ruptures that are withdrawal ruptures (the rest confrontation).
    repair_probability : float
        Probability that a rupture is repaired.
    effect_repaired, effect_unrepaired : float
        Shift of a repaired / unrepaired client's outcome from the first rupture on, in outcome SDs.
    outcome_mean, outcome_sd, outcome_icc, outcome_trend : float
        Outcome mean, SD of ``post`` within a condition, share of that variance between clients, change per
        session.
    alliance_mean, alliance_sd, dip : float
        Alliance (SRS total) mean, between-client SD, rupture dip in units of ``alliance_sd``.
    dropout_hazard, dropout_hazard_ratio : float
        Per-session dropout hazard and its ratio after an unrepaired rupture.
    missing_session_rate, missing_item_rate : float
        Probability that a session (after the first) is missed / that an SRS item is missing.
    """

    n_clients: int = 60
    n_sessions: int = 12
    n_therapists: int = 6
    rupture_rate: float = 0.08
    withdrawal_share: float = 0.6
    repair_probability: float = 0.6
    effect_repaired: float = 0.3
    effect_unrepaired: float = -0.3
    outcome_mean: float = 25.0
    outcome_sd: float = 6.0
    outcome_icc: float = 0.6
    outcome_trend: float = 0.0
    alliance_mean: float = 30.0
    alliance_sd: float = 4.0
    dip: float = 1.5
    dropout_hazard: float = 0.02
    dropout_hazard_ratio: float = 3.0
    missing_session_rate: float = 0.05
    missing_item_rate: float = 0.02

    def __post_init__(self):
        for name in ("n_clients", "n_sessions", "n_therapists"):
            check_number(name, getattr(self, name), low=1, integer=True)
        for name in ("rupture_rate", "withdrawal_share", "repair_probability", "outcome_icc", "dropout_hazard",
                     "missing_session_rate", "missing_item_rate"):
            check_number(name, getattr(self, name), low=0, high=1)
        for name in ("outcome_sd", "alliance_sd", "dropout_hazard_ratio"):
            check_number(name, getattr(self, name), low=0, low_open=True)
        for name in ("effect_repaired", "effect_unrepaired", "outcome_mean", "outcome_trend", "alliance_mean",
                     "dip"):
            if not np.isfinite(check_number(name, getattr(self, name))):
                raise OptionError(f"{name}={getattr(self, name)!r} must be finite")

    @property
    def true_smd(self) -> float:
        """The true standardised mean difference of ``post``, repaired minus unrepaired (with no trend)."""
        return float(self.effect_repaired - self.effect_unrepaired)


@dataclass(frozen=True)
class Simulation:
    """Simulated studies: the canonical session table and the truth per study.

    Attributes
    ----------
    sessions : pandas.DataFrame
        The canonical session table (:mod:`ruptstats.sessions.schema`): ``study, client, therapist, session,
        rupture, rupture_type, repaired, alliance, outcome, pre, post, dropout`` and the SRS items
        ``srs1..srs4``; index ``row`` (1-based).
    truth : pandas.DataFrame
        One row per study: ``study, n_clients, effect_repaired, effect_unrepaired, true_smd``.
    design : StudyDesign
    tau : float
        SD of the study deviations of the repaired-vs-unrepaired difference.
    seed : int
        The seed's entropy (drawn when no seed was given), so the run can be repeated.
    """

    sessions: pd.DataFrame
    truth: pd.DataFrame
    design: StudyDesign
    tau: float
    seed: int = field(default=0)


def simulate_study(design: StudyDesign, *, seed=None, study: str = "Study 1", deviation: float = 0.0,
                   n_clients: int | None = None) -> pd.DataFrame:
    """Simulate one study's session table (see the module docstring); ``seed`` is an int or SeedSequence.

    ``deviation`` (:math:`u_j`) is added half to the repaired and half, negated, to the unrepaired effect;
    ``n_clients`` overrides the design's.

    Examples
    --------
    >>> s = simulate_study(StudyDesign(n_clients=10, n_sessions=5), seed=1)
    >>> s["client"].nunique(), list(s.columns[:4])
    (10, ['study', 'client', 'therapist', 'session'])
    """
    if not isinstance(design, StudyDesign):
        raise OptionError(f"design must be a StudyDesign, got {type(design).__name__}")
    rng = np.random.default_rng(seed)
    n = design.n_clients if n_clients is None else int(check_number("n_clients", n_clients, low=1, integer=True))
    T = design.n_sessions
    events = _events(rng, design, n, T)
    outcome, pre = _outcomes(rng, design, events, deviation)
    items, alliance = _alliance(rng, design, events)
    return _table(design, study, events, outcome, pre, items, alliance)


def _events(rng, d: StudyDesign, n: int, T: int) -> dict:
    """Attendance, ruptures, repairs, types, dropout and the client's condition."""
    attended = rng.random((n, T)) >= d.missing_session_rate
    attended[:, 0] = True
    rupture = attended & (rng.random((n, T)) < d.rupture_rate)
    repaired = rupture & (rng.random((n, T)) < d.repair_probability)
    withdrawal = rng.random((n, T)) < d.withdrawal_share
    had_unrepaired = np.cumsum(rupture & ~repaired, axis=1) > 0
    hazard = d.dropout_hazard * np.where(had_unrepaired, d.dropout_hazard_ratio, 1.0)
    leave = (rng.random((n, T)) < np.minimum(hazard, 1.0)) & attended
    leave[:, -1] = False
    left = np.cumsum(leave, axis=1) - leave > 0  # sessions after the one the client left after
    observed = attended & ~left
    obs_rupture, obs_repaired = rupture & observed, repaired & observed
    condition = np.where(obs_repaired.any(axis=1), 2, np.where(obs_rupture.any(axis=1), 1, 0))
    first = np.where(obs_rupture.any(axis=1), obs_rupture.argmax(axis=1), T)
    return {"observed": observed, "rupture": obs_rupture, "repaired": obs_repaired, "withdrawal": withdrawal,
            "condition": condition, "first": first, "dropout": leave.any(axis=1), "n": n, "T": T}


def _outcomes(rng, d: StudyDesign, ev: dict, deviation: float):
    n, T = ev["n"], ev["T"]
    sb, sw = d.outcome_sd * np.sqrt(d.outcome_icc), d.outcome_sd * np.sqrt(1.0 - d.outcome_icc)
    base = rng.normal(d.outcome_mean, sb, n)
    effect = np.array([0.0, d.effect_unrepaired - deviation / 2.0, d.effect_repaired + deviation / 2.0])
    shift = d.outcome_sd * effect[ev["condition"]][:, None] * (np.arange(T)[None, :] >= ev["first"][:, None])
    outcome = base[:, None] + d.outcome_trend * np.arange(1, T + 1)[None, :] + shift + rng.normal(0, sw, (n, T))
    pre = base + rng.normal(0, sw, n)
    return outcome, pre


def _alliance(rng, d: StudyDesign, ev: dict):
    n, T = ev["n"], ev["T"]
    level = rng.normal(d.alliance_mean, d.alliance_sd, n)[:, None] + np.linspace(0, 2.0, T)[None, :]
    depth = d.dip * d.alliance_sd * rng.uniform(0.8, 1.2, (n, T))
    unrepaired = ev["rupture"] & ~ev["repaired"]
    lasting = np.cumsum(np.where(unrepaired, 0.8 * depth, 0.0), axis=1) - np.where(unrepaired, 0.8 * depth, 0.0)
    total = level - np.where(ev["rupture"], depth, 0.0) - lasting
    items = np.clip(total[:, :, None] / 4.0 + rng.normal(0, 0.4, (n, T, 4)), 0.0, 10.0).round(1)
    items[rng.random(items.shape) < d.missing_item_rate] = np.nan
    answered = (~np.isnan(items)).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        alliance = np.where(answered >= 3, 4.0 / answered * np.nansum(items, axis=2), np.nan)
    return items, alliance


def _table(d: StudyDesign, study: str, ev: dict, outcome, pre, items, alliance) -> pd.DataFrame:
    n, T = ev["n"], ev["T"]
    ci, ti = np.nonzero(ev["observed"])
    width = len(str(n))
    clients = np.array([f"{study}-C{i + 1:0{width}d}" for i in range(n)])
    therapists = np.array([f"{study}-T{t + 1}" for t in range(d.n_therapists)])
    last = T - 1 - np.argmax(ev["observed"][:, ::-1], axis=1)
    rupture = ev["rupture"][ci, ti]
    codes = np.where(rupture, np.where(ev["withdrawal"][ci, ti], 0, 1), -1)
    table = pd.DataFrame({
        "study": pd.Categorical.from_codes(np.zeros(len(ci), dtype=np.int8), categories=[study]),
        "client": pd.Categorical.from_codes(ci, categories=clients),
        "therapist": pd.Categorical.from_codes(ci % d.n_therapists, categories=therapists),
        "session": pd.array(ti + 1, dtype="Int64"),
        "rupture": pd.array(rupture, dtype="boolean"),
        "rupture_type": pd.Categorical.from_codes(codes, dtype=RUPTURE_TYPE_DTYPE),
        "repaired": pd.array(ev["repaired"][ci, ti], dtype="boolean"),
        "alliance": alliance[ci, ti],
        "outcome": outcome[ci, ti].round(2),
        "pre": pre[ci].round(2),
        "post": outcome[np.arange(n), last][ci].round(2),
        "dropout": pd.array(ev["dropout"][ci], dtype="boolean"),
    })
    for j, name in enumerate(SRS_ITEMS):
        table[name] = items[ci, ti, j]
    return table


def simulate_studies(design: StudyDesign, *, n_studies: int = 10, tau: float = 0.0, seed=None,
                     n_clients=None) -> Simulation:
    """Simulate ``n_studies`` studies of one design, the repaired-vs-unrepaired effect varying with SD ``tau``.

    Parameters
    ----------
    design : StudyDesign
    n_studies : int, default 10
    tau : float, default 0
        SD of the study deviations :math:`u_j` of the true standardised mean difference.
    seed : int or numpy.random.SeedSequence, optional
        Seed of the :class:`numpy.random.SeedSequence` from which one stream per study is spawned.
    n_clients : sequence of int, optional
        Clients per study (default: the design's for every study).

    Returns
    -------
    Simulation

    Examples
    --------
    >>> sim = simulate_studies(StudyDesign(n_clients=20), n_studies=3, seed=7)
    >>> sim.truth["study"].tolist(), sim.sessions["study"].nunique()
    (['Study 1', 'Study 2', 'Study 3'], 3)
    """
    n_studies = int(check_number("n_studies", n_studies, low=1, integer=True))
    tau = check_number("tau", tau, low=0)
    sizes = [design.n_clients] * n_studies if n_clients is None else [int(x) for x in n_clients]
    if len(sizes) != n_studies:
        raise OptionError(f"n_clients has {len(sizes)} entries; n_studies={n_studies} needs one per study")
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    top, *children = seq.spawn(n_studies + 1)
    deviations = np.random.default_rng(top).normal(0.0, tau, n_studies) if tau > 0 else np.zeros(n_studies)
    labels = [f"Study {j + 1}" for j in range(n_studies)]
    tables = [simulate_study(design, seed=children[j], study=labels[j], deviation=deviations[j],
                             n_clients=sizes[j]) for j in range(n_studies)]
    ids = ("study", "client", "therapist")
    sessions = pd.concat([t.drop(columns=list(ids)) for t in tables], ignore_index=True)
    for pos, col in enumerate(ids):  # categories in order of appearance, as the loaders make them
        sessions.insert(pos, col, union_categoricals([t[col] for t in tables]))
    sessions.index = pd.RangeIndex(1, len(sessions) + 1, name="row")
    truth = pd.DataFrame({"study": labels, "n_clients": sizes,
                          "effect_repaired": design.effect_repaired + deviations / 2.0,
                          "effect_unrepaired": design.effect_unrepaired - deviations / 2.0,
                          "true_smd": design.true_smd + deviations})
    return Simulation(sessions=sessions, truth=truth, design=design, tau=tau, seed=int(seq.entropy))


def design_dict(design: StudyDesign) -> dict:
    """The design's fields as a dict (JSON-ready)."""
    return asdict(design)
