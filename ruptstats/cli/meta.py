"""``python -m ruptstats.meta [TABLE] [options]`` (also the ``ruptstats-meta`` script): pool a study table.

The path of one run, each step a function taking what it needs and returning its result:

1. :func:`~ruptstats.cli._common.read_input_table` (or the bundled example without TABLE);
2. effect sizes: :func:`~ruptstats.cli.effects_options.effects_from_args` (``--measure``/``--convert-to``),
   then :func:`ruptstats.intake.study.effects_from_table` (``yi``, ``vi``, study labels, excluded rows);
3. the model: :func:`ruptstats.meta.rma` (``--method``, ``--test``, ``--level``);
4. further analyses: :func:`~ruptstats.cli.meta_analyses.run_analyses` returns an
   :class:`~ruptstats.cli.meta_analyses.Analyses` of result objects;
5. figures (``--forest``, ``--funnel``) drawn from those result objects;
6. output: each result's ``summary()`` (text, markdown) or ``to_dict()`` (JSON); ``--format csv`` is the
   model's ``summary_frame()``.

Domain errors become one line on stderr and exit status 2 (:func:`~ruptstats.cli._common.run_command`);
argparse's own usage errors also exit with 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from ..exceptions import DataWarning
from . import _common

__all__ = ["PROG", "build_parser", "main", "meta_figures"]

PROG = "python -m ruptstats.meta"

_TABLE_METHODS = ("MH", "PETO")  # pooling of 2x2 tables (rma.mh, rma.peto): see _run_tables

_FIGURES = {
    "forest": "write a forest plot to PATH (.png, .pdf or .svg); with --subgroup, one block per subgroup",
    "funnel": "write a contour-enhanced funnel plot to PATH (.png, .pdf or .svg); with --bias it shows the "
              "trim-and-fill studies (hollow) and the Egger regression line",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m ruptstats.meta``."""
    from ..meta.estimators import TAU2_METHODS
    from . import effects_options, meta_analyses

    parser = _common.ArgumentParser(
        prog=PROG,
        description="Random-effects meta-analysis of a study table, with the same numbers as R's metafor. "
                    "Without TABLE, the bundled synthetic example of 11 rupture-repair studies is analysed.",
        epilog="Example: python -m ruptstats.meta studies.csv --r r --n n --study study --format json")
    parser.add_argument("table", nargs="?", metavar="TABLE",
                        help="study table: .csv .tsv .txt .xlsx .parquet .json .sav .dta")
    cols = parser.add_argument_group("columns")
    cols.add_argument("--r", metavar="COL", help="correlations (default: a column named r or ri)")
    cols.add_argument("--n", metavar="COL", help="sample sizes (default: a column named n or ni)")
    cols.add_argument("--yi", metavar="COL", help="effect sizes on the analysis scale (default column: yi)")
    cols.add_argument("--vi", metavar="COL", help="sampling variances (default column: vi)")
    cols.add_argument("--sei", metavar="COL", help="standard errors instead of --vi")
    cols.add_argument("--study", metavar="COL", help="study labels (default: a column named study, author, ...)")
    cols.add_argument("--drop-missing", action="store_true",
                      help="exclude rows with an empty cell in a used column and report them (default: error)")
    model = parser.add_argument_group("model")
    model.add_argument("--method", default="REML", type=str.upper, choices=TAU2_METHODS + _TABLE_METHODS,
                       help="tau^2 estimator, FE for a common-effect model (default: REML); MH or PETO pool "
                            "2x2 tables (--ai --bi --ci --di) by Mantel-Haenszel (--measure OR, RR, RD) or Peto")
    model.add_argument("--test", default="z", choices=("z", "knha"),
                       help="z tests, or Knapp-Hartung t tests with k - 1 df (default: z)")
    model.add_argument("--level", default=95.0, type=_common.finite_number,
                       help="confidence level in percent (default: 95)")
    model.add_argument("--subgroup", metavar="COL", help="fit one model per level of COL and test differences")
    model.add_argument("--regtest-model", default="lm", choices=("lm", "rma"),
                       help="with --bias: Egger's test as weighted regression with multiplicative dispersion "
                            "(lm, the default) or metafor's default mixed-effects meta-regression on the SE (rma)")
    out = _common.add_output_arguments(parser)
    out.add_argument("--write-effects", metavar="PATH",
                     help="write the table with yi, vi (and the conversion used) to PATH; the extension picks the "
                          "format (.csv .tsv .txt .xlsx .json .parquet)")
    effects_options.add_arguments(parser)
    meta_analyses.add_arguments(parser)
    _common.add_figure_arguments(parser, _FIGURES)
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status (0 success, 2 bad input or options)."""
    args = build_parser().parse_args(argv)
    return _common.run_command(PROG, lambda: _run(args))


def _run(args) -> int:
    from ..intake.cells import strip_labels
    from ..meta.model import rma
    from .meta_analyses import run_analyses

    _common.check_distinct_paths(args.table, {"--output": args.output, "--write-effects": args.write_effects,
                                              "--gosh": args.gosh, "--forest": args.forest, "--funnel": args.funnel})
    if args.write_effects:
        _common.check_table_path(args.write_effects, "--write-effects")
    if args.gosh:
        _common.check_table_path(args.gosh, "--gosh")
    table, example = _read(args)
    table, stripped = strip_labels(table)
    if args.method in _TABLE_METHODS:
        return _run_tables(table, example, args)
    inp, excluded = _effects(table, args)
    _check_squared_se(inp, args)
    for row, reason in excluded:
        print(f"{PROG}: excluded data row {row} ({reason})", file=sys.stderr)
    model = _fit(rma, inp, args)
    notes = [f"excluded data row {row} ({reason})" for row, reason in excluded]
    notes += [f"column '{col}': surrounding white space removed from {n} value(s)" for col, n in stripped.items()]
    notes += _unused_effect_columns(table, inp, args)
    notes += _non_finite_notes(model)
    if notes:
        model = _with_notes(model, tuple(notes))
    if args.write_effects:
        _common.write_table(_effects_table(inp), args.write_effects)
    analyses = run_analyses(
        model, inp, subgroup=args.subgroup, moderators=args.moderator, categorical=args.categorical,
        permutations=args.permutations, seed=args.seed, common_tau2=args.common_tau2, bias=args.bias,
        sensitivity=args.sensitivity, cumulative=args.cumulative, cluster=args.cluster, robust=args.robust,
        gosh=args.gosh, regtest_model=args.regtest_model)
    _common.save_figures(meta_figures(analyses, forest=args.forest, funnel=args.funnel), dpi=args.dpi)
    text = _common.render_output(
        args.format, text=lambda: _text(analyses), payload=lambda: _payload(analyses, example, excluded),
        csv=lambda: model.summary_frame().to_csv(index=False), markdown=lambda: _markdown(analyses))
    _common.write_output(text, args.output)
    return 0


# --- --method MH / PETO: Mantel-Haenszel and Peto pooling of 2x2 tables (issue 11) --------------------------------

_NOT_WITH_TABLES = ("subgroup", "moderator", "bias", "sensitivity", "cumulative", "cluster", "gosh", "permutations",
                    "forest", "funnel", "write_effects", "convert_to", "yi", "vi", "sei", "r")


def _run_tables(table, example, args) -> int:
    """``--method MH`` or ``--method PETO``: pool the 2×2 tables of the table's rows and write the result."""
    from ..exceptions import DataError, OptionError
    from ..meta.mantel_haenszel import rma_mh
    from ..meta.peto import rma_peto
    from .effects_options import table_cells

    for dest in _NOT_WITH_TABLES:
        if getattr(args, dest, None):
            raise OptionError(f"--{dest.replace('_', '-')} is not available with --method {args.method}")
    if args.test != "z":
        raise OptionError(f"--method {args.method} uses z tests; --test {args.test} does not apply")
    measure = args.measure or "OR"
    allowed = ("OR", "RR", "RD") if args.method == "MH" else ("OR",)
    if measure not in allowed:
        raise OptionError(f"--method {args.method} pools {', '.join(allowed)}; got --measure {measure}")
    cells = table_cells(table, args)
    options = {"add": 0.5 if args.add is None else args.add, "to": args.to or "only0",
               "drop00": True if args.drop00 is None else args.drop00, "level": args.level,
               "missing": "drop" if args.drop_missing else "error", "study": _table_study(table, args)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # dropped rows are in the result's notes
        try:
            if args.method == "MH":
                result = rma_mh(table, measure=measure, **cells, **options)
            else:
                result = rma_peto(table, **cells, **options)
        except DataError as exc:  # "no table has a*d > 0" is about the file's tables: name it
            source = table.attrs.get("source")
            raise (exc.with_source(source) if source else exc) from None

    def payload():
        out = result.to_dict()
        if example is not None:
            out["example"] = example
        return out

    text = _common.render_output(args.format, text=lambda: result.summary() + "\n", payload=payload,
                                 csv=lambda: result.summary_frame().to_csv(index=False),
                                 markdown=lambda: "```\n" + result.summary() + "\n```\n")
    _common.write_output(text, args.output)
    return 0


def _table_study(table, args):
    from ..intake.study import STUDY_COLUMNS

    if args.study:
        return args.study
    return next((c for c in STUDY_COLUMNS if c in table.columns), None)


def _fit(rma, inp, args):
    """The pooled model; arithmetic that breaks down on extreme values becomes a DataError naming the cause."""
    import numpy as np

    from ..exceptions import DataError

    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return rma(inp.yi, inp.vi, study=inp.study, ni=inp.ni, measure=inp.measure, method=args.method,
                       test=args.test, level=args.level)
    except DataError as exc:  # rma counts rows of its input: give the file's row, and the file
        row = int(inp.rows[exc.row - 1]) if exc.row is not None and inp.rows is not None else exc.row
        raise DataError(exc.message, source=exc.source or (inp.extra.attrs.get("source") if inp.extra is not None
                                                            else None), row=row, column=exc.column) from None
    except (np.linalg.LinAlgError, ArithmeticError) as exc:
        big = float(np.max(np.abs(inp.yi) / np.sqrt(inp.vi)))
        low, high = float(np.min(inp.vi)), float(np.max(inp.vi))
        if high > 1e100 or low < 1e-100:  # the weights 1/vi (and their squares) overflow or underflow
            why = (f"the sampling variances range from {low:.3g} to {high:.3g}: variances this extreme under- or "
                   "overflow double precision (rescale the effect sizes and their variances)")
        else:
            why = (f"the largest |yi|/sqrt(vi) is {big:.3g}: values this extreme overflow double precision "
                   "(rescale the effect sizes)")
        raise DataError(f"the {args.method} model could not be fitted ({type(exc).__name__}: {exc}); {why}",
                        source=inp.extra.attrs.get("source") if inp.extra is not None else None) from None


def _read(args):
    """The input table and the example notice (None when TABLE was given)."""
    if args.table is not None:
        from ..intake.study import STUDY_COLUMNS

        labels = [args.study] if args.study else list(STUDY_COLUMNS)
        return _common.read_input_table(args.table, text=labels), None
    from ..meta.example import EXAMPLE_NOTICE, load_example

    print(EXAMPLE_NOTICE, file=sys.stdout if args.format == "text" and not args.output else sys.stderr)
    return load_example(), EXAMPLE_NOTICE


def _effects(table, args):
    """The EffectInput of the table and the excluded ``(data row, reason)`` pairs, sorted."""
    from ..intake.study import effects_from_table
    from .effects_options import effects_from_args

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # exclusions are reported by the caller, one line each
        computed = effects_from_args(table, args)
    if computed is None:
        inp = effects_from_table(table, yi=args.yi, vi=args.vi, sei=args.sei, r=args.r, n=args.n,
                                 study=args.study, missing="drop" if args.drop_missing else "error")
        return inp, sorted(inp.excluded)
    computed.attrs["source"] = table.attrs.get("source")
    dropped = [(int(row), "empty cell") for row in computed.attrs.get("dropped_rows", [])]
    if args.drop00:  # escalc left yi/vi empty for these tables on the user's request: excluded and listed
        zero = computed["yi"].isna().to_numpy()
        dropped += [(int(i) + 1, "no events, or only events, in both groups (--drop00)")
                    for i in computed.index[zero]]
        attrs = dict(computed.attrs)
        computed = computed[~zero]
        computed.attrs = attrs
    computed, undefined = _undefined_effects(computed, args)
    dropped += undefined
    inp = effects_from_table(computed, yi="yi", vi="vi", study=args.study, measure=computed.attrs.get("measure"),
                             n=args.n, missing="drop" if args.drop_missing else "error", row_numbers=computed.index.to_numpy() + 1)
    return inp, sorted(dropped + list(inp.excluded))


def _check_squared_se(inp, args) -> None:
    """``--sei``: a standard error whose square is 0 or infinite in double precision (below about 1e-162, above
    about 1e154) is a DataError naming its row and column (rma would blame a column 'vi' the file lacks)."""
    import numpy as np

    from ..exceptions import DataError

    if not args.sei:
        return
    vi = np.asarray(inp.vi, dtype=float)
    bad = np.flatnonzero(~np.isfinite(vi) | (vi == 0))
    if bad.size:
        i = int(bad[0])
        se = inp.extra[args.sei].iloc[i] if inp.extra is not None and args.sei in inp.extra.columns else None
        shown = f"a standard error of {float(se):g}" if se is not None else "the standard error"
        source = inp.extra.attrs.get("source") if inp.extra is not None else None
        raise DataError(f"{shown} squares to {'infinity' if vi[i] else 0} in double precision, not a usable "
                        "sampling variance; expected a standard error from 1e-150 to 1e150 (rescale the effect "
                        "sizes and their standard errors)", source=source,
                        row=int(inp.rows[i]) if inp.rows is not None else i + 1, column=args.sei)


def _undefined_effects(computed, args):
    """``computed`` (the escalc table) without the rows whose yi or vi is not finite though every cell used
    is filled (a zero cell with ``--to none`` or ``--add 0``, an overflowing ``--add``), and those rows as
    ``(data row, reason)``; without ``--drop-missing`` the first of them is a DataError naming it."""
    import numpy as np

    from ..exceptions import DataError

    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(computed["yi"].to_numpy(dtype=float)) & np.isfinite(computed["vi"].to_numpy(dtype=float)))
    if not bad.any():
        return computed, []
    measure = computed.attrs.get("measure") or args.measure or args.convert_to
    used = str(computed["conversion"].iloc[0]) if "conversion" in computed.columns else ""
    cells = used.split(" from ", 1)[1].split(";")[0] if " from " in used else "its cells"
    reason = f"the {measure} effect size cannot be computed from this row's values ({cells})"
    rows = computed.index.to_numpy()[bad] + 1
    if not args.drop_missing:
        first = int(np.flatnonzero(bad)[0])
        values = [f"{name} is {_in_words(float(computed[name].iloc[first]))}" for name in ("yi", "vi")]
        hint = (" (a zero cell or count needs --add greater than 0 with --to only0, all or if0all)"
                if args.add is not None or args.to is not None else "")
        more = f" ({len(rows)} rows: {', '.join(map(str, rows[:5]))}{', …' if len(rows) > 5 else ''})" \
            if len(rows) > 1 else ""
        raise DataError(f"{reason}: {' and '.join(values)}; expected finite values{hint}; --drop-missing leaves "
                        f"such rows out and reports them{more}", source=computed.attrs.get("source"),
                        row=int(rows[0]))
    attrs = dict(computed.attrs)
    computed = computed[~bad]
    computed.attrs = attrs
    return computed, [(int(row), reason) for row in rows]


def _in_words(value: float) -> str:
    """A value for a message: ``undefined`` (NaN), ``infinite``, or the number."""
    import math

    return "undefined" if math.isnan(value) else "infinite" if math.isinf(value) else f"{value:g}"


def _non_finite_notes(model) -> list:
    """A note for each model value that is infinite or undefined (written as null in JSON), saying why."""
    import math

    row = model.to_dict(include_studies=False)
    values = {k: v for k, v in row.items() if isinstance(v, float) and not math.isfinite(v)}
    if not values:
        return []
    import numpy as np

    se = row.get("se")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        extreme = bool(np.any(np.abs(np.asarray(model.yi, dtype=float)) ** 2 / np.asarray(model.vi) > 1e300))
    if se == 0:
        why = "the standard error is 0 (every effect size is the same, so the Knapp-Hartung factor is 0)"
    elif extreme:
        why = "the effect sizes are too large for double precision (their squares overflow)"
    else:
        why = "not defined for these data"
    explained = tuple(getattr(model, "notes", ()))  # e.g. the fit's own note on an infinite tau2
    return [f"{key} is {'infinite' if math.isinf(val) else 'undefined'}: {why}; reported as null in JSON"
            for key, val in values.items() if not any(n.startswith(f"{key} is ") for n in explained)]


def _unused_effect_columns(table, inp, args) -> list:
    """A note for each effect-size column of the table that the chosen columns leave unused (``r`` beside
    ``yi``/``vi``, ``sei`` beside ``vi``): one of them may have been meant."""
    if args.measure or args.convert_to:
        return []
    named = {v for v in (args.yi, args.vi, args.sei, args.r, args.n) if v}
    if inp.measure == "ZCOR" and args.yi is None:
        used, kind = {args.r or next(c for c in ("r", "ri") if c in table.columns)}, "correlations"
        candidates = ("yi", "vi", "sei")
    else:
        used, kind = {args.yi or "yi", args.sei or args.vi or "vi"}, "effect sizes and their variances"
        candidates = ("r", "ri", "vi", "sei")
    unused = [c for c in candidates if c in table.columns and c not in used | named]
    return [f"column '{c}' was not used: the analysis takes the {kind} from "
            f"{', '.join(repr(u) for u in sorted(used))}" for c in unused]


def _with_notes(model, notes):
    from dataclasses import replace

    return replace(model, notes=tuple(model.notes) + tuple(notes))


def _effects_table(inp):
    """``--write-effects``: the study table with ``data_row``, ``yi``, ``vi``, ``measure`` (and
    ``conversion``)."""
    frame = inp.extra.copy()
    if "yi" not in frame.columns or "vi" not in frame.columns:
        frame["yi"] = inp.yi
        frame["vi"] = inp.vi
    if "measure" not in frame.columns:
        frame["measure"] = inp.measure
    if "conversion" not in frame.columns and inp.measure == "ZCOR":
        frame["conversion"] = "r, n -> Fisher z; vi = 1/(n - 3)"
    frame.insert(0, "data_row", inp.rows)
    return frame


def meta_figures(analyses, *, forest=None, funnel=None):
    """``(path, figure)`` for ``--forest`` and ``--funnel``, drawn from the result objects one at a time."""
    if forest is not None:
        from ..plotting import forest_plot

        yield forest, forest_plot(analyses.subgroups or analyses.model)
    if funnel is not None:
        from ..meta.bias import EggerResult
        from ..meta.trimfill import TrimFillResult
        from ..plotting import funnel_plot

        bias = analyses.bias
        filled = bias.trimfill if bias is not None and isinstance(bias.trimfill, TrimFillResult) else None
        egger = bias.egger if bias is not None and isinstance(bias.egger, EggerResult) else None
        yield funnel, funnel_plot(filled or analyses.model, egger=egger)


def _section_text(key, result) -> str:
    text = result.summary()
    if key == "meta_regression" and result.excluded:
        text += f"\n{len(result.excluded)} row(s) with a missing moderator were left out of the meta-regression only."
    return text


def _texts(analyses) -> list:
    """The ``summary()`` of each result after the model's: subgroups, then the analyses in output order."""
    head = [analyses.subgroups.summary()] if analyses.subgroups is not None else []
    return head + [_section_text(key, result) for key, result in analyses.sections()]


def _text(analyses) -> str:
    return "\n\n".join([analyses.model.summary()] + _texts(analyses)) + "\n"


def _markdown(analyses) -> str:
    from ..report import format_table

    model = analyses.model
    frame = model.summary_frame(back_transform=model.back_transformed is not None)
    body = "```\n" + model.summary() + "\n```\n\n" + format_table(frame)
    return "\n\n".join([body] + _texts(analyses)) + "\n"


def _payload(analyses, example, excluded) -> dict:
    """The JSON object: the model's ``to_dict()``, the example notice and excluded rows, the subgroups'
    ``to_dict()`` merged in, then one key per further analysis holding its ``to_dict()``."""
    payload = analyses.model.to_dict()
    if example is not None:
        payload["example"] = example
    if excluded:
        payload["excluded"] = [{"row": row, "reason": reason} for row, reason in excluded]
    if analyses.subgroups is not None:
        payload.update(analyses.subgroups.to_dict())
    for key, result in analyses.sections():
        payload[key] = _explained(result.to_dict(), result, payload, key)
        if key == "bias":  # a battery: each part has its own object in the JSON
            for part_key, part in result.parts():
                payload[key][part_key] = _explained(payload[key][part_key], part, payload, part_key)
    return payload


#: Result attributes that are not written as numbers of their own (inputs, nested fits).
_NOT_VALUES = frozenset({"fit", "model_matrix", "yi", "vi", "weight", "study", "notes"})


def _explained(out, result, payload, key):
    """``out`` (the JSON value of ``result``) with a note for each infinite or undefined value of ``result``
    that the JSON writes as null and no note of the result already explains; a result written as a list (one
    row per study) gets its notes in the top-level ``notes``, prefixed with ``key``."""
    import dataclasses

    if not dataclasses.is_dataclass(result):
        return out
    own = isinstance(out, dict)
    notes = list(out.get("notes", ())) if own else list(payload.get("notes", ()))
    prefix = "" if own else f"{key}: "
    for name, what, count in _non_finite_fields(result):
        if not any(n.startswith(f"{prefix}{name} is ") for n in notes):
            where = f" for {count} of its values" if count else ""
            notes.append(f"{prefix}{name} is {what}{where}: {_why_non_finite(result, name)}; reported as null "
                         "in JSON")
    if own and notes:
        return dict(out, notes=notes)
    if notes:
        payload["notes"] = notes
    return out


def _non_finite_fields(result):
    """``(field name, "infinite" or "undefined", count or 0 for a scalar)`` of each float field, or float
    array field, of the dataclass ``result`` holding a non-finite value."""
    import dataclasses
    import math

    import numpy as np

    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if field.name in _NOT_VALUES:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            yield field.name, "infinite" if math.isinf(value) else "undefined", 0
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.isfinite(value).all():
            bad = value[~np.isfinite(value)]
            yield field.name, "infinite" if np.isinf(bad).all() else "undefined", int(bad.size)


def _why_non_finite(result, name) -> str:
    import numpy as np

    se = np.atleast_1d(np.asarray(getattr(result, "se", np.nan), dtype=float))
    if name in ("statistic", "qm", "qm_p") and np.any(se == 0):
        return ("a standard error is 0 (the model reproduces the effect sizes exactly, so the estimated "
                "residual dispersion is 0 and the test divides by 0)")
    return "not defined for these data (too few studies for it, or values that are identical or too extreme)"
