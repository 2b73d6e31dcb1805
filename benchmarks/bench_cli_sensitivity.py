"""JSON output of ``python -m ruptstats.meta TABLE --sensitivity`` on 100,000 rows, next to CSV output (issue 10).

1. Whole process, side by side in one run: ``--sensitivity --format csv`` and ``--sensitivity --format json`` on
   a seeded table of k rows (``study, yi, vi``; v ~ U(0.01, 0.1), y ~ N(0.3, v + 0.04)), each run ``--repeat``
   times, alternating; the median wall time and the ratio json / csv (goal: at most about 1.5).
2. In process, on the JSON payload of that run (the model with its study rows, leave-one-out and influence rows):
   the writer :func:`ruptstats.cli._common.json_text` against the writer it replaced (every non-finite float
   replaced by None, then ``json.dumps(..., indent=2, allow_nan=False)``, whose pure-Python encoder is used
   whenever ``indent`` is set), best of ``--repeat``; the two texts must be the same bytes.

Measured on the development container (2 cores shared with ~6 other jobs, Python 3.11, numpy 2.4), 2026-11-30,
k = 100,000, 3 repeats (the numbers vary with the load of the machine by up to 2x between runs):

- whole process: csv 5.37 s, json 9.37 s, ratio 1.75 (goal ~1.5 not reached); a single pair of runs at another
  moment: csv 6.9 s, json 10.8 s (1.57), where the previous writer took 20.9 s for the same json, same bytes.
- writer on the same payload (88.9 MB): ``json_text`` 3.79 s vs old strict walk + ``json.dumps(indent=2)``
  9.34 s (2.5x); in quieter moments 2.5 s vs 6.0 s.
- What is left is mostly ``float.__repr__`` itself (about 2 s for the 2 million floats of 20 float columns;
  the CSV output formats 7 columns), which the output must keep byte for byte; the rest is building the
  300,000 row dicts of ``to_dict()`` and taking them apart again.

Run: ``python benchmarks/bench_cli_sensitivity.py [--k N] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_table(path: Path, k: int, seed: int = 1) -> None:
    """A table of k studies from the random-effects model, with text labels."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.1, k)
    y = rng.normal(0.3, np.sqrt(v + 0.04))
    with path.open("w") as fh:
        fh.write("study,yi,vi\n")
        fh.writelines(f"s{i},{a!r},{b!r}\n" for i, (a, b) in enumerate(zip(y.tolist(), v.tolist())))


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def old_json_text(payload) -> str:
    """The writer before issue 10: a Python walk replacing non-finite floats, then json.dumps(indent=2)."""
    def strict(value):
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if isinstance(value, dict):
            return {key: strict(val) for key, val in value.items()}
        if isinstance(value, (list, tuple)):
            return [strict(val) for val in value]
        return value
    return json.dumps(strict(payload), indent=2, allow_nan=False) + "\n"


def payload_of(table: Path):
    """The JSON payload the command writes for ``TABLE --sensitivity`` (recorded on its way to the writer)."""
    from ruptstats.cli import _common
    from ruptstats.cli.meta import main

    seen = []
    fast = _common.json_text
    _common.json_text = lambda payload: seen.append(payload) or ""
    try:
        main([str(table), "--sensitivity", "--format", "json", "--output", str(table.with_suffix(".json"))])
    finally:
        _common.json_text = fast
    return seen[0]


def best(func, arg, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func(arg)
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from ruptstats.cli._common import json_text

    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "studies.csv"
        write_table(table, args.k)
        base = [sys.executable, "-m", "ruptstats.meta", str(table), "--sensitivity", "--format"]
        wall(base + ["csv"])  # warm the file cache and the imports once
        csv_times, json_times = [], []
        for _ in range(args.repeat):
            csv_times.append(wall(base + ["csv"]))
            json_times.append(wall(base + ["json"]))
        payload = payload_of(table)
    csv_s, json_s = statistics.median(csv_times), statistics.median(json_times)
    print(f"k = {args.k:,} rows, --sensitivity, whole process, median of {args.repeat}:")
    print(f"  --format csv   {csv_s:6.2f} s")
    print(f"  --format json  {json_s:6.2f} s   ratio json / csv = {json_s / csv_s:.2f}  (goal <= ~1.5)")
    new_s, new_text = best(json_text, payload, args.repeat)
    old_s, old_text = best(old_json_text, payload, args.repeat)
    print(f"writer on the same payload ({len(new_text) / 1e6:.1f} MB of JSON), best of {args.repeat}:")
    print(f"  json_text                              {new_s:6.2f} s")
    print(f"  old: strict walk + json.dumps(indent=2) {old_s:6.2f} s   ratio old / new = {old_s / new_s:.1f}")
    print(f"  same bytes: {new_text == old_text}")
    return 0 if new_text == old_text else 1


if __name__ == "__main__":
    raise SystemExit(main())
