"""Domain exceptions and warnings of ruptstats.

Every error that a user can cause with bad input or a bad option is one of these. They subclass the builtin
that a Python user would catch anyway (``ValueError``, ``OSError``, ``RuntimeError``), so ``except ValueError``
keeps working, while ``except RuptstatsError`` catches all of ours (the lifelines pattern).

The command line turns each of them into one line on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "RuptstatsError",
    "DataError",
    "TableReadError",
    "OptionError",
    "ConvergenceError",
    "RuptstatsWarning",
    "ConvergenceWarning",
    "DataWarning",
]


class RuptstatsError(Exception):
    """Base class of every error raised on purpose by ruptstats."""


class DataError(RuptstatsError, ValueError):
    """The data do not meet what an analysis needs.

    Parameters
    ----------
    message : str
        What was wrong and what was expected.
    source : str, optional
        The file (or data-frame description) the value came from.
    row : int, optional
        1-based data row (the first row below the header is row 1).
    column : str, optional
        The column holding the bad value.

    The rendered message names ``source``, ``row`` and ``column`` when they are given, e.g.
    ``studies.csv: row 4, column 'n': n must be a whole number greater than 3, got 2.5``.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.message = message
        self.source = source
        self.row = row
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ""
        if self.source:
            prefix = f"{self.source}: "
        if where:
            prefix += ", ".join(where) + ": "
        return prefix + self.message

    def with_source(self, source: str) -> "DataError":
        """Return a copy of this error that names ``source`` (used when the file name is known later)."""
        if self.source:
            return self
        return type(self)(self.message, source=source, row=self.row, column=self.column)


class TableReadError(DataError):
    """A file could not be found, opened or parsed as a table."""


class OptionError(RuptstatsError, ValueError):
    """An argument has a value outside its allowed set or range."""


class ConvergenceError(RuptstatsError, RuntimeError):
    """An iterative estimator found no solution."""


class RuptstatsWarning(UserWarning):
    """Base class of ruptstats' warnings."""


class ConvergenceWarning(RuptstatsWarning, RuntimeWarning):
    """An iterative procedure stopped at a boundary or a fallback was used."""


class DataWarning(RuptstatsWarning):
    """Data were usable but something deserves the analyst's attention (e.g. rows excluded on request)."""
