"""The further analyses of ``python -m ruptstats.meta``: options, the run, and the result objects it returns.

- :func:`add_arguments` adds the options (moderators, publication bias, sensitivity, dependent effects);
- :func:`run_analyses` takes the fitted model, the study table and those options as keywords and returns
  :class:`Analyses`, one result object per analysis asked for (None for the others);
- :meth:`Analyses.sections` gives ``(json_key, result)`` in output order: the JSON section is
  ``result.to_dict()`` and the text is ``result.summary()``; figures take the result objects themselves.

JSON keys: ``meta_regression`` (``--moderator``), ``permutation_test`` (``--permutations``, of the
meta-regression with ``--moderator``, else of the pooled model), ``subgroups_common_tau2`` (``--common-tau2``
with ``--subgroup``), ``bias`` (``--bias``: :class:`PublicationBias`), ``leave_one_out`` and ``influence``
(``--sensitivity``), ``cumulative`` (``--cumulative COL``), ``three_level`` (``--cluster COL``), ``robust``
(``--robust`` with ``--cluster``), ``gosh`` (``--gosh PATH``: :class:`GoshTable`). The ``--subgroup`` result
(:attr:`Analyses.subgroups`) is merged into the top level of the JSON object by the meta command.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import DataError, OptionError, RuptstatsError
from ._common import non_negative_int

if TYPE_CHECKING:  # the result types, for readers and type checkers; imported lazily at run time
    from ..meta.bias import EggerResult, FailSafeN, PetPeeseResult, RankTestResult
    from ..meta.cluster_robust import RobustResult
    from ..meta.gosh_subsets import GoshResult
    from ..meta.multilevel import ThreeLevelResult
    from ..meta.permutation import PermutationResult
    from ..meta.regression import MetaRegressionResult
    from ..meta.results import MetaResult
    from ..meta.selection import SelectionModelResult
    from ..meta.sensitivity import CumulativeResult, InfluenceResult, LeaveOneOutResult
    from ..meta.subgroups import SubgroupResult
    from ..meta.subgroups_common import CommonTau2SubgroupResult
    from ..meta.trimfill import TrimFillResult

__all__ = ["Analyses", "AnalysisError", "GoshTable", "PublicationBias", "add_arguments", "run_analyses",
           "study_column"]


def add_arguments(parser) -> None:
    """Add the options for further analyses to ``parser``."""
    grp = parser.add_argument_group("moderators, publication bias, sensitivity, dependent effects")
    grp.add_argument("--moderator", metavar="COL", action="append", default=[],
                     help="meta-regression on COL (repeatable; text columns are categorical, first level the "
                          "reference); rows missing a moderator are left out of that model only")
    grp.add_argument("--categorical", metavar="COL", action="append", default=[],
                     help="treat the numeric moderator COL as categorical (repeatable)")
    grp.add_argument("--common-tau2", action="store_true",
                     help="with --subgroup: also fit the subgroups with one common tau^2 (meta-regression)")
    grp.add_argument("--bias", action="store_true",
                     help="Egger, rank correlation, trim-and-fill, fail-safe N, PET-PEESE, selection model")
    grp.add_argument("--sensitivity", action="store_true", help="leave-one-out and influence diagnostics")
    grp.add_argument("--cumulative", metavar="COL", help="cumulative meta-analysis ordered by COL (e.g. year)")
    grp.add_argument("--cluster", metavar="COL",
                     help="three-level model: effect sizes nested in the clusters of COL (REML)")
    grp.add_argument("--robust", action="store_true",
                     help="with --cluster: CR2 cluster-robust test with Satterthwaite df")
    grp.add_argument("--gosh", metavar="PATH", help="GOSH analysis; write the per-subset table to PATH (the "
                     "extension picks the format: .csv .tsv .txt .xlsx .json .parquet)")
    grp.add_argument("--permutations", metavar="N", type=int,
                     help="permutation test with N permutations (exact when all distinct ones are <= N)")
    grp.add_argument("--seed", metavar="N", type=non_negative_int, default=None,
                     help="seed for random permutations (required when they are random) and random GOSH subsets "
                          "(k > 16; default 20160101, reported)")


@dataclass(frozen=True)
class AnalysisError:
    """An analysis of the bias battery that could not run: JSON ``{"error": message}``, text
    ``label: message``."""

    label: str
    message: str

    def to_dict(self) -> dict:
        return {"error": self.message}

    def summary(self) -> str:
        return f"{self.label}: {self.message}"


@dataclass(frozen=True)
class PublicationBias:
    """``--bias``: six analyses of one model; each is its result object, or an :class:`AnalysisError` when
    it could not run (the others still report)."""

    egger: EggerResult | AnalysisError
    begg: RankTestResult | AnalysisError
    failsafe_n: FailSafeN | AnalysisError
    pet_peese: PetPeeseResult | AnalysisError
    trimfill: TrimFillResult | AnalysisError
    selection_model: SelectionModelResult | AnalysisError

    def parts(self) -> list:
        """``(json_key, result)`` in output order."""
        return [("egger", self.egger), ("begg", self.begg), ("failsafe_n", self.failsafe_n),
                ("pet_peese", self.pet_peese), ("trimfill", self.trimfill), ("selection_model", self.selection_model)]

    def to_dict(self) -> dict:
        """Each part's own ``to_dict()`` (trim-and-fill without its study rows)."""
        from ..meta.trimfill import TrimFillResult

        return {key: part.to_dict(include_studies=False) if isinstance(part, TrimFillResult) else part.to_dict()
                for key, part in self.parts()}

    def summary(self) -> str:
        return "\n\n".join(part.summary() for _, part in self.parts())


@dataclass(frozen=True)
class GoshTable:
    """``--gosh PATH``: the GOSH result, the CSV file its per-subset table was written to, and the model's
    own method when GOSH had to fit DL instead."""

    result: GoshResult
    path: str
    model_method: str

    def to_dict(self) -> dict:
        return dict(self.result.to_dict(), path=self.path)

    def summary(self) -> str:
        note = "" if self.result.method == self.model_method else f" (the model uses {self.model_method}; GOSH fits DL)"
        return self.result.summary() + note + f"\nPer-subset table written to {self.path}"


@dataclass(frozen=True)
class Analyses:
    """The results of one meta command line; None for an analysis not asked for."""

    model: MetaResult
    subgroups: SubgroupResult | None = None
    meta_regression: MetaRegressionResult | None = None
    permutation_test: PermutationResult | None = None
    subgroups_common_tau2: CommonTau2SubgroupResult | None = None
    bias: PublicationBias | None = None
    leave_one_out: LeaveOneOutResult | AnalysisError | None = None
    influence: InfluenceResult | AnalysisError | None = None
    cumulative: CumulativeResult | None = None
    three_level: ThreeLevelResult | None = None
    robust: RobustResult | None = None
    gosh: GoshTable | None = None

    def sections(self) -> list:
        """``(json_key, result)`` for each analysis run after the model and subgroups, in output order."""
        order = (("meta_regression", self.meta_regression), ("permutation_test", self.permutation_test),
                 ("subgroups_common_tau2", self.subgroups_common_tau2), ("bias", self.bias),
                 ("leave_one_out", self.leave_one_out), ("influence", self.influence),
                 ("cumulative", self.cumulative), ("three_level", self.three_level), ("robust", self.robust),
                 ("gosh", self.gosh))
        return [(key, result) for key, result in order if result is not None]


def study_column(inp, name: str, option: str, *, complete: bool = False):
    """The column ``name`` of the study table in ``inp`` (an EffectInput), one value per study.

    With ``complete=True`` an empty cell is a :class:`DataError` naming the file, the data row and the column.
    """
    from ..intake.study import find_column

    frame = inp.extra
    if frame is None:
        raise DataError(f"{option} {name}: the study table is not available")
    source = frame.attrs.get("source")
    column = find_column(frame, name, option=option, source=source)
    values = frame[column].reset_index(drop=True)
    if complete:
        from ..intake.cells import raise_first

        rows = inp.rows if inp.rows is not None else np.arange(1, len(values) + 1)
        raise_first(values.isna().to_numpy(), f"empty cell: {option} needs a value for every study used",
                    column=column, source=source, rows=rows)
    return values


def run_analyses(model, inp, *, subgroup=None, moderators=(), categorical=(), permutations=None, seed=None,
                 common_tau2=False, bias=False, sensitivity=False, cumulative=None, cluster=None, robust=False,
                 gosh=None, regtest_model="lm") -> Analyses:
    """Run the analyses asked for on ``model`` (a MetaResult) and ``inp`` (its EffectInput).

    The keywords are the command's options (``--subgroup COL``, ``--moderator COL`` ..., ``--gosh PATH``).
    Raises :class:`~ruptstats.exceptions.OptionError` for options that need another one.
    """
    if robust and not cluster:
        raise OptionError("--robust needs --cluster COL (the clusters of the three-level model)")
    if common_tau2 and not subgroup:
        raise OptionError("--common-tau2 needs --subgroup COL")
    if permutations is not None and permutations < 2:
        raise OptionError(f"--permutations {permutations}: give at least 2")
    twice = [m for m in dict.fromkeys(moderators) if list(moderators).count(m) > 1]
    if twice:
        raise OptionError(f"--moderator {twice[0]} is given more than once; give each moderator once")
    stray = [c for c in dict.fromkeys(categorical) if c not in moderators]
    if stray:
        raise OptionError(f"--categorical {stray[0]}: '{stray[0]}' is not a --moderator; give --moderator "
                          f"{stray[0]} as well")
    found: dict = {}
    if subgroup:
        from ..meta.subgroups import subgroup_analysis

        with _naming_column(inp, subgroup):
            found["subgroups"] = subgroup_analysis(model, study_column(inp, subgroup, "--subgroup"), name=subgroup)
    if moderators:
        found["meta_regression"] = _meta_regression(model, inp, moderators, categorical)
    if permutations is not None:
        from ..meta.permutation import permutation_test

        tested = found.get("meta_regression", model)
        found["permutation_test"] = permutation_test(tested, iterations=permutations, seed=seed)
    if common_tau2:
        from ..meta.subgroups import subgroup_analysis

        with _naming_column(inp, subgroup):
            found["subgroups_common_tau2"] = subgroup_analysis(model, study_column(inp, subgroup, "--subgroup"),
                                                               tau2_model="common", name=subgroup)
    if bias:
        found["bias"] = publication_bias(model, regtest_model=regtest_model)
    if sensitivity:
        from ..meta.sensitivity import influence, leave_one_out

        found["leave_one_out"] = _computable("leave-one-out", leave_one_out, model)
        found["influence"] = _computable("influence", influence, model)
    if cumulative:
        from ..meta.sensitivity import cumulative as cumulative_analysis

        order = study_column(inp, cumulative, "--cumulative", complete=True)
        numbers = _refuse_stray_text(inp, order, "--cumulative")
        found["cumulative"] = cumulative_analysis(model, order if numbers is None else numbers)
    if cluster:
        from ..meta.multilevel import three_level

        with _naming_column(inp, cluster):
            found["three_level"] = three_level(model, study_column(inp, cluster, "--cluster", complete=True))
        if robust:
            from ..meta.cluster_robust import robust as robust_test

            found["robust"] = robust_test(found["three_level"])
    if gosh:
        found["gosh"] = _gosh(model, gosh, seed)
    return Analyses(model=model, **found)


def _meta_regression(model, inp, moderators, categorical):
    import pandas as pd

    from ..meta.regression import meta_regression

    frame = inp.extra.reset_index(drop=True) if inp.extra is not None else None
    from ..intake.cells import check_rule

    for name in moderators:
        values = study_column(inp, name, "--moderator")
        if name not in categorical and pd.api.types.is_datetime64_any_dtype(values.dtype):
            # as numbers, dates are nanoseconds since 1970 (about 1e18): a model matrix that looks rank-deficient
            raise DataError(f"holds dates; --moderator {name} expects numbers (such as the year) or, with "
                            f"--categorical {name}, categories", source=frame.attrs.get("source"), column=name)
        if name not in categorical:
            _refuse_stray_text(inp, values, "--moderator", hint=f" (for categories give --categorical {name})")
        if _is_numeric(values) and name not in categorical:  # inf is a bad cell, not a rank problem
            rows = inp.rows if inp.rows is not None else np.arange(1, len(values) + 1)
            check_rule(values.to_numpy(dtype=float), "any", column=name, source=frame.attrs.get("source"),
                       rows=rows)
    try:
        return meta_regression(model, frame[list(moderators)], categorical=tuple(categorical))
    except DataError as exc:
        if exc.column is not None:
            if exc.source is not None:
                raise
            raise DataError(exc.message, source=frame.attrs.get("source"), row=exc.row, column=exc.column) from None
        named = ", ".join(f"'{m}'" for m in moderators)
        raise DataError(f"--moderator {named}: {exc.message}", source=exc.source or frame.attrs.get("source"),
                        row=exc.row) from None


@contextlib.contextmanager
def _naming_column(inp, column: str):
    """Within the block, a DataError of the analysis of ``column`` that names no column (nor file) is raised
    again naming the column and the file of the study table."""
    try:
        yield
    except DataError as exc:
        if exc.column is not None:
            raise
        source = exc.source or (inp.extra.attrs.get("source") if inp.extra is not None else None)
        raise DataError(exc.message, source=source, row=exc.row, column=column) from None


def _refuse_stray_text(inp, values, option: str, hint: str = ""):
    """A DataError naming the first text cell of a column of numbers read as text (``1, 10, n.d., 9``): as
    categories or sort keys its numbers would be compared as text (10 before 9), a silently wrong model.

    Returns the column as floats when it is text holding only numbers (a label column read as text), else None.
    """
    import pandas as pd

    if _is_numeric(values) or pd.api.types.is_bool_dtype(values.dtype):
        return None
    text = values.astype("string").str.strip()
    number = pd.to_numeric(text.mask(text == ""), errors="coerce").notna().to_numpy(dtype=bool)
    if not number.any():  # labels only: categories as the help says
        return None
    from ..intake.cells import to_numbers

    rows = inp.rows if inp.rows is not None else np.arange(1, len(values) + 1)
    try:
        return to_numbers(values, column=str(values.name), source=inp.extra.attrs.get("source"), rows=rows)
    except DataError as exc:
        raise DataError(f"{exc.message}: {option} {values.name} holds numbers in other rows{hint}",
                        source=exc.source, row=exc.row, column=exc.column) from None


def _is_numeric(values) -> bool:
    """True for a numeric (not true/false) column."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)


def _attempt(label: str, fn, model):
    """Run one bias analysis; a domain error becomes an :class:`AnalysisError` so the others still report."""
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(model)
    except RuptstatsError as exc:
        return AnalysisError(label, str(exc))
    except (np.linalg.LinAlgError, ArithmeticError) as exc:
        return AnalysisError(label, f"not computable on these data: {_breakdown(exc)}")


def _breakdown(exc: BaseException) -> str:
    """In words: why the arithmetic of an analysis broke down."""
    what = ("a matrix is singular" if isinstance(exc, np.linalg.LinAlgError)
            else "a quantity divides by zero" if isinstance(exc, ZeroDivisionError) else "a value overflows")
    return f"{what} (e.g. every effect size, or every variance, is the same)"


def _computable(label: str, fn, model):
    """``fn(model)``; where the arithmetic breaks down (a singular covariance matrix when every effect is the
    same under Knapp-Hartung, say) an :class:`AnalysisError` saying so, and the other analyses still report."""
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(model)
    except (np.linalg.LinAlgError, ArithmeticError) as exc:
        return AnalysisError(label, f"not computable on these data: {_breakdown(exc)}")


def publication_bias(model, *, regtest_model="lm") -> PublicationBias:
    """Egger's test (``regtest_model="lm"``: :func:`~ruptstats.meta.bias.egger_test`; ``"rma"``: metafor's
    default mixed-effects ``regtest``), the rank correlation test, fail-safe N, PET-PEESE, trim-and-fill (L0)
    and the step-function selection model of ``model``."""
    from functools import partial

    from ..meta.bias import egger_test, fail_safe_n, pet_peese, rank_test, regtest
    from ..meta.selection import selection_model
    from ..meta.trimfill import trim_and_fill

    egger = egger_test if regtest_model == "lm" else partial(regtest, model="rma", predictor="sei")
    return PublicationBias(
        egger=_attempt("egger", egger, model), begg=_attempt("begg", rank_test, model),
        failsafe_n=_attempt("failsafe_n", fail_safe_n, model), pet_peese=_attempt("pet_peese", pet_peese, model),
        trimfill=_attempt("trim-and-fill", trim_and_fill, model),
        selection_model=_attempt("selection model", selection_model, model))


def _gosh(model, path, seed) -> GoshTable:
    from ..meta.gosh_subsets import gosh

    method = model.method if model.method in ("FE", "DL") else "DL"
    result = gosh(model, seed=seed, method=method)
    from ._common import write_table

    try:
        write_table(result.summary_frame(), path)
    except OSError as exc:
        raise DataError(f"cannot write the GOSH table to '{path}': {exc.strerror or exc}") from None
    return GoshTable(result=result, path=str(path), model_method=model.method)
