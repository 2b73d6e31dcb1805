"""``repair_by_type``: repair (logistic GEE) and alliance gain (linear GEE) by rupture type x repair strategy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from ..conditions.result import strict_json
from ._data import episode_arrays, group_levels
from ._gee import gee_exchangeable

__all__ = ["GeeResult", "RepairByType", "repair_by_type"]

TERM_COLUMNS = ("term", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "odds_ratio", "or_ci_lower",
                "or_ci_upper")


@dataclass(frozen=True, eq=False)
class GeeResult:
    """One GEE (exchangeable, clients as clusters). ``coefficients`` rows: ``{term, estimate, se, statistic, p,
    ci_lower, ci_upper}`` (robust SE, Wald z) plus ``odds_ratio, or_ci_lower, or_ci_upper`` for the logistic
    model; term names as R's (``typeconfrontation:strategyimmediate``). ``interaction``: ``{chi2, df, p}`` Wald
    test of all type x strategy terms (None without them). ``working_correlation``: alpha; ``scale``: phi."""

    outcome: str
    family: str
    n_episodes: int
    n_clients: int
    coefficients: tuple
    interaction: dict | None
    working_correlation: float
    scale: float
    converged: bool

    def to_dict(self) -> dict:
        return strict_json({"outcome": self.outcome, "family": self.family, "n_episodes": self.n_episodes,
                            "n_clients": self.n_clients, "coefficients": list(self.coefficients),
                            "interaction": self.interaction, "working_correlation": self.working_correlation, "scale": self.scale, "converged": self.converged})

    def summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.coefficients),
                            columns=[c for c in TERM_COLUMNS if not self.coefficients or c in self.coefficients[0]])


@dataclass(frozen=True, eq=False)
class RepairByType:
    """Repair (``repair``: logistic GEE of ``repaired``) and alliance gain among repaired episodes (``gain``, linear) by type and
    strategy; ``notes``: exclusions and models not fitted."""

    level: float
    repair: GeeResult | None
    gain: GeeResult | None
    notes: tuple = ()

    def to_dict(self) -> dict:
        return strict_json({"level": self.level, "repair": None if self.repair is None else self.repair.to_dict(),
                            "gain": None if self.gain is None else self.gain.to_dict(), "notes": list(self.notes)})

    def summary_frame(self) -> pd.DataFrame:
        parts = [m.summary_frame().assign(outcome=m.outcome) for m in (self.repair, self.gain) if m is not None]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["outcome", *TERM_COLUMNS])

    def summary(self) -> str:
        from .text import format_repair_by_type

        return format_repair_by_type(self)


def repair_by_type(episodes: pd.DataFrame, *, strategy: bool = True, level: float = 0.95) -> RepairByType:
    """Whether episodes get repaired, and how much the alliance gains, by rupture type (x strategy).

    Parameters
    ----------
    episodes : pandas.DataFrame
        The episode table of :func:`rupture_episodes` (``client``, ``type``, ``repaired``, ``alliance_gain`` and,
        with ``strategy=True``, ``strategy``; one rater).
    strategy : bool, default True
        Model ``type * strategy`` (main effects and interaction); False: ``type`` alone.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    RepairByType
        ``repair``: logistic GEE ``repaired ~ type * strategy``; ``gain``: linear GEE ``alliance_gain ~ type *
        strategy`` on repaired episodes with a gain. Reference levels: ``withdrawal`` and the first strategy
        (category order, else sorted as R's ``factor``). Episodes missing type, strategy or the outcome are left
        out (noted); a model that cannot be fitted (one level, a singular design) is None with a note.

    Notes
    -----
    Equal to ``geepack::geeglm(y ~ type * strategy, id = client, family = binomial / gaussian, corstr =
    "exchangeable")`` (robust sandwich SEs; :func:`~ruptstats.episodes._gee.gee_exchangeable`). Wald CIs
    :math:`b \\pm z\\,SE`, odds ratios :math:`e^b`; the interaction test is the joint Wald
    :math:`\\chi^2 = b_I^\\top V_{II}^{-1} b_I` on the interaction terms.

    References
    ----------
    Liang, K.-Y., & Zeger, S. L. (1986). Longitudinal data analysis using generalized linear models.
    *Biometrika, 73*, 13-22. Halekoh, U., Højsgaard, S., & Yan, J. (2006). The R package geepack for generalized
    estimating equations. *Journal of Statistical Software, 15*(2).
    """
    level = check_level(level)
    need = ("client", "type", "repaired") + (("strategy",) if strategy else ())
    data, notes = episode_arrays(episodes, need=need)
    factors = ["type", "strategy"] if strategy else ["type"]
    known = np.ones(len(data), bool)
    for f in factors:
        known &= data[f].notna().to_numpy()
    if (~known).any():
        notes.append(f"{int((~known).sum())} episode(s) without {' or '.join(factors)} left out")
        data = data[known].reset_index(drop=True)
    rep = _fit(data, "repaired", factors, True, level, notes)
    gain_rows = data[data["repaired"].to_numpy(bool) & data.get("alliance_gain", pd.Series(np.nan, index=data.index)
                                                                 ).notna().to_numpy()].reset_index(drop=True)
    gain = _fit(gain_rows, "alliance_gain", factors, False, level, notes) if "alliance_gain" in data else None
    return RepairByType(level=level, repair=rep, gain=gain, notes=tuple(notes))


def _design(data, factors):
    """R's treatment coding of ``type * strategy``: (Intercept), type levels, strategy levels, products."""
    cols, names, blocks = [np.ones(len(data))], ["(Intercept)"], {}
    for f in factors:
        levels, codes = group_levels(data, f)
        blocks[f] = [(f"{f}{lv}", (codes == j).astype(float)) for j, lv in enumerate(levels) if j > 0]
        for name, col in blocks[f]:
            names.append(name)
            cols.append(col)
    inter = []
    if len(factors) == 2:
        for a, ca in blocks[factors[0]]:
            for b, cb in blocks[factors[1]]:
                names.append(f"{a}:{b}")
                cols.append(ca * cb)
                inter.append(len(names) - 1)
    return np.column_stack(cols), names, inter


def _fit(data, outcome, factors, logit, level, notes):
    if len(data) == 0:
        notes.append(f"no episodes for the {outcome} model")
        return None
    x, names, inter = _design(data, factors)
    if np.linalg.matrix_rank(x) < x.shape[1] or x.shape[1] < 2:
        notes.append(f"{outcome} model not fitted: a level or a type x strategy cell has no episodes (singular "
                     f"design)")
        return None
    y = data[outcome].to_numpy(dtype=np.float64)
    if logit and (y.min() == y.max()):
        notes.append(f"{outcome} model not fitted: every episode has the same outcome")
        return None
    codes = pd.factorize(data["client"].astype(str))[0]
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a failed fit is a note, not a warning
            fit = gee_exchangeable(y, x, codes, logit=logit)
    except np.linalg.LinAlgError as err:
        hint = (" (probably complete separation: a type x strategy cell in which every episode, or none, was "
                "repaired, so an odds ratio runs off to 0 or infinity)") if logit else ""
        notes.append(f"{outcome} model not fitted: {err}{hint}")
        return None
    b, se = fit["coef"], np.sqrt(np.diag(fit["cov"]))
    z = stats.norm.ppf(1 - (1 - level) / 2)
    rows = []
    for i, name in enumerate(names):
        row = {"term": name, "estimate": b[i], "se": se[i], "statistic": b[i] / se[i],
               "p": 2 * stats.norm.sf(abs(b[i] / se[i])), "ci_lower": b[i] - z * se[i], "ci_upper": b[i] + z * se[i]}
        if logit:
            row.update(odds_ratio=np.exp(b[i]), or_ci_lower=np.exp(row["ci_lower"]), or_ci_upper=np.exp(row["ci_upper"]))
        rows.append({k: (float(v) if k != "term" else v) for k, v in row.items()})
    wald = None
    if inter:
        bi, vi = b[inter], fit["cov"][np.ix_(inter, inter)]
        chi2 = float(bi @ np.linalg.solve(vi, bi))
        wald = {"chi2": chi2, "df": len(inter), "p": float(stats.chi2.sf(chi2, len(inter)))}
    if not fit["converged"]:
        notes.append(f"{outcome} GEE did not converge")
    return GeeResult(outcome=outcome, family="binomial" if logit else "gaussian", n_episodes=int(len(y)),
                     n_clients=int(codes.max() + 1), coefficients=tuple(rows), interaction=wald,
                     working_correlation=fit["alpha"],
                     scale=fit["scale"], converged=bool(fit["converged"]))

