"""``python -m ruptstats.meta``: see :mod:`ruptstats.meta.cli`."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
