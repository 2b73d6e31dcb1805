"""Back-transformations from the analysis scale to the scale a study reports.

Correlations are pooled as Fisher's z and reported as r (:math:`r = \\tanh z`); log odds ratios, log risk
ratios and log ratios of means are pooled on the log scale and reported exponentiated (metafor's
``transf.ztor`` and ``exp``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["BACK_TRANSFORMS", "back_transform", "reported_label"]

#: measure -> (name of the reported scale, function from the analysis scale to it)
BACK_TRANSFORMS = {
    "ZCOR": ("r", np.tanh),
    "OR": ("OR", np.exp),
    "RR": ("RR", np.exp),
    "ROM": ("ROM", np.exp),
    # issue 11 measures (metafor's transf.ilogit, exp, transf.ztor, transf.iarcsin)
    "PLO": ("proportion", lambda x: 1.0 / (1.0 + np.exp(-x))),
    "PLN": ("proportion", np.exp),
    "PAS": ("proportion", lambda x: np.sin(np.clip(x, 0.0, np.pi / 2)) ** 2),
    "IRR": ("IRR", np.exp),
    "ZPCOR": ("partial r", np.tanh),
}

_LABELS = {"ZCOR": "z", "COR": "r", "UCOR": "r", "SMD": "g", "SMDH": "g", "SMCR": "g", "MD": "MD", "OR": "log OR",
           "RR": "log RR", "RD": "RD", "ROM": "log ROM", "PR": "proportion", "PLN": "log proportion",
           "PLO": "logit proportion", "PAS": "arcsine proportion", "PFT": "double arcsine proportion", "IR": "rate",
           "IRR": "log IRR", "SMCC": "g", "SMCRH": "g", "PCOR": "partial r", "ZPCOR": "z", "SPCOR": "semi-partial r",
           "RPB": "r", "RBIS": "r", "D2ORN": "log OR", "D2ORL": "log OR", "OR2DN": "d", "OR2DL": "d"}


def back_transform(measure: str | None):
    """Return ``(label, function)`` for a measure with a back-transformation, else ``None``.

    >>> label, f = back_transform("ZCOR")
    >>> label, round(float(f(0.5)), 4)
    ('r', 0.4621)
    """
    if measure is None:
        return None
    return BACK_TRANSFORMS.get(measure.upper())


def reported_label(measure: str | None, back_transformed: bool = False) -> str:
    """Symbol of the estimate on the analysis scale (``back_transformed=False``) or the reported scale.

    >>> reported_label("ZCOR"), reported_label("ZCOR", True), reported_label(None)
    ('z', 'r', 'estimate')
    """
    if measure is None:
        return "estimate"
    if back_transformed and (bt := back_transform(measure)):
        return bt[0]
    return _LABELS.get(measure.upper(), measure)
