"""``compare_conditions``: outcome (or change) and dropout compared across none / unrepaired / repaired."""

from __future__ import annotations

from .._checks import check_choice, check_level
from ..exceptions import OptionError
from ._data import CONDITIONS, client_data
from .ancova import ancova
from .contrasts import contrasts
from .dropout import dropout_analysis
from .omnibus import anova, descriptives, kruskal, omnibus_ready, welch
from .result import ConditionComparison

__all__ = ["compare_conditions"]


def _covariates(covariates) -> tuple:
    if isinstance(covariates, str):
        covariates = (covariates,)
    try:
        out = tuple(covariates)
    except TypeError:
        raise OptionError(f"covariates={covariates!r} must be a column name or a list of column names") from None
    if not all(isinstance(c, str) for c in out):
        raise OptionError(f"covariates={covariates!r} must be column names (strings)")
    return out


def _flag(higher_is_better):
    if higher_is_better is None or isinstance(higher_is_better, bool):
        return higher_is_better
    raise OptionError(f"higher_is_better={higher_is_better!r} must be True, False or None")


def _omnibus_notes(ready, res_anova, res_welch, res_kruskal, n) -> list[str]:
    if not ready:
        few = ", ".join(f"{c} (n = {n[c]})" for c in CONDITIONS if n[c] < 2)
        return [f"omnibus tests, Tukey and Games-Howell p-values not computed: fewer than two clients in {few}"]
    notes = []
    if res_anova is None:
        notes.append("ANOVA not computed: no variance within conditions")
    if res_welch is None:
        notes.append("Welch's ANOVA not computed: a condition has SD 0")
    if res_kruskal is None:
        notes.append("Kruskal-Wallis test not computed: all values are equal")
    return notes


def compare_conditions(clients, *, outcome, baseline=None, condition="condition", dropout=None, reference="none",
                       covariates=(), level=0.95, higher_is_better=None, study=None) -> ConditionComparison:
    r"""Compare clients without ruptures, with unrepaired and with repaired ruptures on an outcome and on dropout.

    Parameters
    ----------
    clients : pandas.DataFrame
        One row per client (:func:`ruptstats.sessions.client_conditions`): a ``condition`` column (``none`` /
        ``unrepaired`` / ``repaired``), outcome columns (e.g. ``post``, ``pre``), optionally ``dropout`` and
        ``study``.
    outcome : str
        The outcome column (numeric), e.g. ``"post"``.
    baseline : str, optional
        The baseline column, e.g. ``"pre"``. With it, descriptives, omnibus tests and contrasts analyse the change
        ``outcome - baseline`` and an ANCOVA ``outcome ~ baseline + covariates + condition`` is added.
    condition : str, default "condition"
        The condition column.
    dropout : str, optional
        A boolean (or 0/1) dropout column; adds the dropout analysis. Clients with a missing outcome still count
        here (dropouts often have no post score).
    reference : {"none", "unrepaired", "repaired"}, default "none"
        Reference condition of the ANCOVA coefficients and the dropout odds ratios.
    covariates : sequence of str, default ()
        Numeric client-level covariates for the ANCOVA (code categories as 0/1 columns). Clients with a missing
        covariate are left out of the ANCOVA only (with a note).
    level : float, default 0.95
        Confidence level (95 and 0.95 both mean 95 %).
    higher_is_better : bool, optional
        Direction of the outcome scale: ``False`` for OQ-45, PHQ-9, BDI-II; ``True`` for ORS, WAI-SR, SRS.
        Stored for :func:`~ruptstats.conditions.study_effects` and the text; no statistic depends on it.
    study : str, optional
        With a ``study`` column: the study whose clients are compared (required when the table holds several
        studies). Without one: the label of the result.

    Returns
    -------
    ConditionComparison
        Descriptives, ``anova`` (``eta2`` = SS_between / SS_total), ``welch``, ``kruskal``, ``ancova``, the three
        ``contrasts`` (``A_vs_B``: mean A minus mean B; Hedges' g with the exact J and a normal-approximation CI
        with metafor's SMD variance; Tukey, Games-Howell and Holm-adjusted Welch p-values), ``dropout``
        (proportions, chi-square or Fisher's exact test, Wald odds ratios against ``reference``) and ``notes``.
        Statistics that a condition's size does not allow (fewer than two clients) are ``None`` with a note.

    Raises
    ------
    DataError
        A missing column, a non-numeric outcome, baseline, covariate or dropout value, a condition outside the three
        (naming the 1-based row and the column), or several studies without ``study=``.
    OptionError
        ``reference`` not one of the three conditions, a bad ``level``, ``covariates`` or ``higher_is_better``.

    Notes
    -----
    Formulas and R equivalents are in the modules :mod:`~ruptstats.conditions.omnibus`,
    :mod:`~ruptstats.conditions.contrasts`, :mod:`~ruptstats.conditions.ancova` and
    :mod:`~ruptstats.conditions.dropout`; ``tests/reference/make_conditions_reference.R`` reproduces every value.

    References
    ----------
    Eubanks, C. F., Muran, J. C., & Safran, J. D. (2018). Alliance rupture repair: A meta-analysis.
    *Psychotherapy, 55*(4), 508-519.

    Examples
    --------
    >>> import pandas as pd
    >>> clients = pd.DataFrame({"condition": ["none"] * 3 + ["unrepaired"] * 3 + ["repaired"] * 3,
    ...                         "pre": [80., 82, 78, 85, 90, 88, 84, 86, 90],
    ...                         "post": [70., 75, 66, 84, 86, 85, 70, 72, 77]})
    >>> res = compare_conditions(clients, outcome="post", baseline="pre", higher_is_better=False)
    >>> res.analysed, res.n
    ('change', {'none': 3, 'unrepaired': 3, 'repaired': 3})
    >>> res.anova["f"], res.anova["df1"], res.anova["df2"]  # R: oneway.test(post - pre ~ condition, var.equal = TRUE)
    (31.0, 2, 6)
    """
    reference = check_choice("reference", reference, CONDITIONS)
    level = check_level(level)
    covariates = _covariates(covariates)
    higher_is_better = _flag(higher_is_better)
    data = client_data(clients, outcome=outcome, baseline=baseline, condition=condition, dropout=dropout,
                       covariates=covariates, study=study)
    table = data.table
    n = {c: int((table["condition"] == c).sum()) for c in CONDITIONS}
    notes = list(data.notes)
    ready = omnibus_ready(table)
    res_anova = anova(table) if ready else None
    res_welch = welch(table) if ready else None
    res_kruskal = kruskal(table) if ready else None
    notes += _omnibus_notes(ready, res_anova, res_welch, res_kruskal, n)
    rows = contrasts(table, level=level, ready=ready)
    for row in rows:
        if row["hedges_g"] is None:
            notes.append(f"{row['contrast']}: Hedges' g not computed (n = {row['n1']} and {row['n2']}; g needs at "
                         "least two clients per group and a non-zero SD)")
    res_ancova = None
    if baseline is not None or covariates:
        terms = (["baseline"] if baseline is not None else []) + [f"covariate:{c}" for c in covariates]
        sub = table.dropna(subset=terms)
        if len(sub) < len(table):
            notes.append(f"{len(table) - len(sub)} clients with a missing covariate left out of the ANCOVA")
        res_ancova, note = ancova(sub, terms=terms, reference=reference, level=level)
        if note:
            notes.append(note)
    res_dropout = None
    if dropout is not None:
        res_dropout, dnotes = dropout_analysis(data.dropout, reference=reference, level=level)
        notes += dnotes
    values = table[["condition", "value"] + (["outcome", "baseline"] if baseline is not None else [])].copy()
    return ConditionComparison(
        study=data.study, outcome=outcome, baseline=baseline, analysed="change" if baseline is not None else outcome,
        reference=reference, level=level, higher_is_better=higher_is_better, covariates=covariates, n=n,
        descriptives=tuple(descriptives(table, level)), anova=res_anova, welch=res_welch, kruskal=res_kruskal,
        ancova=res_ancova, contrasts=tuple(rows), dropout=res_dropout, notes=tuple(notes), values=values)
