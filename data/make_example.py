"""Make the bundled example: a SYNTHETIC table of k = 11 rupture-repair studies (total N = 1,314).

No public study-level table of Eubanks, Muran & Safran (2018) exists, so this script simulates one with
their headline numbers: 11 studies, 1,314 patients, and a random-effects model with a true mean correlation
of r = .29 between rupture repair and outcome. Each study's true effect is drawn on Fisher's z scale,
z_i ~ N(artanh(.29), tau^2 = 0.05), and its observed correlation from z_i + N(0, 1/(n_i - 3)). Sample sizes
are drawn from a log-normal distribution and scaled to sum to 1,314. Moderators (who rated the rupture,
treatment, outcome measure, year) are assigned at random. Every value is synthetic.

Run ``python data/make_example.py`` to rewrite ``data/example_studies.csv`` and the package copy
``ruptstats/data/example_studies.csv``; the seed makes the files byte-identical on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20180601
K = 11
N_TOTAL = 1314
TRUE_R = 0.29
TAU2_Z = 0.05
HERE = Path(__file__).resolve().parent
OUTPUTS = (HERE / "example_studies.csv", HERE.parent / "ruptstats" / "data" / "example_studies.csv")


def sample_sizes(rng: np.random.Generator, k: int = K, total: int = N_TOTAL) -> np.ndarray:
    """Log-normal sizes scaled to ``total`` exactly (largest remainders get the rounding)."""
    raw = rng.lognormal(mean=np.log(100.0), sigma=0.6, size=k)
    scaled = raw / raw.sum() * total
    n = np.floor(scaled).astype(int)
    n[np.argsort(scaled - n)[::-1][: total - n.sum()]] += 1
    return np.maximum(n, 20)


def make_table(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic study table (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    n = sample_sizes(rng)
    if n.sum() != N_TOTAL:  # the floor of 20 can only raise the total; keep the headline N exact
        n[np.argmax(n)] -= n.sum() - N_TOTAL
    theta = rng.normal(np.arctanh(TRUE_R), np.sqrt(TAU2_Z), size=K)
    z = rng.normal(theta, np.sqrt(1.0 / (n - 3)))
    years = np.sort(rng.integers(1998, 2017, size=K))
    table = pd.DataFrame({
        "study": [f"Study {chr(65 + i)} ({y})" for i, y in enumerate(years)],
        "year": years,
        "r": np.round(np.tanh(z), 3),
        "n": n,
        "rater": rng.choice(["client", "therapist", "observer"], size=K, p=[0.5, 0.2, 0.3]),
        "treatment": rng.choice(["CBT", "psychodynamic", "integrative"], size=K),
        "outcome_measure": rng.choice(["OQ-45", "BDI-II", "SCL-90-R"], size=K),
        "provenance": "synthetic (ruptstats example, not real data)",
    })
    return table


def main(argv=None) -> int:
    table = make_table()
    for path in OUTPUTS:
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(path, index=False, lineterminator="\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
