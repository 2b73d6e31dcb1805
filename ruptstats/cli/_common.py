"""What every ruptstats command shares: reading the input table, writing the output, saving figures, errors.

A command module (``ruptstats/cli/meta.py``, a later ``ruptstats/cli/sessions.py``) builds its parser with
:func:`add_output_arguments` and :func:`add_figure_arguments`, and its ``main(argv)`` is::

    def main(argv=None) -> int:
        args = build_parser().parse_args(argv)
        return run_command(PROG, lambda: _run(args))

where ``_run`` reads with :func:`read_input_table`, computes result objects, saves figures with
:func:`save_figures` and writes with :func:`write_output` (a text renderer plus a JSON-ready payload).
Domain errors (:class:`~ruptstats.exceptions.RuptstatsError`) and file errors (:class:`OSError`) become one
line ``PROG: error: ...`` on standard error and exit status 2, never a traceback; arithmetic that breaks down
on extreme data, and (as a last resort) a defect, also become one line. Build the parser with
:class:`ArgumentParser`: its usage errors are one short usage line plus the error, exit status 2.

Nothing heavy is imported here: pandas readers and matplotlib are imported when a table or a figure is used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from ..exceptions import RuptstatsError

__all__ = ["ArgumentParser", "DPI_RANGE", "FIGURE_EXTENSIONS", "FORMATS", "TABLE_OUTPUT_EXTENSIONS",
           "add_figure_arguments", "add_output_arguments", "check_distinct_paths", "check_table_path",
           "dpi_value", "figure_path", "finite_number", "json_text", "non_negative_int", "print_error",
           "read_input_table", "render_output", "run_command", "save_figures", "write_output", "write_table"]

#: Output formats of :func:`render_output`.
FORMATS = ("text", "json", "csv", "markdown")
#: Figure file extensions accepted by :func:`figure_path`.
FIGURE_EXTENSIONS = (".png", ".pdf", ".svg")
#: Table file extensions written by :func:`write_table`.
TABLE_OUTPUT_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".json", ".parquet")


class ArgumentParser(argparse.ArgumentParser):
    """:class:`argparse.ArgumentParser` whose usage errors are two short lines, not the full usage.

    ``usage: PROG [TABLE] [options] (see PROG --help)`` and ``PROG: error: MESSAGE``; exit status 2.
    Every ruptstats command builds its parser with this class.
    """

    def format_usage(self) -> str:
        return f"usage: {self.prog} [options] (see {self.prog} --help)\n"

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def non_negative_int(text: str) -> int:
    """argparse type: a whole number of 0 or more (``--seed``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {value}")
    return value


def finite_number(text: str) -> float:
    """argparse type: a finite number (``--level``; its range is checked where it is used)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


#: The range of ``--dpi``: print quality at least, and a bound that keeps a PNG within memory.
DPI_RANGE = (300.0, 4800.0)


def dpi_value(text: str) -> float:
    """argparse type: ``--dpi``, a number in :data:`DPI_RANGE`."""
    low, high = DPI_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, got {text!r}")
    return value


# -- errors ---------------------------------------------------------------------------------------------------

def print_error(prog: str, message: str) -> int:
    """Print ``PROG: error: MESSAGE`` on standard error; return the exit status 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


def run_command(prog: str, body: Callable[[], int]) -> int:
    """Run ``body()`` and return its exit status; a domain or file error becomes one line and status 2.

    Parameters
    ----------
    prog : str
        The command's name, the prefix of the error line (``python -m ruptstats.meta``).
    body : callable
        The command after parsing, returning its exit status (0 on success).
    """
    import numpy as np

    try:
        with _warnings_as_lines(prog), np.errstate(all="ignore"):  # arithmetic noise: results carry notes
            return body()
    except RuptstatsError as exc:
        return print_error(prog, _one_line(str(exc)))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return print_error(prog, _one_line(f"{where}{exc.strerror or exc}"))
    except (np.linalg.LinAlgError, ArithmeticError) as exc:  # data too extreme for the arithmetic
        return print_error(prog, _one_line(f"the computation failed on these data ({_describe(exc)}); check "
                                           "for extreme or identical values"))
    except Exception as exc:  # noqa: BLE001 -- a defect (AttributeError too): one line, not a traceback
        return print_error(prog, _one_line(f"internal error ({_describe(exc)}); please report it with the "
                                           "command line that caused it"))


@contextlib.contextmanager
def _warnings_as_lines(prog: str):
    """Within the block, each ruptstats warning becomes one line ``PROG: warning: ...`` on standard error
    (once per message) instead of Python's two-line form; numpy's arithmetic RuntimeWarnings are dropped."""
    from ..exceptions import RuptstatsWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            seen = set()
            for w in caught:
                if issubclass(w.category, (RuptstatsWarning, DeprecationWarning)) or \
                        not issubclass(w.category, RuntimeWarning):
                    text = _one_line(str(w.message))
                    if text not in seen:
                        seen.add(text)
                        print(f"{prog}: warning: {text}", file=sys.stderr)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _one_line(text: str) -> str:
    """``text`` on one line (an error message is one line on standard error)."""
    return " ".join(str(text).split())


# -- input ----------------------------------------------------------------------------------------------------

def read_input_table(path, *, text=()):
    """Read the command's input table with :func:`ruptstats.tables.read_table` (the extension picks the
    reader; ``attrs["source"]`` names the file in error messages); the columns ``text`` (labels, identifiers)
    are read as text by every reader, so ``007`` stays ``007``."""
    from ..tables import read_table

    return read_table(path, categorical=list(text))


# -- output ---------------------------------------------------------------------------------------------------

def add_output_arguments(parser: argparse.ArgumentParser, formats=FORMATS):
    """Add ``--format`` and ``--output`` in an ``output`` group; return the group for command options."""
    out = parser.add_argument_group("output")
    out.add_argument("--format", default="text", choices=formats, help="output format (default: text)")
    out.add_argument("--output", metavar="PATH", help="write the output to PATH instead of standard output")
    return out


def json_text(payload) -> str:
    """``payload`` as indented strict JSON (NaN and infinities as null) with a final newline.

    The text is byte for byte what ``json.dumps(payload, indent=2, allow_nan=False)`` writes after every
    non-finite float is replaced by None (same layout, key order, float reprs and ASCII escapes), but
    written several times faster: the standard library switches to its pure-Python encoder whenever
    ``indent`` is set, so here the indentation is written by a small walk over dicts and lists, and the leaves
    are encoded by C code, a whole list or column of scalars at once. A list of records (dicts with the same
    keys in the same order, such as the per-study rows of ``--sensitivity``) is written column by column
    through one row template. numpy scalars and arrays are written as their Python values (``tolist()``).
    """
    parts: list = []
    _write(payload, "", parts)
    parts.append("\n")
    return "".join(parts)


#: The C encoder of the standard library (used when ``indent`` is None): ``", "`` between list items;
#: NaN and infinities are written as ``NaN``, ``Infinity``, ``-Infinity`` and replaced by ``null``.
_C_ENCODE = json.JSONEncoder(allow_nan=True, check_circular=False).encode
_ENCODE_STR = json.encoder.encode_basestring_ascii
_NUMBER_TYPES = (int, bool, type(None))
_INDENT = "  "


def _write(value, pad: str, parts: list) -> None:
    """Append the JSON text of ``value``, whose first line is already indented by ``pad`` (nested lines are
    indented further), to ``parts``; the checks are made in the order of ``json``'s own encoder."""
    text = _scalar_text(value)
    if text is not None:
        parts.append(text)
    elif isinstance(value, (list, tuple)):
        _write_list(value, pad, parts)
    elif isinstance(value, dict):
        _write_dict(value, pad, parts)
    else:
        plain = _numpy_plain(value)
        if plain is None:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        _write(plain[0], pad, parts)


def _value_text(value, pad: str) -> str:
    parts: list = []
    _write(value, pad, parts)
    return "".join(parts)


def _write_list(items, pad: str, parts: list) -> None:
    if not items:
        parts.append("[]")
        return
    inner = pad + _INDENT
    separator = ",\n" + inner
    texts = _column_texts(items)
    if texts is None:
        texts = _records_texts(items, inner)
    parts.append("[\n" + inner)
    if texts is not None:
        parts.append(separator.join(texts))
    else:
        for i, item in enumerate(items):
            if i:
                parts.append(separator)
            _write(item, inner, parts)
    parts.append("\n" + pad + "]")


def _write_dict(mapping: dict, pad: str, parts: list) -> None:
    if not mapping:
        parts.append("{}")
        return
    inner = pad + _INDENT
    opening = "{\n" + inner
    for key, value in mapping.items():
        parts.append(opening + _key_text(key) + ": ")
        opening = ",\n" + inner
        _write(value, inner, parts)
    parts.append("\n" + pad + "}")


def _scalar_text(value) -> str | None:
    """JSON text of a string, None, bool, int or float (non-finite as ``null``); None for anything else."""
    if isinstance(value, str):
        return _ENCODE_STR(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else "null"
    return None


def _numpy_plain(value):
    """``(value.tolist(),)`` for a numpy scalar or array, else None (numpy is not imported for this)."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, (np.generic, np.ndarray)):
        return (value.tolist(),)
    return None


def _column_texts(values) -> list | None:
    """JSON texts of the scalars ``values`` (a non-empty list or tuple), or None when one is not a scalar.

    Floats are written by ``float.__repr__`` (as ``json`` writes them); other numbers, bools and None are
    encoded in one C call and split at ``", "`` (which no number contains); strings one C call each.
    """
    types = set(map(type, values))
    if all(issubclass(t, float) for t in types):
        texts = list(map(float.__repr__, values))
        if "nan" in texts or "inf" in texts or "-inf" in texts:
            texts = ["null" if text in ("nan", "inf", "-inf") else text for text in texts]
        return texts
    if all(t in _NUMBER_TYPES or issubclass(t, float) for t in types):
        text = _C_ENCODE(list(values))[1:-1]
        if "N" in text or "I" in text:
            text = text.replace("NaN", "null").replace("-Infinity", "null").replace("Infinity", "null")
        return text.split(", ")
    if types == {str}:
        return list(map(_ENCODE_STR, values))
    texts = []
    for value in values:
        text = _scalar_text(value)
        if text is None:
            plain = _numpy_plain(value)
            text = _scalar_text(plain[0]) if plain is not None else None
            if text is None:
                return None
        texts.append(text)
    return texts


def _records_texts(rows, pad: str) -> list | None:
    """JSON texts of ``rows`` when they are dicts with the same keys in the same order, else None.

    The rows are filled into one template, ``{"a": %r, "b": %s}`` laid out with ``pad``: a column of
    finite Python floats goes in as it is (``%r`` is ``float.__repr__``), any other column as the texts of
    :func:`_column_texts` (or of :func:`_write` when it holds lists or dicts).
    """
    if not all(isinstance(row, dict) for row in rows):
        return None
    keys = tuple(rows[0])
    if not keys or any(tuple(row) != keys for row in rows):
        return None
    inner = pad + _INDENT
    columns, lines = [], []
    for key, column in zip(keys, zip(*map(dict.values, rows))):
        if set(map(type, column)) == {float} and math.isfinite(sum(column)):  # a NaN or inf makes the sum so
            columns.append(column)
            spec = "%r"
        else:
            texts = _column_texts(column)
            columns.append(texts if texts is not None else [_value_text(value, inner) for value in column])
            spec = "%s"
        lines.append(inner + _key_text(key).replace("%", "%%") + ": " + spec)
    template = "{\n" + ",\n".join(lines) + "\n" + pad + "}"
    return list(map(template.__mod__, zip(*columns)))


def _key_text(key) -> str:
    """A dict key as JSON text, converted as ``json`` converts keys (a non-finite float key is an error)."""
    if isinstance(key, str):
        pass
    elif isinstance(key, float):
        if not math.isfinite(key):
            raise ValueError(f"Out of range float values are not JSON compliant: {key!r}")
        key = float.__repr__(key)
    elif key is True or key is False or key is None:
        key = {True: "true", False: "false", None: "null"}[key]
    elif isinstance(key, int):
        key = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
    return _ENCODE_STR(key)


def render_output(fmt: str, *, text: Callable[[], str], payload: Callable[[], object],
                  csv: Callable[[], str] | None = None, markdown: Callable[[], str] | None = None) -> str:
    """The command's output in format ``fmt``.

    Parameters
    ----------
    fmt : {"text", "json", "csv", "markdown"}
    text : callable
        Returns the text output (the results' ``summary()``).
    payload : callable
        Returns the JSON-ready object (the results' ``to_dict()``), written by :func:`json_text`.
    csv, markdown : callable, optional
        Return the CSV table and the markdown output; without them, ``csv`` is not available and
        ``markdown`` is the text in a code block.
    """
    if fmt == "json":
        return json_text(payload())
    if fmt == "csv":
        if csv is None:
            raise RuptstatsError("--format csv is not available for this command")
        return csv()
    if fmt == "markdown":
        return markdown() if markdown is not None else "```\n" + text().rstrip("\n") + "\n```\n"
    return text()


def write_output(text: str, output=None) -> None:
    """Write ``text`` to the file ``output``, or to standard output when it is None.

    Raises :class:`OSError` naming ``output`` when it cannot be written.
    """
    if output:
        with _naming(output):
            Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@contextlib.contextmanager
def _naming(path):
    """Within the block, an :class:`OSError` without a file name (pandas' "Cannot save file into a
    non-existent directory", a full disk on flush) is raised again naming ``path``."""
    try:
        yield
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def check_distinct_paths(tables, outputs: dict) -> None:
    """Refuse output paths that would overwrite an input table or each other.

    Parameters
    ----------
    tables : path, list of paths or None
        The input table(s) (None for a bundled example).
    outputs : dict
        Option (``"--output"``) to path (None when the option is not given).

    Raises
    ------
    OptionError
        An output path names the input table, or two options name one file.
    """
    import os

    from ..exceptions import OptionError

    if tables is None or isinstance(tables, (str, os.PathLike)):
        tables = [] if tables is None else [tables]
    seen: dict = {}
    for option, path in outputs.items():
        if not path:
            continue
        for table in tables:
            if os.path.abspath(path) == os.path.abspath(table) or (
                    os.path.exists(path) and os.path.exists(table) and os.path.samefile(path, table)):
                raise OptionError(f"{option} {path} would overwrite the input table {table}; choose another path")
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise OptionError(f"{seen[key]} and {option} both name {path}; the second would overwrite the "
                              "first: give each output its own path")
        seen[key] = option


def check_table_path(path, option: str) -> Path:
    """``path`` as a Path after checking its extension is one :func:`write_table` writes.

    Raises :class:`~ruptstats.exceptions.OptionError` naming ``option``, the path and the allowed extensions
    (called before any computation, so a typo costs nothing).
    """
    from ..exceptions import OptionError

    p = Path(path)
    if p.suffix.lower() not in TABLE_OUTPUT_EXTENSIONS:
        raise OptionError(f"{option} {path}: unknown extension '{p.suffix or '(none)'}'; use one of "
                          f"{', '.join(TABLE_OUTPUT_EXTENSIONS)}")
    return p


def write_table(frame, path) -> None:
    """Write a DataFrame to ``path`` in the format its extension names: ``.csv`` (and ``.txt``), ``.tsv``,
    ``.xlsx``, ``.json`` (records, strict: NaN as null) or ``.parquet``; no index.

    Raises :class:`~ruptstats.exceptions.OptionError` for any other extension.
    """
    p = check_table_path(path, "output")
    ext = p.suffix.lower()
    with _naming(p):
        if ext == ".xlsx":
            frame.to_excel(p, index=False)
        elif ext == ".json":
            p.write_text(json_text(json.loads(frame.to_json(orient="records"))), encoding="utf-8")
        elif ext == ".parquet":
            _plain_columns(frame).to_parquet(p, index=False)
        else:
            frame.to_csv(p, index=False, sep="\t" if ext == ".tsv" else ",")


def _plain_columns(frame):
    """``frame`` with object columns of mixed values as text (Parquet needs one type per column)."""
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return out


# -- figures --------------------------------------------------------------------------------------------------

def figure_path(text: str) -> Path:
    """argparse type: a path whose extension names a figure format (:data:`FIGURE_EXTENSIONS`)."""
    path = Path(text)
    if path.suffix.lower() not in FIGURE_EXTENSIONS:
        raise argparse.ArgumentTypeError(f"{text!r}: the extension must be one of {', '.join(FIGURE_EXTENSIONS)}")
    return path


def add_figure_arguments(parser: argparse.ArgumentParser, figures: dict[str, str]):
    """Add one ``--NAME PATH`` option per entry of ``figures`` (name to help text) and ``--dpi N`` in a
    ``figures`` group; return the group."""
    group = parser.add_argument_group("figures")
    for name, help_text in figures.items():
        group.add_argument(f"--{name}", metavar="PATH", type=figure_path, help=help_text)
    group.add_argument("--dpi", metavar="N", type=dpi_value, default=300.0,
                       help="resolution of PNG figures, 300 to 4800 (default: 300)")
    return group


def save_figures(figures: Iterable, *, dpi: float = 300.0) -> list:
    """Save each ``(path, figure)`` pair with :func:`ruptstats.plotting.save_figure` and close the figure.

    ``figures`` may be a generator, so that each figure is drawn only when the previous one is saved and
    closed. Returns the paths written.
    """
    written = []
    for path, fig in figures:
        from ..plotting import save_figure
        from ..plotting._common import pyplot

        try:
            written.append(save_figure(fig, path, dpi=dpi))
        finally:
            pyplot().close(fig)
    return written
