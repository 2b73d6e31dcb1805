"""Make the bundled example: a SYNTHETIC table of k = 11 rupture-repair studies (N = 1,314), each study row
computed from a simulated client-level study by the session pipeline of ruptstats.

No public study-level table of Eubanks, Muran & Safran (2018) exists, so this script simulates one with their
headline numbers: 11 studies, 1,314 patients, and a true mean correlation of r = .29 between rupture repair and
outcome. Every value is synthetic.

How each study is simulated (seeded, so the files are byte-identical on every run):

1. Sizes. The clients **with a rupture** of the 11 studies number 1,314 in all (log-normal sizes scaled to sum
   to 1,314, at least 20 per study): these are the clients the repair-outcome correlation is computed over, as in
   Eubanks et al. (2018), and the ``n`` column. Each study also has clients without a rupture (ruptures in about
   46% of clients, McLaughlin et al. 2014), who enter the three-condition comparison but not ``n``. Of the
   clients with a rupture, a study-specific share between 40% and 70% repaired it.
2. Effects. Each study's true correlation is drawn on Fisher's z scale, z_i ~ N(artanh(.29), tau^2 = 0.05)
   (a random-effects model), and turned into a standardised mean difference in change between repaired and
   unrepaired clients, d_i = rho_i / sqrt(1 - rho_i^2) / sqrt(p_i (1 - p_i)) with p_i the repaired share (the
   point-biserial relation). Unrepaired clients improve 0.3 SD less than clients without a rupture.
3. Scores. Each client has a pre-treatment score and a post-treatment score on the study's outcome measure
   (OQ-45, BDI-II or SCL-90-R GSI, on each measure's own scale; higher is worse on all three): pre ~ N(M, SD),
   post = pre - improvement, improvement ~ N(mean of the condition, (SD / 2)^2).
4. Pipeline. Each simulated client table goes through ``ruptstats.compare_conditions(clients, outcome="post",
   baseline="pre", higher_is_better=False)`` and ``ruptstats.study_effects``; the ``repair_outcome_correlation``
   row gives the study's ``r`` (point-biserial correlation of repair with the improvement, signed so that
   positive = repair goes with a better outcome) and ``n`` (clients with a rupture).

Moderators (who rated the rupture, treatment, outcome measure, year) are assigned at random. The table's
columns: ``study, year, r, n, rater, treatment, outcome_measure, provenance`` (``r`` rounded to 3 decimals).

Run ``python data/make_example.py`` to rewrite ``data/example_studies.csv`` and the package copy
``ruptstats/data/example_studies.csv``.

References
----------
Eubanks, C. F., Muran, J. C., & Safran, J. D. (2018). Alliance rupture repair: A meta-analysis. *Psychotherapy,
55*(4), 508-519.
McLaughlin, A. A., Keller, S. M., Feeny, N. C., Youngstrom, E. A., & Zoellner, L. A. (2014). Patterns of
therapeutic alliance: Rupture-repair episodes in prolonged exposure for PTSD. *Journal of Consulting and Clinical
Psychology, 82*(1), 112-121.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # the checkout's ruptstats makes the checkout's example
    sys.path.insert(0, str(ROOT))

from ruptstats.conditions import compare_conditions, study_effects  # noqa: E402

SEED = 20180601
K = 11
N_TOTAL = 1314  # clients with a rupture, summed over the studies (the n of the correlations)
TRUE_R = 0.29
TAU2_Z = 0.05
RUPTURE_SHARE = 0.46  # share of clients with a rupture (McLaughlin et al. 2014: 46% of 116 clients)
UNREPAIRED_DEFICIT = 0.3  # unrepaired clients improve this many SDs less than clients without a rupture
#: Outcome measures (higher is worse on all): pre-treatment mean, SD and mean improvement of clients without a
#: rupture (simulation settings in the measures' ranges, not norms).
MEASURES = {"OQ-45": (80.0, 20.0, 12.0), "BDI-II": (25.0, 10.0, 8.0), "SCL-90-R": (1.2, 0.6, 0.4)}
OUTPUTS = (HERE / "example_studies.csv", ROOT / "ruptstats" / "data" / "example_studies.csv")


def sample_sizes(rng: np.random.Generator, k: int = K, total: int = N_TOTAL) -> np.ndarray:
    """Log-normal sizes, at least 20, summing to ``total`` exactly (largest remainders get the rounding)."""
    raw = rng.lognormal(mean=np.log(100.0), sigma=0.6, size=k)
    scaled = raw / raw.sum() * total
    n = np.floor(scaled).astype(int)
    n[np.argsort(scaled - n)[::-1][: total - n.sum()]] += 1
    n = np.maximum(n, 20)
    n[np.argmax(n)] -= n.sum() - total  # the floor of 20 can only raise the total; keep the headline N exact
    return n


def simulate_clients(rng: np.random.Generator, n_rupture: int, rho: float, measure: str) -> pd.DataFrame:
    """One study's client table: ``client, condition, pre, post`` (see the module docstring for the model)."""
    mean, sd, improvement = MEASURES[measure]
    p = rng.uniform(0.4, 0.7)
    n_repaired = int(np.clip(round(p * n_rupture), 2, n_rupture - 2))
    n_unrepaired = n_rupture - n_repaired
    n_none = max(2, int(round(n_rupture * (1 - RUPTURE_SHARE) / RUPTURE_SHARE)))
    p = n_repaired / n_rupture
    d = rho / np.sqrt(1 - rho**2) / np.sqrt(p * (1 - p))  # repaired minus unrepaired, in SDs of improvement
    spread = sd / 2  # SD of the improvement within a condition
    unrepaired = improvement - UNREPAIRED_DEFICIT * spread
    means = {"none": improvement, "unrepaired": unrepaired, "repaired": unrepaired + d * spread}
    sizes = {"none": n_none, "unrepaired": n_unrepaired, "repaired": n_repaired}
    condition = np.repeat(list(sizes), list(sizes.values()))
    pre = rng.normal(mean, sd, len(condition))
    gain = rng.normal([means[c] for c in condition], spread)
    return pd.DataFrame({"client": np.arange(1, len(condition) + 1), "condition": condition,
                         "pre": pre, "post": pre - gain})


def make_table(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic study table (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    n = sample_sizes(rng)
    rho = np.tanh(rng.normal(np.arctanh(TRUE_R), np.sqrt(TAU2_Z), size=K))
    years = np.sort(rng.integers(1998, 2017, size=K))
    measures = rng.choice(list(MEASURES), size=K)
    labels = [f"Study {chr(65 + i)} ({y})" for i, y in enumerate(years)]
    comparisons = {label: compare_conditions(simulate_clients(rng, n[i], rho[i], measures[i]), outcome="post",
                                             baseline="pre", higher_is_better=False, study=label)
                   for i, label in enumerate(labels)}
    rows = study_effects(comparisons).query("contrast == 'repair_outcome_correlation'").set_index("study")
    table = pd.DataFrame({
        "study": labels,
        "year": years,
        "r": np.round(rows.loc[labels, "r"].to_numpy(), 3),
        "n": rows.loc[labels, "n"].to_numpy(),
        "rater": rng.choice(["client", "therapist", "observer"], size=K, p=[0.5, 0.2, 0.3]),
        "treatment": rng.choice(["CBT", "psychodynamic", "integrative"], size=K),
        "outcome_measure": measures,
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
