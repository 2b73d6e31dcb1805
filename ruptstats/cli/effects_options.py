"""Effect-size options of ``python -m ruptstats.meta``: compute ``yi``/``vi`` from the table before pooling.

- :func:`add_arguments` adds this module's options to the meta parser;
- :class:`EffectRequest` holds what they ask for (read from the parsed options once, by
  :meth:`EffectRequest.from_args`);
- :func:`effects_from_args` returns the caller's table with ``yi``, ``vi``, ``measure`` and ``conversion``
  appended (:func:`ruptstats.effects.escalc` or :func:`ruptstats.effects.convert_table`) when ``--measure``
  or ``--convert-to`` is given, and ``None`` otherwise, in which case the meta command uses its own
  ``--r/--n`` or ``--yi/--vi/--sei`` columns.

The meta parser itself defines ``--r``, ``--n``, ``--yi``, ``--vi``, ``--sei``, ``--study``, ``--level``,
``--drop-missing`` and ``--write-effects``; this module reads ``--r``, ``--n``, ``--level`` and
``--drop-missing`` and adds:

=========================================  ==================================================================
option                                     meaning
=========================================  ==================================================================
``--measure``                              metafor's codes: every key of :data:`~ruptstats.effects.MEASURES`
``--m1 --sd1 --n1 --m2 --sd2 --n2 COL``    group means, SDs, sizes (default columns ``m1i`` or ``m1``, ...)
``--ai --bi --ci --di COL``                2×2 cells (default columns ``ai`` ... ``di``); ``--n1``/``--n2``
                                           instead of ``--bi``/``--di`` give group sizes
``--ri-prepost COL|VALUE``                 SMCR, SMCC, SMCRH: the pre-post correlation, a column or one number
``--xi --ti --mi --r2i COL``               proportions (``xi`` with ``--n``), incidence rates (``xi``, ``ti``),
                                           partial correlations (``ti`` t statistics, ``--n``, ``mi``, ``r2i``)
``--x1i --t1i --x2i --t2i COL``            IRR: events and person-time of the two groups
``--vtype LS|UB|AV|LS2|ST|CS``             variance type where metafor offers one (default LS)
``--add X``, ``--to WHICH``, ``--drop00``  2×2 continuity correction (metafor's ``add``, ``to``, ``drop00``)
``--convert-to COR|ZCOR|SMD``              a mixed-report table (see :mod:`ruptstats.effects.mixed`)
=========================================  ==================================================================

SMCR reuses the group options: ``--m1`` is the post-test mean, ``--m2`` the pre-test mean, ``--sd1`` the
pre-test SD and ``--n`` the sample size, so that improvement (a lower score) is negative as in metafor.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..effects.counts import ADD_TO
from ..effects.measures import MEASURES, escalc
from ..effects.mixed import TARGETS, convert_table
from ..exceptions import OptionError

__all__ = ["EffectRequest", "add_arguments", "effects_from_args", "table_cells"]

# column option -> escalc argument, and the column names tried when the option is not given
_COLUMNS = {
    "m1": ("m1i", ("m1i", "m1")), "sd1": ("sd1i", ("sd1i", "sd1")), "n1": ("n1i", ("n1i", "n1")),
    "m2": ("m2i", ("m2i", "m2")), "sd2": ("sd2i", ("sd2i", "sd2")), "n2": ("n2i", ("n2i", "n2")),
    "ai": ("ai", ("ai",)), "bi": ("bi", ("bi",)), "ci": ("ci", ("ci",)), "di": ("di", ("di",)),
    "r": ("ri", ("r", "ri")), "n": ("ni", ("n", "ni")),
    # proportions, incidence rates, partial correlations (issue 11)
    "xi": ("xi", ("xi",)), "ti": ("ti", ("ti",)), "mi": ("mi", ("mi",)), "r2i": ("r2i", ("r2i",)),
    "x1i": ("x1i", ("x1i",)), "t1i": ("t1i", ("t1i",)), "x2i": ("x2i", ("x2i",)), "t2i": ("t2i", ("t2i",)),
}
_COUNT_MEASURES = ("OR", "RR", "RD", "OR2DN", "OR2DL")
_PREPOST_MEASURES = ("SMCR", "SMCC", "SMCRH")  # the pre-post correlation comes from --ri-prepost
_EXTRA_COLUMNS = (("xi", "events (PR PLN PLO PAS PFT IR)"), ("ti", "person-time (IR) or t statistics (PCOR ZPCOR SPCOR)"),
                  ("mi", "number of predictors (PCOR ZPCOR SPCOR)"), ("r2i", "model R^2 (SPCOR)"),
                  ("x1i", "group 1 events (IRR)"), ("t1i", "group 1 person-time (IRR)"),
                  ("x2i", "group 2 events (IRR)"), ("t2i", "group 2 person-time (IRR)"))


def add_arguments(parser) -> None:
    """Add the effect-size options to ``parser`` (an :class:`argparse.ArgumentParser`)."""
    grp = parser.add_argument_group("effect sizes (computed from the table; see ruptstats.effects)")
    grp.add_argument("--measure", type=str.upper, choices=tuple(MEASURES),
                     help="compute yi/vi with this metafor measure (COR, UCOR, ZCOR use --r and --n)")
    for opt, what in (("m1", "group 1 means (SMCR: post-test means)"), ("sd1", "group 1 SDs (SMCR: pre-test SDs)"),
                      ("n1", "group 1 sizes"), ("m2", "group 2 means (SMCR: pre-test means)"),
                      ("sd2", "group 2 SDs"), ("n2", "group 2 sizes")):
        grp.add_argument(f"--{opt}", metavar="COL", help=f"{what} (default: a column named {opt}i or {opt})")
    for cell, what in (("ai", "group 1 events"), ("bi", "group 1 non-events"), ("ci", "group 2 events"),
                       ("di", "group 2 non-events")):
        grp.add_argument(f"--{cell}", metavar="COL", help=f"2x2 table: {what} (default: a column named {cell})")
    for opt, what in _EXTRA_COLUMNS:
        grp.add_argument(f"--{opt}", metavar="COL", help=f"{what} (default: a column named {opt})")
    grp.add_argument("--vtype", type=str.upper, choices=("LS", "UB", "AV", "LS2", "ST", "CS"),
                     help="variance type where metafor offers one (PR PLN PLO PCOR SPCOR SMCC RPB; default LS)")
    grp.add_argument("--ri-prepost", metavar="COL|VALUE",
                     help="SMCR: correlation between pre- and post-test, a column or one number for all rows")
    grp.add_argument("--add", type=_non_negative_number, metavar="X",
                     help="2x2 tables: value added to cells (default: 0.5)")
    grp.add_argument("--to", choices=ADD_TO,
                     help="2x2 tables: which tables get --add (default: only0, those with a zero cell)")
    grp.add_argument("--drop00", action="store_true", default=None,
                     help="2x2 tables: no yi/vi for tables with no events (or only events) in both groups")
    grp.add_argument("--convert-to", type=str.upper, choices=TARGETS,
                     help="convert a mixed-report table (a 'statistic' column or one statistic column filled "
                          "per row) to this measure")


def _non_negative_number(text: str) -> float:
    """argparse type of ``--add``: a finite number of 0 or more."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number of 0 or more, got {text!r}")
    return value


@dataclass(frozen=True)
class EffectRequest:
    """The effect-size options of one command line.

    Attributes
    ----------
    measure, convert_to : str or None
        ``--measure`` and ``--convert-to`` (at most one of them).
    columns : dict
        Column option (``m1 sd1 n1 m2 sd2 n2 ai bi ci di r n``) to the column given, or None.
    ri_prepost : str or None
        ``--ri-prepost``: a column name or a number, as typed.
    add, to, drop00 : float, str, bool or None
        The 2×2 continuity correction as given (None: not given).
    level : float
        Confidence level in percent (``--convert-to`` uses it to read CIs).
    missing : {"error", "drop"}
        ``--drop-missing`` as :func:`~ruptstats.effects.escalc`'s ``missing=``.
    """

    measure: str | None = None
    convert_to: str | None = None
    columns: dict | None = None
    ri_prepost: str | None = None
    add: float | None = None
    to: str | None = None
    drop00: bool | None = None
    level: float = 95.0
    missing: str = "error"
    vtype: str | None = None

    @classmethod
    def from_args(cls, args) -> EffectRequest:
        """Read the options from a namespace parsed by a parser with :func:`add_arguments` and the meta
        parser's ``--r``, ``--n``, ``--level`` and ``--drop-missing``."""
        options = vars(args)
        return cls(measure=args.measure, convert_to=args.convert_to,
                   columns={dest: options[dest] for dest in _COLUMNS}, ri_prepost=args.ri_prepost,
                   add=args.add, to=args.to, drop00=args.drop00, level=args.level,
                   missing="drop" if args.drop_missing else "error", vtype=getattr(args, "vtype", None))

    def given(self, dest: str):
        """The value given for option ``dest`` (a column option or ``ri_prepost add to drop00``), or None."""
        if dest in _COLUMNS:
            return (self.columns or {}).get(dest)
        return {"ri_prepost": self.ri_prepost, "add": self.add, "to": self.to, "drop00": self.drop00}[dest]


def effects_from_args(table, args):
    """Return ``table`` with ``yi``, ``vi``, ``measure`` and ``conversion``, or ``None`` without a measure.

    ``args`` is the parsed namespace (see :meth:`EffectRequest.from_args`) or an :class:`EffectRequest`.
    Raises :class:`~ruptstats.exceptions.DataError` (naming ``table.attrs["source"]``, the 1-based row and
    the column) for bad cells and :class:`~ruptstats.exceptions.OptionError` for a missing column option.
    """
    req = args if isinstance(args, EffectRequest) else EffectRequest.from_args(args)
    if req.measure is not None and req.convert_to is not None:
        raise OptionError("give either --measure or --convert-to, not both")
    if req.convert_to is not None:
        _check_unused(req, f"--convert-to {req.convert_to}", set())
        return convert_table(table, to=req.convert_to, level=req.level, missing=req.missing)
    if req.measure is None:
        return None
    kwargs = _column_kwargs(table, req)
    if MEASURES[req.measure].correct is not None:
        default_add = 0.0 if req.measure in ("PAS", "PFT") else 0.5  # metafor's escalc defaults
        kwargs.update(add=default_add if req.add is None else req.add, to=req.to or "only0", drop00=bool(req.drop00))
    if req.vtype is not None:
        kwargs["vtype"] = req.vtype
    out = escalc(table, measure=req.measure, missing=req.missing, **kwargs)
    out["conversion"] = _conversion(out, req.measure, kwargs)
    return out


def table_cells(table, args) -> dict:
    """``--method MH``/``PETO``: the 2×2 cell columns (``ai, bi|n1i, ci, di|n2i``) named by ``--ai --bi --ci --di``
    (or ``--n1 --n2``) or found under their default names, as keyword arguments of
    :func:`ruptstats.meta.rma_mh`."""
    req = EffectRequest.from_args(args)
    from dataclasses import replace

    return _column_kwargs(table, replace(req, measure="OR", add=None, to=None, drop00=None))


def _column_kwargs(table, req: EffectRequest) -> dict:
    measure = req.measure
    roles = MEASURES[measure].roles
    used = {dest for dest, (role, _) in _COLUMNS.items() if role in roles}
    if measure in _COUNT_MEASURES:
        used |= {"n1", "n2"}
    if MEASURES[measure].correct is not None:
        used |= {"add", "to", "drop00"}
    if measure in _PREPOST_MEASURES:
        used.add("ri_prepost")
    _check_unused(req, f"--measure {measure}", used)
    kwargs = {}
    for dest, (role, defaults) in _COLUMNS.items():
        if role not in roles or (measure in _PREPOST_MEASURES and role == "ri"):  # ri from --ri-prepost
            continue
        if role in ("bi", "di") and req.given(dest) is None and not set(defaults) & set(table.columns):
            size = "n1" if role == "bi" else "n2"  # events and group sizes instead of the full table
            kwargs[f"{size}i"] = _column(table, req.given(size), _COLUMNS[size][1], size, measure)
            continue
        kwargs[role] = _column(table, req.given(dest), defaults, dest, measure)
    if measure in _PREPOST_MEASURES:
        kwargs["ri"] = _prepost(table, req.ri_prepost, measure)
    return kwargs


def _check_unused(req: EffectRequest, what: str, used: set) -> None:
    """An option that ``what`` does not use is a mistake worth saying, not something to ignore."""
    for dest in [d for d in _COLUMNS if d not in ("r", "n")] + ["ri_prepost", "add", "to", "drop00"]:
        if req.given(dest) is not None and dest not in used:
            raise OptionError(f"--{dest.replace('_', '-')} is not used by {what}")


def _column(table, given, defaults, dest, measure):
    if given is not None:
        return given
    found = next((c for c in defaults if c in table.columns), None)
    if found is None:
        raise OptionError(f"--measure {measure} needs --{dest} COL (no column named "
                          f"{' or '.join(defaults)} in the table)")
    return found


def _prepost(table, value, measure="SMCR"):
    if value is None:
        raise OptionError(f"--measure {measure} needs --ri-prepost COL or VALUE (the pre-post correlation)")
    if value in table.columns:
        return value
    try:
        return float(value)
    except ValueError:
        raise OptionError(f"--ri-prepost {value!r} is neither a column of the table nor a number") from None


def _conversion(out, measure, kwargs) -> list:
    used = ", ".join(str(v) for k, v in kwargs.items() if k not in ("add", "to", "drop00", "vtype"))
    text = f"{measure}: {MEASURES[measure].label} from {used}"
    adjusted = set(out.attrs.get("continuity_rows", []))
    dropped = set(out.attrs.get("dropped_rows", []))
    rows = [r for r in range(1, len(out) + len(dropped) + 1) if r not in dropped]
    note = f"; {kwargs.get('add', 0.5):g} added to each cell (to={kwargs.get('to')!r})"
    return [text + (note if r in adjusted else "") for r in rows]
