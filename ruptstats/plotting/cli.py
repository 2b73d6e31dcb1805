"""Command-line options for figures (``--forest PATH``, ``--funnel PATH``, ``--dpi N``).

Contract with :mod:`ruptstats.meta.cli`:

- :func:`add_arguments` adds this module's options to the meta parser;
- :func:`draw` is called after all analyses ran, with the overall result, the dictionary of extra results the
  analyses produced (JSON keys to values) and ``args``; it writes the requested files and returns their paths.
  matplotlib is imported only when a figure is asked for.

The format of each file follows its extension (``.png``, ``.pdf``, ``.svg``). With ``--subgroup`` the forest
plot shows one block per subgroup (``extras["subgroup_result"]``); when the analyses ran trim and fill
(``extras["trimfill_result"]``), the funnel plot shows the filled studies as hollow circles, and the Egger line
when ``extras["egger_result"]`` holds an Egger test.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

__all__ = ["add_arguments", "draw"]

_EXTENSIONS = (".png", ".pdf", ".svg")


def _figure_path(text: str) -> Path:
    """argparse type: a path whose extension names a figure format."""
    path = Path(text)
    if path.suffix.lower() not in _EXTENSIONS:
        raise argparse.ArgumentTypeError(f"{text!r}: the extension must be one of {', '.join(_EXTENSIONS)}")
    return path


def add_arguments(parser) -> None:
    """Add ``--forest PATH``, ``--funnel PATH`` and ``--dpi N`` to ``parser``."""
    group = parser.add_argument_group("figures")
    group.add_argument("--forest", metavar="PATH", type=_figure_path,
                       help="write a forest plot to PATH (.png, .pdf or .svg); with --subgroup, one block per "
                            "subgroup")
    group.add_argument("--funnel", metavar="PATH", type=_figure_path,
                       help="write a contour-enhanced funnel plot to PATH (.png, .pdf or .svg); with --bias it "
                            "shows the trim-and-fill studies (hollow) and the Egger regression line")
    group.add_argument("--dpi", metavar="N", type=float, default=300.0,
                       help="resolution of PNG figures, at least 300 (default: 300)")


def draw(result, extras: dict, args) -> list:
    """Draw the figures asked for in ``args``; return the paths written.

    Parameters
    ----------
    result : MetaResult
        The overall model.
    extras : dict
        Further results; ``"subgroup_result"`` (a SubgroupResult) and ``"trimfill_result"`` (a result with
        ``yi``, ``vi``, ``estimate`` and a boolean ``is_filled``/``filled``, or a dict with those keys) are used.
    args : argparse.Namespace
        Parsed options with ``forest``, ``funnel`` and ``dpi``.

    Returns
    -------
    list of pathlib.Path
    """
    forest_path = getattr(args, "forest", None)
    funnel_path = getattr(args, "funnel", None)
    if forest_path is None and funnel_path is None:
        return []
    from . import forest_plot, funnel_plot, save_figure
    from ._common import pyplot

    dpi = getattr(args, "dpi", 300.0)
    written = []
    if forest_path is not None:
        fig = forest_plot(extras.get("subgroup_result") or result)
        written.append(_save(fig, forest_path, dpi, save_figure, pyplot))
    if funnel_path is not None:
        fig = funnel_plot(_funnel_source(result, extras.get("trimfill_result")), egger=extras.get("egger_result"))
        written.append(_save(fig, funnel_path, dpi, save_figure, pyplot))
    return written


def _save(fig, path, dpi, save_figure, pyplot):
    try:
        return save_figure(fig, path, dpi=dpi)
    finally:
        pyplot().close(fig)


def _funnel_source(result, trimfill):
    """The trim-and-fill result when it can be drawn (object or JSON dict), else the overall result."""
    if trimfill is None:
        return result
    if isinstance(trimfill, dict):
        if "yi" in trimfill and "vi" in trimfill:
            return SimpleNamespace(measure=result.measure, **trimfill)
        return result
    return trimfill if hasattr(trimfill, "yi") and hasattr(trimfill, "vi") else result
