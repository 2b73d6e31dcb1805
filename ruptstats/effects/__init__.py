"""Effect sizes and their sampling variances (metafor's ``escalc`` shape)."""

from .correlation import cor, ucor, zcor

__all__ = ["cor", "ucor", "zcor"]
