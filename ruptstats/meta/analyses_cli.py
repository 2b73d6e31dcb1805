"""Command-line options for moderators, publication bias, sensitivity and dependent effects.

Contract with :mod:`ruptstats.meta.cli`:

- :func:`add_arguments` adds this module's options to the meta parser;
- :func:`run` is called after the overall model is fitted and returns a list of sections
  ``(json_key, json_value, text)``: the CLI adds ``json_key: json_value`` to the JSON object and prints
  ``text`` after the model summary in text and markdown output.

Sections (JSON keys): ``meta_regression`` (``--moderator``), ``permutation_test`` (``--permutations`` with
``--moderator``, or of the pooled model without), ``subgroups_common_tau2`` (``--common-tau2`` with
``--subgroup``), ``bias`` and ``trimfill_result`` (``--bias``; the latter is the
:class:`~ruptstats.meta.trimfill.TrimFillResult` the funnel plot draws: one of :data:`FIGURE_ONLY_KEYS`, passed to
the figures and left out of the JSON object, as is ``egger_result``, whose regression line the funnel plot
draws), ``leave_one_out`` and ``influence`` (``--sensitivity``), ``cumulative`` (``--cumulative COL``),
``three_level`` (``--cluster COL``), ``robust`` (``--robust`` with ``--cluster``), ``gosh`` (``--gosh PATH``,
the per-subset table written to PATH as CSV).
"""

from __future__ import annotations

from ..exceptions import DataError, OptionError, RuptstatsError

__all__ = ["FIGURE_ONLY_KEYS", "add_arguments", "run"]

#: Section keys whose values are result objects for the figures, not JSON output.
FIGURE_ONLY_KEYS = frozenset({"trimfill_result", "egger_result"})

_LOO_KEYS = ("study", "estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q")
_INF_KEYS = ("study", "rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_deleted", "q_deleted", "hat",
             "weight", "influential")
_CUM_KEYS = ("study", "estimate", "ci_lower", "ci_upper", "tau2")
_THREE_KEYS = ("k", "estimate", "se", "statistic", "p", "ci_lower", "ci_upper", "sigma2_cluster", "sigma2_within",
               "i2_cluster", "i2_within", "q", "q_p")
_ROBUST_KEYS = ("estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper")


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
    grp.add_argument("--gosh", metavar="PATH", help="GOSH analysis; write the per-subset table to PATH (CSV)")
    grp.add_argument("--permutations", metavar="N", type=int,
                     help="permutation test with N permutations (exact when all distinct ones are <= N)")
    grp.add_argument("--seed", metavar="N", type=int, default=None,
                     help="seed for random permutations and GOSH subsets (required when they are random)")


def _column(inp, name: str, option: str):
    from .inputs import find_column

    frame = inp.extra
    if frame is None:
        raise DataError(f"{option} {name}: the study table is not available")
    column = find_column(frame, name, option=option, source=frame.attrs.get("source"))
    return frame[column].reset_index(drop=True)


def _rows(table, keys) -> list:
    return [{k: row[k] for k in keys} for row in table.to_dict()]


def run(result, inp, args) -> list:
    """Run the analyses asked for in ``args`` on ``result`` (a MetaResult) and ``inp`` (an EffectInput)."""
    sections: list = []
    if getattr(args, "robust", False) and not getattr(args, "cluster", None):
        raise OptionError("--robust needs --cluster COL (the clusters of the three-level model)")
    if getattr(args, "common_tau2", False) and not getattr(args, "subgroup", None):
        raise OptionError("--common-tau2 needs --subgroup COL")
    if getattr(args, "permutations", None) is not None and args.permutations < 2:
        raise OptionError(f"--permutations {args.permutations}: give at least 2")
    if getattr(args, "moderator", None):
        sections += _moderators(result, inp, args)
    elif getattr(args, "permutations", None) is not None:
        sections.append(_permutations(result, args))
    if getattr(args, "common_tau2", False):
        from .subgroups import subgroup_analysis

        sg = subgroup_analysis(result, _column(inp, args.subgroup, "--subgroup"), tau2="common", name=args.subgroup)
        sections.append(("subgroups_common_tau2", sg.to_dict(), sg.summary()))
    if getattr(args, "bias", False):
        sections += _bias(result)
    if getattr(args, "sensitivity", False):
        from .sensitivity import influence, leave_one_out

        loo, inf = leave_one_out(result), influence(result)
        sections.append(("leave_one_out", _rows(loo, _LOO_KEYS), loo.summary()))
        sections.append(("influence", _rows(inf, _INF_KEYS), inf.summary()))
    if getattr(args, "cumulative", None):
        from .sensitivity import cumulative

        cm = cumulative(result, _column(inp, args.cumulative, "--cumulative"))
        sections.append(("cumulative", _rows(cm, _CUM_KEYS), cm.summary()))
    if getattr(args, "cluster", None):
        sections += _three_level(result, inp, args)
    if getattr(args, "gosh", None):
        sections.append(_gosh(result, args))
    return sections


def _moderators(result, inp, args) -> list:
    from .regression import meta_regression

    frame = inp.extra.reset_index(drop=True) if inp.extra is not None else None
    for name in args.moderator:
        _column(inp, name, "--moderator")
    mr = meta_regression(result, frame[list(args.moderator)], categorical=tuple(args.categorical))
    text = mr.summary()
    if mr.excluded:
        text += f"\n{len(mr.excluded)} row(s) with a missing moderator were left out of the meta-regression only."
    out = [("meta_regression", mr.to_dict(), text)]
    if getattr(args, "permutations", None) is not None:
        out.append(_permutations(mr, args))
    return out


def _permutations(model, args):
    from .permutation import permutation_test

    pt = permutation_test(model, iterations=args.permutations, seed=args.seed)
    return ("permutation_test", pt.to_dict(), pt.summary())


def _attempt(fn, *a, **kw):
    """Run one bias analysis; a domain error becomes ``{"error": message}`` so the others still report."""
    try:
        return fn(*a, **kw), None
    except RuptstatsError as exc:
        return None, str(exc)


def _bias(result) -> list:
    from .bias import egger_test, fail_safe_n, pet_peese, rank_test
    from .selection import selection_model
    from .trimfill import trim_and_fill

    out, texts, sections = {}, [], []
    for key, fn in (("egger", egger_test), ("begg", rank_test), ("failsafe_n", fail_safe_n),
                    ("pet_peese", pet_peese)):
        res, err = _attempt(fn, result)
        out[key] = {"error": err} if err else res.to_dict()
        texts.append(f"{key}: {err}" if err else res.summary())
        if key == "egger" and not err:
            sections.append(("egger_result", res, ""))
    if "intercept" in out["egger"]:
        out["egger"] = {k: out["egger"][k] for k in ("intercept", "se", "statistic", "p", "df")}
    tf, err = _attempt(trim_and_fill, result)
    if err:
        out["trimfill"] = {"error": err}
        texts.append(f"trim-and-fill: {err}")
    else:
        out["trimfill"] = {"k0": tf.k0, "side": tf.side, "estimate": tf.estimate, "se": tf.se,
                           "ci_lower": tf.ci_lower, "ci_upper": tf.ci_upper, "tau2": tf.tau2}
        texts.append(tf.summary())
        sections.append(("trimfill_result", tf, ""))
    sel, err = _attempt(selection_model, result)
    if err:
        out["selection_model"] = {"error": err}
        texts.append(f"selection model: {err}")
    else:
        out["selection_model"] = {"estimate": sel.estimate, "se": sel.se, "tau2": sel.tau2, "delta": sel.delta[1],
                                  "lrt": sel.lrt, "lrt_p": sel.lrt_p}
        texts.append(sel.summary())
    return [("bias", out, "\n\n".join(texts))] + sections


def _three_level(result, inp, args) -> list:
    from .multilevel import three_level
    from .cluster_robust import robust

    tl = three_level(result, _column(inp, args.cluster, "--cluster"))
    full = tl.to_dict()
    out = [("three_level", {k: full[k] for k in _THREE_KEYS}, tl.summary())]
    if args.robust:
        rb = robust(tl)
        rd = rb.to_dict()
        out.append(("robust", {k: rd[k] for k in _ROBUST_KEYS}, rb.summary()))
    return out


def _gosh(result, args):
    from .gosh_subsets import gosh

    method = result.method if result.method in ("FE", "DL") else "DL"
    g = gosh(result, seed=args.seed, method=method)
    try:
        g.summary_frame().to_csv(args.gosh, index=False)
    except OSError as exc:
        raise DataError(f"cannot write the GOSH table to '{args.gosh}': {exc.strerror or exc}") from None
    info = dict(g.to_dict(), path=str(args.gosh))
    note = "" if method == result.method else f" (the model uses {result.method}; GOSH fits DL)"
    return ("gosh", info, g.summary() + note + f"\nPer-subset table written to {args.gosh}")
