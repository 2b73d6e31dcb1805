"""Shared test helpers: reference values live in tests/reference (never in ../shared)."""

import json
from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def load_reference(name: str) -> dict:
    """Load ``tests/reference/<name>.json`` (made by the R scripts in that folder)."""
    with open(REFERENCE_DIR / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def reference():
    """Fixture returning :func:`load_reference`."""
    return load_reference
