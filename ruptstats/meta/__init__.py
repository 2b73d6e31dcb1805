"""Random-effects meta-analysis equal to metafor: ``from ruptstats.meta import rma``.

Run ``python -m ruptstats.meta --help`` for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .bias import egger_test, fail_safe_n, pet_peese, rank_test
    from .bias import regtest, EggerResult
    from .cluster_robust import robust, RobustResult
    from .estimators import estimate_tau2, TAU2_METHODS
    from .example import load_example
    from .fitting import fit_model, ModelFit
    from .gosh_subsets import gosh, GoshResult
    from .mantel_haenszel import rma_mh, MantelHaenszelResult
    from .model import rma
    from .multilevel import three_level, ThreeLevelResult
    from .peto import rma_peto
    from .permutation import permutation_test, PermutationResult
    from .regression import meta_regression, MetaRegressionResult
    from .results import MetaResult
    from .selection import selection_model, SelectionModelResult
    from .sensitivity import baujat, cumulative, influence, leave_one_out
    from .subgroups import subgroup_analysis, SubgroupResult
    from .subgroups_common import CommonTau2SubgroupResult
    from .trimfill import trim_and_fill, TrimFillResult

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "baujat": ".sensitivity",
    "CommonTau2SubgroupResult": ".subgroups_common",
    "cumulative": ".sensitivity",
    "egger_test": ".bias",
    "EggerResult": ".bias",
    "estimate_tau2": ".estimators",
    "fail_safe_n": ".bias",
    "fit_model": ".fitting",
    "gosh": ".gosh_subsets",
    "GoshResult": ".gosh_subsets",
    "influence": ".sensitivity",
    "leave_one_out": ".sensitivity",
    "load_example": ".example",
    "MantelHaenszelResult": ".mantel_haenszel",
    "meta_regression": ".regression",
    "MetaRegressionResult": ".regression",
    "MetaResult": ".results",
    "ModelFit": ".fitting",
    "permutation_test": ".permutation",
    "PermutationResult": ".permutation",
    "pet_peese": ".bias",
    "rank_test": ".bias",
    "regtest": ".bias",
    "rma": ".model",
    "rma_mh": ".mantel_haenszel",
    "rma_peto": ".peto",
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
