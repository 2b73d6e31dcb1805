"""``python -m ruptstats.meta``: see :mod:`ruptstats.cli.meta`."""

from ..cli.meta import main

if __name__ == "__main__":
    raise SystemExit(main())
