"""Split a SQL script into statements at top-level semicolons.

A scanner, not a parser: it only has to know where quotes and comments start and end, so it also
splits scripts that a SQL parser would reject (Digdag ``${...}`` placeholders, engine-specific
syntax). Quotes are ``'...'`` and ``"..."`` with doubled-quote escapes, and Hive's ```...```;
comments are ``-- ...`` to end of line and ``/* ... */``. Hive also escapes with a backslash
(``'it\\'s'``), which ``backslash_escapes=True`` honours.
"""

from __future__ import annotations

import re

from cdpo.errors import TranslationError

__all__ = ["split_statements"]

# Where a statement may end or a quote or comment begin: the scanner jumps from one to the next
# (a regex search instead of a Python step per character).
_SPECIAL = re.compile(r"""[;'"`]|--|/\*""")
_QUOTES = {"'", '"', "`"}
_QUOTE_OR_BACKSLASH = {quote: re.compile(f"[{re.escape(quote)}\\\\]") for quote in _QUOTES}


def split_statements(sql: str, *, backslash_escapes: bool = False) -> list[str]:
    """Return the statements of ``sql``, stripped, without their ``;``, skipping empty ones.

    A statement made only of comments is dropped; comments inside a statement are kept.

    Raises:
        TranslationError: a quote or block comment is left open, naming the line it opened on.

    Example:
        >>> split_statements("SELECT ';' AS a; SELECT 2; -- done;")
        ["SELECT ';' AS a", 'SELECT 2']
    """
    statements: list[str] = []
    start = 0
    i = 0
    while (found := _SPECIAL.search(sql, i)) is not None:
        i, token = found.start(), found.group()
        if token == ";":
            statements.append(sql[start:i])
            start = i = i + 1
        elif token == "--":
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end + 1
        elif token == "/*":
            end = sql.find("*/", i + 2)
            if end < 0:
                raise _unclosed(sql, i, "block comment '/*'")
            i = end + 2
        else:
            i = _skip_quoted(sql, i, backslash_escapes)
    statements.append(sql[start:])
    return [s.strip() for s in statements if _has_code(s)]


def _skip_quoted(sql: str, i: int, backslash_escapes: bool) -> int:
    """Index just past the quoted run opening at ``i``; a doubled closing quote is an escape."""
    close = sql[i]
    stop = _QUOTE_OR_BACKSLASH[close]
    j = i + 1
    while True:
        if backslash_escapes:
            found = stop.search(sql, j)
            k = -1 if found is None else found.start()
        else:
            k = sql.find(close, j)
        if k < 0:
            raise _unclosed(sql, i, f"quote {close}")
        if sql[k] == "\\" or sql.startswith(close * 2, k):
            j = k + 2
        else:
            return k + 1


def _has_code(statement: str) -> bool:
    """Whether anything but whitespace and comments is left in ``statement``."""
    i = 0
    while i < len(statement):
        if statement[i].isspace():
            i += 1
        elif statement.startswith("--", i):
            end = statement.find("\n", i)
            i = len(statement) if end < 0 else end + 1
        elif statement.startswith("/*", i):
            i = statement.find("*/", i + 2) + 2
        else:
            return True
    return False


def _unclosed(sql: str, i: int, what: str) -> TranslationError:
    line = sql.count("\n", 0, i) + 1
    return TranslationError(
        f"line {line}: {what} is never closed", sql=sql, hint="Close it, then run again."
    )
