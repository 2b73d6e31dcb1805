"""The issue-11 escalc measures against metafor 3.8.1 (``tests/reference/make_parity2_reference.R``, section
"escalc": the inputs are stored beside the values in ``parity2_reference.json``): proportions on dat.pritz1997 plus
a zero-event and an all-event row, incidence rates on dat.hart1999 plus a zero-count row, SMCC/SMCRH on a pre-post
table written in the script, PCOR/ZPCOR/SPCOR on dat.aloe2013, RPB/RBIS/D2ORN/D2ORL on dat.normand1999 and
OR2DN/OR2DL on dat.bcg plus a zero-cell table; every vtype metafor offers for these measures."""

import numpy as np
import pandas as pd
import pytest
from analyses_helpers import close, load
from tolerances import ELEMENTWISE

from ruptstats.cli.meta import main
from ruptstats.effects import MEASURES, escalc
from ruptstats.exceptions import DataError, OptionError

REF = load("parity2_reference.json")
ESC = REF["escalc"]
NEW = {"PR", "PLN", "PLO", "PAS", "PFT", "IR", "IRR", "SMCC", "SMCRH", "PCOR", "ZPCOR", "SPCOR", "RPB", "RBIS",
       "D2ORN", "D2ORL", "OR2DN", "OR2DL"}
COLUMNS = {
    "proportions": {"xi": "xi", "ni": "ni"},
    "change": {"m1i": "m1i", "m2i": "m2i", "sd1i": "sd1i", "sd2i": "sd2i", "ni": "ni", "ri": "ri"},
    "partial": {"ti": "tval", "ni": "n", "mi": "preds"},
    "means": {"m1i": "m1i", "sd1i": "sd1i", "n1i": "n1i", "m2i": "m2i", "sd2i": "sd2i", "n2i": "n2i"},
    "counts": {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"},
}
CASES = [(group, name) for group in ESC for name in ESC[group]["cases"]]


def _columns(group, measure):
    if group == "rates":
        return {"xi": "x1i", "ti": "t1i"} if measure == "IR" else {k: k for k in ("x1i", "t1i", "x2i", "t2i")}
    cols = dict(COLUMNS[group])
    if measure == "SPCOR":
        cols["r2i"] = "R2"
    return cols


def test_the_reference_grid_is_complete():
    assert {case["measure"] for g in ESC.values() for case in g["cases"].values()} == NEW
    assert len(CASES) == 27 and NEW <= set(MEASURES)
    assert REF["versions"]["metafor"] == "3.8.1"


@pytest.mark.parametrize("group, name", CASES)
def test_escalc_equals_metafor(group, name):
    case = ESC[group]["cases"][name]
    table = pd.DataFrame(ESC[group]["data"])
    out = escalc(table, measure=case["measure"], vtype=case["vtype"], **_columns(group, case["measure"]))
    close(out["yi"], case["yi"], ELEMENTWISE)
    close(out["vi"], case["vi"], ELEMENTWISE)


def test_proportions_get_half_added_to_zero_and_full_rows_but_pft_not():
    # rows 15-16 of the proportions table: 0/12 and 7/7; metafor adds 1/2 (PR, PLN, PLO), nothing for PAS/PFT
    table = pd.DataFrame(ESC["proportions"]["data"])
    out = escalc(table, measure="PR", xi="xi", ni="ni")
    assert out["yi"].iloc[-2] == pytest.approx(0.5 / 13, rel=ELEMENTWISE)
    edge = [i + 1 for i, (x, n) in enumerate(zip(table["xi"], table["ni"])) if x in (0, n)]
    assert out.attrs["continuity_rows"] == edge and {15, 16} <= set(edge)
    assert escalc(table, measure="PFT", xi="xi", ni="ni").attrs["continuity_rows"] == []


@pytest.mark.parametrize("kwargs, fragment", [
    ({"measure": "PR", "xi": [5, 12], "ni": [10, 11]}, "more than the sample size"),
    ({"measure": "PCOR", "ti": [2.0], "ni": [5], "mi": [4]}, "no residual degrees of freedom"),
    ({"measure": "SPCOR", "ti": [2.0], "ni": [50], "mi": [2], "r2i": [1.5]}, "above 1"),
    ({"measure": "IR", "xi": [3], "ti": [0.0]}, "greater than 0"),
    ({"measure": "IRR", "x1i": [-1], "t1i": [10.0], "x2i": [2], "t2i": [10.0]}, "whole number"),
])
def test_bad_inputs_name_row_and_column(kwargs, fragment):
    with pytest.raises(DataError, match=fragment):
        escalc(**kwargs)


def test_vtype_is_checked_per_measure():
    with pytest.raises(OptionError, match="vtype='UB'"):
        escalc(measure="PLO", xi=[3], ni=[10], vtype="UB")
    with pytest.raises(OptionError, match="vtype='AV'"):
        escalc(measure="IRR", x1i=[3], t1i=[10.0], x2i=[2], t2i=[10.0], vtype="AV")


def test_cli_measure_pr_uses_the_registry(tmp_path, capsys):
    path = tmp_path / "prop.csv"
    pd.DataFrame(ESC["proportions"]["data"]).to_csv(path, index=False)
    assert main([str(path), "--measure", "PLO", "--xi", "xi", "--n", "ni", "--vtype", "AV",
                 "--write-effects", str(tmp_path / "es.csv"), "--format", "json"]) == 0
    written = pd.read_csv(tmp_path / "es.csv")
    close(written["vi"], ESC["proportions"]["cases"]["PLO_AV"]["vi"], ELEMENTWISE)
    assert np.isfinite(written["yi"]).all()
