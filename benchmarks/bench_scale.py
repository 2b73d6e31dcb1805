"""Scale (issue 10): pooling, heterogeneity and sensitivity analyses in O(k), side by side in one run.

1. ``rma()`` with REML on k = 1,000,000 simulated studies against a bare O(k) Fisher-scoring loop (the fewest
   operations an REML fit can take), timed in the same run: the ratio, peak memory of ``rma()``
   (tracemalloc) and the agreement of tau2 and the estimate.
2. ``python -m ruptstats.meta TABLE --yi yi --vi vi --sensitivity`` on a 100,000-row CSV (leave-one-out and
   influence diagnostics of every study), whole-process wall time.
3. The same analysis with R + metafor (``rma()``, ``leave1out()``, ``influence()``) on a table metafor can hold
   in memory (k = 5,000 by default; its k x k matrices make k = 20,000 need about 9 GB), with a time limit,
   next to ruptstats on the same table.
4. An exact permutation test that would need 2^40 fits: the time until it is refused (with the way out).

Measured on the development container (2 cores shared with other jobs, numpy 2.4, R 4 + metafor 3.8), 2026-11-30:

- k = 1,000,000 REML: ``rma()`` 5.79 s vs the bare loop 0.864 s (best of 3 each), ratio 6.7x (goal <= 30x);
  peak memory of ``rma()`` 0.08 GiB (goal < 2 GiB); tau2 and estimate agree with the bare loop to 2.6e-10 and
  5.7e-14 relative (``rma()`` uses metafor's stopping rule, the bare loop runs to a change of 1e-12).
- CLI on 100,000 rows with ``--sensitivity``: 7.2 s with ``--format csv``, 14.6 s text, 34.7 s json (whole
  process). In process the analyses take rma 1.1 s + leave-one-out 0.9 s + influence 0.9 s; the rest is output.
  Since then the JSON writer no longer goes through ``json.dumps(indent=2)``'s pure-Python encoder: the same
  run takes 9-11 s with json, the same bytes (``benchmarks/bench_cli_sensitivity.py``: csv 5.4 s, json 9.4 s).
  Meta-regressions with moderators: ``benchmarks/bench_influence_regression.py``.
- k = 5,000 with ``--sensitivity``: ruptstats 5.4 s (json, whole process); Rscript + metafor ``rma()`` +
  ``leave1out()`` + ``influence()`` did not finish within 300 s (its k x k matrices: k = 20,000 needs ~9 GB).
- exact permutation test with k = 40 (2^40 = 1,099,511,627,776 fits): refused in under 1 ms, naming the count
  and the way out (``--permutations N --seed S``).

The numbers vary with the load of the machine; rerun with ``python benchmarks/bench_scale.py`` (options:
``--k-rma``, ``--k-cli``, ``--k-metafor``, ``--r-timeout``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

R_CODE = """suppressMessages(library(metafor))
d <- read.csv("{table}")
res <- rma(yi, vi, data = d, method = "REML")
l <- leave1out(res); inf <- influence(res)
cat(res$tau2, "\\n")
"""


def simulate(k: int, seed: int = 1):
    """The random-effects model: v ~ U(0.01, 0.1), y ~ N(0.3, v + 0.04)."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.1, k)
    return rng.normal(0.3, np.sqrt(v + 0.04)), v


def bare_reml(y, v, threshold=1e-12):
    """The bare O(k) REML Fisher-scoring loop (intercept only): tr P = S1 - S2/S1, P y = w (y - mu)."""
    t = 0.0
    for _ in range(200):
        w = 1.0 / (v + t)
        s1, s2 = w.sum(), w @ w
        mu = (w @ y) / s1
        py = w * (y - mu)
        trp = s1 - s2 / s1
        trpp = s2 - 2.0 * (w * w) @ w / s1 + (s2 / s1) ** 2
        step = (py @ py - trp) / trpp
        t = max(0.0, t + step)
        if abs(step) < threshold:
            break
    w = 1.0 / (v + t)
    return t, (w @ y) / w.sum()


def bench_rma(k: int, repeat: int) -> None:
    from ruptstats.meta import rma

    y, v = simulate(k)
    rma(y[:100], v[:100])  # imports and first-call costs out of the timing
    bare_times, ours_times = [], []
    for _ in range(repeat):  # alternating, best of `repeat` each: the machine's load varies from run to run
        start = time.perf_counter()
        tau2_bare, mu_bare = bare_reml(y, v)
        bare_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        res = rma(y, v, method="REML")
        ours_times.append(time.perf_counter() - start)
    bare, ours = min(bare_times), min(ours_times)
    tracemalloc.start()
    rma(y, v, method="REML")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"[1] k = {k:,} REML: rma() {ours:.2f} s, bare Fisher loop {bare:.3f} s (best of {repeat}), ratio "
          f"{ours / bare:.1f}x (goal <= 30x); peak memory of rma() {peak / 2**30:.2f} GiB (goal < 2 GiB)")
    print(f"    tau2 {res.tau2:.10g} vs {tau2_bare:.10g} (relative {abs(res.tau2 - tau2_bare) / tau2_bare:.1e}); "
          f"estimate {res.estimate:.12g} vs {mu_bare:.12g} (relative {abs(res.estimate - mu_bare) / abs(mu_bare):.1e})")


def write_table(path: Path, k: int) -> None:
    y, v = simulate(k, seed=2)
    with open(path, "w") as fh:
        fh.write("study,yi,vi\n")
        fh.writelines(f"s{i + 1},{a!r},{b!r}\n" for i, (a, b) in enumerate(zip(y.tolist(), v.tolist())))


def wall(cmd, timeout=None):
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    return time.perf_counter() - start, ("ok" if proc.returncode == 0 else proc.stderr.strip()[-200:])


def bench_cli(k: int, tmp: Path, label: str, formats=("csv", "text", "json")) -> None:
    table = tmp / f"k{k}.csv"
    if not table.exists():
        write_table(table, k)
    for fmt in formats:
        cmd = [sys.executable, "-m", "ruptstats.meta", str(table), "--yi", "yi", "--vi", "vi", "--study", "study",
               "--sensitivity", "--format", fmt, "--output", str(tmp / f"k{k}.{fmt}")]
        secs, status = wall(cmd)
        print(f"[{label}] CLI --sensitivity --format {fmt} on {k:,} rows: {secs:.1f} s ({status})")


def bench_metafor(k: int, tmp: Path, timeout: float) -> None:
    table = tmp / f"k{k}.csv"
    if not table.exists():
        write_table(table, k)
    bench_cli(k, tmp, "3", formats=("json",))
    rscript = shutil.which("Rscript")
    if not rscript:
        print("[3] Rscript not found: metafor not timed")
        return
    r_file = tmp / "scale.R"
    r_file.write_text(R_CODE.format(table=table.as_posix()))
    secs, status = wall([rscript, str(r_file)], timeout=timeout)
    if secs is None:
        print(f"[3] Rscript + metafor rma/leave1out/influence on {k:,} rows: did not finish within {timeout:.0f} s")
    else:
        print(f"[3] Rscript + metafor rma/leave1out/influence on {k:,} rows: {secs:.1f} s ({status})")


def bench_permutation(k: int = 40) -> None:
    from ruptstats.exceptions import OptionError
    from ruptstats.meta import permutation_test, rma

    y, v = simulate(k)
    res = rma(y, v)
    start = time.perf_counter()
    try:
        permutation_test(res, exact=True)
    except OptionError as err:
        print(f"[4] exact permutation test, k = {k}: refused in {time.perf_counter() - start:.3f} s: {err}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k-rma", type=int, default=1_000_000)
    parser.add_argument("--k-cli", type=int, default=100_000)
    parser.add_argument("--k-metafor", type=int, default=5_000)
    parser.add_argument("--r-timeout", type=float, default=300.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    bench_rma(args.k_rma, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        bench_cli(args.k_cli, Path(tmp), "2")
        bench_metafor(args.k_metafor, Path(tmp), args.r_timeout)
    bench_permutation()
    return 0


if __name__ == "__main__":
    sys.exit(main())
