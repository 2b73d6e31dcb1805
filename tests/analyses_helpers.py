"""Shared data for the analyses tests (test_analyses_*.py).

Reference values: ``tests/reference/*.json`` from metafor 3.8.1 / clubSandwich 0.5.8 under R 4.2.2; the R code
that produced each number is ``tests/reference/make_reference_shared.R`` (molloy2014/bcg/konstantopoulos2011
.json) or ``tests/reference/make_analyses_reference.R`` (analyses_reference.json), named in each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from tolerances import ZERO_ATOL  # the tolerances themselves live in tests/tolerances.py

REF = Path(__file__).parent / "reference"



def load(name: str) -> dict:
    """A reference JSON file of tests/reference."""
    return json.loads((REF / name).read_text(encoding="utf-8"))


ANALYSES = load("analyses_reference.json")


def _with_escalc(csv: str, escalc: list) -> pd.DataFrame:
    frame = pd.read_csv(REF / csv)
    frame["yi"] = [row["yi"] for row in escalc]
    frame["vi"] = [row["vi"] for row in escalc]
    return frame


def molloy() -> pd.DataFrame:
    """dat.molloy2014 with metafor's escalc(measure = "ZCOR") yi, vi (molloy2014.json "escalc")."""
    return _with_escalc("molloy2014.csv", load("molloy2014.json")["escalc"])


def bcg() -> pd.DataFrame:
    """dat.bcg with metafor's escalc(measure = "RR") yi, vi (bcg.json "escalc" "RR")."""
    return _with_escalc("bcg.csv", load("bcg.json")["escalc"]["RR"])


def konstantopoulos() -> pd.DataFrame:
    """dat.konstantopoulos2011 (yi, vi given in the data)."""
    return pd.read_csv(REF / "konstantopoulos2011.csv")


def close(actual, expected, rtol: float) -> None:
    """assert_allclose with NaN/None in R as NaN and an absolute floor for exact zeros."""
    exp = np.asarray([np.nan if e is None else e for e in np.atleast_1d(expected)], dtype=float)
    np.testing.assert_allclose(np.asarray(actual, dtype=float).ravel(), exp, rtol=rtol, atol=ZERO_ATOL)
