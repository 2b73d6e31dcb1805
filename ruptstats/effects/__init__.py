"""Effect sizes and their sampling variances (metafor's ``escalc`` shape).

- :func:`escalc`: the caller's rows with ``yi``, ``vi`` and ``measure`` appended, for ``COR``, ``UCOR``,
  ``ZCOR``, ``MD``, ``SMD``, ``SMDH``, ``ROM``, ``OR``, ``RR``, ``RD``, ``SMCR`` and (issue 11) ``SMCC``,
  ``SMCRH``, ``PR``, ``PLN``, ``PLO``, ``PAS``, ``PFT``, ``IR``, ``IRR``, ``PCOR``, ``ZPCOR``, ``SPCOR``,
  ``RPB``, ``RBIS``, ``D2ORN``, ``D2ORL``, ``OR2DN``, ``OR2DL`` (see :mod:`ruptstats.effects.measures`);
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
    from .biserial import d2orl, d2orn, or2dl, or2dn, rbis, rpb
    from .change import smcc, smcrh
    from .correlation import cor, ucor, zcor
    from .partial import pcor, spcor, zpcor
    from .proportions import pas, pft, pln, plo, pr
    from .rates import ir, irr
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
    "d2orl": ".biserial",
    "d2orn": ".biserial",
    "d_to_log_or": ".convert",
    "d_to_r": ".convert",
    "escalc": ".measures",
    "f_to_d": ".convert",
    "f_to_r": ".convert",
    "ir": ".rates",
    "irr": ".rates",
    "log_or_to_d": ".convert",
    "MEASURES": ".measures",
    "or2dl": ".biserial",
    "or2dn": ".biserial",
    "p_to_r": ".convert",
    "p_to_z": ".convert",
    "paired_t_to_d": ".convert",
    "pas": ".proportions",
    "pcor": ".partial",
    "pft": ".proportions",
    "pln": ".proportions",
    "plo": ".proportions",
    "pr": ".proportions",
    "r_to_d": ".convert",
    "rbis": ".biserial",
    "rpb": ".biserial",
    "smcc": ".change",
    "smcrh": ".change",
    "spcor": ".partial",
    "t_to_d": ".convert",
    "ucor": ".correlation",
    "zcor": ".correlation",
    "zpcor": ".partial",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
