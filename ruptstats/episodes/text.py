"""APA text for the episode results, built from :mod:`ruptstats.report`'s helpers (the only rounding)."""

from __future__ import annotations

import math

from ..report import apa_ci, apa_number, apa_p, apa_stat

__all__ = ["format_time_to_repair", "format_repair_by_type", "format_stronger"]


def _num(x, digits=2):
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else apa_number(x, digits)


def format_time_to_repair(res) -> str:
    """Kaplan-Meier medians, the log-rank test and the Cox hazard ratios as APA sentences."""
    lines = [f"Time to repair (Kaplan-Meier, {res.conf_type} CI): {res.n_repaired} of {res.n_episodes} rupture "
             f"episodes were repaired."]
    cis = {row["group"]: row for row in getattr(res, "median_ci", ())}
    for group, med in res.median.items():
        label = "Median latency" if res.by is None else f"Median latency ({group})"
        ci = cis.get(group)
        ci_text = f", {apa_ci(ci['ci_lower'], ci['ci_upper'], res.level, digits=1)}" if ci is not None else ""
        lines.append(f"{label}: {_num(med, 1)} sessions" + ci_text + (" (fewer than half repaired)" if med is None or
                                                                       (isinstance(med, float) and math.isnan(med))
                                                                       else ""))
    if res.logrank is not None:
        lr = res.logrank
        lines.append(f"Log-rank test by {res.by}: {apa_stat('χ²', lr['chi2'], (lr['df'],))}, {apa_p(lr['p'])}.")
    for row in res.cox:
        lines.append(f"Cox model (client-clustered robust SE), {row['term']}: HR = {_num(row['hr'])}, "
                     f"{apa_ci(row['ci_lower'], row['ci_upper'], res.level)}, {apa_p(row['p'])}.")
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines)


def format_repair_by_type(res) -> str:
    """The GEE coefficients (odds ratios for repair) and the interaction tests."""
    lines = []
    for model in (res.repair, res.gain):
        if model is None:
            continue
        lines.append(f"GEE ({model.family}, exchangeable, {model.n_episodes} episodes in {model.n_clients} "
                     f"clients), outcome {model.outcome}:")
        for t in model.coefficients:
            if model.family == "binomial":
                lines.append(f"  {t['term']}: OR = {_num(t['odds_ratio'])}, "
                             f"{apa_ci(t['or_ci_lower'], t['or_ci_upper'], res.level)}, {apa_p(t['p'])}")
            else:
                lines.append(f"  {t['term']}: b = {_num(t['estimate'])}, "
                             f"{apa_ci(t['ci_lower'], t['ci_upper'], res.level)}, {apa_p(t['p'])}")
        if model.interaction is not None:
            w = model.interaction
            lines.append(f"  type × strategy: Wald {apa_stat('χ²', w['chi2'], (w['df'],))}, {apa_p(w['p'])}")
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines) if lines else "No GEE model could be fitted."


def format_stronger(res) -> str:
    """Share stronger after repair (Wilson CI) and the mean gain (paired t CI), per group."""
    lines = []
    for r in res.rows:
        if r["n"] == 0:
            lines.append(f"{r['group']}: no repaired episode with alliance before and after.")
            continue
        lines.append(f"{r['group']}: {r['n_stronger']} of {r['n']} repaired episodes ended with a stronger alliance "
                     f"({_num(100 * r['share'], 0)}%, {apa_ci(100 * r['ci_lower'], 100 * r['ci_upper'], res.level, digits=0)}); "
                     f"mean gain {_num(r['mean_gain'])}, {apa_ci(r['gain_ci_lower'], r['gain_ci_upper'], res.level)}.")
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines)
