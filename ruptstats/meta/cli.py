"""``python -m ruptstats.meta [TABLE] [options]``: pool a study table from the shell.

Thin by design: read the table, build effect sizes, fit, print. Domain errors become one line on stderr and
exit status 2; argparse's own usage errors also exit with 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from ..exceptions import DataWarning, RuptstatsError

__all__ = ["build_parser", "main"]

PROG = "python -m ruptstats.meta"
FORMATS = ("text", "json", "csv", "markdown")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m ruptstats.meta``."""
    from ..effects import cli as effects_cli
    from ..plotting import cli as plotting_cli
    from . import analyses_cli
    from .estimators import TAU2_METHODS

    parser = argparse.ArgumentParser(
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
    model.add_argument("--method", default="REML", type=str.upper, choices=TAU2_METHODS,
                       help="tau^2 estimator, FE for a common-effect model (default: REML)")
    model.add_argument("--test", default="z", choices=("z", "knha"),
                       help="z tests, or Knapp-Hartung t tests with k - 1 df (default: z)")
    model.add_argument("--level", default=95.0, type=float, help="confidence level in percent (default: 95)")
    model.add_argument("--subgroup", metavar="COL", help="fit one model per level of COL and test differences")
    out = parser.add_argument_group("output")
    out.add_argument("--format", default="text", choices=FORMATS, help="output format (default: text)")
    out.add_argument("--output", metavar="PATH", help="write the output to PATH instead of standard output")
    out.add_argument("--write-effects", metavar="PATH",
                     help="write the table with yi, vi (and the conversion used) to PATH (.csv, .xlsx, .json)")
    effects_cli.add_arguments(parser)
    analyses_cli.add_arguments(parser)
    plotting_cli.add_arguments(parser)
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status (0 success, 2 bad input or options)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except RuptstatsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{PROG}: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    from ..effects import cli as effects_cli
    from ..plotting import cli as plotting_cli
    from . import analyses_cli
    from .example import EXAMPLE_NOTICE, load_example
    from .inputs import effects_from_table
    from .model import rma

    if args.table is None:
        table = load_example()
        print(EXAMPLE_NOTICE, file=sys.stdout if args.format == "text" and not args.output else sys.stderr)
    else:
        from ..tables import read_table

        table = read_table(args.table)
    source = table.attrs.get("source")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # exclusions are reported below, one line each
        computed = effects_cli.effects_from_args(table, args)
    excluded: list[tuple[int, str]] = []
    if computed is not None:
        measure = computed.attrs.get("measure")
        computed.attrs["source"] = source
        excluded += [(int(row), "empty cell") for row in computed.attrs.get("dropped_rows", [])]
        inp = effects_from_table(computed, yi="yi", vi="vi", study=args.study, measure=measure, n=args.n,
                                 drop_missing=args.drop_missing, row_numbers=computed.index.to_numpy() + 1)
    else:
        inp = effects_from_table(table, yi=args.yi, vi=args.vi, sei=args.sei, r=args.r, n=args.n,
                                 study=args.study, drop_missing=args.drop_missing)
    excluded = sorted(excluded + list(inp.excluded))
    for row, reason in excluded:
        print(f"{PROG}: excluded data row {row} ({reason})", file=sys.stderr)
    notes = tuple(f"excluded data row {row} ({reason})" for row, reason in excluded)
    res = rma(inp.yi, inp.vi, study=inp.study, ni=inp.ni, measure=inp.measure, method=args.method,
              test=args.test, level=args.level)
    if notes:
        res = _with_notes(res, notes)
    if args.write_effects:
        _write_effects(inp, args.write_effects)
    payload = res.to_dict()
    if args.table is None:
        payload["example"] = EXAMPLE_NOTICE
    if excluded:
        payload["excluded"] = [{"row": row, "reason": reason} for row, reason in excluded]
    texts: list[str] = []
    extras: dict = {}
    if args.subgroup:
        sg = _subgroups(res, inp, args.subgroup, source)
        payload.update(sg.to_dict())
        texts.append(sg.summary())
        extras["subgroup_result"] = sg
    for key, value, text in analyses_cli.run(res, inp, args):
        extras[key] = value
        if key not in analyses_cli.FIGURE_ONLY_KEYS:
            payload[key] = value
        if text:
            texts.append(text)
    plotting_cli.draw(res, extras, args)
    _emit(_render(res, payload, texts, args.format), args.output)
    return 0


def _with_notes(res, notes):
    from dataclasses import replace

    return replace(res, notes=tuple(res.notes) + tuple(notes))


def _subgroups(res, inp, column, source):
    from .inputs import find_column
    from .subgroups import subgroup_analysis

    column = find_column(inp.extra, column, option="--subgroup", source=source)
    return subgroup_analysis(res, inp.extra[column], name=column)


def _write_effects(inp, path) -> None:
    frame = inp.extra.copy()
    if "yi" not in frame.columns or "vi" not in frame.columns:
        frame["yi"] = inp.yi
        frame["vi"] = inp.vi
    if "measure" not in frame.columns:
        frame["measure"] = inp.measure
    if "conversion" not in frame.columns and inp.measure == "ZCOR":
        frame["conversion"] = "r, n -> Fisher z; vi = 1/(n - 3)"
    frame.insert(0, "data_row", inp.rows)
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".xlsx":
        frame.to_excel(p, index=False)
    elif ext == ".json":
        p.write_text(frame.to_json(orient="records", indent=1), encoding="utf-8")
    else:
        frame.to_csv(p, index=False, sep="\t" if ext == ".tsv" else ",")


def _render(res, payload, texts, fmt) -> str:
    from ..report import format_table

    if fmt == "json":
        return json.dumps(payload, indent=2, allow_nan=False) + "\n"
    if fmt == "csv":
        return res.summary_frame().to_csv(index=False)
    body = res.summary()
    if fmt == "markdown":
        frame = res.summary_frame(back_transform=res.back_transformed is not None)
        body = "```\n" + body + "\n```\n\n" + format_table(frame)
    return "\n\n".join([body] + texts) + "\n"


def _emit(text: str, output) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
