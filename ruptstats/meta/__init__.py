"""Random-effects meta-analysis equal to metafor: ``from ruptstats.meta import rma``.

Run ``python -m ruptstats.meta --help`` for the command line.
"""

from .estimators import TAU2_METHODS, estimate_tau2
from .example import load_example
from .fitting import ModelFit, fit_model
from .model import rma
from .results import MetaResult
from .subgroups import SubgroupResult, subgroup_analysis

__all__ = ["TAU2_METHODS", "MetaResult", "ModelFit", "SubgroupResult", "estimate_tau2", "fit_model", "load_example", "rma",
           "subgroup_analysis"]
