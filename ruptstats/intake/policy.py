"""The one policy for rows that cannot be used: ``missing="error"`` (default) or ``missing="drop"``.

Every entry point that takes a table (:func:`~ruptstats.effects.escalc`, :func:`~ruptstats.effects.convert_table`,
:func:`~ruptstats.effects.aggregate`, :func:`~ruptstats.intake.effects_from_table`,
:func:`~ruptstats.sessions.load_sessions`, :func:`~ruptstats.sessions.load_clients`,
:func:`~ruptstats.sessions.client_conditions`) spells it the same way and checks it here:

- ``"error"``: the first unusable cell raises :class:`~ruptstats.exceptions.DataError` naming the file, the
  1-based data row and the column;
- ``"drop"``: the rows are dropped and reported with their 1-based file row numbers (a
  :class:`~ruptstats.exceptions.DataWarning` and the result's record of dropped rows).

Two older spellings keep working for one release, each with a :class:`DeprecationWarning`:
``drop_missing=True``/``False`` (meta inputs) and ``on_invalid="exclude"``/``"error"`` (sessions; ``"exclude"``
means ``"drop"``).
"""

from __future__ import annotations

import warnings

from .._checks import check_choice
from ..exceptions import OptionError

__all__ = ["MISSING", "missing_policy"]

#: The allowed values of ``missing=``.
MISSING = ("error", "drop")

# old keyword -> {old value: policy}
_LEGACY = {
    "drop_missing": {True: "drop", False: "error"},
    "on_invalid": {"exclude": "drop", "error": "error", "drop": "drop"},
}


def missing_policy(missing=None, *, default: str = "error", stacklevel: int = 3, **legacy) -> str:
    """Return the policy ``"error"`` or ``"drop"`` from ``missing=`` or one deprecated keyword.

    Parameters
    ----------
    missing : {"error", "drop"} or None
        The policy; None takes the deprecated keyword if one is given, else ``default``.
    default : {"error", "drop"}, default "error"
        The policy when nothing is given (e.g. a session mapping's ``[checks]`` entry).
    stacklevel : int, default 3
        Passed to :func:`warnings.warn`, so the warning points at the caller of the public function.
    **legacy
        ``drop_missing=`` (bool) or ``on_invalid=`` (``"error"``/``"exclude"``); None means not given.

    Returns
    -------
    str
        ``"error"`` or ``"drop"``.

    Raises
    ------
    OptionError
        A value outside the allowed set (the message names the argument, the value and the set), an unknown
        keyword, or ``missing=`` given together with an old keyword.

    Warns
    -----
    DeprecationWarning
        An old keyword was given.

    Examples
    --------
    >>> missing_policy("DROP"), missing_policy(None)
    ('drop', 'error')
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     missing_policy(on_invalid="exclude")
    'drop'
    """
    for name, value in legacy.items():
        if name not in _LEGACY:
            raise OptionError(f"unknown keyword {name}=; the policy for unusable rows is missing= "
                              f"(one of {', '.join(map(repr, MISSING))})")
        if value is None:
            continue
        mapping = _LEGACY[name]
        hint = " or ".join(f"{name}={old!r} -> missing={new!r}" for old, new in mapping.items()
                           if not (name == "on_invalid" and old == "drop"))
        warnings.warn(f"{name}= is deprecated and will be removed in the next release; use missing= ({hint})",
                      DeprecationWarning, stacklevel=stacklevel)
        if missing is not None:
            raise OptionError(f"give missing={missing!r} or {name}={value!r}, not both")
        key = value.lower() if isinstance(value, str) else value
        try:
            mapped = mapping.get(key)
        except TypeError:  # unhashable
            mapped = None
        if mapped is None:
            shown = ", ".join(repr(k) for k in mapping)
            raise OptionError(f"{name}={value!r} is not allowed; choose one of {shown} (better: missing= with "
                              f"one of {', '.join(map(repr, MISSING))})")
        missing = mapped
    if missing is None:
        missing = default
    return check_choice("missing", missing, MISSING)
