"""Random-effects meta-analysis equal to metafor: ``from ruptstats.meta import rma``.

Run ``python -m ruptstats.meta --help`` for the command line.
"""

from __future__ import annotations

from .._lazy import lazy_exports

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "baujat": ".sensitivity",
    "CommonTau2SubgroupResult": ".subgroups_common",
    "cumulative": ".sensitivity",
    "egger_test": ".bias",
    "estimate_tau2": ".estimators",
    "fail_safe_n": ".bias",
    "fit_model": ".fitting",
    "gosh": ".gosh_subsets",
    "GoshResult": ".gosh_subsets",
    "influence": ".sensitivity",
    "leave_one_out": ".sensitivity",
    "load_example": ".example",
    "meta_regression": ".regression",
    "MetaRegressionResult": ".regression",
    "MetaResult": ".results",
    "ModelFit": ".fitting",
    "permutation_test": ".permutation",
    "PermutationResult": ".permutation",
    "pet_peese": ".bias",
    "rank_test": ".bias",
    "rma": ".model",
    "robust": ".cluster_robust",
    "RobustResult": ".cluster_robust",
    "selection_model": ".selection",
    "SelectionModelResult": ".selection",
    "subgroup_analysis": ".subgroups",
    "SubgroupResult": ".subgroups",
    "TAU2_METHODS": ".estimators",
    "three_level": ".multilevel",
    "ThreeLevelResult": ".multilevel",
    "trim_and_fill": ".trimfill",
    "TrimFillResult": ".trimfill",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
