"""Command-line options for figures (``--forest PATH``, ``--funnel PATH``).

Contract with :mod:`ruptstats.meta.cli`:

- :func:`add_arguments` adds this module's options to the meta parser;
- :func:`draw` is called after all analyses ran, with the overall result, the dictionary of extra results the
  analyses produced (JSON keys to values) and ``args``; it writes the requested files and returns their paths.
  matplotlib is imported only when a figure is asked for.
"""

from __future__ import annotations

__all__ = ["add_arguments", "draw"]


def add_arguments(parser) -> None:
    """Add the figure options to ``parser`` (none yet)."""


def draw(result, extras: dict, args) -> list:
    """Draw the figures asked for in ``args``; return the paths written."""
    return []
