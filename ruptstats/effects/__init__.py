"""Effect sizes and their sampling variances (metafor's ``escalc`` shape).

- :func:`escalc`: the caller's rows with ``yi``, ``vi`` and ``measure`` appended, for ``COR``, ``UCOR``,
  ``ZCOR``, ``MD``, ``SMD``, ``SMDH``, ``ROM``, ``OR``, ``RR``, ``RD`` and ``SMCR``;
- :func:`convert_table`: a table whose rows report different statistics, converted to one measure with a
  per-row ``conversion`` record;
- :func:`aggregate`: several effects of one study combined under an assumed correlation;
- :mod:`ruptstats.effects.convert`: the conversions themselves (d, r, log OR, t, F, chi-square, p, CI).
"""

from .combine import aggregate, composite
from .convert import (chi2_to_r, ci_to_se, ci_to_yi_vi, d_to_log_or, d_to_r, f_to_d, f_to_r, log_or_to_d,
                      p_to_r, p_to_z, paired_t_to_d, r_to_d, t_to_d)
from .correlation import cor, ucor, zcor
from .measures import MEASURES, escalc
from .mixed import convert_table

__all__ = [
    "MEASURES",
    "aggregate",
    "chi2_to_r",
    "ci_to_se",
    "ci_to_yi_vi",
    "composite",
    "convert_table",
    "cor",
    "d_to_log_or",
    "d_to_r",
    "escalc",
    "f_to_d",
    "f_to_r",
    "log_or_to_d",
    "p_to_r",
    "p_to_z",
    "paired_t_to_d",
    "r_to_d",
    "t_to_d",
    "ucor",
    "zcor",
]
