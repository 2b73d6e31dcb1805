"""Lazy re-exports for package ``__init__`` modules (PEP 562), so that importing a package is cheap.

``python -m ruptstats.meta`` must start fast (issue 2's speed goal), and a package namespace that imported
every submodule eagerly would load the session loaders, the plotting code and every analysis for a plain
pooling run. Each ``__init__`` therefore declares its public names and the submodule that defines each one;
a name's submodule is imported the first time the name is used.

>>> getattr_, dir_ = lazy_exports("ruptstats.meta", {"rma": ".model"})
>>> getattr_("rma").__name__
'rma'
"""

from __future__ import annotations

import importlib

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: dict[str, str]):
    """Return ``(__getattr__, __dir__)`` for ``package`` exporting ``name -> relative module``."""

    def __getattr__(name: str):
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__():
        return sorted(set(vars(importlib.import_module(package))) | set(exports))

    return __getattr__, __dir__
