"""Command-line options for computing effect sizes inside ``python -m ruptstats.meta``.

Contract with :mod:`ruptstats.meta.cli`:

- :func:`add_arguments` adds this module's options to the meta parser;
- :func:`effects_from_args` returns the caller's table with ``yi`` and ``vi`` appended (and
  ``df.attrs["measure"]`` set) when ``--measure`` is given, and ``None`` otherwise, in which case the meta CLI
  uses its own ``--r/--n`` or ``--yi/--vi/--sei`` columns.
"""

from __future__ import annotations

__all__ = ["add_arguments", "effects_from_args"]


def add_arguments(parser) -> None:
    """Add the effect-size options to ``parser`` (none yet)."""


def effects_from_args(table, args):
    """Return the table with ``yi``/``vi`` for ``--measure``, or ``None`` when no measure was asked for."""
    return None
