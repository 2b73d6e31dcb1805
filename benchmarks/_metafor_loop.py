"""Shared by the benchmarks that time a loop of ``rma()`` against a loop of metafor's ``rma()`` in R.

- :func:`stacked_tables`: ``n`` seeded meta-analyses of ``k`` studies (yi ~ N(0.3, vi + 0.02), vi ~ U(0.01, 0.1));
- :func:`run_r_loop`: write the first rows of those tables and an R script to a temporary folder, run ``Rscript``
  on them (the loop is timed inside R, so R's start-up is not counted) and return what the script printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import numpy as np

__all__ = ["stacked_tables", "run_r_loop"]


def stacked_tables(n: int, k: int, seed: int):
    """``(y, v)``: two ``n x k`` arrays, one seeded meta-analysis per row."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.1, (n, k))
    y = rng.normal(0.3, np.sqrt(v + 0.02))
    return y, v


def run_r_loop(r_code: str, y, v, n_r: int, *, read_output: bool = False):
    """Run ``r_code`` with ``Rscript`` on the first ``n_r`` rows; ``None`` when Rscript is not installed.

    The script gets the data file (``y`` columns, then ``v`` columns) and ``n_r`` as its arguments, and with
    ``read_output`` also the path of a CSV it writes. Returns the script's standard output, and with
    ``read_output`` also that CSV as an array.
    """
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, out, script = (os.path.join(tmp, f) for f in ("d.csv", "out.csv", "bench.R"))
        np.savetxt(data, np.hstack([y[:n_r], v[:n_r]]), delimiter=",", fmt="%.17g")
        with open(script, "w") as fh:
            fh.write(r_code)
        cmd = ["Rscript", script, data, str(n_r)] + ([out] if read_output else [])
        run = subprocess.run(cmd, capture_output=True, text=True, check=True)
        if read_output:
            return run.stdout, np.loadtxt(out, delimiter=",", ndmin=2)
    return run.stdout
