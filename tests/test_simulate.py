"""The session-level generator: seeded, the model it documents, and the messy formats loaded back."""

import numpy as np
import pandas as pd
import pytest

from ruptstats.exceptions import OptionError
from ruptstats.sessions import client_conditions, classify_sessions, read_sessions
from ruptstats.sessions.schema import SESSION_COLUMNS, canonical_dtype
from ruptstats.simulate import StudyDesign, simulate_studies, simulate_study, write_formats
from tolerances import EXACT, MONTE_CARLO_SE

CANONICAL = ["study", "client", "therapist", "session", "rupture", "rupture_type", "repaired", "alliance", "outcome",
             "pre", "post", "dropout"]


@pytest.fixture(scope="module")
def sim():
    return simulate_studies(StudyDesign(n_clients=400, n_sessions=10, rupture_rate=0.1), n_studies=3, seed=8)


def test_same_seed_same_data_and_a_study_does_not_depend_on_how_many_are_drawn():
    design = StudyDesign(n_clients=20, n_sessions=5)
    a = simulate_studies(design, n_studies=2, seed=3, tau=0.2)
    b = simulate_studies(design, n_studies=3, seed=3, tau=0.2)
    first = b.sessions[b.sessions["study"] == "Study 1"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a.sessions[a.sessions["study"] == "Study 1"].reset_index(drop=True), first,
                                  check_categorical=False)
    assert a.truth["true_smd"].iloc[0] == b.truth["true_smd"].iloc[0]
    assert not simulate_studies(design, n_studies=2, seed=4).sessions.equals(a.sessions)


def test_canonical_columns_and_dtypes(sim):
    s = sim.sessions
    assert [c for c in s.columns if c in SESSION_COLUMNS] == [c for c in SESSION_COLUMNS if c in s.columns]
    for col in CANONICAL:
        want = canonical_dtype(col)
        assert str(s[col].dtype) == ("category" if want == "category" else str(want)), col
    assert s.index.name == "row" and s.index[0] == 1
    assert (s.groupby("client", observed=True)["session"].apply(lambda x: x.is_monotonic_increasing)).all()


def test_ruptures_repairs_and_types_follow_the_design(sim):
    s, d = sim.sessions, sim.design
    n = len(s)
    rate = s["rupture"].mean()
    assert abs(rate - d.rupture_rate) < MONTE_CARLO_SE * np.sqrt(d.rupture_rate * (1 - d.rupture_rate) / n)
    rup = s[s["rupture"]]
    assert not s.loc[~s["rupture"], "repaired"].any() and s.loc[~s["rupture"], "rupture_type"].isna().all()
    p = d.repair_probability
    assert abs(rup["repaired"].mean() - p) < MONTE_CARLO_SE * np.sqrt(p * (1 - p) / len(rup))
    w = d.withdrawal_share
    assert abs((rup["rupture_type"] == "withdrawal").mean() - w) < MONTE_CARLO_SE * np.sqrt(w * (1 - w) / len(rup))


def test_alliance_dips_at_ruptures_and_recovers_only_when_repaired(sim):
    s = sim.sessions.copy()
    s["next"] = s.groupby("client", observed=True)["alliance"].shift(-1)
    s["prev"] = s.groupby("client", observed=True)["alliance"].shift(1)
    rup = s[s["rupture"] & s["next"].notna() & s["prev"].notna()]
    dip = (rup["prev"] - rup["alliance"]).mean()
    assert dip > sim.design.dip * sim.design.alliance_sd * 0.8  # a V: down by about dip SDs
    rep, unrep = rup[rup["repaired"]], rup[~rup["repaired"]]
    assert (rep["next"] - rep["prev"]).mean() > -1.0 > (unrep["next"] - unrep["prev"]).mean()


def test_outcome_truth_and_dropout_hazard(sim):
    clients = client_conditions(classify_sessions(sim.sessions))
    means = clients.groupby("condition", observed=True)["post"].mean()
    d = sim.design
    # post - mean = sd * effect of the condition (no trend): the observed gap estimates true_smd * sd
    gap = (means["repaired"] - means["unrepaired"]) / d.outcome_sd
    n = clients["condition"].value_counts()
    se = np.sqrt(1 / n["repaired"] + 1 / n["unrepaired"])
    assert abs(gap - d.true_smd) < MONTE_CARLO_SE * se
    drop = clients.groupby("condition", observed=True)["dropout"].mean()
    assert drop["unrepaired"] > drop["none"]  # hazard ratio 3 after an unrepaired rupture


def test_missing_items_are_prorated_and_missing_sessions_leave_gaps():
    s = simulate_study(StudyDesign(n_clients=200, n_sessions=8, missing_item_rate=0.2,
                                   missing_session_rate=0.2, dropout_hazard=0.0), seed=2)
    items = s[["srs1", "srs2", "srs3", "srs4"]]
    answered = items.notna().sum(axis=1)
    three = answered == 3
    np.testing.assert_allclose(s.loc[three, "alliance"], 4 / 3 * items[three].sum(axis=1), rtol=EXACT)
    assert s.loc[answered < 3, "alliance"].isna().all()
    per_client = s.groupby("client", observed=True)["session"].count()
    assert per_client.mean() < 8 and (s.groupby("client", observed=True)["session"].min() == 1).all()


def test_bad_arguments():
    with pytest.raises(OptionError, match="n_clients"):
        StudyDesign(n_clients=0)
    with pytest.raises(OptionError, match="StudyDesign"):
        simulate_study({"n_clients": 3})
    with pytest.raises(OptionError, match="one per study"):
        simulate_studies(StudyDesign(), n_studies=2, n_clients=[10])
    with pytest.raises(OptionError, match="tau"):
        simulate_studies(StudyDesign(), tau=-1)


@pytest.mark.parametrize("fmt", ["spss", "excel", "csv"])
def test_messy_formats_load_back_to_the_canonical_table(tmp_path, fmt):
    sim = simulate_studies(StudyDesign(n_clients=25, n_sessions=6, missing_item_rate=0.1), n_studies=2, seed=5)
    data_path, mapping = write_formats(sim, tmp_path)[fmt]
    loaded = read_sessions(data_path, mapping)
    assert loaded.rule is not None and loaded.rule.name == "coded"
    got = loaded.sessions[CANONICAL].reset_index(drop=True)
    want = sim.sessions[CANONICAL].reset_index(drop=True)
    assert len(got) == len(want)
    for col in CANONICAL:
        if want[col].dtype.kind == "f":
            np.testing.assert_allclose(got[col], want[col], rtol=EXACT, err_msg=col)
        else:
            a = got[col].astype(object).where(got[col].notna(), None).astype(str).tolist()
            b = want[col].astype(object).where(want[col].notna(), None).astype(str).tolist()
            assert a == b, col
    # the pipeline gives the same client table from the file as from memory
    pd.testing.assert_series_equal(client_conditions(classify_sessions(loaded.sessions, rule=loaded.rule))
                                   ["condition"].reset_index(drop=True),
                                   client_conditions(classify_sessions(sim.sessions))["condition"]
                                   .reset_index(drop=True))
