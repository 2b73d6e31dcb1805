"""The bundled example is synthetic, reproducible, identical in data/ and in the package, and made by the session
pipeline (compare_conditions and study_effects) from simulated client-level studies."""

import runpy
from pathlib import Path

import numpy as np

from ruptstats.meta import load_example

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = runpy.run_path(str(ROOT / "data" / "make_example.py"))


def test_script_reproduces_the_committed_files_byte_for_byte(tmp_path):
    table = SCRIPT["make_table"]()
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
    a, b = SCRIPT["make_table"](1), SCRIPT["make_table"](2)
    assert not a["r"].equals(b["r"])
    assert a["n"].sum() == b["n"].sum() == 1314
    # (same seed, same table: the byte-for-byte test above)


def test_example_columns_are_those_the_code_uses():
    # columns read by ruptstats.cli.meta, the notebooks, figures/make_figures.py and make_meta_reference.R
    assert list(load_example().columns) == ["study", "year", "r", "n", "rater", "treatment", "outcome_measure",
                                            "provenance"]


def test_study_r_is_the_point_biserial_correlation_of_its_simulated_clients():
    # study_effects' repair_outcome_correlation equals Pearson's r of the 0/1 repair indicator with the
    # improvement (pre - post; lower is better on the simulated measures) over the clients with a rupture
    clients = SCRIPT["simulate_clients"](np.random.default_rng(7), 60, 0.29, "OQ-45")
    comp = SCRIPT["compare_conditions"](clients, outcome="post", baseline="pre", higher_is_better=False)
    row = SCRIPT["study_effects"](comp).query("contrast == 'repair_outcome_correlation'").iloc[0]
    ruptured = clients[clients["condition"] != "none"]
    expected = np.corrcoef(ruptured["condition"] == "repaired", ruptured["pre"] - ruptured["post"])[0, 1]
    assert row["n"] == len(ruptured) == 60  # n counts the clients with a rupture only
    assert abs(row["r"] - expected) < 1e-12
    assert (clients["condition"] == "none").sum() > 0  # clients without a rupture are simulated too


def test_simulation_recovers_the_true_correlation_in_a_large_study():
    # 20,000 clients with a rupture: the SE of r is about (1 - .29^2) / sqrt(20,000) = 0.0065; 0.03 is > 4 SE
    clients = SCRIPT["simulate_clients"](np.random.default_rng(11), 20_000, 0.29, "BDI-II")
    comp = SCRIPT["compare_conditions"](clients, outcome="post", baseline="pre", higher_is_better=False)
    r = SCRIPT["study_effects"](comp).query("contrast == 'repair_outcome_correlation'")["r"].iloc[0]
    assert abs(r - 0.29) < 0.03
