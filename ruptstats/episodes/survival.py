"""``time_to_repair``: Kaplan-Meier time to repair, log-rank test and Cox model by group (``TimeToRepair``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_choice, check_level
from ..conditions.result import strict_json
from ._data import episode_arrays, group_levels
from ._survival import cox_efron, kaplan_meier, km_median, km_median_ci, logrank

__all__ = ["TimeToRepair", "time_to_repair"]

KM_COLUMNS = ("group", "time", "n_risk", "n_event", "survival", "ci_lower", "ci_upper")


@dataclass(frozen=True, eq=False)
class TimeToRepair:
    """Time to repair of rupture episodes (sessions), overall or by group.

    Attributes
    ----------
    by : str or None
        Grouping column (e.g. ``"type"``, ``"strategy"``); None for one curve (group ``"all"``).
    reference : str or None
        Reference group of the Cox model.
    level : float
        Confidence level (proportion). ``conf_type`` : ``"log"`` or ``"log-log"``.
    n_episodes, n_repaired : int
        Episodes analysed and repaired among them.
    km : tuple of dict
        ``{group, time, n_risk, n_event, survival, ci_lower, ci_upper}`` at every distinct latency (as
        ``survfit``): ``survival`` = share of episodes not yet repaired after ``time`` sessions.
    median : dict
        Median latency per group (sessions; None when fewer than half are repaired).
    median_ci : tuple of dict
        ``{group, ci_lower, ci_upper}``: confidence interval of each group's median, where the lower and upper
        confidence curves reach 0.5 (Brookmeyer & Crowley, 1982; R ``quantile(survfit(...), 0.5)``'s ``lower`` and
        ``upper``); a limit is None when its curve never reaches 0.5 (e.g. the upper limit when too few repairs).
    within : tuple of dict
        ``{group, sessions, share}``: Kaplan-Meier share repaired within 0, 1, ..., max latency sessions.
    logrank : dict or None
        ``{chi2, df, p}`` (with ``by`` and two or more groups).
    cox : tuple of dict
        ``{term, hr, ci_lower, ci_upper, p}``: hazard ratio of repair vs the reference group, client-clustered
        robust (Lin-Wei) SE, Wald CI and p.
    notes : tuple of str
        Exclusions and statistics not computed, with the reason.
    """

    by: str | None
    reference: str | None
    level: float
    conf_type: str
    n_episodes: int
    n_repaired: int
    km: tuple
    median: dict
    within: tuple
    logrank: dict | None
    cox: tuple
    notes: tuple = ()
    median_ci: tuple = field(default=())

    def to_dict(self) -> dict:
        """Strict-JSON dictionary (NaN becomes ``null``); no client identifiers."""
        return strict_json({"by": self.by, "reference": self.reference, "level": self.level,
                            "conf_type": self.conf_type, "n_episodes": self.n_episodes,
                            "n_repaired": self.n_repaired, "km": list(self.km), "median": dict(self.median),
                            "median_ci": list(self.median_ci),
                            "within": list(self.within), "logrank": self.logrank, "cox": list(self.cox),
                            "notes": list(self.notes)})

    def summary_frame(self) -> pd.DataFrame:
        """The Kaplan-Meier rows: ``group, time, n_risk, n_event, survival, ci_lower, ci_upper``."""
        return pd.DataFrame(list(self.km), columns=list(KM_COLUMNS))

    def cox_frame(self) -> pd.DataFrame:
        """The Cox rows: ``term, hr, ci_lower, ci_upper, p``."""
        return pd.DataFrame(list(self.cox), columns=["term", "hr", "ci_lower", "ci_upper", "p"])

    def summary(self) -> str:
        """APA-style text (:func:`ruptstats.report.format_time_to_repair`)."""
        from .text import format_time_to_repair

        return format_time_to_repair(self)


def time_to_repair(episodes: pd.DataFrame, *, by: str | None = None, reference: str | None = None,
                   level: float = 0.95, conf_type: str = "log") -> TimeToRepair:
    """Kaplan-Meier time to repair (event = repaired, censored otherwise), by group with log-rank and Cox tests.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The episode table of :func:`rupture_episodes` (``latency``, ``repaired`` and, for the Cox model,
        ``client``; one rater only).
    by : str, optional
        Column to compare (``"type"``, ``"strategy"`` or any column of the table). Episodes with a missing
        value are left out (counted in ``notes``).
    reference : str, optional
        Reference group of the Cox model; default the first level (``withdrawal`` for ``type``: the canonical
        order; a categorical's category order; otherwise sorted, as R's ``factor``).
    level : float, default 0.95
        Confidence level (95 and 0.95 both mean 95 %).
    conf_type : {"log", "log-log"}, default "log"
        Kaplan-Meier CI transformation (``survfit``'s ``conf.type``; "log" is R's default).

    Returns
    -------
    TimeToRepair

    Raises
    ------
    DataError
        Missing columns, latencies that are negative or missing, several raters.
    OptionError
        Bad ``conf_type``, ``level``, ``by`` not a column, ``reference`` not a level.

    Notes
    -----
    Kaplan-Meier and Greenwood CIs as R ``survfit`` (:func:`~ruptstats.episodes._survival.kaplan_meier`); the
    median as ``quantile.survfit``; log-rank as ``survdiff``; the Cox model as
    ``coxph(Surv(latency, repaired) ~ by, cluster = client)`` with Efron ties and the robust variance
    :math:`I^{-1} U^\\top U I^{-1}` (Lin & Wei, 1989); p and CI use the robust SE (z test), as ``summary(coxph)``.
    The Cox model is skipped (noted) when a group has no repair or the likelihood is monotone (a hazard ratio of 0
    or infinity; R's ``coxph`` warns that the coefficient may be infinite). Speed: the Cox set-up (statsmodels'
    ``PHReg``) dominates; 150,000 episodes take about 7 s, a study's few hundred well under a second.

    References
    ----------
    Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations. *JASA, 53*, 457-481.
    Brookmeyer, R., & Crowley, J. (1982). A confidence interval for the median survival time. *Biometrics, 38*,
    29-41. Lin, D. Y., & Wei, L. J. (1989). The robust inference for the Cox proportional hazards model. *JASA, 84*,
    1074-1078. Therneau, T. M., & Grambsch, P. M. (2000). *Modeling survival data*. Springer.

    Examples
    --------
    >>> e = pd.DataFrame({"client": list("abcd"), "latency": [1, 2, 2, 4], "repaired": [True, True, False, True]})
    >>> res = time_to_repair(e)
    >>> [float(r["survival"]) for r in res.km]  # 3/4; 3/4 * (1 - 1/3) (3 at risk at 2); 0 (the last one repaired)
    [0.75, 0.5, 0.0]
    >>> res.median["all"]  # S = 0.5 from 2 until 4: (2 + 4) / 2, as R's survfit median
    3.0
    >>> res.median_ci[0]["ci_lower"]  # the lower log CI curve (0.43 at 1) reaches 0.5 at 1
    1.0
    """
    level = check_level(level)
    conf_type = check_choice("conf_type", conf_type, ["log", "log-log"])
    data, notes = episode_arrays(episodes, by=by, need=("latency", "repaired"))
    levels, codes = group_levels(data, by)
    if by is not None and reference is not None:
        reference = check_choice("reference", str(reference), levels, case_insensitive=False)
    elif by is not None:
        reference = levels[0] if levels else None
    time, event = data["latency"].to_numpy(np.float64), data["repaired"].to_numpy(bool)
    km, median, median_ci, within = [], {}, [], []
    for j, name in enumerate(levels):  # one curve per group (a handful of groups, not rows)
        sel = codes == j
        fit = kaplan_meier(time[sel], event[sel], level=level, conf_type=conf_type)
        km += [dict(zip(KM_COLUMNS, row)) for row in zip([name] * len(fit["time"]), fit["time"], fit["n_risk"],
                                                          fit["n_event"], fit["survival"], fit["ci_lower"],
                                                          fit["ci_upper"])]
        median[name] = km_median(fit["time"], fit["survival"])
        lo, hi = km_median_ci(fit["time"], fit["ci_lower"], fit["ci_upper"])
        median_ci.append({"group": name, "ci_lower": lo, "ci_upper": hi})
        within += _within(name, fit)
    rank, cox = None, []
    if by is not None and len(levels) >= 2:
        rank = {k: v for k, v in logrank(time, event, codes, len(levels)).items() if k in ("chi2", "df", "p")}
        cox = _cox(data, time, event, codes, levels, reference, level, notes)
    elif by is not None:
        notes.append(f"one group only in '{by}' ({levels[0] if levels else 'none'}): no log-rank test, no Cox model")
    return TimeToRepair(by=by, reference=reference, level=level, conf_type=conf_type, n_episodes=int(len(time)),
                        n_repaired=int(event.sum()), km=tuple(km), median=median, within=tuple(within),
                        logrank=rank, cox=tuple(cox), notes=tuple(notes),
                        median_ci=tuple(median_ci))


def _within(name, fit) -> list:
    """Share repaired within k sessions, k = 0..max latency: 1 - S(k), S the KM step function."""
    if len(fit["time"]) == 0:
        return []
    ks = np.arange(0, int(np.max(fit["time"])) + 1)
    idx = np.searchsorted(fit["time"], ks, side="right") - 1
    s = np.where(idx >= 0, fit["survival"][np.maximum(idx, 0)], 1.0)
    return [{"group": name, "sessions": int(k), "share": float(1 - v)} for k, v in zip(ks, s)]


def _cox(data, time, event, codes, levels, reference, level, notes) -> list:
    if "client" not in data.columns:
        notes.append("no 'client' column: no Cox model (its SEs are clustered by client)")
        return []
    if event.sum() == 0:
        notes.append("no episode was repaired: no Cox model")
        return []
    ref = levels.index(reference)
    per_group = np.bincount(codes, weights=event, minlength=len(levels))
    if np.any(per_group == 0):
        empty = [levels[j] for j in np.flatnonzero(per_group == 0)]
        notes.append(f"no repair in group(s) {empty}: hazard ratio not estimable, no Cox model")
        return []
    others = [j for j in range(len(levels)) if j != ref]
    x = np.column_stack([(codes == j).astype(np.float64) for j in others])
    fit = cox_efron(time, event, x, data["client"].astype(str).to_numpy())
    if not fit["converged"]:
        notes.append("Cox model not reported: the fit did not converge or a hazard ratio runs off to 0 or infinity "
                     "(one group's repairs all come before or after the others')")
        return []
    z = stats.norm.ppf(1 - (1 - level) / 2)
    rows = []
    for i, j in enumerate(others):
        b, se = fit["coef"][i], fit["robust_se"][i]
        rows.append({"term": f"{levels[j]} vs {reference}", "hr": float(np.exp(b)),
                     "ci_lower": float(np.exp(b - z * se)), "ci_upper": float(np.exp(b + z * se)),
                     "p": float(2 * stats.norm.sf(abs(b / se)))})
    return rows
