"""Random-effects meta-analysis equal to metafor: ``from ruptstats.meta import rma``.

Run ``python -m ruptstats.meta --help`` for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .batch import rma_batch, BatchResult
    from .model_tests import anova, LikelihoodRatioResult, WaldTestResult
    from .bias import egger_test, fail_safe_n, pet_peese, rank_test
    from .resample import bootstrap, BootstrapResult
    from .bias import regtest, EggerResult
    from .cluster_robust import robust, RobustResult
    from .estimators import estimate_tau2, TAU2_METHODS
    from .example import load_example
    from .fitting import fit_model, ModelFit
    from .fit_statistics import AIC, aic, AICc, aicc, BIC, bic, deviance, fitstats, FitStats, logLik, loglik
    from .gosh_subsets import gosh, GoshResult
    from .mantel_haenszel import rma_mh, MantelHaenszelResult
    from .model import rma
    from .multilevel import three_level, ThreeLevelResult
    from .peto import rma_peto
    from .permutation import permutation_test, PermutationResult
    from .prediction import predict, PredictionResult
    from .tau2_profile import confint, ConfintResult, profile, ProfileResult
    from .regression import meta_regression, MetaRegressionResult
    from .residuals import blup, BlupResult, ranef, ResidualsResult, rstandard, rstudent
    from .results import MetaModel, MetaResult
    from .selection import selection_model, SelectionModelResult
    from .sensitivity import baujat, cumulative, influence, leave_one_out
    from .subgroups import subgroup_analysis, SubgroupResult
    from .subgroups_common import CommonTau2SubgroupResult
    from .trimfill import trim_and_fill, TrimFillResult

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "BatchResult": ".batch",
    "baujat": ".sensitivity",
    "bootstrap": ".resample",
    "BootstrapResult": ".resample",
    "AIC": ".fit_statistics",
    "aic": ".fit_statistics",
    "AICc": ".fit_statistics",
    "aicc": ".fit_statistics",
    "anova": ".model_tests",
    "BIC": ".fit_statistics",
    "bic": ".fit_statistics",
    "blup": ".residuals",
    "BlupResult": ".residuals",
    "CommonTau2SubgroupResult": ".subgroups_common",
    "confint": ".tau2_profile",
    "ConfintResult": ".tau2_profile",
    "cumulative": ".sensitivity",
    "deviance": ".fit_statistics",
    "egger_test": ".bias",
    "EggerResult": ".bias",
    "estimate_tau2": ".estimators",
    "fail_safe_n": ".bias",
    "fit_model": ".fitting",
    "FitStats": ".fit_statistics",
    "fitstats": ".fit_statistics",
    "gosh": ".gosh_subsets",
    "GoshResult": ".gosh_subsets",
    "influence": ".sensitivity",
    "leave_one_out": ".sensitivity",
    "LikelihoodRatioResult": ".model_tests",
    "load_example": ".example",
    "logLik": ".fit_statistics",
    "loglik": ".fit_statistics",
    "MantelHaenszelResult": ".mantel_haenszel",
    "meta_regression": ".regression",
    "MetaModel": ".results",
    "MetaRegressionResult": ".regression",
    "MetaResult": ".results",
    "ModelFit": ".fitting",
    "permutation_test": ".permutation",
    "PermutationResult": ".permutation",
    "pet_peese": ".bias",
    "predict": ".prediction",
    "PredictionResult": ".prediction",
    "profile": ".tau2_profile",
    "ProfileResult": ".tau2_profile",
    "ranef": ".residuals",
    "rank_test": ".bias",
    "ResidualsResult": ".residuals",
    "rma": ".model",
    "rma_batch": ".batch",
    "regtest": ".bias",
    "rma_mh": ".mantel_haenszel",
    "rma_peto": ".peto",
    "robust": ".cluster_robust",
    "RobustResult": ".cluster_robust",
    "rstandard": ".residuals",
    "rstudent": ".residuals",
    "selection_model": ".selection",
    "SelectionModelResult": ".selection",
    "subgroup_analysis": ".subgroups",
    "SubgroupResult": ".subgroups",
    "TAU2_METHODS": ".estimators",
    "three_level": ".multilevel",
    "ThreeLevelResult": ".multilevel",
    "trim_and_fill": ".trimfill",
    "TrimFillResult": ".trimfill",
    "WaldTestResult": ".model_tests",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
