"""HTTP to Treasure Data: timeouts on every call, bounded retries, and typed errors from statuses.

Retries follow td-client-python's rule (reference §B.2, ``api.py``): idempotent methods (GET, PUT,
DELETE) are retried on 429, 5xx, timeouts and dropped connections, with exponential backoff and
jitter; a POST is retried only when its connection was never made. Every other failure becomes a
``cdpo.errors`` class carrying the server's own message (Digdag: ``{"message": …}``, REST v3:
``{"error": …, "message": …}``), scrubbed of the API key. httpx errors never escape this module.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from cdpo import __version__
from cdpo.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    TargetError,
    TerminalTargetError,
    TransientTargetError,
    redact,
)
from cdpo.targets.base import DEFAULT_CALL_TIMEOUT
from cdpo.targets.td.auth import LOGGER_NAME, auth_header, install_filter

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_RETRY",
    "IDEMPOTENT_METHODS",
    "NO_RETRY_DELAY",
    "RETRY_STATUSES",
    "RetryPolicy",
    "Transport",
    "error_for_status",
    "form",
]

CONNECT_TIMEOUT = 10.0
"""Seconds to open a connection; reads and writes get ``DEFAULT_CALL_TIMEOUT``."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

log = logging.getLogger(LOGGER_NAME)


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries a call gets and how long to wait between them.

    The n-th wait is ``min(max_delay, base_delay * 2**(n-1))`` scaled by a random factor in
    ``[1 - jitter, 1]`` so that many clients do not retry in step. Tests pass ``NO_RETRY_DELAY``.
    """

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.5

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based); honours ``Retry-After``."""
        if retry_after is not None:
            return min(self.max_delay, max(0.0, retry_after))
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return ceiling * (1.0 - self.jitter * random.random())


DEFAULT_RETRY = RetryPolicy()
NO_RETRY_DELAY = RetryPolicy(base_delay=0.0, max_delay=0.0, jitter=0.0)
"""Retries without waiting, for tests."""


def _server_message(response: httpx.Response) -> str:
    """The server's explanation: Digdag's ``message``, TD v3's ``message``/``error``/``text``."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text.strip()[:500]
    if isinstance(body, dict):
        for key in ("message", "error", "text"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return json.dumps(body)[:500]


_STATUS_ERRORS: dict[int, type[TargetError]] = {
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
}


def error_for_status(response: httpx.Response) -> TargetError:
    """The ``TargetError`` for an unsuccessful response, naming the call and the server's message.

    Example:
        >>> request = httpx.Request("GET", "https://api.example/v3/table/list/x")
        >>> error = error_for_status(httpx.Response(404, json={"message": "no db"}, request=request))
        >>> type(error).__name__, str(error)
        ('NotFoundError', 'GET /v3/table/list/x: 404 no db')
    """
    status = response.status_code
    where = f"{response.request.method} {response.request.url.path}"
    text = f"{where}: {status} {_server_message(response)}".rstrip()
    if status == 403:
        text = f"{text} (permission denied: the API key lacks a permission for this call)"
    error_class = _STATUS_ERRORS.get(status)
    if error_class is None:
        transient = status in RETRY_STATUSES or status >= 500
        error_class = TransientTargetError if transient else TerminalTargetError
    return error_class(text)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


class Transport:
    """One base URL, one API key, one ``httpx.Client``; every call bounded and typed.

    ``sleep`` and ``retry`` are injectable so that tests run the retry paths without waiting;
    ``transport`` lets unit tests plug an ``httpx.MockTransport``.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self.sleep = sleep
        self._key = api_key
        install_filter(log, api_key)
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={**auth_header(api_key), "User-Agent": f"cdpo/{__version__}"},
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        accept: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one call, retrying what may be retried; the response of a 2xx or ``accept`` status.

        Raises:
            TransientTargetError: retries exhausted on 429/5xx, a timeout or a dropped connection.
            AuthenticationError, NotFoundError, ConflictError, TerminalTargetError: by status.
        """
        idempotent = method.upper() in IDEMPOTENT_METHODS
        for attempt in range(1, self.retry.attempts + 1):
            last = attempt == self.retry.attempts
            with self._mapped(method, path):
                try:
                    response = self._client.request(method, path, **kwargs)
                except httpx.ConnectError:
                    if last:
                        raise
                    self._wait(attempt, f"{method} {path}: connection failed")
                    continue
                except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError):
                    if last or not idempotent:
                        raise
                    self._wait(attempt, f"{method} {path}: no answer")
                    continue
            if response.is_success or response.status_code in accept:
                return response
            if response.status_code in RETRY_STATUSES and idempotent and not last:
                self._wait(attempt, f"{method} {path}: {response.status_code}", response)
                continue
            raise error_for_status(response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request`` and decode its JSON body (``{}`` for an empty body)."""
        response = self.request(method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise TerminalTargetError(
                f"{method} {path}: the server answered {response.status_code} with a body "
                f"that is not JSON: {response.text[:200]!r}"
            ) from None

    def _wait(self, attempt: int, why: str, response: httpx.Response | None = None) -> None:
        delay = self.retry.delay(attempt, _retry_after(response) if response else None)
        log.warning("%s; retry %d/%d in %.1fs", why, attempt, self.retry.attempts - 1, delay)
        self.sleep(delay)

    @contextmanager
    def _mapped(self, method: str, path: str) -> Iterator[None]:
        """httpx's transport errors become ``TransientTargetError`` (httpx's ``request_context``)."""
        try:
            yield
        except httpx.TimeoutException:
            raise TransientTargetError(
                f"{method} {self.base_url}{path}: no answer within {self.timeout:g}s"
            ) from None
        except httpx.TransportError as error:
            raise TransientTargetError(
                redact(f"{method} {self.base_url}{path}: {error}", (self._key,))
            ) from None


def form(fields: Mapping[str, Any]) -> dict[str, str]:
    """Form fields as strings, dropping ``None`` (REST v3 takes form-encoded bodies)."""
    return {k: str(v) for k, v in fields.items() if v is not None}
