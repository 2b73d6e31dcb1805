"""Effect sizes and their sampling variances (metafor's ``escalc`` shape).

- :func:`escalc`: the caller's rows with ``yi``, ``vi`` and ``measure`` appended, for ``COR``, ``UCOR``,
  ``ZCOR``, ``MD``, ``SMD``, ``SMDH``, ``ROM``, ``OR``, ``RR``, ``RD`` and ``SMCR``;
- :func:`convert_table`: a table whose rows report different statistics, converted to one measure with a
  per-row ``conversion`` record;
- :func:`aggregate`: several effects of one study combined under an assumed correlation;
- :mod:`ruptstats.effects.convert`: the conversions themselves (d, r, log OR, t, F, chi-square, p, CI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the public surface, visible to readers, IDEs and type checkers; imported lazily at run time
    from .combine import aggregate, composite
    from .convert import (
        chi2_to_r,
        ci_to_se,
        ci_to_yi_vi,
        d_to_log_or,
        d_to_r,
        f_to_d,
        f_to_r,
        log_or_to_d,
        p_to_r,
        p_to_z,
        paired_t_to_d,
        r_to_d,
        t_to_d,
    )
    from .correlation import cor, ucor, zcor
    from .measures import escalc, MEASURES
    from .mixed import convert_table

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
