"""Read a rectangular table from any file a researcher is likely to have.

One entry point, :func:`read_table`, chosen by the file's extension:

========================  ===========================================================================
extension                 reader
========================  ===========================================================================
``.csv .tsv .txt``        delimiter sniffed (``, ; tab |``); decimal commas recognised in semicolon or
                          tab files (as European spreadsheet software writes them); UTF-8 with or
                          without BOM, Latin-1 as fallback
``.xlsx .xlsm``           openpyxl; ``sheet`` and ``header_row`` options
``.parquet``              pyarrow
``.json``                 a list of records, ``{"studies": [...]}`` / ``{"data": [...]}``, or a
                          column-oriented object
``.sav .zsav .por``       SPSS via pyreadstat; value labels become ordered categoricals
``.dta``                  Stata via pyreadstat; value labels become categoricals
========================  ===========================================================================

Every failure is a :class:`~ruptstats.exceptions.TableReadError` naming the file. Data rows are numbered from
1 (the first row below the header), the numbering used in every later error message.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import TableReadError

__all__ = ["read_table", "TABLE_EXTENSIONS", "sniff_csv_format", "check_unique_names"]

TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
SPSS_EXTENSIONS = (".sav", ".zsav", ".por")
TABLE_EXTENSIONS = TEXT_EXTENSIONS + EXCEL_EXTENSIONS + (".parquet", ".json", ".dta") + SPSS_EXTENSIONS

_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+(?:[eE][-+]?\d+)?\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[-+]?\d*\.\d+(?:[eE][-+]?\d+)?\s*$")


def read_table(path, *, sheet=None, header_row: int = 1, keep_value_labels: bool = True, engine: str = "pandas",
               categorical=()) -> pd.DataFrame:
    """Read a study or session table into a DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Its extension chooses the reader (see the module docstring).
    sheet : str or int, optional
        Excel only: sheet name or 0-based index (default: the first sheet).
    header_row : int, default 1
        Excel and text files: the 1-based line that holds the column names (rows above it are skipped).
    keep_value_labels : bool, default True
        SPSS and Stata only: turn labelled values into categoricals holding the labels.
    engine : {"pandas", "pyarrow"}, default "pandas"
        Text files only: the parser. ``"pyarrow"`` reads large files several times faster (multi-threaded
        ``pyarrow.csv``) with the same delimiter and decimal-comma sniffing and the Latin-1 fallback; it does
        not strip blanks around fields (numbers written with blanks stay text). Other formats ignore it.
    categorical : sequence of str, default ()
        Columns to return as categoricals of text (e.g. identifiers), categories in order of first appearance;
        names not in the file are ignored. Every reader reads them as text (CSV and Excel cells are never
        parsed as numbers, so ``007`` stays ``007``; numbers stored as numbers, as in SPSS, Stata, Parquet or
        JSON, become their plain text, ``7``). The pyarrow engine dictionary-encodes them while parsing, which is
        much faster than converting afterwards.

    Returns
    -------
    pandas.DataFrame
        One row per data row, columns as in the file (names stripped of surrounding white space). The
        attribute ``df.attrs["source"]`` holds the file name for later error messages; for SPSS and Stata
        files ``df.attrs["value_labels"]`` and ``df.attrs["column_labels"]`` keep the metadata.

    Raises
    ------
    TableReadError
        The file is missing, empty, binary where text was expected, has a header but no rows, or cannot be
        parsed; the message names the file.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "t.csv")
    >>> _ = open(p, "w", encoding="utf-8").write("study;r;n\\nA;0,31;40\\nB;0,12;55\\n")
    >>> read_table(p)["r"].tolist()
    [0.31, 0.12]
    """
    p = Path(os.fspath(path))
    name = str(path)
    if not p.exists():
        raise TableReadError("file not found", source=name)
    if p.is_dir():
        raise TableReadError("is a folder, not a table file", source=name)
    if p.stat().st_size == 0:
        raise TableReadError("the file is empty", source=name)
    ext = p.suffix.lower()
    if engine not in ("pandas", "pyarrow"):
        raise TableReadError(f"engine={engine!r} is not allowed; choose one of 'pandas', 'pyarrow'", source=name)
    categorical = [categorical] if isinstance(categorical, str) else list(categorical)
    if header_row < 1:
        raise TableReadError(f"header_row must be 1 or more, got {header_row}", source=name)
    try:
        if ext in TEXT_EXTENSIONS and engine == "pyarrow":
            df = _read_text_arrow(p, name, header_row, categorical)
        elif ext in TEXT_EXTENSIONS:
            df = _read_text(p, name, header_row, categorical)
        elif ext in EXCEL_EXTENSIONS:
            df = _read_excel(p, name, sheet, header_row, categorical)
        elif ext == ".parquet":
            df = pd.read_parquet(p)
        elif ext == ".json":
            df = _read_json(p, name)
        elif ext in SPSS_EXTENSIONS or ext == ".dta":
            df = _read_stat(p, name, ext, keep_value_labels)
        else:
            allowed = " ".join(TABLE_EXTENSIONS)
            raise TableReadError(f"unknown file type '{ext or '(none)'}'; expected one of {allowed}", source=name)
    except TableReadError:
        raise
    except Exception as exc:  # parser-specific errors (pyarrow, openpyxl, pyreadstat) have no common base
        from .cells import values_hidden

        detail = "" if values_hidden() else f" ({_short(exc)})"  # a parser may echo cells (identifiers)
        raise TableReadError(f"could not be read as a {ext or 'table'} file{detail}", source=name) from None
    df = _tidy(df, name)
    if ext in (".json", ".parquet"):
        _check_flat(df, name)
    labelled = df.attrs.get("value_labels") or {}
    for col in categorical:  # labelled codes (SPSS, Stata) stay codes: the caller maps them to their labels
        if col in df.columns and not isinstance(df[col].dtype, pd.CategoricalDtype) and not labelled.get(col):
            text = df[col].map(lambda v: v if (pd.isna(v) or isinstance(v, str)) else _num_text(v),
                               na_action="ignore")
            df[col] = pd.Categorical(text, categories=pd.unique(text.dropna()))  # order of first appearance
    df.attrs["source"] = name
    return df


def _check_flat(df: pd.DataFrame, name: str) -> None:
    """Cells of a JSON or Parquet table as plain values: bytes (a Parquet binary column) are read as UTF-8 text;
    a list or an object (nested JSON, a Parquet list or struct column) is an error naming the cell."""
    for col in df.columns:
        s = df[col]
        if s.dtype != object:
            continue
        kinds = [("a list" if isinstance(v, (list, tuple, np.ndarray)) else "an object" if isinstance(v, dict)
                  else "bytes" if isinstance(v, (bytes, bytearray)) else None) for v in s.array]
        if not any(kinds):
            continue
        for row, kind in enumerate(kinds):
            if kind in ("a list", "an object"):
                raise TableReadError(f"expected one value (a number or text) in each cell, got {kind}",
                                     source=name, row=row + 1, column=col)
        values = list(s.array)
        for row, kind in enumerate(kinds):
            if kind == "bytes":
                try:
                    values[row] = bytes(values[row]).decode("utf-8")
                except UnicodeDecodeError:
                    raise TableReadError("expected text or a number, got bytes that are not UTF-8 text",
                                         source=name, row=row + 1, column=col) from None
        df[col] = pd.Series(values, index=s.index, dtype=object)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first[:160]


def _tidy(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df.shape[1] == 0:
        raise TableReadError("no columns found", source=name)
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise TableReadError("has a header but no data rows", source=name)
    check_unique_names(df.columns, name)
    return df.reset_index(drop=True)


# --- text files ------------------------------------------------------------------------------------------------

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" export: UTF-16 with a byte-order mark


def _decode(raw: bytes, name: str) -> str:
    if raw[:2] in _UTF16_BOMS:
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise TableReadError("starts with a UTF-16 byte-order mark but is not UTF-16 text", source=name) from None
    if b"\x00" in raw[:8192]:
        raise TableReadError("looks like a binary file, not a text table (found NUL bytes)", source=name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def sniff_csv_format(text: str) -> tuple[str, str]:
    """Return ``(delimiter, decimal)`` for the text of a delimited file.

    The delimiter is the one of ``, ; tab |`` that splits the first lines into the same number (> 1) of
    fields; the decimal mark is a comma when the delimiter is not a comma and numeric-looking fields use
    decimal commas (``0,31``) but none uses a decimal point.

    >>> sniff_csv_format("a;b\\n1,5;2\\n")
    (';', ',')
    >>> sniff_csv_format("a,b\\n1.5,2\\n")
    (',', '.')
    """
    lines = [ln for ln in text.splitlines() if ln.strip()][:50]
    sample = "\n".join(lines)
    delimiter = ","
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        best = -1
        for cand in ("\t", ";", ",", "|"):
            counts = {ln.count(cand) for ln in lines}
            if len(counts) == 1 and (n := counts.pop()) > best and n > 0:
                best, delimiter = n, cand
    decimal = "."
    if delimiter != ",":
        fields = [f for ln in lines[1:] for f in next(csv.reader([ln], delimiter=delimiter))]
        has_comma = any(_DECIMAL_COMMA.match(f) for f in fields)
        has_point = any(_DECIMAL_POINT.match(f) for f in fields)
        if has_comma and not has_point:
            decimal = ","
    return delimiter, decimal


def _header_fields(text: str, delimiter: str) -> list[str]:
    """The column names of the first non-blank line of ``text``, stripped."""
    for line in text.splitlines():
        if line.strip():
            return [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]
    return []


def check_unique_names(names, name: str) -> None:
    """Raise :class:`TableReadError` naming both positions of the first column name given twice."""
    seen: dict[str, int] = {}
    for pos, col in enumerate(map(str, names), start=1):
        col = col.strip()
        if col in seen:
            raise TableReadError(f"columns {seen[col]} and {pos} are both named '{col}'; rename one of them",
                                 source=name)
        seen[col] = pos


def _ragged_row(text: str, delimiter: str, width: int) -> tuple[int, int] | None:
    """The first data row (1-based) whose number of fields differs from the header's ``width``, and its count."""
    rows = (r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r)
    next(rows, None)
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            return number, len(row)
    return None


def _ragged_error(text: str, delimiter: str, name: str) -> TableReadError:
    """A parse error by data row and field counts only (never the row's content: it may hold identifiers)."""
    width = len(_header_fields(text, delimiter))
    found = _ragged_row(text, delimiter, width)
    if found is None:
        return TableReadError(f"rows could not be parsed into {width} fields (check quotes)", source=name)
    row, count = found
    return TableReadError(f"data row {row} has {count} fields but the header has {width} columns", source=name)


def _read_text(p: Path, name: str, header_row: int, text_columns=()) -> pd.DataFrame:
    text = _decode(p.read_bytes(), name)
    if not text.strip():
        raise TableReadError("the file is empty", source=name)
    lines = text.splitlines()
    if header_row > 1:
        if not "".join(lines[header_row - 1:]).strip():
            raise TableReadError(f"header_row={header_row}, but the file has no text from line {header_row} on "
                                 f"({len(lines)} lines)", source=name)
        text = "\n".join(lines[header_row - 1:])
    delimiter, decimal = sniff_csv_format(text)
    if p.suffix.lower() == ".tsv":
        delimiter = "\t"
    check_unique_names(_header_fields(text, delimiter), name)
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, decimal=decimal, skipinitialspace=True,
                           thousands=None, dtype={c: str for c in text_columns} or None)
    except pd.errors.EmptyDataError:
        raise TableReadError("the file is empty", source=name) from None
    except pd.errors.ParserError:
        raise _ragged_error(text, delimiter, name) from None


def _read_text_arrow(p: Path, name: str, header_row: int, categorical) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(p, "rb") as fh:
        head = fh.read(1 << 16)
    sample = _decode(head, name)
    lines = sample.splitlines()
    if len(head) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    n_lines, lines = len(lines), lines[header_row - 1:]
    if not "".join(lines).strip():
        if header_row > 1 and len(head) < 1 << 16:
            raise TableReadError(f"header_row={header_row}, but the file has no text from line {header_row} on "
                                 f"({n_lines} lines)", source=name)
        raise TableReadError("the file is empty", source=name)
    delimiter, decimal = sniff_csv_format("\n".join(lines))
    if p.suffix.lower() == ".tsv":
        delimiter = "\t"
    check_unique_names(_header_fields("\n".join(lines), delimiter), name)
    text_type = pa.dictionary(pa.int32(), pa.string())
    convert = pacsv.ConvertOptions(decimal_point=decimal, strings_can_be_null=True,
                                   column_types={c: text_type for c in categorical})
    parse = pacsv.ParseOptions(delimiter=delimiter)
    encodings = ("utf-16",) if head[:2] in _UTF16_BOMS else ("utf8", "latin-1") if _utf8_prefix(head) else ("latin-1",)
    for encoding in encodings:
        try:
            table = pacsv.read_csv(p, read_options=pacsv.ReadOptions(skip_rows=header_row - 1, encoding=encoding),
                                   parse_options=parse, convert_options=convert)
            return _arrow_to_pandas(table)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if encoding == "utf8" and (isinstance(exc, UnicodeDecodeError) or "UTF8" in str(exc)):
                continue
            if "Empty CSV" in str(exc):
                raise TableReadError("the file is empty", source=name) from None
            # pyarrow's message echoes the row (identifiers included): give its number and field count only
            text = "\n".join(_decode(p.read_bytes(), name).splitlines()[header_row - 1:])
            raise _ragged_error(text, delimiter, name) from None


def _arrow_to_pandas(table) -> pd.DataFrame:
    """``table.to_pandas()``, with dictionary-encoded text columns turned into categoricals directly.

    For a column of 50,000 client identifiers ``to_pandas`` takes about 16 ms; here the codes are the indices of
    the unified dictionary (categories in order of first appearance, as ``to_pandas`` gives them) and the
    categories the dictionary converted as ``to_pandas`` converts text (Arrow-backed ``str`` with pandas 3):
    about 5 ms. The other columns are converted by ``to_pandas`` and joined without copying.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    direct = [name for name, field in zip(table.column_names, table.schema)
              if pa.types.is_dictionary(field.type) and pa.types.is_string(field.type.value_type)]
    if not direct or len(set(table.column_names)) < table.num_columns:  # duplicated names: _tidy reports them
        return table.to_pandas()
    converted = {}
    for name in direct:
        col = table.column(name).unify_dictionaries()
        if col.num_chunks == 0 or len(col.chunk(0).dictionary) == 0:
            continue  # no text at all: left to to_pandas
        codes = pa.chunked_array([ch.indices for ch in col.chunks], type=col.type.index_type)
        if codes.null_count:
            codes = pc.fill_null(codes, -1)
        categories = pd.Index(col.chunk(0).dictionary.to_pandas())
        converted[name] = pd.Categorical.from_codes(codes.to_numpy(), dtype=pd.CategoricalDtype(categories))
    if not converted:
        return table.to_pandas()
    df = table.drop_columns(list(converted)).to_pandas()
    df = pd.concat([df, pd.DataFrame(converted, index=df.index, copy=False)], axis=1)  # no copies
    return df[table.column_names]


def _utf8_prefix(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file) is UTF-8, allowing a character cut at its end."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.start >= len(head) - 3
    return True


# --- other formats ---------------------------------------------------------------------------------------------

def _excel_header(p: Path, sheet, header_row: int) -> list:
    """The cells of the header row (read-only openpyxl: cheap even for a large sheet)."""
    import openpyxl

    book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    try:
        if sheet is None or isinstance(sheet, int):
            ws = book.worksheets[sheet or 0]
        else:
            ws = book[sheet]
        for row in ws.iter_rows(min_row=header_row, max_row=header_row, values_only=True):
            return [c for c in row if c is not None]
        return []
    finally:
        book.close()


def _read_excel(p: Path, name: str, sheet, header_row: int, text_columns=()) -> pd.DataFrame:
    try:
        check_unique_names(_excel_header(p, sheet, header_row), name)
    except (KeyError, IndexError):
        raise TableReadError(f"sheet {sheet!r} not found", source=name) from None
    try:
        return pd.read_excel(p, sheet_name=0 if sheet is None else sheet, header=header_row - 1,
                             engine="openpyxl", dtype={c: str for c in text_columns} or None)
    except ValueError as exc:
        if "Worksheet" in str(exc) or "not found" in str(exc):
            raise TableReadError(f"sheet {sheet!r} not found", source=name) from None
        if "but only" in str(exc) and "lines in file" in str(exc):  # pandas: header row below the last row
            raise TableReadError(f"header_row={header_row} is below the last row of the sheet", source=name) from None
        raise


def _unique_keys(pairs, name: str) -> dict:
    """A JSON object as a dict; a key given twice (two columns of one name) is an error naming it."""
    out = dict(pairs)
    if len(out) < len(pairs):
        keys = [k for k, _ in pairs]
        twice = next(k for k in keys if keys.count(k) > 1)
        raise TableReadError(f"the key {twice!r} appears twice in one object (two columns of one name); rename "
                             "one of them", source=name)
    return out


def _read_json(p: Path, name: str) -> pd.DataFrame:
    text = _decode(p.read_bytes(), name)
    try:
        obj = json.loads(text, object_pairs_hook=lambda pairs: _unique_keys(pairs, name))
    except json.JSONDecodeError as exc:
        raise TableReadError(f"is not valid JSON ({exc.msg} at line {exc.lineno})", source=name) from None
    if isinstance(obj, dict):
        for key in ("studies", "data", "records", "rows"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
    if isinstance(obj, list):
        if not obj:
            raise TableReadError("has a header but no data rows", source=name)
        if not all(isinstance(r, dict) for r in obj):
            raise TableReadError("expected a list of objects, one per row", source=name)
        return pd.DataFrame.from_records(obj)
    if isinstance(obj, dict) and all(isinstance(v, (list, dict)) for v in obj.values()):
        return pd.DataFrame(obj)
    raise TableReadError("expected a list of row objects or an object of columns", source=name)


def _read_stat(p: Path, name: str, ext: str, keep_value_labels: bool) -> pd.DataFrame:
    import pyreadstat  # optional-weight import: only for SPSS / Stata files

    if ext == ".dta":
        df, meta = pyreadstat.read_dta(str(p), apply_value_formats=False)
    elif ext == ".por":
        df, meta = pyreadstat.read_por(str(p), apply_value_formats=False)
    else:
        df, meta = pyreadstat.read_sav(str(p), apply_value_formats=False, user_missing=False)
    labels = dict(meta.variable_value_labels or {})
    if keep_value_labels:
        for col, mapping in labels.items():
            if col in df.columns and mapping:
                df[col] = _labelled_to_categorical(df[col], mapping)
    df.attrs["value_labels"] = labels
    df.attrs["column_labels"] = dict(zip(meta.column_names, meta.column_labels or []))
    return df


def _labelled_to_categorical(values: pd.Series, mapping: dict) -> pd.Series:
    """Map coded values to labels; codes without a label keep their value (as text) as their own category."""
    order = [mapping[k] for k in sorted(mapping, key=lambda v: (isinstance(v, str), v))]
    extra = sorted({v for v in values.dropna().unique() if v not in mapping}, key=lambda v: (isinstance(v, str), v))
    out = values.map(lambda v: mapping.get(v, v) if pd.notna(v) else v)
    cats = list(dict.fromkeys(order + [_num_text(e) if not isinstance(e, str) else e for e in extra]))
    out = out.map(lambda v: v if (pd.isna(v) or isinstance(v, str)) else _num_text(v))
    return pd.Categorical(out, categories=cats)


def _num_text(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else str(f)
