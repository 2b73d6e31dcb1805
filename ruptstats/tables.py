"""Read a rectangular table from any file a researcher is likely to have: ``from ruptstats.tables import read_table``.

The reader lives in :mod:`ruptstats.intake.read`; this module re-exports it under its documented name.
"""

from __future__ import annotations

from .intake.read import (EXCEL_EXTENSIONS, SPSS_EXTENSIONS, TABLE_EXTENSIONS, TEXT_EXTENSIONS, read_table,
                          sniff_csv_format)

__all__ = ["read_table", "TABLE_EXTENSIONS", "sniff_csv_format", "TEXT_EXTENSIONS", "EXCEL_EXTENSIONS",
           "SPSS_EXTENSIONS"]
