"""Text for people: metafor-style summaries, APA sentences and tables. The only module that rounds.

APA style (7th ed.): statistics that cannot exceed 1 in absolute value (correlations, p-values) have no
leading zero (``r = .29``, ``p = .003``); p-values below .001 are written ``p < .001``.
"""

from __future__ import annotations

import math

from .effects.transforms import reported_label

__all__ = ["apa_number", "apa_p", "apa_sentence", "format_common_subgroups", "format_gosh", "format_meta",
           "format_meta_regression", "format_permutation", "format_selection", "format_subgroups", "format_table",
           "format_trimfill"]

_NAMES = {"FE": "Common-effect (fixed-effect) model", "DL": "DerSimonian-Laird", "HE": "Hedges", "HS":
          "Hunter-Schmidt", "SJ": "Sidik-Jonkman", "ML": "maximum likelihood", "REML": "restricted maximum "
          "likelihood", "EB": "empirical Bayes", "PM": "Paule-Mandel"}
_BOUNDED = {"r", "p"}


def apa_number(x, digits: int = 2, bounded: bool = False) -> str:
    """Format ``x`` with ``digits`` decimals; drop the leading zero when ``bounded`` (|x| <= 1 by nature).

    Negative values use the typographic minus sign (U+2212), as APA tables do.

    >>> apa_number(0.2912, bounded=True), apa_number(-0.05, bounded=True), apa_number(1314.0, 0)
    ('.29', '−.05', '1,314')
    >>> apa_number(-0.004, bounded=True), apa_number(-1.5)
    ('.00', '−1.50')

    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    text = f"{x:.{max(digits, 2)}e}" if _HUGE <= abs(x) < math.inf else f"{x:,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # -0.004 rounds to 0.00, not -0.00
    if bounded:
        text = text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text
    return "\u2212" + text[1:] if text.startswith("-") else text


def apa_p(p) -> str:
    """APA p-value: ``p < .001`` or ``p = .023``.

    >>> apa_p(0.00002), apa_p(0.0234), apa_p(0.5)
    ('p < .001', 'p = .023', 'p = .500')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p = NA"
    if p < 0.001:
        return "p < .001"
    return f"p = {apa_number(p, 3, bounded=True)}"


def apa_sentence(res) -> str:
    """One APA-style sentence for a pooled result.

    For correlations (``ZCOR``) the estimate and intervals are back-transformed to r, e.g.
    ``r = .29, 95% CI [.10, .47], k = 11, N = 1,314``, followed by the test and heterogeneity.
    """
    bt = res.back_transformed
    label = reported_label(res.measure, back_transformed=bt is not None)
    vals = bt or {key: getattr(res, key) for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")}
    bounded = label in _BOUNDED
    lvl = f"{round(res.level * 100):d}%"
    parts = [f"{label} = {apa_number(vals['estimate'], 2, bounded)}",
             f"{lvl} CI [{apa_number(vals['ci_lower'], 2, bounded)}, {apa_number(vals['ci_upper'], 2, bounded)}]",
             f"k = {res.k}"]
    if res.n_total is not None:
        parts.append(f"N = {res.n_total:,}")
    stat = "z" if res.df is None else f"t({res.df})"
    sentence = ", ".join(parts) + f"; {stat} = {apa_number(res.statistic)}, {apa_p(res.p)}"
    if res.k > 1 and res.q is not None:
        sentence += f"; Q({res.q_df}) = {apa_number(res.q)}, {apa_p(res.q_p)}, I\u00b2 = {apa_number(res.i2, 1)}%"
        if res.method != "FE":
            sentence += (f", \u03c4\u00b2 = {apa_number(res.tau2, 3)}, {lvl} PI "
                         f"[{apa_number(vals['pi_lower'], 2, bounded)}, {apa_number(vals['pi_upper'], 2, bounded)}]")
    return sentence + "."


#: From this magnitude on, numbers are printed in scientific notation (fixed decimals would print 200 digits).
_HUGE = 1e15


def _f(x, digits=4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return f"{x:.{digits}e}" if _HUGE <= abs(x) < math.inf else f"{x:.{digits}f}"


def _fp(p) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "NA"
    return "<.0001" if p < 0.0001 else f"{p:.4f}"


def _p_eq(p) -> str:
    text = _fp(p)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def format_meta(res) -> str:
    """metafor-like text summary of a :class:`~ruptstats.meta.MetaResult`, ending with the APA sentence."""
    lvl = round(res.level * 100)
    lines = []
    if res.method == "FE":
        lines.append(f"{_NAMES['FE']} (k = {res.k})")
    else:
        lines.append(f"Random-effects model (k = {res.k}; tau^2 estimator: {res.method}, {_NAMES[res.method]})")
    if res.measure:
        lines[-1] += f"; measure: {res.measure}"
    lines.append("")
    if res.k == 1:
        lines.append("Heterogeneity: undefined with one study.")
    else:
        if res.method != "FE":
            ci = (f"  {lvl}% CI [{_f(res.tau2_ci_lower)}, {_f(res.tau2_ci_upper)}]"
                  if res.tau2_ci_lower is not None else "")
            lines.append(f"tau^2 (between-study variance):  {_f(res.tau2)} (SE = {_f(res.tau2_se)}){ci}")
            lines.append(f"tau (square root of tau^2):       {_f(res.tau)}")
        ci_i2 = (f"  {lvl}% CI [{res.i2_ci_lower:.2f}, {res.i2_ci_upper:.2f}]"
                 if res.i2_ci_lower is not None else "")
        i2 = "NA" if res.i2 is None else f"{res.i2:.2f}%"  # None: undefined with a zero sampling variance
        lines.append(f"I^2 (heterogeneity / total):      {i2}{ci_i2}")
        lines.append(f"H^2 (total / sampling variance):  {_f(res.h2)}")
        lines.append("")
        lines.append(f"Test for heterogeneity: Q(df = {res.q_df}) = {_f(res.q)}, {_p_eq(res.q_p)}" if res.q is not None
                     else "Test for heterogeneity: undefined (a sampling variance is 0)")
    lines.append("")
    stat = "z" if res.df is None else "t"
    head = f"{'estimate':>10} {'se':>9} {stat:>9} {'p':>8} {'ci_lower':>9} {'ci_upper':>9}"
    if res.df is not None:
        head += f" {'df':>4}"
    lines.append("Model results:")
    lines.append(head)
    row = (f"{_f(res.estimate):>10} {_f(res.se):>9} {_f(res.statistic):>9} {_fp(res.p):>8} "
           f"{_f(res.ci_lower):>9} {_f(res.ci_upper):>9}")
    if res.df is not None:
        row += f" {res.df:>4}"
    lines.append(row)
    lines.append(f"Prediction interval ({lvl}%): [{_f(res.pi_lower)}, {_f(res.pi_upper)}]")
    bt = res.back_transformed
    if bt:
        label = reported_label(res.measure, True)
        lines.append(f"Back-transformed to {label}: {_f(bt['estimate'])}, {lvl}% CI [{_f(bt['ci_lower'])}, "
                     f"{_f(bt['ci_upper'])}], PI [{_f(bt['pi_lower'])}, {_f(bt['pi_upper'])}]")
    for note in res.notes:
        lines.append(f"Note: {note}")
    lines.append("")
    lines.append(apa_sentence(res))
    return "\n".join(lines)


def format_subgroups(sg) -> str:
    """Text table of a :class:`~ruptstats.meta.SubgroupResult`."""
    frame = sg.summary_frame(back_transform=True)
    lines = [f"Subgroups by '{sg.variable}' (separate tau^2 per subgroup):",
             f"{'subgroup':<20} {'k':>3} {'estimate':>9} {'ci_lower':>9} {'ci_upper':>9} {'tau2':>8} {'I2':>7}"]
    for r in frame.itertuples(index=False):
        i2 = "NA" if r.i2 is None or (isinstance(r.i2, float) and math.isnan(r.i2)) else f"{r.i2:.1f}%"
        lines.append(f"{str(r.subgroup)[:20]:<20} {r.k:>3} {_f(r.estimate):>9} {_f(r.ci_lower):>9} "
                     f"{_f(r.ci_upper):>9} {_f(r.tau2):>8} {i2:>7}")
    lines.append(f"Test of subgroup differences: Q_B({sg.df}) = {_f(sg.q)}, {_p_eq(sg.p)}")
    if sg.excluded:
        lines.append(f"Excluded (no subgroup): {len(sg.excluded)} stud{'y' if len(sg.excluded) == 1 else 'ies'}")
    return "\n".join(lines)


def format_trimfill(tf) -> str:
    """The number of filled studies, then :func:`format_meta` of the filled model (a ``TrimFillResult``)."""
    return (f"Trim-and-fill ({tf.estimator}): estimated missing studies on the {tf.side} side: "
            f"{tf.k0} (SE = {tf.se_k0:.4f})\n") + format_meta(tf)


def format_common_subgroups(cs) -> str:
    """Text table of a ``CommonTau2SubgroupResult`` and its test of subgroup differences."""
    name = "F" if cs.fit.df is not None else "QM"
    return (f"Subgroups by '{cs.variable}' (common tau^2 = {cs.tau2:.4f}):\n"
            f"{format_table(cs.summary_frame())}\n"
            f"Test of subgroup differences: {name}({cs.qm_df}) = {cs.qm:.4f}, p = {cs.qm_p:.4g}")


def format_meta_regression(mr) -> str:
    """Coefficient table of a ``MetaRegressionResult`` with the omnibus and residual-heterogeneity tests."""
    test = "F" if mr.df is not None else "QM"
    dfs = f"{mr.qm_df}, {mr.df}" if mr.df is not None else f"{mr.qm_df}"
    lines = [f"Meta-regression (k = {mr.k}; tau^2 estimator: {mr.method}; moderators: "
             f"{', '.join(mr.moderators)})", format_table(mr.summary_frame()),
             f"Test of moderators: {test}({dfs}) = {mr.qm:.4f}, p = {mr.qm_p:.4g}",
             f"Residual heterogeneity: QE({mr.q_residual_df}) = {mr.q_residual:.4f}, "
             f"p = {mr.q_residual_p:.4g}; tau^2 = {mr.tau2 if mr.tau2 is None else f'{mr.tau2:.4f}'}"
             f"; R^2 = {'NA' if mr.r2 is None else f'{mr.r2:.2f}%'}"]
    if mr.excluded:
        lines.append(f"Excluded (missing moderator): {len(mr.excluded)}: {', '.join(mr.excluded)}")
    lines += [f"Note: {n}" for n in mr.notes]
    return "\n".join(lines)


def format_permutation(pr) -> str:
    """Text table of a ``PermutationResult``'s permutation p-values and its omnibus test."""
    kind = "exact" if pr.exact else f"{pr.iterations} random (seed {pr.seed})"
    return (f"Permutation test ({kind} permutations)\n{format_table(pr.summary_frame())}\n"
            f"Omnibus test: permutation p = {pr.qm_p:.4g}")


def format_gosh(g) -> str:
    """One line describing a ``GoshResult``: how many subsets, and the ranges of the estimate and I²."""
    kind = "all" if g.exact else f"{g.k.size} random (seed {g.seed})"
    return (f"GOSH ({g.method}): {kind} subsets; estimate from {g.estimate.min():.4f} to "
            f"{g.estimate.max():.4f}, I^2 from {g.i2.min():.1f}% to {g.i2.max():.1f}%")


def format_selection(sm) -> str:
    """The estimates table of a ``SelectionModelResult`` and its selection weights per p-value interval."""
    bounds = (0.0,) + sm.steps
    weights = "; ".join(f"p in ({lo:g}, {hi:g}]: k = {k}, delta = {d:.4f}" for lo, hi, k, d in
                        zip(bounds[:-1], bounds[1:], sm.k_per_interval, sm.delta))
    return f"{sm.title}\n{format_table(sm.summary_frame())}\nSelection weights: {weights}"


def format_table(frame, fmt: str = "markdown", digits: int = 4) -> str:
    """Render a DataFrame as a markdown (pipe) table, rounding floats to ``digits``."""
    cols = list(frame.columns)
    out = ["| " + " | ".join(map(str, cols)) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        cells = []
        for val in row:
            if isinstance(val, float):
                cells.append("" if math.isnan(val) else _f(val, digits))
            else:
                cells.append(str(val))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


__all__ += ["apa_ci", "apa_df", "apa_stat"]  # appended with the condition comparison (issue 12)


def apa_df(df) -> str:
    """Degrees of freedom: whole numbers as integers, fractional (Welch) df with two decimals.

    >>> apa_df(57), apa_df(30.1234), apa_df(None)
    ('57', '30.12', 'NA')
    """
    if df is None or (isinstance(df, float) and math.isnan(df)):
        return "NA"
    return f"{int(df):d}" if float(df).is_integer() else apa_number(float(df), 2)


def apa_stat(symbol: str, value, df=(), *, digits: int = 2) -> str:
    """A test statistic with its degrees of freedom in parentheses, e.g. ``F(2, 57) = 3.41``.

    >>> apa_stat("F", 3.4119, (2, 57)), apa_stat("H", 6.0, (2,)), apa_stat("t", -1.5)
    ('F(2, 57) = 3.41', 'H(2) = 6.00', 't = −1.50')
    """
    dfs = ", ".join(apa_df(d) for d in df)
    return f"{symbol}({dfs}) = {apa_number(value, digits)}" if dfs else f"{symbol} = {apa_number(value, digits)}"


def apa_ci(lower, upper, level: float = 0.95, *, digits: int = 2, bounded: bool = False) -> str:
    """A confidence interval, e.g. ``95% CI [0.10, 0.47]``.

    >>> apa_ci(0.1, 0.4712), apa_ci(-0.2, 0.3, 0.9, bounded=True)
    ('95% CI [0.10, 0.47]', '90% CI [−.20, .30]')
    """
    return (f"{round(level * 100):d}% CI [{apa_number(lower, digits, bounded)}, "
            f"{apa_number(upper, digits, bounded)}]")
