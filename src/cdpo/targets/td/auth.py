"""The TD API key (read from ``TD_API_KEY`` only) and the log filter that keeps it out of logs.

TD authenticates every REST call with ``Authorization: TD1 <apikey>`` (reference §A.1, td-client
``api.py``, tdworkflow ``client.py``). The key lives in memory only: no file, log, state or error
message ever holds it; ``RedactingFilter`` scrubs it from every record of the ``cdpo`` loggers.
"""

from __future__ import annotations

import logging
import os

from cdpo.errors import AuthenticationError, redact

__all__ = [
    "API_KEY_ENV",
    "LOGGER_NAME",
    "RedactingFilter",
    "api_key_from_env",
    "auth_header",
    "install_filter",
]

API_KEY_ENV = "TD_API_KEY"
LOGGER_NAME = "cdpo.td"


def api_key_from_env() -> str:
    """The API key from ``TD_API_KEY``.

    Raises:
        AuthenticationError: the variable is unset or empty.
    """
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key:
        raise AuthenticationError(
            f"{API_KEY_ENV} is not set: the td target needs a Treasure Data API key",
            hint=f"export {API_KEY_ENV}=<your master or write-only API key>",
        )
    return key


def auth_header(key: str) -> dict[str, str]:
    """The ``Authorization`` header TD expects: ``TD1 <key>``."""
    return {"Authorization": f"TD1 {key}"}


class RedactingFilter(logging.Filter):
    """Rewrites every record so that no secret (``secrets``, ``TD_API_KEY``, key-shaped text) remains.

    The record's message is rendered once, scrubbed, and stored without arguments, so a handler
    formatting it later cannot reintroduce a secret from ``args``.
    """

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install_filter(logger: logging.Logger, key: str) -> RedactingFilter:
    """Attach a ``RedactingFilter`` for ``key`` to ``logger`` (once per key)."""
    for existing in logger.filters:
        if isinstance(existing, RedactingFilter) and key in existing.secrets:
            return existing
    redacting = RedactingFilter((key,))
    logger.addFilter(redacting)
    return redacting
