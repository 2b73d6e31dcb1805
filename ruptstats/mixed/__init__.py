"""Session-level multilevel models: linear mixed models equal to R's lme4 (``lmer``) with lmerTest's
Satterthwaite tests.

==========================  =====================================================================
Module                      What it is for
==========================  =====================================================================
``formula``                 lme4 formula syntax: response, fixed part, random terms
``design``                  the model's arrays from a table (missing rows left out and counted)
``profile``                 the profiled deviance from the penalised least-squares pieces
``intercept``               the fast path for one random intercept (sufficient statistics)
``general``                 sparse penalised least squares for nested, crossed and slope terms
``satterthwaite``           lmerTest's Satterthwaite degrees of freedom
``model``                   :func:`mixed_model`, the entry point
``block``                   random slopes over one grouping factor (batched per-group blocks)
``fixed``                   the fixed-part builder used when formulaic is not installed
``session``                 :func:`session_model`: next-session outcome on within/between-client parts
``result``                  :class:`MixedModelResult`
``ipd``                     :func:`one_stage` IPD model across studies; :func:`two_stage_vs_one_stage`
``predict``                 :func:`predict_fixed` (fixed-effects predictions), :func:`predict_trajectories`
==========================  =====================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .ipd import IPDComparison, OneStageResult, one_stage, two_stage_vs_one_stage
    from .model import mixed_model
    from .predict import predict_fixed, predict_trajectories
    from .result import MixedModelResult
    from .session import SessionModelResult, session_model

_EXPORTS = {"mixed_model": ".model", "MixedModelResult": ".result", "session_model": ".session",
            "SessionModelResult": ".session", "one_stage": ".ipd", "two_stage_vs_one_stage": ".ipd",
            "OneStageResult": ".ipd", "IPDComparison": ".ipd", "predict_fixed": ".predict",
            "predict_trajectories": ".predict"}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
