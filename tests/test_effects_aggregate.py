"""aggregate(): within-study composites against metafor 3.8.1's aggregate.escalc(struct = "CS") on
dat.assink2016 (tests/reference/effects_reference.json, made by make_effects_reference.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tolerances import ELEMENTWISE

from ruptstats.effects import aggregate, composite, escalc
from ruptstats.exceptions import DataError, DataWarning, OptionError

AGG = json.loads((Path(__file__).parent / "reference" / "effects_reference.json").read_text())["aggregate"]


def _assink():
    return pd.DataFrame({"study": AGG["study"], "yi": AGG["yi"], "vi": AGG["vi"]})


@pytest.mark.parametrize("case", AGG["results"], ids=lambda c: f"rho{c['rho']}-weighted{c['weighted']}")
def test_aggregate_equals_metafor(case):
    # aggregate(escalc(yi = yi, vi = vi, data = dat.assink2016), cluster = study, rho, struct = "CS", weighted)
    out = aggregate(_assink(), cluster="study", rho=case["rho"], weighted=case["weighted"])
    assert out["study"].tolist() == case["study"]
    np.testing.assert_allclose(out["yi"], case["yi"], rtol=ELEMENTWISE)
    np.testing.assert_allclose(out["vi"], case["vi"], rtol=ELEMENTWISE)
    assert out["k"].tolist() == case["k"]


def test_reports_what_was_combined():
    data = _assink()
    out = aggregate(data, rho=0.6)
    first = out.iloc[0]
    rows = [int(x) for x in first["combined_rows"].split(", ")]
    assert rows == [i + 1 for i in np.flatnonzero(data["study"] == first["study"])]
    assert first["k"] == len(rows) and out["k"].sum() == len(data)
    assert out.attrs["rho"] == 0.6 and out.attrs["weighted"] is True


def test_borenstein_composite_variance_formula():
    # Borenstein et al. (2009), ch. 24: var of the mean of m effects = (sum v + sum_{j != k} rho sqrt(v_j v_k)) / m^2
    v = np.array([0.04, 0.09, 0.05])
    rho = 0.4
    want = (v.sum() + rho * (np.sqrt(v[:, None] * v[None, :]).sum() - v.sum())) / 9
    _, got = composite([0.1, 0.3, 0.2], v, rho, weighted=False)
    assert got == pytest.approx(want, rel=ELEMENTWISE)


def test_keeps_measure_and_other_columns():
    es = escalc(measure="ZCOR", ri=[0.2, 0.4, 0.3], ni=[40, 40, 60]).assign(study=["A", "A", "B"],
                                                                          outcome=["x", "y", "x"])
    out = aggregate(es, rho=0.5)
    assert out.attrs["measure"] == "ZCOR" and out["measure"].tolist() == ["ZCOR", "ZCOR"]
    assert out["ni"].tolist() == [40.0, 60.0]  # the input n of each study (both rows of A say 40)


def test_single_effect_study_is_unchanged():
    out = aggregate(pd.DataFrame({"study": ["A"], "yi": [0.25], "vi": [0.02]}), rho=0.9)
    assert (out["yi"].iloc[0], out["vi"].iloc[0]) == (0.25, 0.02)  # the input row, untouched


def test_bad_input():
    data = _assink()
    with pytest.raises(OptionError, match="rho"):
        aggregate(data, rho=1.5)
    with pytest.raises(DataError, match="no column named 'paper'"):
        aggregate(data, cluster="paper", rho=0.5)
    bad = data.copy()
    bad.loc[4, "vi"] = -0.1
    with pytest.raises(DataError) as err:
        aggregate(bad, rho=0.5)
    assert (err.value.row, err.value.column) == (5, "vi")
    with pytest.raises(DataError, match="not positive definite") as err:
        aggregate(pd.DataFrame({"study": ["A", "A"], "yi": [0.1, 0.2], "vi": [0.1, 0.1]}), rho=-1)
    assert err.value.row == 1


def test_missing_effects_error_or_are_reported_when_dropped():
    data = _assink()
    data.loc[2, "yi"] = np.nan
    with pytest.raises(DataError) as err:
        aggregate(data, rho=0.5)
    assert (err.value.row, err.value.column) == (3, "yi")
    with pytest.warns(DataWarning, match="row 3"):
        out = aggregate(data, rho=0.5, missing="drop")
    assert out.attrs["dropped_rows"] == [3] and out["k"].sum() == len(data) - 1
