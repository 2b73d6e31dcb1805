"""The bundled example is synthetic, reproducible and identical in data/ and in the package."""

import runpy
from pathlib import Path

import pandas as pd

from ruptstats.meta import load_example

ROOT = Path(__file__).resolve().parents[1]


def test_script_reproduces_the_committed_files_byte_for_byte(tmp_path):
    script = runpy.run_path(str(ROOT / "data" / "make_example.py"))
    table = script["make_table"]()
    out = tmp_path / "again.csv"
    table.to_csv(out, index=False, lineterminator="\n")
    committed = (ROOT / "data" / "example_studies.csv").read_bytes()
    assert out.read_bytes() == committed
    assert (ROOT / "ruptstats" / "data" / "example_studies.csv").read_bytes() == committed


def test_example_has_the_headline_numbers_and_says_synthetic():
    table = load_example()
    assert len(table) == 11
    assert table["n"].sum() == 1314
    assert table["provenance"].str.contains("synthetic").all()
    assert table["r"].between(-1, 1).all()


def test_different_seed_gives_different_data():
    script = runpy.run_path(str(ROOT / "data" / "make_example.py"))
    a, b = script["make_table"](1), script["make_table"](2)
    assert not a["r"].equals(b["r"])
    assert a["n"].sum() == b["n"].sum() == 1314
    pd.testing.assert_frame_equal(script["make_table"](1), a)
