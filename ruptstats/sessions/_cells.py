"""Naming the cells behind an error: re-exported from :mod:`ruptstats.intake.cells` (their one home).

Canonical session tables carry the file row of each row as their index (named ``row``; wide files: the row of
the client in the wide file), so a message still names the right row after sorting or filtering.
"""

from __future__ import annotations

from ..intake.cells import file_rows, raise_cells, range_check, source_of, working_copy

__all__ = ["file_rows", "raise_cells", "source_of", "range_check", "working_copy"]
