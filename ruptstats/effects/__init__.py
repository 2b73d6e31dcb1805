"""Effect sizes and their sampling variances (metafor's ``escalc`` shape).

- :func:`escalc`: the caller's rows with ``yi``, ``vi`` and ``measure`` appended, for ``COR``, ``UCOR``,
  ``ZCOR``, ``MD``, ``SMD``, ``SMDH``, ``ROM``, ``OR``, ``RR``, ``RD`` and ``SMCR``;
- :func:`convert_table`: a table whose rows report different statistics, converted to one measure with a
  per-row ``conversion`` record;
- :func:`aggregate`: several effects of one study combined under an assumed correlation;
- :mod:`ruptstats.effects.convert`: the conversions themselves (d, r, log OR, t, F, chi-square, p, CI).
"""

from __future__ import annotations

from .._lazy import lazy_exports

# public name -> submodule that defines it; each is imported on first use (see ruptstats._lazy)
_EXPORTS = {
    "aggregate": ".combine",
    "chi2_to_r": ".convert",
    "ci_to_se": ".convert",
    "ci_to_yi_vi": ".convert",
    "composite": ".combine",
    "convert_table": ".mixed",
    "cor": ".correlation",
    "d_to_log_or": ".convert",
    "d_to_r": ".convert",
    "escalc": ".measures",
    "f_to_d": ".convert",
    "f_to_r": ".convert",
    "log_or_to_d": ".convert",
    "MEASURES": ".measures",
    "p_to_r": ".convert",
    "p_to_z": ".convert",
    "paired_t_to_d": ".convert",
    "r_to_d": ".convert",
    "t_to_d": ".convert",
    "ucor": ".correlation",
    "zcor": ".correlation",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
