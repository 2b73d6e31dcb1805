"""Publication style and export: formats by extension, resolution, byte-identical files, lazy import."""

import matplotlib

matplotlib.use("Agg")

import subprocess  # noqa: E402
import sys  # noqa: E402

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from ruptstats.exceptions import OptionError  # noqa: E402
from ruptstats.meta import rma  # noqa: E402
from ruptstats.plotting import STYLE, forest_plot, funnel_plot, publication_style, save_figure  # noqa: E402


def teardown_function(function):
    plt.close("all")


@pytest.fixture
def res():
    return rma([0.51, 0.36, 0.50, 0.15, -0.09], [0.016, 0.005, 0.019, 0.006, 0.004],
               study=["Study A", "Study B", "Study C", "Study D", "Study E"], measure="ZCOR")


@pytest.mark.parametrize("ext", ["png", "pdf", "svg"])
def test_same_figure_gives_the_same_bytes(tmp_path, res, ext):
    first = save_figure(forest_plot(res), tmp_path / f"a.{ext}").read_bytes()
    second = save_figure(forest_plot(res), tmp_path / f"b.{ext}").read_bytes()
    assert first == second
    assert len(first) > 1000


def test_format_follows_the_extension(tmp_path, res):
    fig = funnel_plot(res)
    assert save_figure(fig, tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert save_figure(fig, tmp_path / "f.PDF").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in save_figure(fig, tmp_path / "f.svg").read_bytes()[:2000]


def test_pdf_and_svg_carry_no_dates(tmp_path, res):
    fig = forest_plot(res)
    pdf = save_figure(fig, tmp_path / "f.pdf").read_bytes()
    svg = save_figure(fig, tmp_path / "f.svg").read_text()
    assert b"CreationDate" not in pdf
    assert "<dc:date>" not in svg


def test_png_resolution_is_300_dpi(tmp_path):
    fig = plt.figure(figsize=(2.0, 1.0))
    image = mpimg.imread(save_figure(fig, tmp_path / "f.png", tight=False))
    assert image.shape[:2] == (300, 600)
    image = mpimg.imread(save_figure(fig, tmp_path / "g.png", dpi=600, tight=False))
    assert image.shape[:2] == (600, 1200)


def test_bad_extension_and_low_dpi_are_option_errors(tmp_path):
    fig = plt.figure(figsize=(1, 1))
    with pytest.raises(OptionError, match="jpg"):
        save_figure(fig, tmp_path / "f.jpg")
    with pytest.raises(OptionError, match="dpi"):
        save_figure(fig, tmp_path / "f.png", dpi=150)


def test_style_applies_only_inside_the_context():
    before = matplotlib.rcParams["font.size"]
    with publication_style():
        assert matplotlib.rcParams["font.size"] == STYLE["font.size"] == 9.0
        assert matplotlib.rcParams["pdf.fonttype"] == 42  # editable TrueType text in PDF
    assert matplotlib.rcParams["font.size"] == before
    with publication_style(**{"font.size": 11.0}):
        assert matplotlib.rcParams["font.size"] == 11.0


def test_palette_survives_greyscale():
    from matplotlib.colors import to_rgb

    from ruptstats.plotting import PALETTE

    # luma of each colour with the ITU-R BT.601 weights (what a greyscale printer keeps); 0.25 apart is the
    # house criterion for telling two colours apart in print
    grey = sorted(0.299 * r + 0.587 * g + 0.114 * b for r, g, b in map(to_rgb, PALETTE))
    assert min(b - a for a, b in zip(grey, grey[1:])) > 0.25


def test_importing_ruptstats_and_the_cli_does_not_import_matplotlib():
    code = ("import sys, ruptstats, ruptstats.plotting, ruptstats.cli._common, ruptstats.cli.meta, "
            "ruptstats.cli.meta_analyses, ruptstats.cli.effects_options; "
            "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_interactive_mode_switched_on_inside_the_style_survives_it():
    # IPython's inline backend switches interactive mode on at the first figure, which may be made inside
    # the style; later figures in a notebook are shown only if it stays on.
    was = matplotlib.is_interactive()
    try:
        matplotlib.interactive(False)
        with publication_style():
            matplotlib.interactive(True)
        assert matplotlib.is_interactive()
    finally:
        matplotlib.interactive(was)
