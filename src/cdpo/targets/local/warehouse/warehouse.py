"""The local warehouse: one DuckDB file in which a Treasure Data database is a schema.

DuckDB lets one process hold a file for writing, so a ``Warehouse`` is held no longer than its user
needs it: a query of the orchestrator, or one attempt of the local runtime. Every connection runs in UTC with TD's
functions installed (``cdpo.sql.install_td_functions``), and every DuckDB or sqlglot error is
mapped to a ``cdpo.errors`` class here, at the package boundary.
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdpo.errors import (
    ConfigError,
    NotFoundError,
    TargetError,
    TransientTargetError,
    WorkflowError,
    did_you_mean,
)
from cdpo.targets.base import QueryResult
from cdpo.targets.local.warehouse import sql_bridge
from cdpo.targets.local.warehouse.names import quote, valid_name

if TYPE_CHECKING:
    import duckdb

__all__ = ["DEFAULT_LOCK_TIMEOUT", "ENGINES", "INTERNAL_SCHEMA", "Warehouse"]

DEFAULT_LOCK_TIMEOUT = 30.0
"""Seconds ``Warehouse.open`` waits for another process to release the file."""

ENGINES = ("presto", "trino", "hive")
"""``engine:`` values of td> and td_wait>; each names the SQL dialect its queries are read in."""

INTERNAL_SCHEMA = "_cdpo"
"""Schema for the warehouse's own bookkeeping (incremental load state); never listed as a database."""

_HIDDEN_SCHEMAS = frozenset({"main", "information_schema", "pg_catalog", INTERNAL_SCHEMA})
_LOCK_POLL_START = 0.05
_LOCK_POLL_MAX = 1.0


class Warehouse:
    """A DuckDB file holding TD databases as schemas; use it as a context manager.

    Args:
        path: the DuckDB file; created (with its directory) when missing.
        session_time: the session time TD functions see (``TD_SCHEDULED_TIME()``), passed as is
            to ``cdpo.sql.install_td_functions``.
        lock_timeout: seconds to wait while another process holds the file.
        read_only: open without write access (several readers may share the file).

    Example:
        >>> import tempfile, pathlib
        >>> with Warehouse(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb") as wh:
        ...     wh.query("SELECT 1 + 1 AS two").rows
        ((2,),)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        session_time: datetime | int | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.session_time = session_time
        self.lock_timeout = lock_timeout
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None
        self.file_tables: OrderedDict[Hashable, str] = OrderedDict()
        """Tables of parsed load files, by fingerprint (``readers.file_rows``); per connection."""

    def __enter__(self) -> Warehouse:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> Warehouse:
        """Connect, waiting up to ``lock_timeout`` while another process holds the file.

        Raises:
            TransientTargetError: the file stayed locked for ``lock_timeout`` seconds.
            TargetError: the file cannot be opened at all (not a DuckDB file, no permission).
        """
        if self._con is None:
            con = self._connect()
            try:
                con.execute("SET TimeZone = 'UTC'")
                sql_bridge.install_functions(con, self.session_time, read_only=self.read_only)
            except BaseException:
                con.close()
                raise
            self._con = con
        return self

    def set_session_time(self, session_time: datetime | int | None) -> None:
        """Change what ``TD_SCHEDULED_TIME()`` returns on the open connection, without reopening."""
        self.session_time = session_time
        if self._con is not None:
            sql_bridge.set_session_time(self._con, session_time)

    def close(self) -> None:
        """Release the file; safe to call twice."""
        if self._con is not None:
            self._con.close()
            self._con = None
        self.file_tables.clear()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (for this package's modules)."""
        if self._con is None:
            raise TargetError(f"warehouse {self.path} is not open: use 'with Warehouse(...)'")
        return self._con

    def _connect(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout
        delay = _LOCK_POLL_START
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=self.read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise TargetError(f"cannot open warehouse {self.path}: {exc}") from exc
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransientTargetError(
                        f"warehouse {self.path} is locked by another process "
                        f"(waited {self.lock_timeout:g}s): {exc}",
                        hint="Wait for the other cdpo run to finish, then retry.",
                    ) from exc
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, _LOCK_POLL_MAX)
            except duckdb.Error as exc:
                raise TargetError(f"cannot open warehouse {self.path}: {exc}") from exc

    # -- SQL -----------------------------------------------------------------------------------

    def query(
        self, sql: str, database: str | None = None, *, engine: str = "presto"
    ) -> QueryResult:
        """Run TD SQL (one or more statements) with ``database`` as the default schema.

        Returns the columns and rows of the last statement.

        Raises:
            ConfigError: ``engine`` is not one of ``ENGINES``.
            NotFoundError: ``database`` does not exist.
            TranslationError: the SQL cannot be read in ``engine``'s dialect.
            WorkflowError: DuckDB rejected a statement (the statement and DuckDB's message).
        """
        return self.execute(self.translate(sql, engine), database)

    def translate(self, sql: str, engine: str = "presto") -> list[str]:
        """TD SQL in ``engine``'s dialect → DuckDB statements."""
        if engine not in ENGINES:
            raise ConfigError(
                f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}."
                + did_you_mean(engine, ENGINES),
                field="engine",
            )
        return sql_bridge.translate(sql, engine)

    def execute(self, statements: Sequence[str], database: str | None = None) -> QueryResult:
        """Run DuckDB statements in order in ``database``; the last one's rows are returned."""
        self.use(database)
        result = QueryResult((), ())
        for statement in statements:
            result = self.run(statement)
        return result

    def run(self, statement: str, params: Sequence[Any] | None = None) -> QueryResult:
        """Run one DuckDB statement; a DuckDB error becomes a ``WorkflowError`` quoting it."""
        import duckdb

        try:
            cursor = self.con.execute(statement, params)
            if cursor.description is None:
                return QueryResult((), ())
            columns = tuple(d[0] for d in cursor.description)
            return QueryResult(columns, tuple(tuple(r) for r in cursor.fetchall()))
        except duckdb.Error as exc:
            raise WorkflowError(f"SQL error: {exc}\nin statement:\n{statement}") from exc

    def columns_of(self, query: str, params: Sequence[Any] | None = None) -> list[tuple[str, Any]]:
        """``(name, DuckDB type)`` of each column ``query`` yields, without running it; a DuckDB
        error (a file that cannot be parsed, a column that does not exist) becomes a ``WorkflowError``."""
        import duckdb

        try:
            relation = self.con.sql(query, params=params)
        except duckdb.Error as exc:
            raise WorkflowError(f"SQL error: {exc}\nin statement:\n{query}") from exc
        return list(zip(relation.columns, relation.types, strict=True))

    def first(self, statement: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
        """The first row of one DuckDB statement, or None when it returns no row."""
        rows = self.run(statement, params).rows
        return rows[0] if rows else None

    def use(self, database: str | None) -> None:
        """Make ``database`` the default schema (``main`` when None)."""
        if database is None:
            self.con.execute("USE main")
            return
        self.require_database(database)
        self.con.execute(f"USE {quote(database)}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure inside rolls every change back, so nothing written is lost."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- databases -----------------------------------------------------------------------------

    def databases(self) -> list[str]:
        """The TD databases (DuckDB schemas) of this file, sorted."""
        rows = self.run(
            "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()"
        ).rows
        return sorted(r[0] for r in rows if r[0] not in _HIDDEN_SCHEMAS)

    def create_database(self, name: str) -> None:
        """Create a database; nothing happens when it exists."""
        self.run(f"CREATE SCHEMA IF NOT EXISTS {quote(valid_name(name, field='database'))}")

    def drop_database(self, name: str) -> None:
        """Drop a database and its tables; nothing happens when it does not exist."""
        self.run(f"DROP SCHEMA IF EXISTS {quote(valid_name(name, field='database'))} CASCADE")

    def require_database(self, name: str) -> str:
        """Return ``name`` if the database exists, else raise ``NotFoundError`` listing the others."""
        valid_name(name, field="database")
        existing = self.databases()
        if name not in existing:
            raise NotFoundError(
                f"database {name!r} does not exist in {self.path}." + did_you_mean(name, existing),
                hint="Create it first (td_ddl> create_databases, or `cdpo` pre-flight).",
            )
        return name
