"""``python -m ruptstats.sessions``: see :mod:`ruptstats.cli.sessions`."""

if __name__ == "__main__":
    from ..cli.sessions import main

    raise SystemExit(main())
