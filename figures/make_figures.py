"""Regenerate every figure in ``figures/`` from ``data/example_studies.csv`` (a repository script, not part of
the installed package).

Run from the repository root::

    python figures/make_figures.py [--data PATH] [--out DIR]

The defaults are the repository's ``data/example_studies.csv`` and this script's folder, wherever it is run
from. It pools the example table (correlations as Fisher's z, REML), runs the subgroup, bias and sensitivity
analyses of :mod:`ruptstats.meta` and writes each figure as PNG (300 dpi) and PDF. It also draws the session-study
figures of one bundled study (``--sessions``, default ``data/sessions/study_b_wide.xlsx`` with its ``.toml``
mapping): the three-condition comparison, dropout by condition, the alliance around ruptures (V-shape) and the
client counts under four trajectory rules. The files are byte-identical on every run, so a diff of ``figures/``
shows only real changes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # the checkout's ruptstats draws the checkout's figures (as in benchmarks/)
    sys.path.insert(0, str(ROOT))

from ruptstats.exceptions import RuptstatsError  # noqa: E402

__all__ = ["build_parser", "main", "make_figures", "session_figures"]

PROG = "python figures/make_figures.py"
FORMATS = ("png", "pdf")
DATA = ROOT / "data" / "example_studies.csv"
SESSIONS = ROOT / "data" / "sessions" / "study_b_wide.xlsx"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(prog=PROG, description="Regenerate the figures in figures/ from data/.")
    parser.add_argument("--data", default=DATA, type=Path, metavar="PATH",
                        help="study table with columns study, year, r, n, rater (default: %(default)s)")
    parser.add_argument("--out", default=HERE, type=Path, metavar="DIR",
                        help="output folder (default: %(default)s)")
    parser.add_argument("--sessions", default=SESSIONS, type=Path, metavar="PATH",
                        help="session study with a mapping of the same name and suffix .toml, with pre, post and "
                             "dropout columns and an alliance trajectory rule (default: %(default)s)")
    return parser


def main(argv=None) -> int:
    """Run; return 0 on success, 2 when the data are missing or unusable."""
    args = build_parser().parse_args(argv)
    try:
        paths = make_figures(args.data, args.out) + session_figures(args.sessions, args.out)
    except (RuptstatsError, FileNotFoundError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def make_figures(data=DATA, out=HERE) -> list:
    """Draw every figure of the example analysis from ``data`` into ``out``; return the paths written.

    Raises
    ------
    FileNotFoundError
        ``data`` does not exist (it is made by ``data/make_example.py``).
    """
    from ruptstats.effects import escalc
    from ruptstats.meta import (baujat, cumulative, egger_test, gosh, leave_one_out, meta_regression, rma,
                                subgroup_analysis, trim_and_fill)
    from ruptstats.plotting import (baujat_plot, bubble_plot, cumulative_plot, forest_plot, funnel_plot,
                                    gosh_plot, leave_one_out_plot)
    from ruptstats.tables import read_table

    data = Path(data)
    if not data.is_file():
        raise FileNotFoundError(f"{data}: no such file; the example table is made by data/make_example.py")
    table = read_table(data)
    es = escalc(table, measure="ZCOR", ri="r", ni="n")
    res = rma(es, study=es["study"], ni=es["n"])
    tf = trim_and_fill(res)
    figures = {
        "forest": lambda: forest_plot(res),
        "forest_by_rater": lambda: forest_plot(subgroup_analysis(res, table["rater"], name="Rater")),
        "funnel": lambda: funnel_plot(res, egger=egger_test(res)),
        "funnel_trimfill": lambda: funnel_plot(tf),
        "leave_one_out": lambda: leave_one_out_plot(leave_one_out(res), measure=res.measure,
                                                    reference=res.estimate),
        "cumulative_by_year": lambda: cumulative_plot(cumulative(res, order=table["year"]), measure=res.measure),
        "baujat": lambda: baujat_plot(baujat(res)),
        "gosh": lambda: gosh_plot(gosh(res, method="DL")),
        "bubble_year": lambda: bubble_plot(meta_regression(res, {"year": table["year"]}),
                                           xlabel="Publication year"),
    }
    return [path for name, draw in figures.items() for path in _write(draw(), Path(out) / name)]


def session_figures(sessions=SESSIONS, out=HERE) -> list:
    """Draw the session-study figures of ``sessions`` (its mapping: the same path with suffix ``.toml``) into
    ``out``; return the paths written.

    The study's clients are classified by the mapping's rule, the OQ-45 change (post - pre; higher is worse on the
    OQ-45) and dropout are compared across conditions, and the rule comparison adds the 2 SD and per-client SD
    variants of the trajectory rule.

    Raises
    ------
    FileNotFoundError
        ``sessions`` or its mapping does not exist.
    """
    from ruptstats.conditions import compare_conditions
    from ruptstats.plotting import condition_plot, dropout_plot, rules_plot, trajectory_plot
    from ruptstats.sessions import (alliance_around_ruptures, classify_sessions, client_conditions, compare_rules,
                                    read_sessions)

    sessions = Path(sessions)
    mapping = sessions.with_suffix(".toml")
    for path in (sessions, mapping):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file (the bundled session studies are in data/sessions/)")
    study = read_sessions(sessions, mapping)
    classified = classify_sessions(study.sessions, rule=study.rule)
    clients = client_conditions(classified, by=study.condition_by, covariates=study.report.client_level)
    comparison = compare_conditions(clients, outcome="post", baseline="pre", dropout="dropout",
                                    higher_is_better=False)
    rules = [study.rule] + [{"type": "trajectory", "c": c, "sd": sd, "m": 3}
                            for c, sd in ((2, "sample"), (1, "client"), (2, "client"))]
    figures = {
        "sessions_conditions": lambda: condition_plot(comparison),
        "sessions_dropout": lambda: dropout_plot(comparison),
        "sessions_trajectory": lambda: trajectory_plot(alliance_around_ruptures(classified, before=3, after=3)),
        "sessions_rules": lambda: rules_plot(compare_rules(study.sessions, rules, by=study.condition_by)),
    }
    return [path for name, draw in figures.items() for path in _write(draw(), Path(out) / name)]


def _write(fig, stem: Path) -> list:
    from ruptstats.plotting import save_figure
    from ruptstats.plotting._common import pyplot

    try:
        return [save_figure(fig, stem.with_suffix(f".{fmt}")) for fmt in FORMATS]
    finally:
        pyplot().close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
