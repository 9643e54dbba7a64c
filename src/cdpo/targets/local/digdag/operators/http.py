"""``http>`` and ``http_call>`` (https://docs.digdag.io/operators/http.html, /http_call.html).

Real HTTP through httpx, except TD's unification endpoint (``…/unifications/workflow_call``),
which ``cdpo.unify`` serves in-process on the local warehouse: on TD that call returns a
generated workflow that runs the unification; locally the unification runs in the call itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from cdpo.errors import ConfigError, WorkflowError
from cdpo.targets.local.digdag.context import OperatorContext, OperatorResult
from cdpo.targets.local.digdag.operators.control import parse_duration

__all__ = ["HTTP_OPERATORS", "UNIFICATION_PATH"]

UNIFICATION_PATH = "/unifications/workflow_call"
DEFAULT_HTTP_TIMEOUT = 60.0
HTTP_RETRIES = 3
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _headers(value: Any, ctx: OperatorContext) -> dict[str, str]:
    """Digdag's ``headers:`` is a list of one-entry mappings (a mapping is accepted too)."""
    if value is None:
        return {}
    items = value if isinstance(value, list) else [value]
    headers: dict[str, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            raise ConfigError(
                "headers must be a list of `name: value` entries", field=ctx.task_name
            )
        headers.update({str(k): str(v) for k, v in item.items()})
    return headers


def _body(
    options: Mapping[str, Any], headers: dict[str, str], ctx: OperatorContext
) -> dict[str, Any]:
    """httpx keyword arguments for ``content`` as ``content_format`` says (text, json, form)."""
    if "content" not in options:
        return {}
    content = options["content"]
    kind = str(
        options.get("content_format", "json" if isinstance(content, Mapping | list) else "text")
    )
    if options.get("content_type"):
        headers["Content-Type"] = str(options["content_type"])
    if kind == "json":
        return {
            "content": json.dumps(content),
            "headers": {"Content-Type": "application/json", **headers},
        }
    if kind == "form":
        if not isinstance(content, Mapping):
            raise ConfigError("content_format: form needs a mapping", field=ctx.task_name)
        return {"data": {str(k): str(v) for k, v in content.items()}}
    if kind == "text":
        return {"content": str(content)}
    raise ConfigError(
        f"unknown content_format {kind!r}: use text, json or form", field=ctx.task_name
    )


def _request(ctx: OperatorContext) -> Any:
    """Send the request (retrying 5xx/429/connection errors when ``retry: true``); the response."""
    import httpx

    options = ctx.config
    url = str(ctx.command or options.get("uri", ""))
    headers = _headers(options.get("headers"), ctx)
    body = _body(options, headers, ctx)
    headers = {**headers, **body.pop("headers", {})}
    timeout = parse_duration(options.get("timeout", DEFAULT_HTTP_TIMEOUT), "timeout")
    method = str(options.get("method", "GET")).upper()
    # Digdag's http> retries idempotent methods by default, others only with ``retry: true``.
    retry = str(options.get("retry", method in _IDEMPOTENT)).lower() == "true"
    attempts = HTTP_RETRIES if retry else 1
    for attempt in range(1, attempts + 1):
        try:
            response = httpx.request(method, url, headers=headers, timeout=timeout, **body)
        except httpx.HTTPError as error:
            if attempt == attempts:
                raise WorkflowError(f"{method} {url} failed: {error}", task=ctx.task_name) from None
        else:
            if response.status_code not in _RETRY_STATUSES or attempt == attempts:
                break
        ctx.log(f"retrying {method} {url} ({attempt}/{attempts - 1})")
        ctx.wait(attempt * ctx.settings.retry_interval_scale)
    ctx.log(f"{method} {url} -> {response.status_code}")
    if response.status_code >= 400:
        raise WorkflowError(
            f"{method} {url} returned {response.status_code}: {response.text[:500]}",
            task=ctx.task_name,
        )
    return response


class Http:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        response = _request(ctx)
        if str(ctx.config.get("store_content", "false")).lower() == "true":
            return OperatorResult(store={"http": {"last_content": response.text}})
        return OperatorResult()


class HttpCall:
    def run(self, ctx: OperatorContext) -> OperatorResult:
        if urlparse(str(ctx.command)).path.rstrip("/").endswith(UNIFICATION_PATH):
            return self._unify(ctx)
        response = _request(ctx)
        kind = str(
            ctx.config.get("content_type_override") or response.headers.get("content-type", "")
        )
        try:
            if "yaml" in kind:
                import yaml

                workflow = yaml.safe_load(response.text)
            else:
                workflow = json.loads(response.text)
        except ValueError as error:
            raise WorkflowError(
                f"http_call> response is not a workflow (JSON or YAML): {error}", task=ctx.task_name
            ) from None
        if not isinstance(workflow, Mapping):
            raise WorkflowError(
                "http_call> response must be a mapping of tasks", task=ctx.task_name
            )
        return OperatorResult(subtasks=workflow)

    def _unify(self, ctx: OperatorContext) -> OperatorResult:
        from cdpo.targets.local.digdag.operators.td import open_warehouse

        try:
            from cdpo.unify import serve_workflow_call
        except ImportError:
            raise WorkflowError(
                "TD's unification endpoint is served by cdpo.unify, which this install lacks",
                task=ctx.task_name,
            ) from None
        content = ctx.config.get("content")
        if not isinstance(content, Mapping):
            raise ConfigError(
                "a unification workflow_call needs a `content:` mapping (the request body)",
                field=ctx.task_name,
            )
        with open_warehouse(ctx) as wh:
            summary = serve_workflow_call(dict(content), wh.con)
        text = json.dumps(summary, default=str)
        ctx.log(f"unification: {text[:2000]}")
        return OperatorResult(store={"http": {"last_content": text}})


HTTP_OPERATORS: dict[str, Any] = {"http": Http(), "http_call": HttpCall()}
