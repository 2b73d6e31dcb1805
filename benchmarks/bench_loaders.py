"""Benchmark: load, score and classify 1,000,000 session rows against a bare ``pandas.read_csv(engine="pyarrow")``.

The data: 50,000 clients × 20 sessions (seeded), one CSV written into a temporary folder with the columns
``client, therapist, session, wai1 … wai12, psq_rupture, psq_resolution``. Timed, side by side in one run:

- ``pandas.read_csv(path, engine="pyarrow")`` (reading only);
- ``ruptstats.sessions.read_sessions`` with a mapping that scores the WAI-SR total into ``alliance`` (range
  checks, canonical dtypes, duplicate/order/conflict checks), then ``classify_sessions`` with the mapping's
  trajectory rule (``rule=data.rule``: 1 SD of the sample's session-to-session differences, m = 3) and
  ``client_conditions(by=data.condition_by)``; client conditions are computed once, by the latter.

Run ``python benchmarks/bench_loaders.py [--clients 50000] [--sessions 20] [--repeat 9] [--seed 1]``: after one
untimed call of each (first calls import modules lazily), the two are timed in ``--repeat`` pairs, the baseline
first in even pairs and ours first in odd ones; each result is kept until the next run of its kind replaces it.
Reported: best and median of each, the ratio of the bests and of the medians, the median and worst ratio of the
pairs (goal: at most 2). Not a timed test.

Measured 2026-11-25 on 2 CPUs (a Firecracker VM, otherwise idle; Python 3.11, pandas 3.1.1, pyarrow 26), three
runs of the default ``--repeat 9``: best pandas.read_csv 0.086 / 0.087 / 0.087 s; best load + score + classify +
client table 0.150 / 0.154 / 0.150 s (classify + client table 0.020 s); ratio of the bests 1.75 / 1.78 / 1.72,
of the medians 1.65 / 1.83 / 1.77; median ratio of the pairs 1.68 / 1.74 / 1.77 (worst pair 1.80 / 1.94 / 2.02).
Before the vectorisation pass of this date the same protocol gave 2.81 / 2.96 / 2.88 (bests) and 2.82 / 2.78 /
2.83 (median of the pairs). Where the time goes (ms, best of 12): the pyarrow parse with the three text columns
dictionary-encoded, 96 to 100 (a plain parse of the same file takes about 84; pandas.read_csv adds its conversion
to that); categoricals and pandas columns 16; dtypes, checks and ordering 13; WAI-SR scores 15;
trajectory rule 11; condition column and counts 8; client table 4. (Those numbers predate the one-way session
flow, in which classify_sessions no longer counts client conditions for a report: the "counts" part is gone;
not re-measured.) Touching fresh memory is slow on this VM
(2 to 4 ms for each new 8 MB column or temporary), which is why the new columns cost more than the arithmetic
in them. When every result is freed before the next run (instead of kept as here), ours measured 0.160 and
0.164 s against 0.085 and 0.083 s: ratios of the bests 1.90 and 1.98, medians of the pairs 1.85 and 1.97.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from ruptstats.sessions import classify_sessions, client_conditions, read_sessions  # noqa: E402

MAPPING = {
    "columns": {"psq_rupture": "rupture", "psq_resolution": "resolution"},
    "instruments": {"wai": {"instrument": "WAI-SR", "items": "wai{}", "max_missing": 1, "target": "alliance"}},
    "rule": {"type": "trajectory", "c": 1.0, "sd": "sample", "m": 3},
    "study": "bench",
}


def make_csv(path: str, n_clients: int, n_sessions: int, seed: int) -> None:
    """Write the seeded benchmark CSV (vectorised; a few seconds for a million rows)."""
    rng = np.random.default_rng(seed)
    n = n_clients * n_sessions
    level = rng.normal(3.5, 0.5, n_clients).repeat(n_sessions) + np.tile(np.linspace(0, 0.5, n_sessions), n_clients)
    items = np.clip(np.rint(level[:, None] + rng.normal(0, 0.6, (n, 12))), 1, 5).astype(np.int8)
    df = pd.DataFrame({
        "client": np.char.add("C", np.arange(n_clients).astype(str)).repeat(n_sessions),
        "therapist": np.char.add("T", (np.arange(n_clients) % 400).astype(str)).repeat(n_sessions),
        "session": np.tile(np.arange(1, n_sessions + 1), n_clients),
    })
    for j in range(12):
        df[f"wai{j + 1}"] = items[:, j]
    df["psq_rupture"] = np.where(rng.random(n) < 0.2, "yes", "no")
    df["psq_resolution"] = rng.integers(1, 6, n)
    df.to_csv(path, index=False)


def timed(func):
    t0 = time.perf_counter()
    result = func()
    return time.perf_counter() - t0, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sessions.csv")
        make_csv(path, args.clients, args.sessions, args.seed)
        size = os.path.getsize(path) / 1e6

        def baseline():
            return pd.read_csv(path, engine="pyarrow")

        def ours():
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # the benchmark data must load without findings
                data = read_sessions(path, MAPPING)
            t1 = time.perf_counter()
            c = classify_sessions(data.sessions, rule=data.rule)
            k = client_conditions(c, by=data.condition_by)
            return data.sessions, c, k, time.perf_counter() - t1

        raw, (s, c, k, _) = baseline(), ours()  # not timed: first calls import modules lazily (both sides)
        reads, totals, classifies = [], [], []
        for i in range(args.repeat):  # in pairs, one or the other first, so that both see the same machine load
            for which in ((baseline, ours) if i % 2 == 0 else (ours, baseline)):
                t, result = timed(which)  # each result is kept until the next run of its kind replaces it
                if which is baseline:
                    reads.append(t)
                    raw = result
                else:
                    totals.append(t)
                    s, c, k, t_classify = result
                    classifies.append(t_classify)
    paired = [b / a for a, b in zip(reads, totals)]
    print(f"rows {len(raw):,} ({args.clients:,} clients x {args.sessions} sessions), CSV {size:.1f} MB, "
          f"{os.cpu_count()} CPU(s), pandas {pd.__version__}, {args.repeat} pairs of runs")
    print(f"pandas.read_csv(engine='pyarrow')            best {min(reads):6.3f} s  median {np.median(reads):6.3f} s")
    print(f"read_sessions + classify + client_conditions best {min(totals):6.3f} s  median {np.median(totals):6.3f} s"
          f"  (classify + clients best {min(classifies):.3f} s)")
    print(f"ratio of the bests {min(totals) / min(reads):.2f}, of the medians "
          f"{np.median(totals) / np.median(reads):.2f}; paired ratios median {np.median(paired):.2f}, "
          f"worst {max(paired):.2f} (goal <= 2)")
    print(f"session conditions: {c['condition'].value_counts().to_dict()}")
    print(f"client conditions:  {k['condition'].value_counts().to_dict()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
