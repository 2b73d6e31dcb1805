"""Publication style for ruptstats figures and reproducible export.

The style is a dictionary of matplotlib rcParams applied with :func:`publication_style` *inside* each plot
function; nothing is changed globally at import. Fonts are sans-serif (Arial or Helvetica where installed,
Liberation Sans or DejaVu Sans otherwise), 9 pt text and 8 pt ticks, as APA (7th ed., section 7.26) asks
for figure text between 8 and 14 pt. The colours survive greyscale printing: every plot draws in black and
greys, and the three colours of :data:`PALETTE` differ in lightness (0.00, 0.34, 0.64).

:func:`save_figure` writes PNG (300 dpi or more), PDF or SVG, chosen by the file extension, with no dates or
software versions in the file, so the same figure gives the same bytes on every run.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from .._checks import check_choice, check_number

__all__ = ["PALETTE", "GREYS", "STYLE", "publication_style", "save_figure"]

#: Line and marker colours that stay distinguishable in greyscale (black, blue, orange; Okabe & Ito, 2008).
PALETTE = ("#000000", "#0072B2", "#E69F00")

#: Fills from light to dark, for shaded regions (funnel contours, bands).
GREYS = ("#FFFFFF", "#E6E6E6", "#CFCFCF", "#B8B8B8")

#: The rcParams of the ruptstats publication style.
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"],
    "font.size": 9.0,
    "axes.labelsize": 9.0,
    "axes.titlesize": 10.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "axes.linewidth": 0.8,
    "axes.edgecolor": "black",
    "axes.labelcolor": "black",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": None,  # filled in by publication_style (needs matplotlib's cycler)
    "xtick.color": "black",
    "ytick.color": "black",
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "lines.linewidth": 1.0,
    "patch.linewidth": 0.8,
    "figure.dpi": 100.0,
    "figure.facecolor": "white",
    "savefig.dpi": 300.0,
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "ruptstats",
    "path.simplify": True,
}

_FORMATS = ("png", "pdf", "svg")
_METADATA = {"png": {"Software": None}, "pdf": {"CreationDate": None, "ModDate": None, "Producer": None,
                                                 "Creator": None},
             "svg": {"Date": None, "Creator": None}}


@functools.lru_cache(maxsize=1)
def _installed_sans() -> str:
    """The first font of ``STYLE["font.sans-serif"]`` that is installed (DejaVu Sans ships with matplotlib)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in STYLE["font.sans-serif"] if name in names), "DejaVu Sans")


def _rc(overrides: dict | None = None) -> dict:
    from cycler import cycler

    rc = dict(STYLE)
    # Name the font itself, not the generic family: text made inside the style then keeps its font when the
    # figure is drawn outside it (e.g. shown inline in a notebook), so measured label widths stay right.
    rc["font.family"] = [_installed_sans()]
    rc["axes.prop_cycle"] = cycler(color=list(PALETTE))
    rc.update(overrides or {})
    return rc


@contextlib.contextmanager
def publication_style(**overrides):
    """Apply the ruptstats publication style inside a ``with`` block.

    Parameters
    ----------
    **overrides
        rcParams to change on top of :data:`STYLE`; names contain dots, so pass them as a dict:
        ``publication_style(**{"font.size": 10})``.

    Examples
    --------
    >>> import matplotlib
    >>> with publication_style():
    ...     matplotlib.rcParams["font.size"]
    9.0
    """
    import matplotlib

    interactive = None
    with matplotlib.rc_context(_rc(overrides)):
        try:
            yield
        finally:
            interactive = matplotlib.is_interactive()
    # IPython's inline backend turns interactive mode on when the first figure is made, which may be inside
    # this block; rc_context would switch it off again and later figures would not be shown.
    matplotlib.interactive(interactive)


def save_figure(fig, path, *, dpi: float = 300, tight: bool = True) -> Path:
    """Write ``fig`` to ``path`` as PNG, PDF or SVG (chosen by the extension), reproducibly.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (e.g. returned by :func:`ruptstats.plotting.forest_plot`).
    path : str or os.PathLike
        Output file; its extension (``.png``, ``.pdf``, ``.svg``, any case) sets the format.
    dpi : float, default 300
        Resolution of PNG files (at least 300, the usual journal minimum); ignored for PDF and SVG text and
        lines, used for any rasterized artists in them.
    tight : bool, default True
        Crop to the drawn content (``bbox_inches="tight"``) so no label is cut off.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OptionError
        Unknown extension or ``dpi`` below 300.

    Notes
    -----
    PDF files get no creation date, producer or creator, SVG files no date and a fixed ``svg.hashsalt``, PNG
    files no software entry, so the same figure gives byte-identical files on every run.

    Examples
    --------
    >>> import tempfile, pathlib, matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(1, 1))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     a = save_figure(fig, pathlib.Path(d) / "a.pdf").read_bytes()
    ...     b = save_figure(fig, pathlib.Path(d) / "b.pdf").read_bytes()
    >>> a == b
    True
    >>> plt.close(fig)
    """
    path = Path(path)
    fmt = check_choice("path extension", path.suffix.lstrip(".").lower(), _FORMATS)
    dpi = check_number("dpi", dpi, low=300)
    path.parent.mkdir(parents=True, exist_ok=True)
    with publication_style():
        fig.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt],
                    bbox_inches="tight" if tight else None, pad_inches=0.05)
    return path
