"""Every command line of ruptstats, one module per command, sharing :mod:`ruptstats.cli._common`.

=====================================  =====================================================================
module                                 command
=====================================  =====================================================================
:mod:`ruptstats.cli.meta`              ``python -m ruptstats.meta`` / ``ruptstats-meta``: pool a study table
:mod:`ruptstats.cli.effects_options`   its effect-size options (``--measure``, ``--convert-to``, ...)
:mod:`ruptstats.cli.meta_analyses`     its further analyses (``--bias``, ``--sensitivity``, ...) as results
:mod:`ruptstats.cli.sessions`          ``python -m ruptstats.sessions`` / ``ruptstats-sessions``: session files
                                       to conditions, comparisons, a study table and figures
:mod:`ruptstats.cli.sessions_episodes` its rupture-episode options (``--episodes``, ``--km-plot``, ...)
:mod:`ruptstats.cli.sessions_output`   its figures, study and client tables and text/markdown reports
:mod:`ruptstats.cli.draft_mapping`     its ``draft-mapping FILE`` subcommand: a mapping skeleton from a file
:mod:`ruptstats.cli._common`           shared: input table, output formats, figures, one-line errors
=====================================  =====================================================================

Each command module has ``build_parser()`` and ``main(argv=None) -> int``; the statistical subpackages
(:mod:`ruptstats.meta`, :mod:`ruptstats.effects`, :mod:`ruptstats.sessions`) never import this package.
"""

__all__: list[str] = []
