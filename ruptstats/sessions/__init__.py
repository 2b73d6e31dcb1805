"""Session-level rupture/repair/outcome data: load, score, classify (see :mod:`ruptstats.sessions.loader`)."""
