"""Benchmark: a loop of single ``rma()`` calls (k = 20, REML), ruptstats vs metafor, in one run.

One seeded stack of ``--n`` tables (k = 20, vi ~ U(0.01, 0.1), yi ~ N(0.3, vi + 0.02), as
``bench_batch.py``) is fitted one table at a time:

- ``rma(yi, vi, method="REML")`` followed by reading ``tau2_ci_lower`` (the Q-profile CI forced: what every
  fit cost before the CI was made lazy);
- ``rma(yi, vi, method="REML")`` alone (the CI is computed only when an attribute, ``summary()`` or
  ``to_dict()`` reads it);
- a loop of ``metafor::rma(yi, vi, method = "REML")`` and one of ``confint(rma(...))`` (metafor's Q-profile CI)
  in one ``Rscript`` process, each timed inside R with ``system.time`` (R's start-up is not counted).

Reported: fits per second (best of ``--repeat`` interleaved runs for the Python loops) and the ratios lazy / forced and
ruptstats / metafor. Run: ``python benchmarks/bench_rma_loop.py [--n 2000] [--n-r 1000] [--repeat 3]``.
Not a timed test.

Measured 2026-11-30 (2 shared CPUs with ~6 other jobs running, so rates vary between runs; Python 3.11,
numpy 2.4, R 4.2.2, metafor 3.8.1; defaults), two runs:

==================================================  ===============  ===============
                                                    run 1            run 2
==================================================  ===============  ===============
ruptstats rma() + Q-profile CI (forced)             818 fits/s       806 fits/s
ruptstats rma() (lazy CI)                           1,343 fits/s     1,378 fits/s
metafor rma()                                       102 fits/s       72 fits/s
metafor confint(rma())                              61 fits/s        52 fits/s
lazy / forced                                       1.64x            1.71x
ruptstats rma() / metafor rma()                     13.2x            19.1x
ruptstats forced / metafor confint(rma())           13.3x            15.5x
==================================================  ===============  ===============

The code before this change (the CI computed on every fit, the general path for the intercept) managed 727
fits/s on the same tables right after run 2 (the "forced" row is the new code with the CI read, so it also has
the scalar intercept path). metafor 3.8.1 loops ran at 72-102 fits/s here (about 200 on an idle machine, issue
14). What a fit still costs is mostly the REML scoring itself and, in ``estimate_tau2``, two medians for
metafor's ``tau2_max`` (used only by PM).
"""

from __future__ import annotations

import argparse
import os
import sys
import time


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from ruptstats.meta import rma  # noqa: E402

from _metafor_loop import run_r_loop, stacked_tables  # noqa: E402

R_CODE = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- as.matrix(read.csv(args[1], header = FALSE))
n <- as.integer(args[2]); k <- ncol(d) / 2
fit <- function(i) rma(d[i, 1:k], d[i, (k + 1):(2 * k)], method = "REML")
ok <- vapply(seq_len(n), function(i) !inherits(try(fit(i), silent = TRUE), "try-error"), TRUE)
rows <- which(ok)
t1 <- system.time(for (i in rows) r <- fit(i))[["elapsed"]]
t2 <- system.time(for (i in rows) ci <- try(confint(fit(i)), silent = TRUE))[["elapsed"]]
cat(length(rows), t1, t2, "\n")
"""


def _loop(y, v, forced: bool) -> float:
    """Seconds for one loop of rma() over the rows (reading tau2_ci_lower when ``forced``)."""
    t = time.perf_counter()
    for i in range(y.shape[0]):
        res = rma(y[i], v[i], method="REML")
        if forced:
            res.tau2_ci_lower
    return time.perf_counter() - t


def _metafor(y, v, n_r: int):
    """``(rows fitted, seconds for rma(), seconds for confint(rma()))`` timed inside R, or None without R."""
    stdout = run_r_loop(R_CODE, y, v, n_r)
    if stdout is None:
        return None
    rows, t1, t2 = stdout.split()
    return int(rows), float(t1), float(t2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="tables fitted by each ruptstats loop")
    ap.add_argument("--n-r", type=int, default=1000, help="tables fitted by each metafor loop")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261130)
    a = ap.parse_args(argv)
    y, v = stacked_tables(a.n, a.k, a.seed)
    _loop(y[:50], v[:50], True)  # warm-up: imports and caches
    times = [(_loop(y, v, True), _loop(y, v, False)) for _ in range(a.repeat)]  # interleaved: same load
    forced, lazy = (a.n / min(t) for t in zip(*times))
    print(f"ruptstats rma() + Q-profile CI (forced): {forced:>9,.0f} fits/s ({a.n} tables, k = {a.k}, REML)")
    print(f"ruptstats rma() (lazy CI)              : {lazy:>9,.0f} fits/s")
    print(f"lazy / forced                          : {lazy / forced:>9.2f}x")
    r = _metafor(y, v, a.n_r)
    if r is None:
        print("Rscript not found: metafor not timed")
        return 0
    rows, t_fit, t_ci = r
    r_fit, r_ci = rows / t_fit, rows / t_ci
    print(f"metafor rma()                          : {r_fit:>9,.0f} fits/s ({rows} tables; "
          f"{a.n_r - rows} failed in R)")
    print(f"metafor confint(rma())                 : {r_ci:>9,.0f} fits/s")
    print(f"ruptstats rma() / metafor rma()        : {lazy / r_fit:>9.2f}x")
    print(f"ruptstats forced / metafor confint     : {forced / r_ci:>9.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
