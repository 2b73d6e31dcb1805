"""Command-line options for moderators, publication bias, sensitivity and dependent effects.

Contract with :mod:`ruptstats.meta.cli`:

- :func:`add_arguments` adds this module's options to the meta parser;
- :func:`run` is called after the overall model is fitted and returns a list of sections
  ``(json_key, json_value, text)``: the CLI adds ``json_key: json_value`` to the JSON object and prints
  ``text`` after the model summary in text and markdown output.
"""

from __future__ import annotations

__all__ = ["add_arguments", "run"]


def add_arguments(parser) -> None:
    """Add the options for further analyses to ``parser`` (none yet)."""


def run(result, inp, args) -> list:
    """Run the analyses asked for in ``args`` on ``result`` (a MetaResult) and ``inp`` (an EffectInput)."""
    return []
