"""``python -m ruptstats.sessions FILE... [options]`` (also the ``ruptstats-sessions`` script): session studies to
the three-condition comparison and a study table for ``python -m ruptstats.meta``.

The path of one study (one FILE), each step a library function taking what it needs:

1. :func:`ruptstats.sessions.read_sessions` with the study's mapping (``--mapping``, one per FILE in order;
   default: FILE's stem + ``.toml`` beside it when it exists, else canonical column names);
2. :func:`ruptstats.sessions.classify_sessions` with the mapping's rule, or ``--rule``/``--rule-option``;
3. the client table: :func:`ruptstats.sessions.client_outcomes` of the session ``outcome`` column (first, last,
   change, slope, ...) and the client file named by the mapping's ``[clients]`` table
   (:func:`ruptstats.sessions.read_clients`), joined by :func:`ruptstats.sessions.client_conditions`;
4. :func:`ruptstats.conditions.compare_conditions` per study (``--outcome``, ``--baseline``, ``--dropout``, the
   direction from the instrument or ``--higher-is-better``/``--lower-is-better``);
5. :func:`ruptstats.conditions.study_effects` of every study: ``--study-table`` (one row per study with
   ``--contrast``, the default ``repaired_vs_unrepaired``; ``--contrast all`` keeps every row).

Rupture episodes (``--episodes PATH``, ``--km-plot``, ``--swimmer-plot``; :mod:`ruptstats.cli.sessions_episodes`):
:func:`ruptstats.episodes.rupture_episodes` of each study's classified sessions (one rater's, ``--episode-rater``),
its time to repair and stronger-after-repair summary in the output, the episode table written to PATH.

Figures (``--condition-plot``, ``--dropout-plot``, ``--trajectory-plot``, ``--rules-plot``, ``--km-plot``,
``--swimmer-plot``): drawn by :mod:`ruptstats.plotting` from the result objects, one file per study (the label
after the stem) when there are several studies, except the rules figure (one panel per study).

Output: the load report, counts per condition and each comparison's ``summary()`` (text, markdown) or
``{"studies": [{"study", "report", "counts", "comparison"}]}`` (JSON; each value the result's own ``to_dict()``;
``episodes`` as well with the episode options).
Client and therapist identifiers never reach the output; ``--clients`` writes them only with ``--include-ids``.

``python -m ruptstats.sessions draft-mapping FILE`` writes a mapping skeleton (:mod:`ruptstats.cli.draft_mapping`).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import DataError, DataWarning, OptionError
from . import _common
from .sessions_output import IDENTIFIERS as _IDS
from .sessions_output import client_table, markdown_report, session_figures, study_table, text_report

__all__ = ["PROG", "StudyRun", "build_parser", "main"]

PROG = "python -m ruptstats.sessions"
CONTRAST_CHOICES = ("repaired_vs_unrepaired", "repaired_vs_none", "unrepaired_vs_none",
                    "dropout_repaired_vs_unrepaired", "dropout_repaired_vs_none", "dropout_unrepaired_vs_none",
                    "repair_outcome_correlation", "all")
_RULES = ("self_report", "observer", "trajectory", "coded")
_FIGURES = {
    "condition-plot": "write the condition plot (each client's value, mean and CI per condition) to PATH (.png, "
                      ".pdf or .svg); with several studies, one file per study: PATH's stem + _STUDY",
    "trajectory-plot": "write the alliance trajectory around the first rupture, repaired vs unrepaired (the "
                       "V-shape), to PATH; one file per study as for --condition-plot",
    "dropout-plot": "write dropout by condition (Wilson CIs) to PATH; one file per study with a dropout column",
    "rules-plot": "write the client counts per condition under the rules of --compare-rules (implied) to PATH, "
                  "one panel per study",
    "km-plot": "write the Kaplan-Meier time to repair (by rupture type when the study has types; CI bands, number "
               "at risk) to PATH; one file per study as for --condition-plot",
    "swimmer-plot": "write a swimmer plot (one line per client: ruptures, repairs, dropout; clients numbered "
                    "unless --include-ids) to PATH; one file per study as for --condition-plot",
}


@dataclass(frozen=True, eq=False)
class StudyRun:
    """One study of one run: its load report, the rule used, counts, client table and comparison."""

    study: str
    data: object  # SessionData
    rule: object
    counts: object  # DataFrame: study, rule, level, condition, n
    clients: object  # DataFrame, one row per client (identifiers included; never printed)
    comparison: object  # ConditionComparison
    rules: object = None  # DataFrame from compare_rules, with --compare-rules
    client_file: object = None  # ClientData of the mapping's [clients] file
    classified: object = None  # the classified session table of this study (for --trajectory-plot; never printed)
    episodes: object = None  # EpisodeRun (cli.sessions_episodes), with --episodes, --km-plot or --swimmer-plot

    @property
    def prorated(self) -> dict:
        """Scored instrument totals prorated from incomplete items, per instrument key (``key_n_missing`` > 0)."""
        s = self.data.sessions
        out = {}
        for spec in self.data.mapping.instruments:
            n_missing, total = f"{spec.key}_n_missing", f"{spec.key}_total"
            if n_missing in s.columns and total in s.columns:
                out[spec.key] = int(((s[n_missing] > 0) & s[total].notna()).sum())
        return out

    def to_dict(self) -> dict:
        """``study, report, counts, comparison`` (each the result's own ``to_dict()``), ``rule``, ``prorated``,
        ``client_file`` (None without one) and, with ``--compare-rules``, ``rules``. No identifiers."""
        out = {"study": self.study, "report": self.data.report.to_dict(),
               "counts": self.counts.to_dict("records"), "comparison": self.comparison.to_dict(),
               "rule": self.rule.label, "prorated": self.prorated,
               "client_file": self.client_file.to_dict() if self.client_file is not None else None}
        if self.rules is not None:
            out["rules"] = self.rules.to_dict("records")
        if self.episodes is not None:
            out["episodes"] = self.episodes.to_dict()
        return out


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m ruptstats.sessions`` (``draft-mapping``: :mod:`.draft_mapping`)."""
    parser = _common.ArgumentParser(
        prog=PROG,
        description="Session studies to the three-condition comparison (no rupture / unrepaired / repaired) and a "
                    "study table for python -m ruptstats.meta. Also: python -m ruptstats.sessions draft-mapping "
                    "FILE [--output M.toml] writes a mapping skeleton from a file's columns and value labels.",
        epilog="Example: python -m ruptstats.sessions data/sessions/study_b_wide.xlsx data/sessions/study_c_3rs.csv "
               "--study-table studies.csv && python -m ruptstats.meta studies.csv")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="session files (.csv .tsv .txt .xlsx .sav .dta .parquet .json), one study each")
    parser.add_argument("--mapping", action="append", metavar="M.toml",
                        help="the mapping of each FILE, in order (repeat once per FILE); default: FILE's stem + "
                             ".toml beside it when it exists, else canonical column names")
    parser.add_argument("--missing", choices=("error", "drop"),
                        help="invalid rows: error (default, or the mapping's [checks] missing) or drop and report")
    rule = parser.add_argument_group("rule")
    rule.add_argument("--rule", choices=_RULES, help="rupture/repair rule for every study (default: the mapping's "
                                                     "[rule]; coded when the file has rupture and repaired columns)")
    rule.add_argument("--rule-option", action="append", default=[], metavar="KEY=VALUE",
                      help="a rule option, e.g. c=2 or resolution_threshold=4 (repeatable; TOML values); added to "
                           "--rule or to the mapping's rule")
    rule.add_argument("--compare-rules", action="store_true",
                      help="also count conditions under the self-report, observer, coded and trajectory "
                           "(1 SD, 2 SD) rules whose columns the study has")
    comp = parser.add_argument_group("comparison")
    comp.add_argument("--outcome", metavar="COL",
                      help="client outcome column (default: post when the client table has it, else last, the "
                           "last session's outcome)")
    comp.add_argument("--baseline", metavar="COL",
                      help="baseline column, 'none' for none (default: pre with post, first with last)")
    comp.add_argument("--dropout", metavar="COL", help="dropout column, 'none' for none (default: dropout if present)")
    comp.add_argument("--outcome-rater", metavar="RATER",
                      help="with a rater column: whose session outcome ratings count (default: client)")
    direction = comp.add_mutually_exclusive_group()
    direction.add_argument("--higher-is-better", dest="higher_is_better", action="store_const", const=True,
                           help="a higher outcome is better (ORS, WAI-SR, SRS)")
    direction.add_argument("--lower-is-better", dest="higher_is_better", action="store_const", const=False,
                           help="a higher outcome is worse (OQ-45, PHQ-9, BDI-II)")
    comp.add_argument("--reference", default="none", choices=("none", "unrepaired", "repaired"),
                      help="reference condition of the ANCOVA and dropout odds ratios (default: none)")
    comp.add_argument("--level", default=95.0, type=float, help="confidence level in percent (default: 95)")
    out = _common.add_output_arguments(parser, formats=("text", "json", "markdown"))
    out.add_argument("--clients", metavar="PATH",
                     help="write the client table of every study (.csv, .tsv, .xlsx, .json); client and therapist "
                          "identifiers are replaced by client_number unless --include-ids")
    out.add_argument("--include-ids", action="store_true",
                     help="keep client and therapist identifiers in the --clients and --episodes tables (and "
                          "label the swimmer plot with them)")
    out.add_argument("--episodes", metavar="PATH",
                     help="write the rupture-episode table of every study (ruptstats.episodes.rupture_episodes; "
                          ".csv, .tsv, .xlsx, .json; client identifiers replaced by client_number unless "
                          "--include-ids) and add each study's episode summary to the output")
    out.add_argument("--episode-rater", metavar="RATER",
                     help="with a rater column: whose ruptures make the episodes (default: client)")
    out.add_argument("--study-table", metavar="PATH",
                     help="write the study table (ruptstats.conditions.study_effects rows) for python -m "
                          "ruptstats.meta")
    out.add_argument("--contrast", default="repaired_vs_unrepaired", choices=CONTRAST_CHOICES,
                     help="the study-table rows to write: one contrast gives one row per study, which python -m "
                          "ruptstats.meta pools as it is (default: repaired_vs_unrepaired); all: every row")
    figures = _common.add_figure_arguments(parser, _FIGURES)
    figures.add_argument("--adjusted", action="store_true",
                         help="the condition plot shows the ANCOVA adjusted means (needs a baseline)")
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status (0 success, 2 bad input or options)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["draft-mapping"]:
        from .draft_mapping import main as draft_main

        return draft_main(argv[1:])
    args = build_parser().parse_args(argv)
    return _common.run_command(PROG, lambda: _run_reporting_warnings(args))


def _run_reporting_warnings(args) -> int:
    """:func:`_run`, with each data, runtime or user warning left over as one line on stderr (no source lines)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return _run(args)
        finally:
            for w in caught:
                if issubclass(w.category, (DataWarning, RuntimeWarning, UserWarning)):
                    print(f"{PROG}: warning: {w.message}", file=sys.stderr)


def _run(args) -> int:
    tables = {"--output": args.output, "--study-table": args.study_table, "--clients": args.clients,
              "--episodes": args.episodes}
    for option, path in tables.items():
        if path and not Path(path).resolve().parent.is_dir():
            raise OptionError(f"{option} {path}: the folder {Path(path).parent} does not exist")
    if not 0 < args.level < 100:
        raise OptionError(f"--level {args.level:g} must lie between 0 and 100 (a percentage, e.g. 95)")
    mappings = _mappings(args.files, args.mapping)
    figures = {f"--{name}": getattr(args, name.replace("-", "_")) for name in _FIGURES}
    _common.check_distinct_paths(list(args.files) + [m for m in mappings if m], {**tables, **figures})
    options = _rule_options(args.rule_option)
    args.compare_rules = args.compare_rules or args.rules_plot is not None
    runs, labels = [], {}
    for path, mapping in zip(args.files, mappings):
        for run in _study(path, mapping, args, options):
            if run.study in labels:  # one label, two studies: rows of the study table and figures would collide
                raise DataError(f"{path}: study {run.study!r} has the label of a study in {labels[run.study]}; give "
                                f"each study its own label (the mapping's study = \"...\" or a study column)")
            labels[run.study] = path
            runs.append(run)
    if args.study_table:
        table = study_table(runs, args.contrast)
        for study, contrast in zip(table.loc[table["yi"].isna(), "study"], table.loc[table["yi"].isna(), "contrast"]):
            print(f"{PROG}: warning: study table: {study} {contrast} has no effect size (a condition with fewer "
                  f"than two clients, or SD 0); python -m ruptstats.meta --drop-missing leaves the row out",
                  file=sys.stderr)
        _common.write_table(table, args.study_table)
    if args.clients:
        _common.write_table(client_table(runs, args.include_ids), args.clients)
    if args.episodes:
        from .sessions_episodes import episode_table

        _common.write_table(episode_table(runs, args.include_ids), args.episodes)
    _common.save_figures(session_figures(runs, args), dpi=args.dpi)
    text = _common.render_output(
        args.format, text=lambda: text_report(runs), payload=lambda: {"studies": [r.to_dict() for r in runs]},
        markdown=lambda: markdown_report(runs))
    _common.write_output(text, args.output)
    return 0


# -- inputs ---------------------------------------------------------------------------------------------------

def _mappings(files, given) -> list:
    """The mapping of each file: ``--mapping`` in order, else FILE's stem + .toml beside it, else None."""
    if given:
        if len(given) != len(files):
            raise OptionError(f"--mapping was given {len(given)} time(s) for {len(files)} file(s): give one "
                              f"mapping per FILE, in the order of the files")
        return list(given)
    for f in files:
        if not Path(f).is_file():
            raise OptionError(f"{f}: {'a folder, not a file' if Path(f).is_dir() else 'no such file'}")
    return [str(Path(f).with_suffix(".toml")) if Path(f).with_suffix(".toml").is_file() else None for f in files]


def _rule_options(items) -> dict:
    """``--rule-option KEY=VALUE`` pairs, each VALUE read as TOML (2, 1.5, true, [1, 5], "x") or else as text."""
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise OptionError(f"--rule-option {item!r} must be KEY=VALUE, e.g. c=2")
        try:
            options[key] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            options[key] = value.strip()
    return options


def _rule(data, args, options, source):
    """The rule object: ``--rule`` (with options), else the mapping's rule (with options), else None."""
    from ..sessions import make_rule

    if args.rule is not None:
        spec = {"type": args.rule, **options}
    elif data.mapping.rule is not None:
        spec = {**data.mapping.rule, **options}
    elif options:
        raise OptionError(f"{source}: --rule-option needs --rule or a [rule] table in the mapping")
    else:
        return None
    try:
        return make_rule(spec)
    except OptionError as exc:
        raise OptionError(f"{source}: {exc}") from None


# -- one study --------------------------------------------------------------------------------------------------

def _study(path, mapping, args, options) -> list:
    """Load, classify, build the client table and compare: one :class:`StudyRun` per study in the file."""
    from ..sessions import classify_sessions, compare_rules, condition_counts, read_sessions

    data = read_sessions(path, mapping, missing=args.missing)
    rule = _rule(data, args, options, path)
    if rule is None and not {"rupture", "repaired"} <= set(data.sessions.columns):
        raise OptionError(f"{path}: no rupture/repair rule: the mapping ({data.mapping.source}) has no [rule] table "
                          f"and the file no rupture and repaired columns; pass --rule "
                          f"{'|'.join(_RULES[:3])} (with --rule-option KEY=VALUE)")
    try:
        classified = classify_sessions(data.sessions, rule=rule)
    except OptionError as exc:  # an option checked when the rule is applied (c=-1, a threshold outside its range)
        raise OptionError(f"{path}: rule {rule.label if rule is not None else 'coded'}: {exc}") from None
    if rule is None:
        from ..sessions.rules import default_rule

        rule = default_rule(data.sessions)
    clients, client_file = _clients(classified, data, args, path)
    counts = _counts(classified, clients, rule, condition_counts)
    rules = compare_rules(data.sessions, _rule_set(data.sessions, rule), by=data.condition_by) \
        if args.compare_rules else None
    runs = []
    for label, part in _by_study(clients, data, path):
        comparison = _compare(part, label, data, args, path)
        rows = _rows_of(classified, label)
        runs.append(StudyRun(study=label, data=data, rule=rule, counts=_only(counts, label), clients=part,
                             comparison=comparison, rules=_only(rules, label) if rules is not None else None,
                             client_file=client_file, classified=rows, episodes=_episodes(rows, label, args)))
    return runs


def _episodes(rows, label, args):
    """The study's :class:`~ruptstats.cli.sessions_episodes.EpisodeRun` when an episode option is given."""
    if args.episodes is None and args.km_plot is None and args.swimmer_plot is None:
        return None
    from .sessions_episodes import study_episodes

    return study_episodes(rows, study=label, rater=args.episode_rater, level=args.level)


def _counts(classified, clients, rule, condition_counts):
    import pandas as pd

    return pd.concat([condition_counts(classified, level="session", rule=rule.label),
                      condition_counts(clients, level="client", rule=rule.label)], ignore_index=True)


def _only(frame, label):
    """Rows of ``frame`` for study ``label`` (all rows of a file without a study column)."""
    if (frame["study"] == label).any():
        return frame[frame["study"] == label].reset_index(drop=True)
    return frame.assign(study=label)


def _rows_of(classified, label):
    """The session rows of study ``label`` (all rows of a file without a study column)."""
    if "study" in classified.columns and (classified["study"].astype(object) == label).any():
        return classified[classified["study"].astype(object) == label]
    return classified


def _by_study(clients, data, path):
    """``(label, clients)`` per study: the ``study`` column's values, else the mapping's study, else the stem."""
    if "study" in clients.columns and clients["study"].notna().any():
        return [(str(s), clients[clients["study"] == s]) for s in clients["study"].dropna().unique()]
    return [(data.mapping.study or Path(path).stem, clients)]


def _clients(classified, data, args, path):
    """The client table (conditions joined to the session outcomes and the mapping's client file) and the
    client file's ClientData (None without one)."""
    from ..sessions import client_conditions

    parts, client_file = [], None
    if "outcome" in classified.columns:
        parts.append(_session_outcomes(classified, data, args, path))
    spec = data.mapping.clients
    if spec is not None and spec.file is not None:
        client_file = _client_file(spec, data, args.missing)
        parts.append(_with_study(client_file.clients.reset_index(drop=True), classified))
    extra = _merge(parts, classified)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        clients = client_conditions(classified, by=data.condition_by, clients=extra,
                                    covariates=list(data.report.client_level) or None, missing=args.missing,
                                    without_sessions=data.clients_without_sessions)
    for w in caught:
        print(f"{PROG}: warning: {path}: {w.message}", file=sys.stderr)
    return clients, client_file


def _session_outcomes(classified, data, args, path):
    """:func:`client_outcomes` of the session ``outcome`` column (one rater's rows when there is a rater column)."""
    from ..sessions import client_outcomes

    sessions = classified
    if "rater" in sessions.columns:
        raters = sorted(str(r) for r in sessions.loc[sessions["outcome"].notna(), "rater"].dropna().unique())
        rater = args.outcome_rater or ("client" if "client" in raters else None)
        if rater is None and len(raters) > 1:
            raise OptionError(f"{path}: outcome ratings come from several raters ({', '.join(raters)}): choose one "
                              f"with --outcome-rater")
        if rater is not None:
            if rater not in raters:
                raise OptionError(f"{path}: --outcome-rater {rater!r} has no outcome ratings; raters: "
                                  f"{', '.join(raters) or 'none'}")
            sessions = sessions[sessions["rater"].astype(object) == rater]
    inst = _session_instrument(data)
    return client_outcomes(sessions, outcome="outcome", instrument=inst,
                           alliance="alliance" if "alliance" in sessions.columns else None)


def _session_instrument(data):
    """The instrument the mapping scores into the session ``outcome`` column, or None."""
    for spec in data.mapping.instruments:
        if spec.target == "outcome":
            return spec.instrument
    return None


def _client_file(spec, data, missing=None):
    """The mapping's ``[clients]`` file (a ClientData), read with the sessions' pseudonymisation key and
    ``--missing`` (else the session mapping's ``[checks]`` policy)."""
    from ..sessions import read_clients

    missing = missing or data.mapping.on_invalid.replace("exclude", "drop")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        table = read_clients(spec.file, spec.mapping, key=data.mapping.key(None), missing=missing)
    for w in caught:
        print(f"{PROG}: warning: {w.message}", file=sys.stderr)
    return table


def _with_study(table, classified):
    if "study" in classified.columns and "study" not in table.columns:
        studies = classified["study"].dropna().unique()
        if len(studies) == 1:
            table = table.assign(study=str(studies[0]))
    return table


def _merge(parts, classified):
    """One client table from the session outcomes and the client file (outer join on study and client)."""
    if not parts:
        return None
    out = parts[0]
    for part in parts[1:]:
        key = [c for c in ("study", "client") if c in out.columns and c in part.columns]
        for k in key:
            out[k], part[k] = out[k].astype(object), part[k].astype(object)
        part = part.drop(columns=[c for c in part.columns if c in out.columns and c not in key])
        out = out.merge(part, on=key, how="outer")
    if "study" in out.columns and "study" in classified.columns:
        out["study"] = out["study"].astype(object)
    return out


# -- comparison ---------------------------------------------------------------------------------------------------

def _choose(clients, args, label):
    """``(outcome, baseline, dropout)`` column names from the options and the client table's columns."""
    cols = set(clients.columns)
    outcome = args.outcome or ("post" if "post" in cols else "last" if "last" in cols else None)
    if outcome is None:
        raise DataError(f"study {label!r}: no outcome: the client table has neither post (map a client column "
                        f"to post, or name a client file in [clients]) nor a session outcome column (map a column "
                        f"or an instrument target to outcome); or pass --outcome COL. Columns: "
                        f"{', '.join(map(str, clients.columns))}")
    if outcome not in cols:
        raise DataError(f"study {label!r}: --outcome {outcome!r} is not a column of the client table; columns: "
                        f"{', '.join(map(str, clients.columns))}")
    pairs = {"post": "pre", "last": "first"}
    baseline = args.baseline if args.baseline is not None else pairs.get(outcome)
    baseline = None if baseline in ("none", None) or (args.baseline is None and baseline not in cols) else baseline
    if baseline is not None and baseline not in cols:
        raise DataError(f"study {label!r}: --baseline {baseline!r} is not a column of the client table")
    dropout = args.dropout if args.dropout is not None else ("dropout" if "dropout" in cols else None)
    dropout = None if dropout == "none" else dropout
    return outcome, baseline, dropout


def _direction(outcome, data, args, label):
    """higher_is_better: the option, else the instrument behind ``outcome``; unknown: an error saying what to pass."""
    if args.higher_is_better is not None:
        return args.higher_is_better
    spec = data.mapping.clients
    if outcome in ("pre", "post") and spec is not None and spec.higher_is_better is not None:
        return spec.higher_is_better
    if outcome in ("pre", "post") and spec is not None and spec.mapping is not None:
        from ..sessions import read_mapping

        for inst in read_mapping(spec.mapping).instruments:
            if inst.target in ("pre", "post") and inst.instrument.higher_is_better is not None:
                return inst.instrument.higher_is_better
    if outcome in ("first", "last", "change", "slope"):
        inst = _session_instrument(data)
        if inst is not None and inst.higher_is_better is not None:
            return inst.higher_is_better
    raise OptionError(f"study {label!r}: the direction of the outcome {outcome!r} is unknown: pass "
                      f"--higher-is-better (ORS, WAI-SR, SRS) or --lower-is-better (OQ-45, PHQ-9, BDI-II), or "
                      f"name its instrument in the mapping ([clients] instrument = \"OQ-45\")")


def _compare(clients, label, data, args, path):
    from ..conditions import compare_conditions

    outcome, baseline, dropout = _choose(clients, args, label)
    hib = _direction(outcome, data, args, label)
    table = clients.drop(columns=[c for c in _IDS if c in clients.columns])  # nothing downstream needs them
    if "study" in table.columns:
        table = table.assign(study=table["study"].astype(object))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = compare_conditions(table, outcome=outcome, baseline=baseline, dropout=dropout,
                                 reference=args.reference, level=args.level, higher_is_better=hib, study=label)
    for w in caught:
        if issubclass(w.category, (DataWarning, RuntimeWarning, UserWarning)):
            print(f"{PROG}: warning: {path}: {w.message}", file=sys.stderr)
    return res


def _rule_set(sessions, used) -> list:
    """The rules of ``--compare-rules`` whose columns ``sessions`` has: the study's own rule, self-report and
    observer (the study's settings when it uses one), coded, trajectory 1 SD and 2 SD."""
    from dataclasses import replace

    from ..sessions.rules import CodedRule, ObserverRule, SelfReportRule, TrajectoryRule

    cols = set(sessions.columns)
    same = lambda cls: used if isinstance(used, cls) else cls()  # noqa: E731
    sr, ob, tr = same(SelfReportRule), same(ObserverRule), same(TrajectoryRule)
    candidates = [used, sr, ob, CodedRule(), replace(tr, c=1.0), replace(tr, c=2.0)]
    needs = {
        SelfReportRule: lambda r: {r.resolution} | ({r.presence} if r.presence else set())
        | ({r.intensity} if r.intensity_threshold is not None else set()),
        ObserverRule: lambda r: {r.resolution} | _column_set(r.withdrawal) | _column_set(r.confrontation),
        TrajectoryRule: lambda r: {r.variable, "session"},
        CodedRule: lambda r: {r.rupture, r.repaired},
    }
    out, labels = [], set()
    for rule in candidates:
        if needs[type(rule)](rule) <= cols and rule.label not in labels:
            out.append(rule)
            labels.add(rule.label)
    return out


def _column_set(columns) -> set:
    """A rule's marker option as a set of column names (one name may be given as text)."""
    return {columns} if isinstance(columns, str) else set(columns)
