"""Mapping files: how one study's file becomes the canonical session table.

A mapping is a TOML file (read with the standard library's :mod:`tomllib`) or the equivalent dict. Every table
and key is optional; a file already in canonical column names needs no mapping at all. Names in ``[values]``,
``[missing]``, ``[instruments]`` and ``[covariates]`` are the names *after* renaming (for wide files: the
variable part of the column name, e.g. ``alliance`` of ``s3_alliance``).

Order of work: read → reshape (wide) → rename → keep → missing codes (on the raw codes) → value labels (SPSS,
Stata; not for numeric canonical columns and instrument items, which keep their codes) → recodes and canonical
dtypes → checks → instrument scoring → pseudonymisation → sorting. Missing codes declared as user-missing inside
an SPSS file are missing already when it is read.

.. code-block:: toml

    study = "Example study"             # study label when the file has no study column

    [read]
    sheet = "sessions"                  # Excel: sheet name or 0-based index
    header_row = 1                      # Excel/text: 1-based row holding the column names
    layout = "wide"                     # "long" (default: one row per session) or "wide"
    wide_pattern = '^s(?P<session>\\d+)_(?P<variable>.+)$'  # wide: regex with groups session and variable

    [columns]                           # file column = canonical (or new) name
    Klient = "client"
    Sitzung = "session"

    [covariates]
    keep = "all"                        # unmapped columns to keep: "all" (default), or a list of names
    client_level = ["age", "sex"]       # covariates constant within a client (checked; go to the client table)

    [values.rupture]                    # recodes per column (keys matched as text, case-insensitively;
                                        # for SPSS/Stata columns with value labels the keys are the labels)
    ja = true
    nein = false

    [missing]                           # codes that mean "missing", per column; "all" applies to every column
    all = [-9]
    rupture_intensity = [99]

    [instruments.wai]                   # score item columns; result <key>_total etc., copied to target
    instrument = "WAI-SR"               # a built-in name, or declare one with n_items/range/reverse/subscales
    items = "wai{}"                     # template ({} = item number) or a list of columns
    max_missing = 2                     # prorate a scale with up to this many missing items
    target = "alliance"                 # canonical column that receives the total

    [instruments.hsc]                   # a declared instrument states its direction (needed for outcome use)
    items = "hsc{}"
    n_items = 10
    range = [1, 7]
    higher_is_better = false            # a higher score is worse
    target = "outcome"
    [instruments.hsc.norms]             # optional outcome norms (ruptstats.sessions.Norms fields), cite the source
    reliability = 0.85
    source = "Author (year), table 2"

    [rule]                              # rupture/repair rule, see ruptstats.sessions.rules.make_rule
    type = "trajectory"                 # or "self_report", "observer", "coded" (rupture/repaired as given)
    c = 1.0

    [condition]
    by = "any"                          # client condition: "any" repaired rupture, or "last" rupture

    [clients]                           # client-level data of this study (``python -m ruptstats.sessions``)
    file = "study_clients.csv"          # a client file (one row per client: pre, post, dropout, ...), read with
    mapping = "study_clients.toml"      #   read_clients and this mapping; both paths relative to this mapping
    instrument = "OQ-45"                # the scale of pre and post: a built-in name (its direction and norms),
    # higher_is_better = false          #   or the direction alone, for a scale without a built-in definition

    [privacy]
    pseudonymise = ["client", "therapist"]   # keyed HMAC-SHA256 pseudonyms; the key comes from key= or:
    key_env = "RUPTSTATS_PSEUDONYM_KEY"      # the environment variable holding the key

    [checks]
    missing = "error"                   # "error" or "drop" (invalid rows dropped, reported, warned);
                                        # the older key on_invalid = "error"/"exclude" still works
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .._checks import check_choice, check_number
from ..exceptions import OptionError
from .instruments import Instrument, Norms, get_instrument, item_columns

__all__ = ["ClientsSpec", "Mapping", "InstrumentSpec", "read_mapping"]

_TOP = {"study", "read", "columns", "covariates", "values", "missing", "instruments", "rule", "condition",
        "clients", "privacy", "checks"}
_SECTIONS = {
    "read": {"sheet", "header_row", "layout", "wide_pattern"},
    "covariates": {"keep", "client_level"},
    "condition": {"by"},
    "privacy": {"pseudonymise", "key_env"},
    "clients": {"file", "mapping", "instrument", "higher_is_better"},
    "checks": {"missing", "on_invalid"},
}
_INSTRUMENT_KEYS = {"instrument", "items", "max_missing", "score", "target", "n_items", "range", "reverse",
                    "subscales", "integer", "higher_is_better", "norms"}
DEFAULT_WIDE_PATTERN = r"^(?:s|session_?)(?P<session>\d+)_(?P<variable>.+)$|^(?P<variable2>.+?)_(?P<session2>\d+)$"


@dataclass(frozen=True)
class InstrumentSpec:
    """One ``[instruments.<key>]`` table: which instrument, its item columns and where the total goes."""

    key: str
    instrument: Instrument
    items: object
    max_missing: object = 0
    score: str = "sum"
    target: str | None = None


@dataclass(frozen=True)
class ClientsSpec:
    """The ``[clients]`` table: the study's client-level file and the scale of its ``pre``/``post`` scores.

    ``file`` and ``mapping`` are resolved against the mapping file's folder (against the working directory for
    a mapping given as a dict); ``instrument`` is the built-in :class:`~ruptstats.sessions.Instrument` named,
    and ``higher_is_better`` its direction or the one stated (None when neither says).
    """

    file: str | None = None
    mapping: str | None = None
    instrument: Instrument | None = None
    higher_is_better: bool | None = None


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping (see the module docstring for the file format); build it with :func:`read_mapping`.

    ``rule`` is the ``[rule]`` table as written (a dict) and :attr:`rule_object` the rule built from it.
    """

    source: str = "(no mapping)"
    study: str | None = None
    sheet: object = None
    header_row: int = 1
    layout: str = "long"
    wide_pattern: str = DEFAULT_WIDE_PATTERN
    columns: dict = field(default_factory=dict)
    keep: object = "all"
    client_level: tuple = ()
    values: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    instruments: tuple = ()
    rule: dict | None = None
    condition_by: str = "any"
    pseudonymise: tuple = ()
    key_env: str | None = None
    on_invalid: str = "error"
    clients: ClientsSpec | None = None

    def key(self, given: str | bytes | None) -> bytes | None:
        """The pseudonymisation key: ``given``, else the environment variable ``key_env``."""
        if given is None and self.key_env:
            given = os.environ.get(self.key_env)
        if given is None:
            return None
        return given.encode("utf-8") if isinstance(given, str) else bytes(given)

    @cached_property
    def rule_object(self):
        """The ``[rule]`` table as a rule object (:func:`~ruptstats.sessions.make_rule`), or None without one.

        ``rule`` keeps the table as written (a dict, for reports); pass this object on:
        ``classify_sessions(sessions, rule=mapping.rule_object)``.

        >>> read_mapping({"rule": {"type": "trajectory", "c": 2}}).rule_object.label
        'trajectory (c=2, sd=sample, m=3)'
        """
        if self.rule is None:
            return None
        from .rules import make_rule

        return make_rule(self.rule)


def read_mapping(mapping=None) -> Mapping:
    """Return a :class:`Mapping` from a TOML file path, a dict of the same structure, a Mapping, or None.

    Raises
    ------
    OptionError
        Unknown tables or keys, or values outside their allowed set; the message names the file and the key.

    Examples
    --------
    >>> m = read_mapping({"columns": {"Klient": "client"}, "missing": {"all": [-9]}, "rule": {"type": "observer"}})
    >>> m.columns, m.missing, m.rule["type"]
    ({'Klient': 'client'}, {'all': (-9,)}, 'observer')
    """
    if isinstance(mapping, Mapping):
        return mapping
    if mapping is None:
        return Mapping()
    source = "(mapping dict)"
    if isinstance(mapping, (str, os.PathLike)):
        source = str(mapping)
        try:
            with open(Path(mapping), "rb") as fh:
                mapping = tomllib.load(fh)
        except FileNotFoundError:
            raise OptionError(f"mapping file not found: {source}") from None
        except tomllib.TOMLDecodeError as exc:
            raise OptionError(f"{source}: not valid TOML ({exc})") from None
        except UnicodeDecodeError as exc:  # TOML is UTF-8: a Latin-1 or UTF-16 file
            raise OptionError(f"{source}: not valid TOML (byte {exc.start + 1} is not UTF-8 text; save the "
                              f"mapping as UTF-8)") from None
    if not isinstance(mapping, dict):
        raise OptionError(f"mapping={mapping!r} must be a TOML file path, a dict or None")
    return _parse(mapping, source)


def _unknown(source: str, where: str, keys, allowed) -> None:
    extra = sorted(set(keys) - set(allowed))
    if extra:
        raise OptionError(f"{source}: unknown key(s) {extra} in {where}; allowed: {', '.join(sorted(allowed))}")


def _table(raw: dict, name: str, source: str) -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise OptionError(f"{source}: [{name}] must be a table, got {value!r}")
    if name in _SECTIONS:
        _unknown(source, f"[{name}]", value, _SECTIONS[name])
    return value


def _names(source: str, where: str, value) -> tuple:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise OptionError(f"{source}: {where} must be a list of column names, got {value!r}")
    return tuple(value)


def _parse(raw: dict, source: str) -> Mapping:
    _unknown(source, "the mapping", raw, _TOP)
    read, cov, cond = _table(raw, "read", source), _table(raw, "covariates", source), _table(raw, "condition", source)
    priv, checks = _table(raw, "privacy", source), _table(raw, "checks", source)
    columns = _table(raw, "columns", source)
    if not all(isinstance(v, str) for v in columns.values()):
        raise OptionError(f"{source}: [columns] values must be column names (text)")
    targets = list(columns.values())
    dupes = sorted({t for t in targets if targets.count(t) > 1})
    if dupes:
        raise OptionError(f"{source}: [columns] maps several file columns to {dupes}")
    layout = check_choice(f"{source}: [read] layout", read.get("layout", "long"), ["long", "wide"])
    pattern = read.get("wide_pattern", DEFAULT_WIDE_PATTERN)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise OptionError(f"{source}: [read] wide_pattern is not a valid regular expression ({exc})") from None
    if not {"session", "variable"} <= set(compiled.groupindex):
        raise OptionError(f"{source}: [read] wide_pattern needs named groups (?P<session>…) and (?P<variable>…)")
    keep = cov.get("keep", "all")
    keep = "all" if keep == "all" else _names(source, "[covariates] keep", keep)
    missing = {}
    for col, codes in _table(raw, "missing", source).items():
        codes = codes if isinstance(codes, list) else [codes]
        if not all(isinstance(c, (int, float, str)) and not isinstance(c, bool) for c in codes):
            raise OptionError(f"{source}: [missing] {col} must be a list of codes (numbers or text)")
        missing[col] = tuple(codes)
    values = _table(raw, "values", source)
    if not all(isinstance(v, dict) for v in values.values()):
        raise OptionError(f"{source}: [values.<column>] tables must map file values to new values")
    rule = raw.get("rule")
    if rule is not None:
        if not isinstance(rule, dict) or "type" not in rule:
            raise OptionError(f"{source}: [rule] must be a table with a type (self_report, observer, trajectory, "
                              f"coded)")
        from .rules import make_rule

        try:
            make_rule(rule)  # checks the type and options now, naming them
        except OptionError as exc:
            raise OptionError(f"{source}: [rule] {exc}") from None
    sheet = read.get("sheet")
    header_row = check_number(f"{source}: [read] header_row", read.get("header_row", 1), low=1, integer=True)
    return Mapping(
        source=source, study=_study(raw.get("study"), source), sheet=sheet, header_row=header_row,
        layout=layout, wide_pattern=pattern, columns=dict(columns), keep=keep,
        client_level=_names(source, "[covariates] client_level", cov.get("client_level", [])),
        values={k: dict(v) for k, v in values.items()}, missing=missing,
        instruments=tuple(_instrument(k, v, source) for k, v in _table(raw, "instruments", source).items()),
        rule=rule, condition_by=check_choice(f"{source}: [condition] by", cond.get("by", "any"), ["any", "last"]),
        pseudonymise=_names(source, "[privacy] pseudonymise", priv.get("pseudonymise", [])),
        key_env=priv.get("key_env"),
        on_invalid=_checks_policy(source, checks),
        clients=_clients(_table(raw, "clients", source), source) if "clients" in raw else None,
    )


def _clients(table: dict, source: str) -> ClientsSpec:
    """The ``[clients]`` table (module docstring), paths resolved against the mapping file's folder."""
    folder = Path(source).parent if source != "(mapping dict)" else Path()
    paths = {}
    for key in ("file", "mapping"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise OptionError(f"{source}: [clients] {key} must be a file path (text), got {value!r}")
        paths[key] = str(folder / value) if value is not None else None
    if paths["mapping"] is not None and paths["file"] is None:
        raise OptionError(f"{source}: [clients] mapping needs file (the client file it maps)")
    better = table.get("higher_is_better")
    if better is not None and not isinstance(better, bool):
        raise OptionError(f"{source}: [clients] higher_is_better must be true or false, got {better!r}")
    try:
        inst = get_instrument(table["instrument"]) if "instrument" in table else None
    except OptionError as exc:
        raise OptionError(f"{source}: [clients] {exc}") from None
    if inst is not None and better is not None and inst.higher_is_better not in (None, better):
        raise OptionError(f"{source}: [clients] higher_is_better = {str(better).lower()} contradicts instrument "
                          f"{inst.name!r} (higher_is_better = {str(inst.higher_is_better).lower()})")
    if better is None and inst is not None:
        better = inst.higher_is_better
    return ClientsSpec(file=paths["file"], mapping=paths["mapping"], instrument=inst, higher_is_better=better)


def _checks_policy(source, checks) -> str:
    """``[checks] missing`` ("error"/"drop", the API's spelling) or the older ``on_invalid`` ("error"/"exclude").

    Stored in the older spelling (``Mapping.on_invalid``); the loaders map ``"exclude"`` to ``missing="drop"``.
    """
    if "missing" in checks and "on_invalid" in checks:
        raise OptionError(f"{source}: [checks] give missing or on_invalid, not both")
    if "missing" in checks:
        value = check_choice(f"{source}: [checks] missing", checks["missing"], ["error", "drop"])
        return "exclude" if value == "drop" else "error"
    return check_choice(f"{source}: [checks] on_invalid", checks.get("on_invalid", "error"), ["error", "exclude"])


def _study(value, source):
    if value is not None and not isinstance(value, str):
        raise OptionError(f"{source}: study must be text, got {value!r}")
    return value


def _instrument(key: str, spec, source: str) -> InstrumentSpec:
    where = f"[instruments.{key}]"
    try:
        return _instrument_spec(key, spec, source, where)
    except OptionError as exc:
        text = str(exc)
        raise OptionError(text if text.startswith(source) else f"{source}: {where} {exc}") from None


def _instrument_spec(key: str, spec, source: str, where: str) -> InstrumentSpec:
    if not isinstance(spec, dict):
        raise OptionError(f"{source}: {where} must be a table")
    _unknown(source, where, spec, _INSTRUMENT_KEYS)
    if "items" not in spec:
        raise OptionError(f"{source}: {where} needs items (a list of columns or a template such as 'wai{{}}')")
    declared = {"n_items", "range", "reverse", "subscales", "integer", "higher_is_better", "norms"} & set(spec)
    if "instrument" in spec and declared:
        raise OptionError(f"{source}: {where} names a built-in instrument and also declares {sorted(declared)}")
    if "instrument" in spec:
        inst = get_instrument(spec["instrument"])
    else:
        items = spec["items"]
        n_items = spec.get("n_items", len(items) if isinstance(items, list) else None)
        rng = spec.get("range")
        if n_items is None or not (isinstance(rng, list) and len(rng) == 2):
            raise OptionError(f"{source}: {where} declares an instrument: give range = [low, high] and, with an "
                              f"items template, n_items")
        subscales = spec.get("subscales", {})
        if not isinstance(subscales, dict):
            raise OptionError(f"{source}: {where} subscales must be a table name = [item numbers]")
        better = spec.get("higher_is_better")
        if better is not None and not isinstance(better, bool):
            raise OptionError(f"{source}: {where} higher_is_better must be true or false, got {better!r}")
        norms = spec.get("norms")
        if norms is not None and not isinstance(norms, dict):
            raise OptionError(f"{source}: {where} norms must be a table of Norms fields")
        try:
            norms = Norms.coerce(norms)
        except OptionError as exc:
            raise OptionError(f"{source}: {where} {exc}") from None
        inst = Instrument(key, n_items, rng[0], rng[1], reverse=tuple(spec.get("reverse", ())),
                          subscales={k: tuple(v) for k, v in subscales.items()}, integer=spec.get("integer", True),
                          reference=f"declared in {source}", higher_is_better=better, norms=norms)
    items = spec["items"]
    if not isinstance(items, str) and not (isinstance(items, list) and all(isinstance(i, str) for i in items)):
        raise OptionError(f"items={items!r} must be a list of column names or a template containing '{{}}'")
    item_columns(inst, items)  # a template without {} or a list of the wrong length
    score = check_choice(f"{source}: {where} score", spec.get("score", "sum"), ["sum", "mean"])
    return InstrumentSpec(key, inst, spec["items"], spec.get("max_missing", 0), score, spec.get("target"))
