"""Effect-size command-line options: add_arguments/effects_from_args with a bare argparse parser (the options
the meta parser defines are added here the same way), and in-process runs of ruptstats.cli.meta.main."""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from tolerances import EXACT, ITERATIVE_ABS

from ruptstats.cli import effects_options as cli
from ruptstats.cli import meta as meta_cli
from ruptstats.effects import convert_table, escalc
from ruptstats.exceptions import DataError, OptionError

REF = Path(__file__).parent / "reference"
NORMAND = REF / "normand1999.csv"
BCG = REF / "bcg.csv"


def _parser():
    p = argparse.ArgumentParser()
    for opt in ("--r", "--n", "--yi", "--vi", "--sei", "--study", "--write-effects"):  # the meta parser's own
        p.add_argument(opt)
    p.add_argument("--level", type=float, default=95.0)
    p.add_argument("--drop-missing", action="store_true")
    cli.add_arguments(p)
    return p


def _run(table, *argv):
    return cli.effects_from_args(table, _parser().parse_args(list(argv)))


def _table(path):
    t = pd.read_csv(path)
    t.attrs["source"] = path.name
    return t


def test_no_measure_gives_none():
    assert _run(_table(NORMAND)) is None


def test_smd_with_default_column_names():
    out = _run(_table(NORMAND), "--measure", "smd")
    want = escalc(_table(NORMAND), measure="SMD", m1i="m1i", sd1i="sd1i", n1i="n1i", m2i="m2i", sd2i="sd2i",
                  n2i="n2i")
    np.testing.assert_allclose(out["yi"], want["yi"], rtol=EXACT)
    assert out.attrs["measure"] == "SMD" and set(out["measure"]) == {"SMD"}
    assert out["conversion"].iloc[0] == ("SMD: standardised mean difference (Hedges' g) "
                                         "from m1i, sd1i, n1i, m2i, sd2i, n2i")


def test_explicit_columns_and_group_sizes_for_2x2():
    t = _table(BCG).assign(n_t=lambda d: d.tpos + d.tneg, n_c=lambda d: d.cpos + d.cneg)
    t.loc[0, "tpos"] = 0
    t.loc[0, "n_t"] = t.loc[0, "tneg"]
    out = _run(t, "--measure", "RR", "--ai", "tpos", "--n1", "n_t", "--ci", "cpos", "--n2", "n_c")
    want = escalc(t, measure="RR", ai="tpos", bi="tneg", ci="cpos", di="cneg")
    np.testing.assert_allclose(out["yi"], want["yi"], rtol=EXACT)
    assert out["conversion"].iloc[0] == ("RR: log risk ratio from tpos, n_t, cpos, n_c; "
                                         "0.5 added to each cell (to='only0')")
    assert out["conversion"].iloc[1] == "RR: log risk ratio from tpos, n_t, cpos, n_c"


def test_add_and_to_reach_escalc():
    out = _run(_table(BCG), "--measure", "OR", "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg",
               "--add", "1", "--to", "all")
    want = escalc(_table(BCG), measure="OR", ai="tpos", bi="tneg", ci="cpos", di="cneg", add=1, to="all")
    np.testing.assert_allclose(out["vi"], want["vi"], rtol=EXACT)


@pytest.mark.parametrize("argv", [[], ["--r", "corr", "--n", "size"]])
def test_correlations_use_the_meta_r_and_n_options(argv):
    t = pd.DataFrame({"ri": [0.3, 0.5], "ni": [40, 60]}) if not argv else pd.DataFrame(
        {"corr": [0.3, 0.5], "size": [40, 60]})
    out = _run(t, "--measure", "ZCOR", *argv)
    np.testing.assert_allclose(out["yi"], np.arctanh([0.3, 0.5]), rtol=EXACT)  # Fisher's z of the input r


def test_smcr_with_a_constant_or_a_column_correlation():
    t = pd.DataFrame({"m1": [12.1, 18.4], "m2": [16.3, 21.0], "sd1": [5.2, 6.8], "n": [24, 41], "rr": [0.5, 0.5]})
    a = _run(t, "--measure", "SMCR", "--ri-prepost", "0.5")
    b = _run(t, "--measure", "SMCR", "--ri-prepost", "rr")
    want = escalc(t, measure="SMCR", m1i="m1", m2i="m2", sd1i="sd1", ni="n", ri=0.5)
    np.testing.assert_allclose(a["vi"], want["vi"], rtol=EXACT)
    np.testing.assert_allclose(b["vi"], want["vi"], rtol=EXACT)
    with pytest.raises(OptionError, match="--ri-prepost"):
        _run(t, "--measure", "SMCR")
    with pytest.raises(OptionError, match="neither a column"):
        _run(t, "--measure", "SMCR", "--ri-prepost", "r_pp")


def test_option_mistakes():
    with pytest.raises(OptionError, match="--to is not used by --measure SMD"):
        _run(_table(NORMAND), "--measure", "SMD", "--to", "all")
    with pytest.raises(OptionError, match="--m1 is not used by --convert-to ZCOR"):
        _run(_table(NORMAND), "--convert-to", "ZCOR", "--m1", "m1i")
    with pytest.raises(OptionError, match="--sd1 is not used by --measure RR"):
        _run(_table(BCG), "--measure", "RR", "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg",
             "--sd1", "x")
    with pytest.raises(OptionError, match="needs --ai COL"):
        _run(_table(NORMAND), "--measure", "OR")
    with pytest.raises(SystemExit):
        _parser().parse_args(["--measure", "HR"])


def test_bad_cell_names_file_row_and_column():
    t = _table(NORMAND)
    t.loc[3, "sd1i"] = 0
    with pytest.raises(DataError) as err:
        _run(t, "--measure", "SMD")
    assert str(err.value) == "normand1999.csv: row 4, column 'sd1i': must be a standard deviation greater than 0, got 0"


def test_drop_missing_is_passed_through():
    t = _table(NORMAND)
    t.loc[1, "m2i"] = np.nan
    with pytest.raises(DataError, match="row 2"):
        _run(t, "--measure", "MD")
    with pytest.warns(UserWarning, match="row 2"):
        out = _run(t, "--measure", "MD", "--drop-missing")
    assert out.attrs["dropped_rows"] == [2] and len(out) == 8


def test_convert_to_mixed_table():
    t = pd.DataFrame({"statistic": ["r", "t"], "value": [0.3, 2.1], "n": [50, None], "n1": [None, 20],
                      "n2": [None, 22]})
    out = _run(t, "--convert-to", "zcor")
    pd.testing.assert_frame_equal(out, convert_table(t, to="ZCOR"))
    with pytest.raises(OptionError, match="not both"):
        _run(t, "--convert-to", "ZCOR", "--measure", "SMD")


# --- in-process runs of python -m ruptstats.meta -------------------------------------------------------------


def test_main_pools_smd_like_metafor(capsys):
    # normand1999.json models SMD_REML: rma(escalc("SMD", ...), method = "REML") in metafor 3.8.1
    ref = json.loads((REF / "normand1999.json").read_text())["models"]["SMD_REML"]
    assert meta_cli.main([str(NORMAND), "--measure", "SMD", "--study", "source", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["measure"] == "SMD" and got["k"] == 9
    assert got["estimate"] == pytest.approx(ref["estimate"], abs=ITERATIVE_ABS)


def test_main_writes_effects_with_the_conversion(tmp_path, capsys):
    path = tmp_path / "effects.csv"
    assert meta_cli.main([str(BCG), "--measure", "OR", "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di",
                          "cneg", "--write-effects", str(path)]) == 0
    written = pd.read_csv(path)
    assert {"yi", "vi", "measure", "conversion"} <= set(written.columns) and len(written) == 13


def test_main_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    t = pd.read_csv(NORMAND)
    t.loc[3, "n1i"] = 1
    path = tmp_path / "studies.csv"
    t.to_csv(path, index=False)
    assert meta_cli.main([str(path), "--measure", "SMD"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "row 4, column 'n1i'" in err[0] and "studies.csv" in err[0]


def test_main_reads_spss(tmp_path, capsys):
    frame = pd.read_csv(NORMAND).drop(columns=["source"]).astype(float)
    path = tmp_path / "studies.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"study": {1.0: "Edinburgh", 2.0: "Orpington"}})
    assert meta_cli.main([str(path), "--measure", "SMD", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    ref = json.loads((REF / "normand1999.json").read_text())["models"]["SMD_REML"]
    assert got["k"] == 9 and got["estimate"] == pytest.approx(ref["estimate"], abs=ITERATIVE_ABS)


def test_main_mixed_table_with_an_n_column(tmp_path, capsys):
    frame = pd.DataFrame({"study": [1.0, 2.0, 3.0], "statistic": [1.0, 2.0, 1.0], "value": [0.31, 2.1, 0.12],
                          "n": [50.0, np.nan, 120.0], "n1": [np.nan, 20.0, np.nan], "n2": [np.nan, 22.0, np.nan]})
    path = tmp_path / "studies.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "statistic": {1.0: "r", 2.0: "t"}, "study": {1.0: "A 2001", 2.0: "B 2009", 3.0: "C 2018"}})
    assert meta_cli.main([str(path), "--convert-to", "ZCOR", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    want = convert_table(frame.assign(statistic=["r", "t", "r"]), to="ZCOR")
    assert got["k"] == 3 and got["measure"] == "ZCOR"
    from ruptstats.meta.model import rma
    pooled = rma(want["yi"].to_numpy(), want["vi"].to_numpy(), measure="ZCOR", method="REML")
    assert got["estimate"] == pytest.approx(pooled.estimate, rel=EXACT)


def test_main_cor_measure_pools_raw_correlations(capsys):
    assert meta_cli.main([str(REF / "molloy2014.csv"), "--measure", "COR", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["measure"] == "COR"
