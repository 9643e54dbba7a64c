"""``V3Client``: TD's REST API v3 — databases, tables with row counts, and Presto/Trino query jobs.

Calls and shapes are td-client-python's (``tdclient/*_api.py``; reference §B.2): a query is a job
issued with ``POST /v3/job/issue/{type}/{db}`` (form field ``query``), polled with the cheap
``GET /v3/job/status/{id}``, described by ``/v3/job/show/{id}`` (``hive_result_schema`` names the
columns) and read from ``/v3/job/result/{id}?format=json``: one JSON array per line.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from cdpo.errors import TerminalTargetError, TransientTargetError
from cdpo.targets.base import Column, QueryResult
from cdpo.targets.td.auth import LOGGER_NAME
from cdpo.targets.td.transport import Transport, form

__all__ = [
    "DEFAULT_JOB_POLL_SECONDS",
    "DEFAULT_QUERY_TIMEOUT",
    "FINISHED_JOB_STATES",
    "V3Client",
    "presto_type_of",
]

DEFAULT_QUERY_TIMEOUT = 3600.0
"""Seconds ``query`` waits for a job to finish before it kills the job and gives up."""
DEFAULT_JOB_POLL_SECONDS = 2.0
FINISHED_JOB_STATES = frozenset({"success", "error", "killed"})

log = logging.getLogger(LOGGER_NAME)

# TD table schemas use Hive-style names (``long``, ``string``); Presto reads them as these.
_PRESTO_TYPES = {
    "string": "varchar",
    "long": "bigint",
    "int": "integer",
    "double": "double",
    "float": "real",
    "boolean": "boolean",
}


def presto_type_of(td_type: str) -> str:
    """The Presto type of a TD schema type; arrays and maps recurse.

    Example:
        >>> presto_type_of("long"), presto_type_of("array<string>"), presto_type_of("map<string,long>")
        ('bigint', 'array(varchar)', 'map(varchar,bigint)')
    """
    match = re.fullmatch(r"(array|map)<(.+)>", td_type.strip(), re.IGNORECASE)
    if match:
        inner = ",".join(presto_type_of(part) for part in _split_top(match.group(2)))
        return f"{match.group(1).lower()}({inner})"
    return _PRESTO_TYPES.get(td_type.strip().lower(), td_type.strip().lower())


def _split_top(text: str) -> list[str]:
    """Split ``a,map<b,c>`` on the commas outside angle brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


class V3Client:
    """Calls of REST v3 over one ``Transport`` (the API host, ``/v3`` paths)."""

    def __init__(
        self,
        transport: Transport,
        *,
        poll_seconds: float = DEFAULT_JOB_POLL_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = transport
        self.poll_seconds = poll_seconds
        self.sleep = sleep
        self.clock = clock

    # -- databases and tables -------------------------------------------------------------------

    def databases(self) -> list[str]:
        """Names of the databases the key can see (``GET /v3/database/list``)."""
        body = self.http.json("GET", "/v3/database/list")
        return sorted(str(d["name"]) for d in body.get("databases", []))

    def create_database(self, name: str) -> bool:
        """``POST /v3/database/create/{db}``; False when it already existed (409)."""
        response = self.http.request("POST", f"/v3/database/create/{name}", accept=(409,))
        return response.status_code != 409

    def tables(self, database: str) -> list[dict[str, Any]]:
        """``GET /v3/table/list/{db}``: each table's ``name``, ``count`` (rows) and ``schema``.

        Raises:
            NotFoundError: the database does not exist.
        """
        return list(self.http.json("GET", f"/v3/table/list/{database}").get("tables", []))

    @staticmethod
    def schema_columns(table: dict[str, Any]) -> list[Column]:
        """A listed table's columns in Presto types; TD's implicit ``time`` column comes last."""
        schema = table.get("schema") or "[]"
        fields = json.loads(schema) if isinstance(schema, str) else schema
        found = [Column(str(f[0]), presto_type_of(str(f[1]))) for f in fields]
        if "time" not in {c.name for c in found}:
            found.append(Column("time", "bigint"))
        return found

    # -- query jobs -----------------------------------------------------------------------------

    def issue(self, sql: str, database: str, engine: str = "presto") -> str:
        """Issue a query job; its id. Not retried on failure: a POST could run the query twice."""
        body = self.http.json(
            "POST", f"/v3/job/issue/{engine}/{database}", data=form({"query": sql})
        )
        return str(body["job_id"])

    def status(self, job_id: str) -> str:
        """The job's status: ``queued``, ``booting``, ``running``, ``success``, ``error``, ``killed``."""
        return str(self.http.json("GET", f"/v3/job/status/{job_id}")["status"])

    def show(self, job_id: str) -> dict[str, Any]:
        """``GET /v3/job/show/{id}``: the job's details, its result schema and ``debug`` output."""
        return dict(self.http.json("GET", f"/v3/job/show/{job_id}"))

    def kill(self, job_id: str) -> None:
        self.http.request("POST", f"/v3/job/kill/{job_id}")

    def result(self, job_id: str) -> list[list[Any]]:
        """The job's rows (``format=json``: one JSON array per line)."""
        response = self.http.request("GET", f"/v3/job/result/{job_id}", params={"format": "json"})
        return [json.loads(line) for line in response.text.splitlines() if line.strip()]

    def wait(self, job_id: str, timeout: float = DEFAULT_QUERY_TIMEOUT) -> str:
        """Poll the job until it finishes; its final status. Kills the job past ``timeout``."""
        deadline = self.clock() + timeout
        while (status := self.status(job_id)) not in FINISHED_JOB_STATES:
            if self.clock() > deadline:
                self.kill(job_id)
                raise TransientTargetError(
                    f"query job {job_id} still {status} after {timeout:g}s; it was killed"
                )
            self.sleep(self.poll_seconds)
        return status

    def query(self, sql: str, database: str, timeout: float = DEFAULT_QUERY_TIMEOUT) -> QueryResult:
        """Run one Presto statement to completion and return its rows.

        Raises:
            TerminalTargetError: the job ended in ``error`` or ``killed``; the message holds TD's
                own explanation from the job's ``debug.stderr``.
        """
        job_id = self.issue(sql, database)
        log.info("query job %s issued on %s", job_id, database)
        status = self.wait(job_id, timeout)
        detail = self.show(job_id)
        if status != "success":
            debug = detail.get("debug") or {}
            why = (debug.get("stderr") or debug.get("cmdout") or "").strip()
            raise TerminalTargetError(f"query job {job_id} on {database} {status}: {why}")
        schema = json.loads(detail.get("hive_result_schema") or "[]")
        columns = tuple(str(c[0]) for c in schema)
        return QueryResult(columns, tuple(tuple(row) for row in self.result(job_id)))
