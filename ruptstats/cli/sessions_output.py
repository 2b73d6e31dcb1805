"""The figures and outputs of ``python -m ruptstats.sessions``: one figure file per study for the figure options,
the study table (``--study-table``), the client table (``--clients``; identifiers only with ``--include-ids``) and
the text and markdown reports of every study. Each draws or formats the result objects of a :class:`StudyRun`
(:mod:`ruptstats.cli.sessions`) and computes nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..exceptions import DataError, OptionError

__all__ = ["session_figures", "study_table", "client_table", "text_report", "markdown_report"]

#: Identifier columns that the client table writes only with ``--include-ids``.
IDENTIFIERS = ("client", "therapist")


# -- figures ------------------------------------------------------------------------------------------------------

def _figure_path(path: Path, runs, run) -> Path:
    """``path`` for one study; with several studies, the study label (letters, digits, _-) after the stem (and a
    number after it when two labels give the same name)."""
    if len(runs) == 1:
        return path
    slugs = [_slug(r.study) for r in runs]
    slug = slugs[runs.index(run)]
    earlier = slugs[:runs.index(run)].count(slug)  # 'Study A' and 'Study_A': the second file gets _2
    return path.with_name(f"{path.stem}_{slug}{f'_{earlier + 1}' if earlier else ''}{path.suffix}")


def _slug(label: str) -> str:
    """A study label in a file name: letters, digits, _ and -."""
    return re.sub(r"[^0-9A-Za-z_-]+", "_", label).strip("_") or "study"


def session_figures(runs, args):
    """``(path, figure)`` for the figure options, drawn from the result objects one at a time."""
    from .. import plotting

    if args.condition_plot is not None:
        for run in runs:
            yield _figure_path(args.condition_plot, runs, run), plotting.condition_plot(run.comparison,
                                                                                        adjusted=args.adjusted)
    if args.dropout_plot is not None:
        with_dropout = [run for run in runs if run.comparison.dropout is not None]
        if not with_dropout:
            raise OptionError("--dropout-plot: no study has a dropout column (map one to dropout, or pass --dropout)")
        for run in with_dropout:
            yield _figure_path(args.dropout_plot, runs, run), plotting.dropout_plot(run.comparison)
    if args.trajectory_plot is not None:
        from ..sessions import alliance_around_ruptures

        drawn = [run for run in runs if "alliance" in run.classified.columns]
        if not drawn:
            raise OptionError("--trajectory-plot: no study has an alliance column")
        for run in drawn:
            frame = alliance_around_ruptures(run.classified, level=args.level)
            yield _figure_path(args.trajectory_plot, runs, run), plotting.trajectory_plot(frame, level=args.level)
    if args.rules_plot is not None:
        import pandas as pd

        yield args.rules_plot, plotting.rules_plot(pd.concat([run.rules for run in runs], ignore_index=True))
    if args.km_plot is not None or args.swimmer_plot is not None:
        from .sessions_episodes import episode_figures

        yield from episode_figures(runs, args, _figure_path)


# -- outputs --------------------------------------------------------------------------------------------------------

def study_table(runs, contrast):
    """The study-table rows of ``contrast`` (every row with ``all``); a study without that row is a warning line,
    no study with it a DataError (an empty table would be written without a word)."""
    from ..conditions import study_effects

    table = study_effects([r.comparison for r in runs])
    if contrast != "all":
        table = table[table["contrast"] == contrast].reset_index(drop=True)
        lacking = [r.study for r in runs if r.study not in set(table["study"].astype(str))]
        why = " (no dropout column: map one to dropout, or pass --dropout)" if contrast.startswith("dropout") else ""
        if lacking and len(lacking) == len(runs):
            raise DataError(f"--contrast {contrast}: no study has this contrast{why}")
        for study in lacking:
            print(f"python -m ruptstats.sessions: warning: study table: {study} has no {contrast} row{why}",
                  file=sys.stderr)
    return table


def client_table(runs, include_ids):
    """Every study's client table; without ``include_ids`` client and therapist become ``client_number``."""
    import pandas as pd

    parts = []
    for run in runs:
        t = run.clients.copy()
        if "study" not in t.columns:
            t.insert(0, "study", run.study)
        t["study"] = t["study"].astype(object)
        if not include_ids:
            t = t.drop(columns=[c for c in IDENTIFIERS if c in t.columns])
            t.insert(1, "client_number", range(1, len(t) + 1))
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def _counts_text(frame) -> str:
    lines = []
    for level in ("session", "client"):
        rows = frame[frame["level"] == level]
        lines.append(f"{level}s: " + ", ".join(f"{c} {n}" for c, n in zip(rows["condition"], rows["n"])))
    return "\n".join(lines)


def _rules_text(frame) -> str:
    lines = ["Counts by rule (clients: none / unrepaired / repaired; sessions likewise):"]
    for rule, part in frame.groupby("rule", sort=False):
        n = {(lv, c): k for lv, c, k in zip(part["level"], part["condition"], part["n"])}
        lines.append(f"  {rule}: clients {n[('client', 'none')]} / {n[('client', 'unrepaired')]} / "
                     f"{n[('client', 'repaired')]}; sessions {n[('session', 'none')]} / "
                     f"{n[('session', 'unrepaired')]} / {n[('session', 'repaired')]}")
    return "\n".join(lines)


def _study_text(run) -> str:
    report = "Load report: " + run.data.summary()
    if run.prorated:
        report += "\nprorated: " + ", ".join(f"{k} ({n} scores from incomplete items)" for k, n in run.prorated.items())
    if run.client_file is not None:
        report += "\nclient file: " + run.client_file.summary()
    parts = [f"== {run.study} ==", report, f"Rule: {run.rule.label}",
             "Counts per condition:\n" + _counts_text(run.counts)]
    if run.rules is not None:
        parts.append(_rules_text(run.rules))
    parts.append(run.comparison.summary())
    if run.episodes is not None:
        parts.append(run.episodes.summary())
    return "\n\n".join(parts)


def text_report(runs) -> str:
    return "\n\n".join(_study_text(r) for r in runs) + "\n"


def markdown_report(runs) -> str:
    blocks = []
    for run in runs:
        body = _study_text(run).split("\n\n", 1)[1]
        blocks.append(f"## {run.study}\n\n```\n{body}\n```")
    return "\n\n".join(blocks) + "\n"
