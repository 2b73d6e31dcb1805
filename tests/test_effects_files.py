"""Study tables from SPSS (.sav) and Stata (.dta) files, written here with pyreadstat (value labels included),
read with read_table and turned into effect sizes. Expected values come from the same computation on the
in-memory table (escalc is checked against metafor in tests/test_effects_escalc.py)."""

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from tolerances import EXACT

from ruptstats.effects import convert_table, escalc
from ruptstats.exceptions import DataError
from ruptstats.tables import read_table

NORMAND = pd.read_csv(__import__("pathlib").Path(__file__).parent / "reference" / "normand1999.csv")

MIXED = pd.DataFrame({"study": [1.0, 2.0, 3.0], "stat": [1.0, 2.0, 3.0], "value": [0.31, 2.10, 0.03],
                      "n": [50.0, np.nan, 60.0], "n1": [np.nan, 20.0, np.nan], "n2": [np.nan, 22.0, np.nan],
                      "sign": [np.nan, np.nan, 1.0]})
MIXED_LABELS = {"stat": {1.0: "r", 2.0: "t", 3.0: "p"},
                "study": {1.0: "Safran 2001", 2.0: "Muran 2009", 3.0: "Eubanks 2018"}}


def _write(tmp_path, frame, ext, labels=None):
    path = tmp_path / f"studies{ext}"
    writer = pyreadstat.write_sav if ext == ".sav" else pyreadstat.write_dta
    if ext == ".dta" and labels:
        labels = {col: {int(k): v for k, v in m.items()} for col, m in labels.items()}
    writer(frame, str(path), variable_value_labels=labels or {})
    return path


@pytest.mark.parametrize("ext", [".sav", ".dta"])
def test_smd_from_spss_and_stata_files(tmp_path, ext):
    frame = NORMAND.drop(columns=["source"]).astype(float)
    table = read_table(_write(tmp_path, frame, ext))
    args = dict(measure="SMD", m1i="m1i", sd1i="sd1i", n1i="n1i", m2i="m2i", sd2i="sd2i", n2i="n2i")
    np.testing.assert_allclose(escalc(table, **args)["yi"], escalc(NORMAND, **args)["yi"], rtol=EXACT)


@pytest.mark.parametrize("ext", [".sav", ".dta"])
def test_mixed_table_with_value_labelled_statistic_column(tmp_path, ext):
    table = read_table(_write(tmp_path, MIXED, ext, MIXED_LABELS), keep_value_labels=True)
    assert isinstance(table["stat"].dtype, pd.CategoricalDtype)
    out = convert_table(table, statistic="stat", to="ZCOR")
    plain = MIXED.assign(stat=["r", "t", "p"])
    want = convert_table(plain, statistic="stat", to="ZCOR")
    np.testing.assert_allclose(out["yi"], want["yi"], rtol=EXACT)
    assert out["conversion"].tolist() == ["r -> z", "t -> d -> r -> z", "p -> r -> z"]


def test_labelled_missing_code_in_a_numeric_column_is_an_error_naming_the_file(tmp_path):
    frame = MIXED.assign(stat=[1.0, 1.0, 1.0], value=[0.31, 0.2, 0.1], n=[50.0, -9.0, 60.0])
    path = _write(tmp_path, frame, ".sav", {"stat": {1.0: "r"}, "n": {-9.0: "not reported"}})
    table = read_table(path)
    with pytest.raises(DataError, match="expected a number, got 'not reported'") as err:
        convert_table(table, statistic="stat", to="COR")
    assert (err.value.row, err.value.column) == (2, "n")
    assert str(path) in str(err.value)


def test_unlabelled_codes_of_a_labelled_column_keep_their_values(tmp_path):
    # SPSS columns often label only a missing-value code; the other (whole-number) values must survive
    path = _write(tmp_path, pd.DataFrame({"n": [50.0, -9.0, 60.5]}), ".sav", {"n": {-9.0: "not reported"}})
    assert read_table(path)["n"].tolist() == ["50", "not reported", "60.5"]
