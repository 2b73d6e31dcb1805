"""Whole-process wall time: ``python -m ruptstats.meta`` vs ``Rscript`` with metafor, on the same table.

Both pool the bundled example (k = 11 correlations, Fisher z, REML) and print a summary; each command is run
``--repeat`` times (default 7), alternating, and the median wall time is reported with the ratio
ruptstats / Rscript. The goal of issue 2 is a ratio of at most 0.6. Without Rscript only ruptstats is timed.

Run: ``python benchmarks/bench_meta_cli.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "ruptstats" / "data" / "example_studies.csv"
R_CODE = """suppressMessages(library(metafor))
d <- read.csv("{table}")
res <- rma(measure = "ZCOR", ri = r, ni = n, data = d, method = "REML")
print(res); print(predict(res, transf = transf.ztor)); print(confint(res))
"""


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    py_cmd = [sys.executable, "-m", "ruptstats.meta", str(TABLE)]
    rscript = shutil.which("Rscript")
    with tempfile.TemporaryDirectory() as tmp:
        r_file = Path(tmp) / "bench.R"
        r_file.write_text(R_CODE.format(table=TABLE.as_posix()))
        r_cmd = [rscript, str(r_file)] if rscript else None
        wall(py_cmd)  # warm the file cache once for both
        if r_cmd:
            wall(r_cmd)
        py_times, r_times = [], []
        for _ in range(args.repeat):
            py_times.append(wall(py_cmd))
            if r_cmd:
                r_times.append(wall(r_cmd))
    py = statistics.median(py_times)
    print(f"ruptstats  python -m ruptstats.meta   median {py:.3f} s  (n = {args.repeat})")
    if not r_times:
        print("Rscript not found: install R and metafor to compare (see README)")
        return 0
    r = statistics.median(r_times)
    print(f"metafor    Rscript + rma()             median {r:.3f} s  (n = {args.repeat})")
    print(f"ratio ruptstats / Rscript = {py / r:.2f}  (goal <= 0.60)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
