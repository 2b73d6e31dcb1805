"""``python -m ruptstats.sessions draft-mapping FILE [--output M.toml]``: a mapping skeleton from a file's columns.

The draft (format: :mod:`ruptstats.sessions.mapping`) guesses:

- canonical names from common spellings (:data:`SPELLINGS`: ``id``/``client``/``klient`` to ``client``,
  ``session``/``sitzung`` to ``session``, ``therapist``/``ther`` to ``therapist``, ...), written in ``[columns]``;
- item columns ``wai1``, ``SRS_2``, ``oq45``, ... (prefixes in :data:`ITEM_PREFIXES`) as ``[instruments]`` stubs
  scoring the built-in instrument into ``alliance`` (WAI-SR, SRS) or ``outcome`` (ORS, OQ-45, PHQ-9, BDI-II);
- SPSS/Stata value labels: recodes for ``rater`` and the boolean columns (``ja``/``nein``, ``yes``/``no``),
  ``[missing]`` codes for labels such as "keine Angabe" or "missing", and a comment for every other label;
- the wide layout when columns look like ``s1_alliance``.

Every column it does not recognise gets a comment line (with the file's variable label), so nothing is mapped
silently. The draft is valid TOML that :func:`ruptstats.sessions.read_mapping` accepts; a ``[rule]`` is left as a
commented choice for the researcher to decide.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from ..exceptions import OptionError
from . import _common

__all__ = ["ITEM_PREFIXES", "SPELLINGS", "build_parser", "draft_mapping", "main"]

PROG = "python -m ruptstats.sessions draft-mapping"

#: Normalised column spellings (lower case, only letters and digits) and the canonical name they suggest.
SPELLINGS = {
    "client": ("id", "client", "clientid", "klient", "klientin", "klientid", "patient", "patientid", "pid",
               "subject", "participant", "code", "vpn", "pat", "patnr"),
    "therapist": ("therapist", "therapistid", "ther", "therapeut", "therapeutin", "th", "thid", "tid"),
    "session": ("session", "sessionnr", "sessionno", "sessionnumber", "sess", "sitzung", "sitzungsnr", "stunde"),
    "study": ("study", "studie", "site"),
    "rater": ("rater", "beurteiler", "informant", "perspective", "perspektive"),
    "rupture": ("rupture", "ruptur", "bruch", "tension", "spannung"),
    "rupture_intensity": ("intensity", "intens", "intensitaet", "intensität", "ruptureintensity"),
    "resolution": ("resolution", "aufl", "aufloesung", "auflösung", "resolved"),
    "repaired": ("repaired", "repair", "repariert"),
    "withdrawal": ("withdrawal", "rueckzug", "rückzug"),
    "confrontation": ("confrontation", "konfrontation"),
    "alliance": ("alliance", "allianz", "hakt", "haq"),
    "outcome": ("outcome", "ergebnis"),
    "pre": ("pre", "prae", "prä", "baseline", "oqpre", "oqprae"),
    "post": ("post", "oqpost", "end"),
    "dropout": ("dropout", "abbruch", "abbrecher"),
    "age": ("age", "alter"),
    "sex": ("sex", "gender", "geschl", "geschlecht"),
}
_LOOKUP = {spelling: canonical for canonical, spellings in SPELLINGS.items() for spelling in spellings}
#: Item-column prefixes: (built-in instrument, canonical target of its total).
ITEM_PREFIXES = {"wai": ("WAI-SR", "alliance"), "srs": ("SRS", "alliance"), "ors": ("ORS", "outcome"),
                 "oq": ("OQ-45", "outcome"), "phq": ("PHQ-9", "outcome"), "bdi": ("BDI-II", "outcome")}
_ITEM = re.compile(r"^(?P<prefix>[A-Za-z]+?)_?(?P<number>\d+)$")
_WIDE = re.compile(r"^(?:s|session_?)\d+_.+$", re.IGNORECASE)
_YES = {"ja", "yes", "y", "j", "true", "wahr", "vorhanden", "present"}
_NO = {"nein", "no", "n", "false", "falsch", "nicht vorhanden", "absent"}
_MISSING = ("keine angabe", "k.a.", "missing", "fehlend", "not assessed", "nicht erhoben", "unknown", "unbekannt",
            "weiss nicht", "weiß nicht", "refused", "verweigert", "n/a")
_RATERS = {"klient": "client", "klientin": "client", "client": "client", "patient": "client",
           "therapeut": "therapist", "therapeutin": "therapist", "therapist": "therapist",
           "beobachter": "observer", "observer": "observer", "rater": "observer"}


def build_parser() -> argparse.ArgumentParser:
    parser = _common.ArgumentParser(
        prog=PROG, description="Write a mapping skeleton (TOML) for a session file from its columns and SPSS/Stata "
                               "value labels; edit it, then run python -m ruptstats.sessions FILE --mapping M.toml.")
    parser.add_argument("file", metavar="FILE", help="session file (.csv .tsv .txt .xlsx .sav .dta .parquet .json)")
    parser.add_argument("--output", metavar="M.toml", help="write the mapping to M.toml (default: standard output)")
    parser.add_argument("--force", action="store_true", help="overwrite M.toml when it exists")
    parser.add_argument("--sheet", help="Excel: sheet name or 0-based index (default: the first sheet)")
    parser.add_argument("--header-row", type=int, metavar="N",
                        help="Excel/text: 1-based row holding the column names (default: guessed, skipping title "
                             "rows)")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return _common.run_command(PROG, lambda: _run(args))


def _run(args) -> int:
    if args.output and Path(args.output).exists() and not args.force:
        raise OptionError(f"{args.output} exists: pass --force to overwrite it")
    sheet = int(args.sheet) if args.sheet is not None and args.sheet.isdigit() else args.sheet
    _common.write_output(draft_mapping(args.file, sheet=sheet, header_row=args.header_row), args.output)
    return 0


def _key(text) -> str:
    """A TOML key or string (JSON string syntax is valid TOML basic-string syntax)."""
    return json.dumps(str(text), ensure_ascii=False)


def _normal(name) -> str:
    return re.sub(r"[^0-9a-zäöüß]", "", str(name).lower())


def _read(path, sheet, header_row):
    """The table and its header row: ``header_row``, else the first of rows 1-10 without unnamed columns."""
    from ..tables import read_table

    if header_row is not None:
        return read_table(path, sheet=sheet, header_row=header_row), header_row
    for row in range(1, 11):
        table = read_table(path, sheet=sheet, header_row=row)
        unnamed = sum(str(c).startswith("Unnamed:") for c in table.columns)
        if unnamed * 2 < len(table.columns) or len(table) <= 1:
            return table, row
    return read_table(path, sheet=sheet), 1


def _wide_variables(columns):
    """Wide layout (``s1_alliance``...): the columns with the session prefixes taken off, each once; else None."""
    wide = [c for c in columns if _WIDE.match(c)]
    if len(wide) < 2:
        return None
    names = [re.sub(r"^(?:s|session_?)\d+_", "", c, flags=re.IGNORECASE) for c in wide]
    return [c for c in columns if c not in wide] + list(dict.fromkeys(names))


def draft_mapping(path, *, sheet=None, header_row=None) -> str:
    """The mapping skeleton (TOML text) for the session file ``path``; see the module docstring.

    ``sheet`` and ``header_row`` as in a mapping's ``[read]`` table; without ``header_row``, title rows above
    the column names are skipped (the first of rows 1-10 where most columns have a name).
    """
    table, header_row = _read(path, sheet, header_row)
    columns = [str(c) for c in table.columns]
    wide = _wide_variables(columns)
    columns = wide or columns
    labels = {str(k): v for k, v in (table.attrs.get("value_labels") or {}).items()}
    notes = {str(k): v for k, v in (table.attrs.get("column_labels") or {}).items() if v}
    items, rest = _items(columns)
    mapped, unknown = {}, []
    for col in rest:
        canonical = _LOOKUP.get(_normal(col))
        if canonical is not None and canonical not in mapped.values():
            mapped[col] = canonical
        else:
            unknown.append(col)
    lines = [f"# Mapping draft for {Path(path).name} written by {PROG}: check every line, then run",
             f"#   python -m ruptstats.sessions {Path(path).name} --mapping THIS.toml",
             f"study = {_key(Path(path).stem)}", ""]
    read = [f"sheet = {_key(sheet) if isinstance(sheet, str) else sheet}"] if sheet is not None else []
    read += [f"header_row = {header_row}              # the row holding the column names"] if header_row != 1 else []
    read += ['layout = "wide"                 # columns such as s1_alliance: one row per client'] if wide else []
    if read:
        lines += ["[read]"] + read + [""]
    lines += ["[columns]                       # file column = canonical name"]
    lines += [f"{_key(col)} = {_key(canon)}" + _comment(notes.get(col)) for col, canon in mapped.items()]
    lines += [f"# {col}: not recognised, kept as a covariate (map it here if it is canonical)"
              + _comment(notes.get(col), sep="; ") for col in unknown]
    lines += [""] + _values(mapped, labels, _suspect_codes(table, mapped)) + _instruments(items)
    lines += ["# [rule]                        # choose one: self_report, observer, trajectory, coded",
              '# type = "trajectory"', "# c = 1.0", ""]
    lines += ["# [clients]                     # a client-level file (pre, post, dropout), relative to this file",
              '# file = "clients.csv"', '# mapping = "clients.toml"', '# instrument = "OQ-45"', ""]
    return "\n".join(lines)


def _comment(text, sep="  # ") -> str:
    return f"{sep}{text}" if text else ""


def _items(columns):
    """``{prefix as written: [columns]}`` of instrument item columns, and the other columns."""
    groups, rest = {}, []
    for col in columns:
        m = _ITEM.match(col)
        if m and m["prefix"].lower() in ITEM_PREFIXES:
            groups.setdefault(col[: len(col) - len(m["number"])], []).append(col)
        else:
            rest.append(col)
    for prefix, cols in list(groups.items()):
        if len(cols) < 2:  # a single "oq1" is more likely a score than an item
            rest += cols
            del groups[prefix]
    return groups, rest


def _instruments(items) -> list:
    lines = []
    targets = set()
    for prefix, cols in items.items():
        key = re.sub(r"[^a-z]", "", prefix.lower())
        name, target = ITEM_PREFIXES[key]
        lines += [f"[instruments.{key}]", f"instrument = {_key(name)}     # {len(cols)} item columns {cols[0]}..",
                  f"items = {_key(prefix + '{}')}", "max_missing = 0                 # prorate up to this many "
                  "missing items"]
        lines += [f"target = {_key(target)}" if target not in targets else f"# target = {_key(target)}  "
                  f"# (already the target of another instrument)", ""]
        targets.add(target)
    return lines


_CODES = (-9, -99, -999, -9999, 9, 99, 999, 9999, 77, 88, 777, 888)


def _suspect_codes(table, mapped) -> dict:
    """Numeric mapped columns holding a typical missing code (99, -9, ...) far outside their other values:
    ``{canonical: {code: count}}``, written as commented suggestions."""
    import numpy as np
    import pandas as pd

    out = {}
    for col, canon in mapped.items():
        if col not in table.columns or not pd.api.types.is_numeric_dtype(table[col].dtype) \
                or pd.api.types.is_bool_dtype(table[col].dtype):
            continue
        x = table[col].to_numpy(dtype=float, na_value=np.nan)
        x = x[np.isfinite(x)]
        codes = {c: int(np.sum(x == c)) for c in _CODES if np.any(x == c)}
        rest = x[~np.isin(x, list(codes))]
        if codes and len(rest):
            lo, hi = rest.min(), rest.max()
            span = max(hi - lo, 1.0)
            codes = {c: n for c, n in codes.items() if c > hi + span or c < lo - span}
            if codes:
                out[canon] = codes
    return out


def _values(mapped, labels, suspects=None) -> list:
    """``[values.<column>]`` recodes, and ``[missing]`` codes from the value labels of the mapped columns (and,
    as comments, the ``suspects`` of :func:`_suspect_codes`)."""
    from ..sessions.schema import BOOLEAN_COLUMNS

    values, missing = [], {}
    for col, canon in list(mapped.items()) + [(c, c) for c in labels if c not in mapped]:
        lab = labels.get(col) or {}
        codes = [code for code, text in lab.items() if str(text).strip().lower() in _MISSING]
        if codes:
            missing[canon] = codes
        lab = {code: text for code, text in lab.items() if code not in codes}
        if not lab:
            continue
        if canon == "rater" or canon in BOOLEAN_COLUMNS:
            known = _RATERS if canon == "rater" else {**{y: True for y in _YES}, **{n: False for n in _NO}}
            values.append(f"[values.{_key(canon)}]          # value labels of {col}")
            for text in lab.values():
                target = known.get(str(text).strip().lower())
                values.append(f"{_key(text)} = {json.dumps(target)}" if target is not None
                              else f"# {_key(text)} = ?")
            values.append("")
        elif canon in mapped.values():
            values.append(f"# {col}: value labels " + ", ".join(f"{_fmt(k)} = {v}" for k, v in lab.items()))
    block = ["[missing]                       # codes that mean missing, per column (\"all\" = every column)"]
    block += [f"{_key(c)} = [{', '.join(_fmt(k) for k in ks)}]  # labelled as missing in the file"
              for c, ks in missing.items()]
    block += [f"# {_key(c)} = [{', '.join(_fmt(k) for k in ks)}]  # " + ", ".join(
        f"{_fmt(k)} occurs {n} times, far outside the other values: a missing code?" for k, n in ks.items())
        for c, ks in (suspects or {}).items() if c not in missing]
    return block + [""] + values


def _fmt(code) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return json.dumps(code) if isinstance(code, str) else str(code)
