"""Figures of a condition comparison: each client's value with the condition means, and dropout by condition.

Both draw a :class:`~ruptstats.conditions.ConditionComparison` (:func:`ruptstats.conditions.compare_conditions`)
as it is: the means, intervals and proportions are the result's own; nothing is estimated here.
"""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import DataError, OptionError
from ._common import level_text, pyplot
from .style import GREYS, publication_style

__all__ = ["condition_plot", "dropout_plot", "CONDITION_LABELS"]

#: Axis labels of the three conditions, in plot order (none, unrepaired, repaired).
CONDITION_LABELS = {"none": "No rupture", "unrepaired": "Unrepaired", "repaired": "Repaired"}
_ORDER = tuple(CONDITION_LABELS)
_JITTER_SEED = 20040101  # fixed: the same comparison gives the same figure (and bytes) on every run


def condition_plot(comparison, *, adjusted: bool = False, points: bool = True, jitter: float = 0.12, ax=None,
                   ylabel=None, title=None, figsize=(3.8, 3.4)):
    r"""Each client's value, and the mean with its confidence interval, per condition.

    Parameters
    ----------
    comparison : ConditionComparison
        The result of :func:`ruptstats.conditions.compare_conditions`.
    adjusted : bool, default False
        Draw the ANCOVA adjusted means and their intervals (``comparison.ancova["adjusted_means"]``, on the
        outcome's scale at the mean baseline and covariates) instead of the raw means of the analysed value
        (``comparison.descriptives``). The points are then each client's unadjusted outcome.
    points : bool, default True
        Draw each client's value (the rows of ``comparison.values``).
    jitter : float, default 0.12
        Half-width of the horizontal spread of the points, in condition slots (0 to 0.3). The spread is drawn
        from a generator with a fixed seed, so the figure is the same on every run.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (e.g. a panel of a larger figure); default: a new figure of ``figsize``.
    ylabel, title : str, optional
        Axis title (default: what was analysed, e.g. "Change, post − pre", and the direction of the
        scale, e.g. "lower is better") and title.
    figsize : (float, float), default (3.8, 3.4)
        Size in inches of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        ``comparison`` is not a condition comparison.
    OptionError
        ``adjusted=True`` for a comparison without an ANCOVA (no ``baseline=`` or ``covariates=``), or
        ``jitter`` outside [0, 0.3].

    Notes
    -----
    Conditions are drawn in the order none, unrepaired, repaired, each labelled with its number of clients. A
    condition with one client has a mean but no interval, one without clients neither; both are drawn as such,
    without a warning. The intervals are the result's: :math:`\bar y \pm t_{n-1,\,1-\alpha/2}\,s/\sqrt n` for
    the raw means, the ANCOVA model's for the adjusted means.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from ruptstats.conditions import compare_conditions
    >>> clients = pd.DataFrame({"condition": ["none"] * 3 + ["unrepaired"] * 3 + ["repaired"] * 3,
    ...                         "post": [10., 12, 14, 18, 20, 22, 9, 11, 13]})
    >>> fig = condition_plot(compare_conditions(clients, outcome="post", higher_is_better=False))
    >>> len(fig.axes[0].collections[0].get_offsets())  # one point per client
    9
    >>> fig.axes[0].get_ylabel()
    'post (lower is better)'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from .._checks import check_number

    jitter = check_number("jitter", jitter, low=0, high=0.3)
    values, rows = _condition_data(comparison, adjusted)
    level = getattr(comparison, "level", 0.95)
    with publication_style():
        fig, ax = _axes(ax, figsize)
        x = np.arange(len(_ORDER), dtype=float)
        if points:
            _draw_points(ax, values, jitter)
        if comparison.analysed == "change" and not adjusted:
            ax.axhline(0.0, color="0.55", linewidth=0.6, linestyle=(0, (4, 3)), zorder=0, gid="no-change")
        means = [_number(rows[c].get("mean")) for c in _ORDER]
        ci = [(_number(rows[c].get("ci_lower")), _number(rows[c].get("ci_upper"))) for c in _ORDER]
        mean_label = ("Adjusted mean" if adjusted else "Mean") + f" and {level_text(level)} CI"
        _draw_means(ax, x + 0.3 if points else x, means, ci, mean_label)
        n = comparison.n if isinstance(getattr(comparison, "n", None), dict) else {}
        ax.set_xticks(x, [f"{CONDITION_LABELS[c]}\nn = {int(n.get(c, 0))}" for c in _ORDER])
        ax.set_xlim(-0.6, len(_ORDER) - 0.3)
        ax.tick_params(axis="x", length=0)
        ax.set_ylabel(ylabel if ylabel is not None else _value_label(comparison, adjusted))
        if title:
            ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, handlelength=1.4)
        return fig


def dropout_plot(comparison, *, ax=None, ylabel="Dropout (proportion of clients)", title=None,
                 figsize=(3.6, 3.2)):
    """Dropout proportion per condition with its confidence interval (Wilson score interval).

    Parameters
    ----------
    comparison : ConditionComparison
        A comparison made with ``dropout=`` (:func:`ruptstats.conditions.compare_conditions`): its
        ``dropout["proportions"]`` rows ``{condition, n, dropouts, proportion, ci_lower, ci_upper}`` are drawn.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default: a new figure of ``figsize``.
    ylabel, title : str, optional
        Axis title and title.
    figsize : (float, float), default (3.6, 3.2)
        Size in inches of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        ``comparison`` is not a condition comparison.
    OptionError
        The comparison has no dropout analysis (``compare_conditions`` was called without ``dropout=``).

    Notes
    -----
    One bar per condition (none, unrepaired, repaired) of height ``dropouts / n``, with the result's Wilson
    interval (:func:`ruptstats.conditions.dropout.wilson_interval`) and the counts ("3 of 30") under the
    condition. A condition without clients has no bar.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from ruptstats.conditions import compare_conditions
    >>> clients = pd.DataFrame({"condition": ["none"] * 4 + ["unrepaired"] * 4 + ["repaired"] * 4,
    ...                         "post": range(12), "dropout": [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0]})
    >>> fig = dropout_plot(compare_conditions(clients, outcome="post", dropout="dropout"))
    >>> [round(float(b.get_height()), 2) for b in fig.axes[0].patches]
    [0.25, 0.5, 0.25]
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    _check_comparison(comparison)
    if not getattr(comparison, "dropout", None):
        raise OptionError("dropout_plot: the comparison has no dropout analysis; pass dropout= (a dropout column) "
                          "to compare_conditions")
    rows = {r["condition"]: r for r in comparison.dropout.get("proportions", [])}
    rows = {c: rows.get(c, {}) for c in _ORDER}
    level = getattr(comparison, "level", 0.95)
    with publication_style():
        fig, ax = _axes(ax, figsize)
        x = np.arange(len(_ORDER), dtype=float)
        height = [_number(rows[c].get("proportion")) for c in _ORDER]
        drawn = [i for i, h in enumerate(height) if math.isfinite(h)]
        ax.bar(x[drawn], [height[i] for i in drawn], width=0.55, color=GREYS[2], edgecolor="black",
               linewidth=0.8, zorder=2, gid="dropout-bars", label="Dropout proportion")
        ci = [(_number(rows[c].get("ci_lower")), _number(rows[c].get("ci_upper"))) for c in _ORDER]
        _draw_intervals(ax, x, ci, f"{level_text(level)} CI (Wilson)")
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] != "Dropout proportion")
        ax.set_xticks(x, [_dropout_tick(c, rows[c]) for c in _ORDER])
        ax.set_xlim(-0.6, len(_ORDER) - 0.4)
        ax.set_ylim(0.0, 1.0)
        ax.tick_params(axis="x", length=0)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, handlelength=1.4)
        return fig


def _axes(ax, figsize):
    """``(figure, axes)``: the given axes and their figure, or a new figure."""
    if ax is not None:
        return ax.figure, ax
    return pyplot().subplots(figsize=figsize)


def _number(x) -> float:
    """``x`` as float, NaN for None or a missing value."""
    try:
        return float(x) if x is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def _check_comparison(comparison) -> None:
    needed = ("descriptives", "values", "n", "analysed", "outcome")
    if not all(hasattr(comparison, name) for name in needed):
        raise DataError("the condition plots need a ConditionComparison (ruptstats.conditions.compare_conditions), "
                        f"got {type(comparison).__name__}")


def _condition_data(comparison, adjusted: bool):
    """The client values to draw and the mean row of each condition (``{mean, ci_lower, ci_upper}``)."""
    _check_comparison(comparison)
    values = comparison.values
    if adjusted:
        ancova = getattr(comparison, "ancova", None)
        if not ancova or not ancova.get("adjusted_means"):
            if getattr(comparison, "baseline", None) is not None or getattr(comparison, "covariates", ()):
                why = "; ".join(n for n in comparison.notes if "ANCOVA" in n) or "see the comparison's notes"
                raise OptionError(f"condition_plot: adjusted=True, but the ANCOVA of this comparison could not be "
                                  f"estimated ({why}); use adjusted=False")
            raise OptionError("condition_plot: adjusted=True needs a comparison with an ANCOVA; pass baseline= (or "
                              "covariates=) to compare_conditions, or use adjusted=False")
        rows = {r["condition"]: {"mean": r.get("adjusted_mean"), "ci_lower": r.get("ci_lower"),
                                 "ci_upper": r.get("ci_upper")} for r in ancova["adjusted_means"]}
        column = "outcome" if "outcome" in values.columns else "value"
    else:
        rows = {r["condition"]: r for r in comparison.descriptives}
        column = "value"
    if len(values) and ("condition" not in values.columns or column not in values.columns):
        raise DataError(f"condition_plot: the comparison's values need the columns 'condition' and '{column}', "
                        f"found: {', '.join(map(str, values.columns))}")
    cond = np.asarray(values["condition"], dtype=object) if len(values) else np.array([], dtype=object)
    y = np.asarray(values[column], dtype=float) if len(values) else np.array([], dtype=float)
    return (cond, y), {c: rows.get(c, {}) for c in _ORDER}


def _draw_points(ax, values, jitter: float) -> None:
    """One hollow grey circle per client, spread horizontally around its condition (fixed seed)."""
    cond, y = values
    xs, ys = [], []
    for i, c in enumerate(_ORDER):
        yc = y[(cond == c) & np.isfinite(y)]
        rng = np.random.default_rng([_JITTER_SEED, i])
        xs.append(i + rng.uniform(-jitter, jitter, size=len(yc)))
        ys.append(yc)
    ax.scatter(np.concatenate(xs), np.concatenate(ys), s=16, marker="o", facecolors="none", edgecolors="0.45",
               linewidths=0.7, zorder=2, gid="clients", label="Client")


def _draw_means(ax, x, means, ci, label) -> None:
    """The means (black diamonds) and their intervals (where both bounds are finite)."""
    drawn = [i for i, m in enumerate(means) if math.isfinite(m)]
    ax.scatter(x[drawn], [means[i] for i in drawn], s=34, marker="D", color="black", zorder=4, gid="means",
               label=label)
    _draw_intervals(ax, x, ci, None)


def _draw_intervals(ax, x, ci, label) -> None:
    """Vertical interval lines with short caps (one LineCollection ``ci``, one ``ci-caps``)."""
    from matplotlib.collections import LineCollection

    segments, caps = [], []
    for xi, (lo, hi) in zip(x, ci):
        if math.isfinite(lo) and math.isfinite(hi):
            segments.append([(xi, lo), (xi, hi)])
            caps += [[(xi - 0.06, lo), (xi + 0.06, lo)], [(xi - 0.06, hi), (xi + 0.06, hi)]]
    ax.add_collection(LineCollection(segments, colors="black", linewidths=1.0, zorder=3, gid="ci", label=label))
    ax.add_collection(LineCollection(caps, colors="black", linewidths=1.0, zorder=3, gid="ci-caps"))
    ax.autoscale_view()


def _value_label(comparison, adjusted: bool) -> str:
    """What the y axis shows and which direction is better."""
    outcome, baseline = comparison.outcome, getattr(comparison, "baseline", None)
    if adjusted:
        terms = ([baseline] if baseline else []) + list(getattr(comparison, "covariates", ()) or ())
        text = f"{outcome}, adjusted for {', '.join(terms)}" if terms else f"{outcome} (ANCOVA)"
    elif comparison.analysed == "change" and baseline:
        text = f"Change, {outcome} \u2212 {baseline}"
    else:
        text = str(outcome)
    better = getattr(comparison, "higher_is_better", None)
    if better is None:
        return text
    return f"{text} ({'higher' if better else 'lower'} is better)"


def _dropout_tick(condition: str, row: dict) -> str:
    n = int(row.get("n") or 0)
    return f"{CONDITION_LABELS[condition]}\n{int(row.get('dropouts') or 0)} of {n}"
