"""ruptstats: alliance rupture and repair research in Python.

The package is a set of subpackages, one job each; this namespace re-exports the most used entry points
(imported lazily, on first use, so ``import ruptstats`` stays fast).

========================================  ===================================================================
Module                                    What it is for
========================================  ===================================================================
:mod:`ruptstats.tables`                   reading a study or session table (CSV/TSV, Excel, SPSS, Stata,
                                          Parquet, JSON) with file/row/column errors: :func:`read_table`
:mod:`ruptstats.intake`                   every input check in one place: reading, cell checks, the one
                                          ``missing="error"|"drop"`` policy, study-table columns
:mod:`ruptstats.effects`                  effect sizes with sampling variances (metafor's ``escalc`` shape):
                                          :func:`escalc`, :func:`convert_table`, :func:`aggregate`
:mod:`ruptstats.effects.convert`          single conversions (d, r, log OR, t, F, chi-square, p, CI)
:mod:`ruptstats.effects.transforms`       back-transformations to the reported scale (z to r, log OR to OR)
:mod:`ruptstats.meta`                     meta-analysis equal to metafor: :func:`rma` and everything that takes
                                          its result (bias, trim and fill, sensitivity, subgroups, regression,
                                          three-level, cluster-robust, permutation, selection, GOSH);
                                          ``python -m ruptstats.meta`` is its command line
:mod:`ruptstats.sessions`                 session-level data: ``read_sessions`` (file + TOML mapping, with
                                          its report), :func:`classify_sessions` (rupture/repair rules),
                                          :func:`client_conditions` (one row per client), ``client_outcomes``;
                                          ``python -m ruptstats.sessions`` is its command line
:mod:`ruptstats.conditions`               the three-condition comparison (:func:`compare_conditions`) and the
                                          study-table rows for the meta-analysis (:func:`study_effects`)
:mod:`ruptstats.simulate`                 seeded multi-study session data with a known truth, written in the
                                          messy formats the loaders read; parameter recovery of the pipeline
:mod:`ruptstats.power`                    power of a planned meta-analysis (:func:`meta_power`) and of a planned
                                          rupture study (``simulate_power``); with ``rma_batch`` and
                                          ``bootstrap`` they scale out on a ``dask.distributed`` Client
:mod:`ruptstats.plotting`                 publication figures drawn from results (forest, funnel, Baujat,
                                          GOSH, bubble, leave-one-out, cumulative); computes nothing
:mod:`ruptstats.episodes`                 rupture episodes: onset, type, strategy, time to repair
                                          (:func:`rupture_episodes`, :func:`time_to_repair`)
:mod:`ruptstats.mixed`                    session-level multilevel models equal to lme4 (:func:`mixed_model`,
                                          :func:`session_model`: within- and between-client effects)
:mod:`ruptstats.report`                   the only place numbers are rounded: APA text and tables
:mod:`ruptstats.cli`                      the command lines (one module per command, shared I/O and errors)
:mod:`ruptstats.vocabulary`               the names of every column and JSON key, and their metafor names
:mod:`ruptstats.exceptions`               :class:`RuptstatsError`, :class:`DataError`, :class:`OptionError`,
                                          :class:`TableReadError`, :class:`ConvergenceWarning`
========================================  ===================================================================

Examples
--------
Read a table (a semicolon-separated file with decimal commas is recognised):

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "studies.csv")
>>> _ = open(path, "w", encoding="utf-8").write("study;r;n\\nA;0,31;40\\nB;0,12;55\\n")
>>> read_table(path)["r"].tolist()
[0.31, 0.12]

Effect sizes, then the pooled model (the bundled example is synthetic: 11 studies, true r = .29):

>>> from ruptstats.meta import load_example
>>> es = escalc(load_example(), measure="ZCOR", ri="r", ni="n")
>>> es[["yi", "vi"]].shape
(11, 2)
>>> res = rma(es)
>>> res.k, res.method, round(res.estimate, 4), round(res.i2, 2)
(11, 'REML', 0.2407, 81.72)

Everything else takes that result (here: Egger's regression test, from :mod:`ruptstats.meta`):

>>> from ruptstats.meta import egger_test
>>> egger = egger_test(res)

Single conversions (:mod:`ruptstats.effects.convert`) and the reported scale (:mod:`ruptstats.effects.transforms`):

>>> from ruptstats.effects import ci_to_se
>>> ci_to_se([0.1], [0.5]).round(4).tolist()
[0.102]
>>> from ruptstats.effects.transforms import back_transform
>>> label, to_r = back_transform("ZCOR")
>>> label, round(float(to_r(res.estimate)), 4)
('r', 0.2361)

Sessions: classify each session by a rule, then one row per client:

>>> import pandas as pd
>>> s = pd.DataFrame({"client": ["a", "a", "a", "b", "b"], "session": [1, 2, 3, 1, 2],
...                   "alliance": [5.0, 2.0, 3.0, 4.0, 4.0]})
>>> c = client_conditions(classify_sessions(s, rule="trajectory", c=1, m=1))
>>> c[["client", "condition"]].values.tolist()
[['a', 'unrepaired'], ['b', 'none']]

A figure from the result (matplotlib is imported only now):

>>> from ruptstats.plotting import forest_plot
>>> fig = forest_plot(res)
>>> type(fig).__name__
'Figure'

Text for a paper comes from :mod:`ruptstats.report`, the only module that rounds:

>>> from ruptstats import report
>>> isinstance(res.summary(), str)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from .exceptions import ConvergenceWarning, DataError, OptionError, RuptstatsError, TableReadError

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .conditions import compare_conditions, study_effects
    from .effects import aggregate, convert_table, escalc
    from .episodes import rupture_episodes, time_to_repair
    from .meta import rma, subgroup_analysis
    from .mixed import mixed_model, session_model
    from .power import meta_power
    from .sessions import classify_sessions, client_conditions, load_sessions
    from .tables import read_table

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "aggregate": ".effects",
    "classify_sessions": ".sessions",
    "client_conditions": ".sessions",
    "compare_conditions": ".conditions",
    "convert_table": ".effects",
    "escalc": ".effects",
    "load_sessions": ".sessions",
    "mixed_model": ".mixed",
    "meta_power": ".power",
    "read_table": ".tables",
    "rma": ".meta",
    "rupture_episodes": ".episodes",
    "session_model": ".mixed",
    "study_effects": ".conditions",
    "subgroup_analysis": ".meta",
    "time_to_repair": ".episodes",
}

__version__ = "0.1.0"

__all__ = sorted(_EXPORTS) + ["ConvergenceWarning", "DataError", "OptionError", "RuptstatsError", "TableReadError",
                              "__version__"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
