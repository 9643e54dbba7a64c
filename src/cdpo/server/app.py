"""``cdpo server``: the local runtime behind Digdag's REST API and TD's REST v3, on werkzeug.

Any Digdag client (``digdag``'s CLI, tdworkflow, cdpo's ``td`` target) can push, start, follow
and kill workflows of a local cdpo, and read its warehouse through v3 query jobs. With an API key
set, every call must carry ``Authorization: TD1 <key>`` (else 401, as TD answers). Errors map to
Digdag's statuses: missing → 404, conflict → 409, bad input → 400, with ``{"message": …}``
bodies (v3 paths also carry ``error``, as TD's do).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from cdpo.errors import (
    AuthenticationError,
    CdpoError,
    ConfigError,
    ConflictError,
    NotFoundError,
    TransientTargetError,
    redact,
)
from cdpo.server import digdag_api, v3_api
from cdpo.targets.local import LocalTarget

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ApiServer", "ServerApp"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 65432
log = logging.getLogger("cdpo.server")

_STATUS_OF: list[tuple[type[CdpoError], int]] = [
    (AuthenticationError, 401),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ConfigError, 400),
    (TransientTargetError, 503),
]


class ServerApp:
    """The WSGI application: routing, authentication and error bodies around the two APIs."""

    def __init__(
        self,
        root: Path,
        *,
        api_key: str | None = None,
        warehouse: Path | None = None,
        replay: Path | None = None,
    ) -> None:
        self.target = LocalTarget(Path(root), warehouse, replay=replay)
        self.api_key = api_key
        self.digdag = digdag_api.DigdagApi(self.target)
        self.v3 = v3_api.V3Api(self.target, threading.RLock())
        rules = [
            Rule(path, methods=[method], endpoint=getattr(api, name))
            for api, routes in ((self.digdag, digdag_api.ROUTES), (self.v3, v3_api.ROUTES))
            for path, method, name in routes
        ]
        self.urls = Map(rules, strict_slashes=False)

    def close(self) -> None:
        self.v3.close()
        self.target.close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        """The response to one request; never raises."""
        v3 = request.path.startswith("/v3/")
        try:
            self._authenticate(request)
            handler, arguments = self.urls.bind_to_environ(request.environ).match()
            response: Response = handler(request, **arguments)
        except HTTPException as error:
            return _error(error.code or 500, error.description or error.name, v3)
        except CdpoError as error:
            status = next((code for kind, code in _STATUS_OF if isinstance(error, kind)), 500)
            return _error(status, error.message, v3)
        except Exception as error:  # a bug: answer 500 with its text, keep serving
            log.exception("unexpected error on %s %s", request.method, request.path)
            return _error(500, f"internal error: {error}", v3)
        return response

    def _authenticate(self, request: Request) -> None:
        if self.api_key is None:
            return
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"TD1 {self.api_key}".encode()):
            raise AuthenticationError("Authentication failed: the API key is invalid")


def _error(status: int, message: str, v3: bool) -> Response:
    message = redact(message)
    body: dict[str, Any] = {"message": message, "status": status}
    if v3:
        body = {"error": message, "message": message, "severity": "error"}
    return Response(json.dumps(body), status=status, mimetype="application/json")


class _RequestHandler(WSGIRequestHandler):
    """HTTP/1.1 (connections are kept alive between a client's calls); request lines go to the
    ``cdpo.server`` logger at debug level, not to stderr."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path, code)


class ApiServer:
    """A ``ServerApp`` served on ``host:port`` by werkzeug's threaded server, in a thread.

    Port 0 picks a free port; ``url`` says which. Use as a context manager, or call ``serve``
    to block (``cdpo server``).
    """

    def __init__(
        self,
        root: Path,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        api_key: str | None = None,
        warehouse: Path | None = None,
        replay: Path | None = None,
    ) -> None:
        self.app = ServerApp(root, api_key=api_key, warehouse=warehouse, replay=replay)
        try:
            self._server: BaseWSGIServer = make_server(
                host, port, self.app, threaded=True, request_handler=_RequestHandler
            )
        except OSError as error:
            self.app.close()
            raise ConfigError(f"cannot listen on {host}:{port}: {error}", field="--port") from None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve(self) -> None:
        """Serve until interrupted."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            log.info("interrupted: shutting down")
        finally:
            self.close()

    def start(self) -> ApiServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cdpo-server", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()
        self.app.close()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
