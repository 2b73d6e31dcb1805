"""A progress bar for long loops (permutations, GOSH subsets, leave-one-out over a large k), shown on a terminal.

tqdm draws the bar when it is installed and standard error is a terminal; otherwise the iterable is returned
unchanged, so the library works (silently) without tqdm.
"""

from __future__ import annotations

import sys

__all__ = ["progress"]


def progress(iterable, *, total: int | None = None, desc: str = "", enabled: bool = True):
    """Wrap ``iterable`` in a tqdm bar on standard error when ``enabled``, tqdm is importable and stderr is a tty."""
    if not enabled:
        return iterable
    try:
        if not sys.stderr.isatty():
            return iterable
    except (AttributeError, ValueError):
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=False, file=sys.stderr)
