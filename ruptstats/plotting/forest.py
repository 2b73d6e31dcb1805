"""Forest plots of a meta-analysis, its subgroups, or a plain table of estimates."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..exceptions import DataError
from ._common import as_frame, check_layout, interval_text, level_text, number_text, require_columns, scale_for
from ._rows import Layout, Row, draw_rows
from .style import publication_style

__all__ = ["forest_plot"]


def forest_plot(data, *, back_transform: bool = True, prediction: bool = True, heterogeneity: bool = True,
                weights: bool = True, measure=None, log_scale=None, level: float = 0.95, xlim=None,
                xlabel=None, title=None, label_header: str = "Study", digits: int = 2,
                row_height: float = 0.2, panel_width: float = 2.6):
    r"""Forest plot: one row per study, the pooled diamond, the prediction interval and (optionally) subgroups.

    Parameters
    ----------
    data : MetaResult, SubgroupResult or pandas.DataFrame
        A pooled result (its ``summary_frame()`` is drawn; studies a trim-and-fill result flags in
        ``is_filled`` are hollow squares); a :class:`~ruptstats.meta.SubgroupResult` (one
        block per subgroup with its own diamond and heterogeneity, then the overall model and the test of
        subgroup differences); or a table with columns ``study`` (``label`` is deprecated), ``estimate``,
        ``ci_lower``, ``ci_upper`` and optionally ``weight`` (percent; squares are sized by it), ``kind`` (``"study"`` or
        ``"pooled"``: pooled rows are drawn as diamonds) and ``pi_lower, pi_upper`` (on pooled rows).
    back_transform : bool, default True
        Draw results on the reported scale: r for Fisher's z (``ZCOR``), odds/risk ratios for log ratios
        (on a logarithmic axis). For a table, only applies when ``measure`` is given.
    prediction : bool, default True
        Draw the prediction interval of the (overall) pooled model as a bar below its diamond (random-effects
        models with k >= 2).
    heterogeneity : bool, default True
        Write Q, its p-value, I² and τ² under each pooled diamond (results only).
    weights : bool, default True
        Show the weight column (percent of the model's total weight; for a SubgroupResult, of the overall
        model's, so that squares and weights compare across subgroups).
    measure : str, optional
        For a table: the measure its numbers are on (e.g. ``"ZCOR"``), to label and back-transform the axis.
    log_scale : bool, optional
        Logarithmic x axis; default: for ratio measures (OR, RR, ROM) on the reported scale.
    level : float, default 0.95
        For a table: the confidence level named in the column header (results carry their own).
    xlim : (float, float), optional
        Axis limits on the drawn scale; default: all intervals and the null value.
    xlabel, title : str, optional
        Axis title (default from the measure, e.g. "Correlation (r)") and figure title.
    label_header : str, default "Study"
        Header of the label column.
    digits : int, default 2
        Decimals of the numbers written in the estimate column.
    row_height, panel_width : float
        Inches per row (the figure height grows with the number of rows) and width of the interval panel.

    Returns
    -------
    matplotlib.figure.Figure
        A figure sized to its content; save it with :func:`ruptstats.plotting.save_figure`.

    Raises
    ------
    DataError
        A table without the needed columns or rows.
    OptionError
        ``digits`` not a whole number in [0, 10], ``row_height`` or ``panel_width`` not positive.

    Notes
    -----
    Squares have areas proportional to the study weights; intervals are those of the result
    (:math:`y_i \pm z_{1-\alpha/2}\sqrt{v_i}` for studies, as metafor draws them). Nothing is estimated here.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from ruptstats.meta import rma
    >>> res = rma([0.10, 0.30, 0.35], [0.010, 0.020, 0.015], study=["A", "B", "C"])
    >>> fig = forest_plot(res)
    >>> len(fig.axes[0].collections[1].get_offsets())  # one square per study
    3
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from ..meta.results import MetaResult
    from ..meta.subgroups import SubgroupResult

    digits, row_height, panel_width = check_layout(digits, row_height, panel_width)
    with publication_style():
        if isinstance(data, SubgroupResult):
            overall = data.overall
            scale = scale_for(overall.measure, back_transform=back_transform, transform_values=False,
                              log_scale=log_scale, xlabel=xlabel)
            rows = _subgroup_rows(data, scale, back_transform, prediction, heterogeneity, digits)
            level = overall.level
        elif isinstance(data, MetaResult):
            scale = scale_for(data.measure, back_transform=back_transform, transform_values=False,
                              log_scale=log_scale, xlabel=xlabel)
            rows = _result_rows(data, scale, back_transform, prediction, heterogeneity, digits)
            level = data.level
        else:
            frame = as_frame(data, "forest_plot")
            scale = scale_for(measure, back_transform=back_transform, transform_values=True,
                              log_scale=log_scale, xlabel=xlabel)
            rows = _table_rows(frame, scale, prediction, level, digits)
        if not weights:
            for r in rows:
                r.values = r.values[:1]
        has_weight = weights and any(len(r.values) > 1 and r.values[1] for r in rows)
        headers = (f"{scale.column} [{level_text(level)} CI]",) + (("Weight",) if has_weight else ())
        layout = Layout(row_height=row_height, panel_width=panel_width, headers=headers,
                        label_header=label_header)
        return draw_rows(rows, scale, layout, xlim=xlim, title=title)


def _weight_text(w) -> str:
    return f"{number_text(w, None, 1)}%" if w is not None and math.isfinite(float(w)) else ""


def _study_rows(frame, scale, digits, indent=0, filled=None) -> list:
    """Rows for the ``kind == "study"`` rows of a summary frame (already on the drawn scale).

    ``filled`` flags studies filled in by trim and fill (drawn as hollow squares).
    """
    study = frame[frame["kind"] == "study"]
    filled = np.zeros(len(study), dtype=bool) if filled is None else np.asarray(filled, dtype=bool)
    rows = []
    for r, hollow in zip(study.itertuples(index=False), filled):
        rows.append(Row("study", str(r.study), r.estimate, r.ci_lower, r.ci_upper, r.weight,
                        values=(interval_text(r.estimate, r.ci_lower, r.ci_upper, scale, digits),
                                _weight_text(r.weight)), indent=indent, hollow=bool(hollow)))
    return rows


def _pooled_rows(res, label, scale, back_transform, prediction, heterogeneity, digits, *, indent=0,
                 subgroup=False) -> list:
    """Diamond, prediction interval and heterogeneity note of one pooled model."""
    frame = res.summary_frame(back_transform=back_transform)
    p = frame[frame["kind"] == "pooled"].iloc[0]
    rows = [Row("diamond", label, p.estimate, p.ci_lower, p.ci_upper,
                values=(interval_text(p.estimate, p.ci_lower, p.ci_upper, scale, digits),
                        "" if subgroup else _weight_text(100.0)),
                indent=indent, subgroup=subgroup, bold=not subgroup)]
    if prediction and not subgroup and res.method != "FE" and res.k > 1:
        rows.append(Row("pi", f"{level_text(res.level)} prediction interval", math.nan, p.pi_lower,
                        p.pi_upper, values=(interval_text(None, p.pi_lower, p.pi_upper, scale, digits),),
                        indent=indent))
    if heterogeneity and res.k > 1 and res.q is not None:
        rows.append(Row("note", _heterogeneity_text(res), indent=indent))
    return rows


def _heterogeneity_text(res) -> str:
    from ..report import apa_p

    text = (f"Heterogeneity: Q({res.q_df}) = {number_text(res.q)}, {apa_p(res.q_p)}; "
            f"I\u00b2 = {number_text(res.i2, None, 1)}%")
    if res.method != "FE" and res.tau2 is not None:
        text += f"; \u03c4\u00b2 = {number_text(res.tau2, None, 3)}"
    return text


def _model_name(res) -> str:
    return "Common-effect model" if res.method == "FE" else "Random-effects model"


def _result_rows(res, scale, back_transform, prediction, heterogeneity, digits) -> list:
    frame = res.summary_frame(back_transform=back_transform)
    rows = _study_rows(frame, scale, digits, filled=getattr(res, "is_filled", None))
    return rows + _pooled_rows(res, _model_name(res), scale, back_transform, prediction, heterogeneity, digits)


def _subgroup_rows(sg, scale, back_transform, prediction, heterogeneity, digits) -> list:
    from ..report import apa_p

    overall = sg.overall
    # weights of the overall model, so that squares and the weight column compare across subgroups
    pool: dict = {}
    for key, w in zip(zip(overall.study, overall.yi, overall.vi), overall.weight):
        pool.setdefault(key, []).append(w)
    rows = []
    for level, res in sg.subgroups.items():
        rows.append(Row("heading", f"{sg.variable}: {level}"))
        frame = res.summary_frame(back_transform=back_transform)
        weights = [pool[key].pop(0) for key in zip(res.study, res.yi, res.vi)]
        frame.loc[frame["kind"] == "study", "weight"] = weights
        rows += _study_rows(frame, scale, digits, indent=1)
        rows += _pooled_rows(res, f"Subtotal (k = {res.k})", scale, back_transform, False, heterogeneity,
                             digits, indent=1, subgroup=True)
        rows.append(Row("blank"))
    rows += _pooled_rows(overall, f"{_model_name(overall)}, all studies (k = {overall.k})", scale,
                         back_transform, prediction, heterogeneity, digits)
    rows.append(Row("note", f"Test for subgroup differences: Q({sg.df}) = {number_text(sg.q)}, {apa_p(sg.p)}"))
    return rows


def _table_rows(frame, scale, prediction, level, digits) -> list:
    frame = frame.copy()
    if "study" not in frame.columns and "label" in frame.columns:
        warnings.warn("forest_plot: the table column 'label' is deprecated; name it 'study' (as summary_frame() "
                      "and to_dict() do)", DeprecationWarning, stacklevel=3)
        frame = frame.rename(columns={"label": "study"})
    require_columns(frame, ("study", "estimate", "ci_lower", "ci_upper"), "forest_plot")
    for col in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
        if col in frame.columns:
            frame[col] = scale.apply(frame[col].to_numpy(dtype=float))
    kinds = frame["kind"].astype(str).to_numpy() if "kind" in frame.columns else np.full(len(frame), "study")
    bad = sorted(set(kinds) - {"study", "pooled"})
    if bad:
        raise DataError(f"forest_plot: column 'kind' must hold 'study' or 'pooled', got {bad}")
    weight = frame["weight"].to_numpy(dtype=float) if "weight" in frame.columns else np.full(len(frame), np.nan)
    rows = []
    for i, r in enumerate(frame.itertuples(index=False)):
        ci = interval_text(r.estimate, r.ci_lower, r.ci_upper, scale, digits)
        if kinds[i] == "study":
            rows.append(Row("study", str(r.study), r.estimate, r.ci_lower, r.ci_upper, weight[i],
                            values=(ci, _weight_text(weight[i]))))
            continue
        rows.append(Row("diamond", str(r.study), r.estimate, r.ci_lower, r.ci_upper,
                        values=(ci, _weight_text(weight[i])), bold=True))
        pi = (getattr(r, "pi_lower", math.nan), getattr(r, "pi_upper", math.nan))
        if prediction and all(math.isfinite(v) for v in pi):
            rows.append(Row("pi", f"{level_text(level)} prediction interval", math.nan, pi[0], pi[1],
                            values=(interval_text(None, pi[0], pi[1], scale, digits),)))
    return rows
