"""TD's REST API v3 (``/v3/…``) over the local warehouse: databases, tables with row counts, and
query jobs that run in the background and are polled, as on Treasure Data (reference §B.2).

Jobs run one at a time on a worker thread (the warehouse is one DuckDB file); results stay in
memory for the server's lifetime. Table schemas are listed in TD's Hive-style type names with the
implicit ``time`` column left out, as ``/v3/table/list`` does.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from cdpo.errors import CdpoError, ConfigError, ConflictError, NotFoundError
from cdpo.server.digdag_api import json_response
from cdpo.targets import Column, QueryResult
from cdpo.targets.local import LocalTarget
from cdpo.targets.local.warehouse import jsonable

__all__ = ["ROUTES", "Job", "V3Api", "td_type_of"]

ROUTES: list[tuple[str, str, str]] = [
    ("/v3/database/list", "GET", "databases"),
    ("/v3/database/create/<name>", "POST", "create_database"),
    ("/v3/table/list/<database>", "GET", "tables"),
    ("/v3/job/issue/<engine>/<database>", "POST", "issue"),
    ("/v3/job/status/<int:job_id>", "GET", "status"),
    ("/v3/job/show/<int:job_id>", "GET", "show"),
    ("/v3/job/result/<int:job_id>", "GET", "result"),
    ("/v3/job/kill/<int:job_id>", "POST", "kill"),
]
"""(path, method, handler name) of every REST v3 endpoint served."""

ENGINES = frozenset({"presto", "trino", "hive"})
# TD database names: lower-case letters, digits and underscores, 3 to 255 characters.
_DATABASE_NAME = re.compile(r"^[a-z0-9_]{3,255}$")
_TD_TYPES = {
    "varchar": "string",
    "bigint": "long",
    "integer": "int",
    "double": "double",
    "real": "float",
    "boolean": "boolean",
}


def now_iso() -> str:
    """Now as TD writes timestamps (UTC, seconds, ``Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def td_type_of(presto: str) -> str:
    """TD's schema type of a Presto type; anything without a TD equivalent is ``string``.

    Example:
        >>> td_type_of("bigint"), td_type_of("array(varchar)"), td_type_of("timestamp")
        ('long', 'array<string>', 'string')
    """
    match = re.fullmatch(r"array\((.+)\)", presto.strip())
    if match:
        return f"array<{td_type_of(match.group(1))}>"
    return _TD_TYPES.get(presto.strip().lower(), "string")


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double"
    return "varchar"


@dataclass
class Job:
    """One query job and, once finished, its rows or its error."""

    id: int
    engine: str
    database: str
    query: str
    status: str = "queued"
    created_at: str = field(default_factory=now_iso)
    start_at: str | None = None
    end_at: str | None = None
    result: QueryResult | None = None
    error: str | None = None

    def schema(self) -> list[list[str]]:
        if self.result is None:
            return []
        first = self.result.rows[0] if self.result.rows else ()
        types = [_value_type(v) for v in first] or ["varchar"] * len(self.result.columns)
        return [list(pair) for pair in zip(self.result.columns, types, strict=False)]

    def body(self) -> dict[str, Any]:
        return {
            "job_id": str(self.id),
            "status": self.status,
            "type": self.engine,
            "database": self.database,
            "query": self.query,
            "created_at": self.created_at,
            "start_at": self.start_at,
            "end_at": self.end_at,
            "num_records": len(self.result.rows) if self.result else None,
            "hive_result_schema": json.dumps(self.schema()),
            "debug": {"stderr": self.error, "cmdout": ""} if self.error else None,
        }


class V3Api:
    """Handlers named in ``ROUTES``; ``lock`` serialises every warehouse access of the server."""

    def __init__(self, target: LocalTarget, lock: threading.RLock) -> None:
        self.target = target
        self.lock = lock
        self.jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cdpo-v3-job")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- databases and tables -------------------------------------------------------------------

    def databases(self, request: Request) -> Response:
        with self.lock:
            names = self.target.databases()
        return json_response(
            {"databases": [{"name": n, "permission": "administrator"} for n in names]}
        )

    def create_database(self, request: Request, name: str) -> Response:
        if not _DATABASE_NAME.match(name):
            raise ConfigError(
                f"invalid database name {name!r}: use 3-255 lower-case letters, digits or '_'"
            )
        with self.lock:
            if name in self.target.databases():
                raise ConflictError(f"Database {name} already exists")
            self.target.create_database(name)
        return json_response({"database": name})

    def tables(self, request: Request, database: str) -> Response:
        with self.lock:
            found = self.target.tables(database)
        return json_response({"database": database, "tables": [_table_body(t) for t in found]})

    # -- jobs -----------------------------------------------------------------------------------

    def issue(self, request: Request, engine: str, database: str) -> Response:
        if engine not in ENGINES:
            raise NotFoundError(f"job type {engine!r} not found; use one of {sorted(ENGINES)}")
        sql = request.form.get("query", "")
        if not sql.strip():
            raise ConfigError("form field 'query' is required")
        with self.lock:
            if database not in self.target.databases():
                raise NotFoundError(f"Database '{database}' does not exist")
        job = Job(next(self._ids), engine, database, sql)
        self.jobs[job.id] = job
        self._pool.submit(self._run, job)
        return json_response({"job_id": str(job.id), "database": database, "job": str(job.id)})

    def _run(self, job: Job) -> None:
        if job.status != "queued":
            return
        job.status, job.start_at = "running", now_iso()
        try:
            with self.lock:
                found = self.target.query(job.query, job.database)
            rows = tuple(tuple(jsonable(v) for v in row) for row in found.rows)
            job.result = QueryResult(found.columns, rows)
            job.status = "success"
        except CdpoError as error:
            job.status, job.error = "error", error.message
        finally:
            job.end_at = now_iso()

    def _job(self, job_id: int) -> Job:
        if job_id not in self.jobs:
            raise NotFoundError(f"Job {job_id} not found")
        return self.jobs[job_id]

    def status(self, request: Request, job_id: int) -> Response:
        job = self._job(job_id)
        return json_response(
            {
                "job_id": str(job.id),
                "status": job.status,
                "created_at": job.created_at,
                "start_at": job.start_at,
                "end_at": job.end_at,
            }
        )

    def show(self, request: Request, job_id: int) -> Response:
        return json_response(self._job(job_id).body())

    def result(self, request: Request, job_id: int) -> Response:
        job = self._job(job_id)
        if request.args.get("format", "tsv") != "json":
            raise ConfigError("only format=json is served by cdpo server")
        if job.status != "success" or job.result is None:
            raise ConflictError(f"Job {job_id} has no result: it is {job.status}")
        lines = "".join(json.dumps(list(row), default=str) + "\n" for row in job.result.rows)
        return Response(lines, mimetype="application/json")

    def kill(self, request: Request, job_id: int) -> Response:
        job = self._job(job_id)
        former = job.status
        if former in {"queued", "booting"}:
            job.status, job.end_at = "killed", now_iso()
        return json_response({"job_id": str(job.id), "former_status": former})


def _table_body(table: Any) -> dict[str, Any]:
    columns: tuple[Column, ...] = table.columns
    schema = [[c.name, td_type_of(c.type)] for c in columns if c.name != "time"]
    return {
        "name": table.name,
        "type": "log",
        "count": table.row_count,
        "schema": json.dumps(schema),
        "expire_days": None,
    }
