"""Keyed pseudonyms for client and therapist identifiers (HMAC-SHA256).

A pseudonym is ``HMAC-SHA256(key, identifier)`` in hexadecimal, cut to ``length`` characters (16 by default:
64 bits, collisions are checked and refused). The same key gives the same pseudonym for the same identifier in
every file, so tables of one study can still be joined; without the key the identifiers cannot be recovered or
confirmed by guessing (unlike a plain hash). Keep the key out of the repository (e.g. in an environment
variable named by the mapping's ``[privacy] key_env``).

Reference: Krawczyk, H., Bellare, M., & Canetti, R. (1997). HMAC: Keyed-hashing for message authentication.
RFC 2104.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from .._checks import check_number
from ..exceptions import DataError, OptionError

__all__ = ["pseudonymise"]


def pseudonymise(values, key, *, length: int = 16) -> pd.Categorical:
    """Replace identifiers by keyed pseudonyms; one HMAC per distinct identifier, not per row.

    Parameters
    ----------
    values : array-like
        Identifiers (a categorical is fastest); missing stays missing. Numbers are hashed as their text.
    key : str or bytes
        The secret key (at least 16 bytes).
    length : int, default 16
        Hex characters kept (8 to 64).

    Returns
    -------
    pandas.Categorical
        Pseudonyms, categories in the order of the original categories.

    Raises
    ------
    OptionError
        Missing or short key, or bad ``length``.
    DataError
        Two identifiers gave the same pseudonym (raise ``length``).

    Examples
    --------
    >>> p = pseudonymise(["A1", "B2", "A1"], "a key of sixteen bytes")
    >>> p[0] == p[2], p[0] != p[1], len(p[0])
    (True, True, 16)
    """
    if key is None:
        raise OptionError("pseudonymising needs a key: pass key= or set the environment variable named by "
                          "[privacy] key_env")
    key = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if len(key) < 16:
        raise OptionError(f"the pseudonymisation key must have at least 16 bytes, got {len(key)}")
    length = check_number("length", length, low=8, high=64, integer=True)
    cat = values.array if isinstance(values, pd.Series) else values
    if not isinstance(cat, pd.Categorical):
        cat = pd.Categorical(values)
    names = [hmac.new(key, str(c).encode("utf-8"), hashlib.sha256).hexdigest()[:length] for c in cat.categories]
    if len(set(names)) != len(names):
        raise DataError(f"two identifiers share a pseudonym of {length} characters; use a larger length")
    return pd.Categorical.from_codes(cat.codes, categories=pd.Index(names, dtype="str"))
