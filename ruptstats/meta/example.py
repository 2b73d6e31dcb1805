"""The bundled example study table (synthetic; see ``data/make_example.py``)."""

from __future__ import annotations

from importlib import resources

__all__ = ["load_example", "EXAMPLE_NOTICE"]

#: Printed first whenever the example is analysed, so nobody mistakes it for real data.
EXAMPLE_NOTICE = ("Bundled example: SYNTHETIC data, 11 simulated rupture-repair studies (N = 1,314) made by "
                  "data/make_example.py with a true r = .29; not real studies.")


def load_example():
    """Return the synthetic example table: ``study, year, r, n, rater, treatment, outcome_measure, provenance``.

    The table imitates the headline numbers of Eubanks, Muran & Safran (2018): k = 11 studies, N = 1,314,
    simulated from a random-effects model with a true correlation of .29 between rupture repair and outcome.
    It is synthetic: no study-level table of that meta-analysis is public.

    Examples
    --------
    >>> table = load_example()
    >>> len(table), int(table["n"].sum())
    (11, 1314)
    """
    import pandas as pd

    with resources.files("ruptstats").joinpath("data/example_studies.csv").open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh)
    table.attrs["source"] = "example_studies.csv (bundled, synthetic)"
    return table
