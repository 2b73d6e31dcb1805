"""Random-effects meta-analysis equal to metafor: ``from ruptstats.meta import rma``.

Run ``python -m ruptstats.meta --help`` for the command line.
"""

from .estimators import TAU2_METHODS, estimate_tau2
from .example import load_example
from .fitting import ModelFit, fit_model
from .model import rma
from .results import MetaResult
from .subgroups import SubgroupResult, subgroup_analysis
from .bias import egger_test, fail_safe_n, pet_peese, rank_test
from .gosh import GoshResult, gosh
from .multilevel import ThreeLevelResult, three_level
from .permutation import PermutationResult, permutation_test
from .regression import MetaRegressionResult, meta_regression
from .robust import RobustResult, robust
from .selection import SelectionModelResult, selection_model
from .sensitivity import baujat, cumulative, influence, leave_one_out
from .subgroups_common import CommonTau2SubgroupResult
from .trimfill import TrimFillResult, trim_and_fill

__all__ = ["TAU2_METHODS", "MetaResult", "ModelFit", "SubgroupResult", "estimate_tau2", "fit_model", "load_example", "rma",
           "subgroup_analysis",
           # moderators, publication bias, sensitivity, dependent effects
           "CommonTau2SubgroupResult", "MetaRegressionResult", "PermutationResult", "RobustResult", "ThreeLevelResult",
           "TrimFillResult", "baujat", "cumulative", "egger_test", "fail_safe_n", "influence", "leave_one_out",
           "meta_regression", "permutation_test", "pet_peese", "rank_test", "robust", "three_level", "trim_and_fill",
           "GoshResult", "SelectionModelResult", "gosh", "selection_model"]
