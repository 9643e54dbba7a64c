"""The one gate through which names from configuration reach SQL: validate, then quote.

TD database and table names follow TD's rule (lower-case letters, digits and underscores, 3 to 128
characters; https://docs.treasuredata.com/articles/project-product-documentation/naming-requirements);
column names coming from source files are more varied, so the check here is the common safe subset
every engine accepts once quoted: a letter or underscore first, then letters, digits and
underscores, at most 128 characters.
"""

from __future__ import annotations

import re

from cdpo.errors import ConfigError

__all__ = ["IDENTIFIER_PATTERN", "MAX_IDENTIFIER_LENGTH", "quote_identifier", "validate_identifier"]

MAX_IDENTIFIER_LENGTH = 128
IDENTIFIER_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VALID = (
    "a letter or '_' followed by letters, digits or '_' "
    f"(at most {MAX_IDENTIFIER_LENGTH} characters), e.g. 'customer_id'"
)


def validate_identifier(name: object, *, what: str) -> str:
    """Return ``name`` when it is a safe SQL identifier, else raise ``ConfigError``.

    Args:
        name: the value read from configuration.
        what: what the name is, for the message (``"staging table"``, ``"key column"``).

    Raises:
        ConfigError: naming ``what``, the bad value and what would be valid.

    Example:
        >>> validate_identifier("email_hash", what="key column")
        'email_hash'
    """
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{what} must be a non-empty name, got {name!r}; valid: {_VALID}")
    if len(name) > MAX_IDENTIFIER_LENGTH:
        raise ConfigError(f"{what} {name!r} is {len(name)} characters long; valid: {_VALID}")
    if not IDENTIFIER_PATTERN.fullmatch(name):
        raise ConfigError(f"{what} {name!r} is not a valid identifier; valid: {_VALID}")
    return name


def quote_identifier(name: str) -> str:
    """Quote one identifier for Presto/Trino and DuckDB, which both take double quotes.

    Embedded double quotes are doubled, so any string is safe to interpolate; callers still pass
    configured names through ``validate_identifier`` first, so that a typo fails early and clearly.

    Example:
        >>> quote_identifier("order")
        '"order"'
        >>> quote_identifier('a"b')
        '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'
