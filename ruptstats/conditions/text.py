"""Text of a :class:`~ruptstats.conditions.ConditionComparison`: APA sentences built with :mod:`ruptstats.report`.

All rounding is done by the report helpers (``apa_number``, ``apa_p``, ``apa_stat``, ``apa_ci``).
"""

from __future__ import annotations

from ..report import apa_ci, apa_number, apa_p, apa_stat

__all__ = ["format_comparison"]

_LABEL = {"repaired_vs_unrepaired": "Repaired vs unrepaired", "repaired_vs_none": "Repaired vs no rupture",
          "unrepaired_vs_none": "Unrepaired vs no rupture"}


def _what(res) -> str:
    what = f"change in {res.outcome} ({res.outcome} \u2212 {res.baseline})" if res.baseline else res.outcome
    if res.higher_is_better is not None:
        what += f"; higher is {'better' if res.higher_is_better else 'worse'}"
    return what


def _descriptives(res) -> list[str]:
    parts = []
    for d in res.descriptives:
        text = f"{d['condition']}: n = {d['n']}"
        if d["mean"] is not None:
            text += f", M = {apa_number(d['mean'])}"
        if d["sd"] is not None:
            text += f", SD = {apa_number(d['sd'])}, {apa_ci(d['ci_lower'], d['ci_upper'], res.level)}"
        parts.append(text)
    return ["Descriptives: " + "; ".join(parts) + "."]


def _omnibus(res) -> list[str]:
    if res.anova is None and res.welch is None and res.kruskal is None:
        return []
    bits = []
    if res.anova:
        a = res.anova
        bits.append(f"one-way ANOVA {apa_stat('F', a['f'], (a['df1'], a['df2']))}, {apa_p(a['p'])}, "
                    f"\u03b7\u00b2 = {apa_number(a['eta2'], 2, bounded=True)}")
    if res.welch:
        w = res.welch
        bits.append(f"Welch's {apa_stat('F', w['f'], (w['df1'], w['df2']))}, {apa_p(w['p'])}")
    if res.kruskal:
        k = res.kruskal
        bits.append(f"Kruskal-Wallis {apa_stat('H', k['h'], (k['df'],))}, {apa_p(k['p'])}")
    return [f"The conditions compared on {res.analysed}: " + "; ".join(bits) + "."]


def _ancova(res) -> list[str]:
    a = res.ancova
    if not a:
        return []
    adjusted = ", ".join(f"{m['condition']} {apa_number(m['adjusted_mean'])}" for m in a["adjusted_means"])
    coefs = "; ".join(f"{r['term']} vs {res.reference} B = {apa_number(r['estimate'])}, "
                      f"{apa_ci(r['ci_lower'], r['ci_upper'], res.level)}, {apa_p(r['p'])}"
                      for r in a["coefficient_rows"])
    given = ", ".join(([res.baseline] if res.baseline else []) + list(res.covariates))
    return [f"ANCOVA of {res.outcome} adjusting for {given}: condition {apa_stat('F', a['f'], (a['df1'], a['df2']))}, "
            f"{apa_p(a['p'])}; {coefs}. Adjusted means: {adjusted}."]


def _contrasts(res) -> list[str]:
    lines = []
    for c in res.contrasts:
        if c["mean_difference"] is None:
            continue
        text = f"{_LABEL[c['contrast']]}: mean difference = {apa_number(c['mean_difference'])}"
        if c["hedges_g"] is not None:
            text += f", g = {apa_number(c['hedges_g'])}, {apa_ci(c['ci_lower'], c['ci_upper'], res.level)}"
        for key, name in (("p_tukey", "Tukey"), ("p_games_howell", "Games-Howell"), ("p_holm", "Holm-Welch")):
            if c[key] is not None:
                text += f", {name} {apa_p(c[key])}"
        lines.append(text + ".")
    return lines


def _dropout(res) -> list[str]:
    d = res.dropout
    if not d:
        return []
    props = ", ".join(f"{r['condition']} {apa_number(100 * r['proportion'], 1)}% ({r['dropouts']}/{r['n']})"
                      for r in d["proportions"] if r["n"])
    text = f"Dropout: {props or 'no client with a condition and a dropout status'}"
    t = d["test"]
    if t and t["method"] == "chisq":
        text += f"; \u03c7\u00b2({t['df']}, N = {sum(r['n'] for r in d['proportions'])}) = " \
                f"{apa_number(t['statistic'])}, {apa_p(t['p'])}"
    elif t:
        text += f"; Fisher's exact test {apa_p(t['p'])}"
    for cond in ("none", "unrepaired", "repaired"):
        if cond != res.reference and d["logit"].get(f"or_{cond}") is not None:
            lg = d["logit"]
            text += (f"; OR {cond} vs {res.reference} = {apa_number(lg[f'or_{cond}'])}, "
                     f"{apa_ci(lg[f'ci_lower_{cond}'], lg[f'ci_upper_{cond}'], res.level)}, {apa_p(lg[f'p_{cond}'])}")
    return [text + "."]


def format_comparison(res) -> str:
    """Multi-line summary: header, descriptives, omnibus tests, ANCOVA, contrasts, dropout, notes."""
    head = f"Condition comparison{f' ({res.study})' if res.study is not None else ''}: {_what(res)}"
    lines = [head, ""] + _descriptives(res) + _omnibus(res) + _ancova(res) + _contrasts(res) + _dropout(res)
    lines += [f"Note: {note}" for note in res.notes]
    return "\n".join(lines)
