r"""Statistical power: of a planned random-effects meta-analysis (:func:`meta_power`, closed form) and of a planned
primary rupture study (:func:`simulate_power`, by simulating it and running the analysis the user will run).

Meta-analysis (Hedges & Pigott, 2001; Valentine, Pigott & Rothstein, 2010; Borenstein et al., 2009, ch. 29): with
:math:`k` studies of :math:`n_1 + n_2` participants, the typical within-study variance of a standardised mean
difference :math:`\delta` is :math:`v = \frac{n_1 + n_2}{n_1 n_2} + \frac{\delta^2}{2(n_1 + n_2)}`, the variance of the
pooled estimate is :math:`(v + \tau^2)/k`, and the two-sided z test at level :math:`\alpha` has power

.. math:: \lambda = \frac{\delta}{\sqrt{(v + \tau^2)/k}}, \qquad
          1 - \beta = 1 - \Phi(c_{1-\alpha/2} - \lambda) + \Phi(-c_{1-\alpha/2} - \lambda).

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to meta-analysis*,
ch. 29 (Power analysis for meta-analysis). Wiley.
Hedges, L. V., & Pigott, T. D. (2001). The power of statistical tests in meta-analysis. *Psychological Methods,
6*, 203-217.
Valentine, J. C., Pigott, T. D., & Rothstein, H. R. (2010). How many studies do you need? A primer on statistical
power for meta-analysis. *Journal of Educational and Behavioral Statistics, 35*, 215-247.
"""

from __future__ import annotations

import functools
from dataclasses import asdict

import numpy as np
import pandas as pd

from ._checks import check_choice, check_number
from ._dist import norm_cdf, norm_ppf
from .exceptions import OptionError, RuptstatsError

__all__ = ["meta_power", "simulate_power"]


def _array(name, value, *, low, low_open=False, integer=False):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise OptionError(f"{name}={value!r} must be a number or an array of numbers") from None
    bad = ~np.isfinite(arr) | ((arr <= low) if low_open else (arr < low))
    if integer:
        bad |= arr != np.round(arr)
    if bad.any():
        shown = arr[bad].ravel()[0]
        need = f"{'>' if low_open else '>='} {low}" + (" and whole" if integer else "")
        raise OptionError(f"{name} must be finite and {need}; got {shown!r}")
    return arr


def meta_power(effect, k, n1, n2, tau2=0.0, *, measure: str = "SMD", alpha: float = 0.05, test: str = "z"):
    r"""Power of the two-sided test of the pooled effect in a random-effects meta-analysis.

    Parameters
    ----------
    effect : float or array_like
        True mean standardised mean difference :math:`\delta` (the sign does not matter: the test is two-sided).
    k : int or array_like
        Number of studies (>= 1).
    n1, n2 : int or array_like
        Typical group sizes per study (>= 2).
    tau2 : float or array_like, default 0
        Between-study variance :math:`\tau^2` (0: the common-effect model).
    measure : {"SMD"}
        Effect-size measure; its sampling variance gives :math:`v`.
    alpha : float, default 0.05
        Two-sided significance level.
    test : {"z"}
        The normal test of the pooled estimate (the test the formula describes).

    Returns
    -------
    float or numpy.ndarray
        Power, broadcast over the array arguments (a float when all are scalars).

    Raises
    ------
    OptionError
        A value out of range, or an unknown ``measure`` or ``test``.

    Notes
    -----
    See the module docstring for the formula (Borenstein et al., 2009, eqs. 29.6-29.9, with the random-effects
    variance of Hedges & Pigott, 2001).

    Examples
    --------
    Hand computation: :math:`v = 50/625 + 0.09/100 = 0.0809`, :math:`\lambda = 0.3/\sqrt{(0.0809 + 0.05)/10}
    = 2.6221`, power :math:`= 1 - \Phi(1.96 - 2.6221) + \Phi(-1.96 - 2.6221) = 0.7461`:

    >>> round(float(meta_power(0.3, 10, 25, 25, tau2=0.05)), 4)
    0.7461
    >>> meta_power(0.3, [5, 10, 20], 25, 25).round(3).tolist()
    [0.655, 0.916, 0.997]
    """
    check_choice("measure", measure, ("SMD",))
    check_choice("test", test, ("z",))
    alpha = check_number("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    d = _array("effect", effect, low=-np.inf)
    k = _array("k", k, low=1, integer=True)
    n1 = _array("n1", n1, low=2)
    n2 = _array("n2", n2, low=2)
    tau2 = _array("tau2", tau2, low=0)
    v = (n1 + n2) / (n1 * n2) + d**2 / (2.0 * (n1 + n2))
    lam = d / np.sqrt((v + tau2) / k)
    c = float(norm_ppf(1.0 - alpha / 2.0))
    power = 1.0 - norm_cdf(c - lam) + norm_cdf(-c - lam)
    return float(power) if np.ndim(power) == 0 else power


def _power_chunk(seeds, *, design, alpha, outcome):
    """Rejections and estimates of the repaired-vs-unrepaired contrast for the replicates with these seeds."""
    from .conditions import compare_conditions
    from .sessions import classify_sessions, client_conditions
    from .simulate.generate import simulate_study

    reject, g = [], []
    for s in seeds:
        clients = client_conditions(classify_sessions(simulate_study(design, seed=s)))
        try:
            comp = compare_conditions(clients, outcome=outcome, higher_is_better=True)
            row = next(c for c in comp.contrasts if c["contrast"] == "repaired_vs_unrepaired")
            p, est = row["p_holm"], row["hedges_g"]
        except (RuptstatsError, StopIteration):
            p, est = None, None
        ok = p is not None and np.isfinite(p)
        reject.append(bool(ok and p < alpha))
        g.append(float(est) if est is not None and np.isfinite(est) else np.nan)
    return np.array(reject), np.array(g)


def simulate_power(design, *, n_reps: int = 500, seed=None, alpha: float = 0.05, outcome: str = "post",
                   client=None, chunk_size: int = 10, progress: bool = True) -> pd.DataFrame:
    r"""Power of a planned primary study to detect the repaired-vs-unrepaired difference, by simulation.

    Each replicate simulates the study (:func:`ruptstats.simulate.simulate_study`), classifies its sessions (the
    simulated codes), builds the client table (:func:`~ruptstats.sessions.client_conditions`, ``by="any"``) and
    runs :func:`~ruptstats.conditions.compare_conditions` on ``outcome``; the study "detects" the difference when
    the Welch test of repaired vs unrepaired clients, Holm-adjusted over the three pairwise contrasts
    (``p_holm``), is below ``alpha``.

    Parameters
    ----------
    design : ruptstats.simulate.StudyDesign or sequence of them
        The planned study (clients, sessions, rupture rate, repair probability, effects, ...); several designs
        give a power curve, one row each.
    n_reps : int, default 500
        Replicates per design (Monte Carlo SE of the power at most :math:`0.5/\sqrt{n}`).
    seed : int, optional
        Seed of the :class:`numpy.random.SeedSequence`; design :math:`j` uses its :math:`j`-th child, replicate
        :math:`r` that child's :math:`r`-th child, so results do not depend on the chunking or the workers.
    alpha : float, default 0.05
    outcome : str, default "post"
        The client outcome compared.
    client : dask.distributed.Client, optional
        Run chunks of ``chunk_size`` replicates on the cluster's workers.
    progress : bool, default True
        A tqdm bar when stderr is a terminal.

    Returns
    -------
    pandas.DataFrame
        One row per design: the design's fields, ``true_smd``, ``n_reps``, ``power`` (share of replicates
        detecting the difference; a replicate whose analysis cannot run counts as not detecting),
        ``power_se`` (:math:`\sqrt{p(1-p)/n}`), ``mean_estimate`` (mean Hedges' g) and ``n_analysed``.

    Examples
    --------
    >>> from ruptstats.simulate import StudyDesign
    >>> curve = simulate_power([StudyDesign(n_clients=30)], n_reps=2, seed=1, progress=False)
    >>> curve[["n_clients", "n_reps"]].values.tolist()
    [[30, 2]]
    """
    from .meta.batch import map_chunks
    from .simulate.generate import StudyDesign

    designs = [design] if isinstance(design, StudyDesign) else list(design)
    if not designs or not all(isinstance(d, StudyDesign) for d in designs):
        raise OptionError("design must be a StudyDesign or a sequence of StudyDesign objects")
    n_reps = int(check_number("n_reps", n_reps, low=1, integer=True))
    chunk_size = int(check_number("chunk_size", chunk_size, low=1, integer=True))
    alpha = check_number("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    roots = (seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)).spawn(len(designs))
    chunks, owner = [], []
    for j, (d, root) in enumerate(zip(designs, roots)):
        seeds = root.spawn(n_reps)
        for i in range(0, n_reps, chunk_size):
            chunks.append((d, seeds[i:i + chunk_size]))
            owner.append(j)
    work = functools.partial(_power_by_design, alpha=alpha, outcome=outcome)
    parts = map_chunks(work, chunks, client, progress=progress, desc="replicates")
    rows = []
    for j, d in enumerate(designs):
        rej = np.concatenate([p[0] for p, o in zip(parts, owner) if o == j])
        g = np.concatenate([p[1] for p, o in zip(parts, owner) if o == j])
        power = float(rej.mean())
        rows.append({**asdict(d), "true_smd": d.true_smd, "n_reps": int(rej.size), "power": power,
                     "power_se": float(np.sqrt(power * (1 - power) / rej.size)),
                     "mean_estimate": float(np.nanmean(g)) if np.isfinite(g).any() else np.nan,
                     "n_analysed": int(np.isfinite(g).sum())})
    return pd.DataFrame(rows)


def _power_by_design(design, seeds, *, alpha, outcome):
    return _power_chunk(seeds, design=design, alpha=alpha, outcome=outcome)
