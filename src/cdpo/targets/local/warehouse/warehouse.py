"""The local warehouse: one DuckDB file in which a Treasure Data database is a schema.

DuckDB lets one process hold a file for writing, so a ``Warehouse`` is held no longer than its user
needs it: a query of the orchestrator, or one attempt of the local runtime. Within a process, one
``Warehouse`` holds a file at a time (``storage.connect``). Every connection runs in UTC with TD's
functions installed (``cdpo.sql.install_td_functions``), and every DuckDB or sqlglot error is
mapped to a ``cdpo.errors`` class here, at the package boundary.

An attempt runs hundreds of small tasks on one connection, so the connection remembers what only
it can change: the schemas that exist, the default schema and session time it set, the
bookkeeping tables it created.
A statement that may change them (schema DDL, DDL naming the bookkeeping schema, ATTACH, a session
variable, a rollback), a rolled-back transaction or a catalog error forgets them all; a database
missing from what is remembered is looked up again before ``NotFoundError`` (another connection
may have made it).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cdpo.errors import (
    NotFoundError,
    TargetError,
    TransientTargetError,
    WorkflowError,
    did_you_mean,
)
from cdpo.targets.base import QueryResult
from cdpo.targets.local.warehouse import sql_bridge, storage
from cdpo.targets.local.warehouse.names import quote, valid_name
from cdpo.targets.local.warehouse.sql_bridge import ENGINES

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = ["DEFAULT_LOCK_TIMEOUT", "ENGINES", "INTERNAL_SCHEMA", "Warehouse"]

DEFAULT_LOCK_TIMEOUT = 30.0
"""Seconds ``Warehouse.open`` waits for another process to release the file."""

INTERNAL_SCHEMA = "_cdpo"
"""Schema for the warehouse's own bookkeeping (incremental load state); never listed as a database."""

_HIDDEN_SCHEMAS = frozenset({"main", "information_schema", "pg_catalog", INTERNAL_SCHEMA})
# Statements that may change what a connection remembers: DDL of a schema, of the bookkeeping
# schema's tables, catalogs, the default schema, the session time variable, a rollback. A false
# match (a column named `variable`) only costs one lookup again.
_FORGETTING = re.compile(
    r"\b(?:CREATE|DROP|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:SCHEMA|DATABASE)\b|\bSET\s+SCHEMA\b"
    r"|\b(?:ATTACH|DETACH|IMPORT|VARIABLE|ROLLBACK|ABORT|USE|SEARCH_PATH)\b"
    rf"|\b(?:CREATE|DROP|ALTER)\b.*\b{INTERNAL_SCHEMA}\b",
    re.IGNORECASE | re.DOTALL,
)
# A statement that may delete rows; when it did, the connection's checkpoints vacuum again.
_DELETING = re.compile(r"\b(?:DELETE\s+FROM|TRUNCATE)\b", re.IGNORECASE)
_UNSET = object()
_PREPARED: list[duckdb.DuckDBPyConnection] = []
"""Connections made ahead with TD's functions installed, no file attached yet (``prepare``)."""
_T = TypeVar("_T")
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
        self._schemas: frozenset[str] | None = None
        self._ensured: set[str] = set()
        self._session_set: object = _UNSET
        self._used: str | None = None
        self.compression = "auto"
        """How this file compresses what is written to it (``storage``); read at ``open``."""
        self._vacuuming = read_only
        """Whether checkpoints vacuum (``storage.reclaim_deleted``); writers start without."""

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
            con, prepared = self._connect()
            try:
                if prepared:
                    sql_bridge.set_session_time(con, self.session_time)
                else:
                    _set_up(con, self.session_time, read_only=self.read_only)
                if not self.read_only:
                    self.compression = storage.read_compression(con, INTERNAL_SCHEMA)
                    if self.compression != "auto":
                        storage.apply_compression(con, self.compression)
            except BaseException:
                con.close()
                raise
            self._con = con
            self._vacuuming = self.read_only  # a new connection starts without (``storage``)
            self._forget()
            self._session_set = sql_bridge.unix_time(self.session_time)
        return self

    @staticmethod
    def prepare() -> None:
        """Make the connection the next ``open`` in this process attaches its file to, with
        TD's functions installed: two thirds of the cost of opening, paid ahead (a standby
        worker does while it waits for its attempt)."""
        import duckdb

        con = duckdb.connect()
        try:
            _set_up(con, None, read_only=False)
        except BaseException:
            con.close()
            raise
        _PREPARED.append(con)

    def set_compression(self, mode: str) -> None:
        """Store ``mode`` in the file and write with it from now on (``storage``).

        Raises:
            ConfigError: an unknown mode.
        """
        storage.apply_compression(self.con, mode)
        self.ensure("settings", storage.settings_ddl(INTERNAL_SCHEMA))
        self.run(
            f"INSERT OR REPLACE INTO {quote(INTERNAL_SCHEMA, 'settings')} VALUES ('compression', ?)",
            [mode],
        )
        self.compression = mode

    def set_session_time(self, session_time: datetime | int | None) -> None:
        """Change what ``TD_SCHEDULED_TIME()`` returns on the open connection, without reopening.

        Setting the time the connection already has runs nothing.
        """
        self.session_time = session_time
        unix = sql_bridge.unix_time(session_time)
        if self._con is not None and unix != self._session_set:
            sql_bridge.set_session_time(self._con, unix)
            self._session_set = unix

    def close(self) -> None:
        """Release the file; safe to call twice."""
        if self._con is not None:
            self._con.close()
            self._con = None
        self.file_tables.clear()
        self._forget()

    def _forget(self) -> None:
        """Drop what the connection remembers; the next use looks it up again."""
        self._schemas = None
        self._ensured.clear()
        self._session_set = _UNSET
        self._used = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (for this package's modules)."""
        if self._con is None:
            raise TargetError(f"warehouse {self.path} is not open: use 'with Warehouse(...)'")
        return self._con

    def _connect(self) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """A connection to the file, and whether it was prepared (``prepare``)."""
        import duckdb

        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout
        delay = _LOCK_POLL_START
        try:
            prepared: duckdb.DuckDBPyConnection | None = _PREPARED.pop()  # atomic: threads may race
        except IndexError:
            prepared = None
        while True:
            try:
                con = storage.connect(self.path, read_only=self.read_only, con=prepared)
                return con, prepared is not None
            except duckdb.IOException as exc:
                prepared = None  # closed by storage.connect: a retry connects afresh
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
                hint = ""
                if "already attached" in str(exc):
                    hint = "This process has the file open already: use that Warehouse."
                raise TargetError(f"cannot open warehouse {self.path}: {exc}", hint=hint) from exc

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
        """TD SQL in ``engine``'s dialect → DuckDB statements (``sql_bridge.translate``)."""
        return sql_bridge.translate(sql, engine)

    def execute(self, statements: Sequence[str], database: str | None = None) -> QueryResult:
        """Run DuckDB statements in order in ``database``; the last one's rows are returned."""
        self.use(database)
        result = QueryResult((), ())
        for statement in statements:
            result = self.run(statement)
        return result

    def query_arrow(
        self, sql: str, database: str | None = None, *, engine: str = "presto"
    ) -> pa.Table:
        """As ``query``, the last statement's result as an Arrow table: no Python object per
        value, for results of millions of rows (VALIDATE's truth check reads whole tables)."""
        import pyarrow as pa

        statements = self.translate(sql, engine)
        self.execute(statements[:-1], database)
        if not statements:
            return pa.table({})
        return self._fetched(statements[-1], None, _arrow)

    def run(self, statement: str, params: Sequence[Any] | None = None) -> QueryResult:
        """Run one DuckDB statement; a DuckDB error becomes a ``WorkflowError`` quoting it."""
        result = self._fetched(statement, params, _rows)
        if not self._vacuuming and _DELETING.search(statement) and _counted(result):
            storage.reclaim_deleted(self.con)
            self._vacuuming = True
        return result

    def _fetched(
        self,
        statement: str,
        params: Sequence[Any] | None,
        fetch: Callable[[duckdb.DuckDBPyConnection, str, Any], _T],
    ) -> _T:
        """``fetch(con, statement, params)``, with what the connection remembers kept true and
        a DuckDB error as a ``WorkflowError`` quoting the statement."""
        import duckdb

        con = self.con
        if _FORGETTING.search(statement):
            self._forget()
        try:
            return fetch(con, statement, params)
        except duckdb.Error as exc:
            if isinstance(exc, duckdb.CatalogException):
                self._forget()  # another connection may have dropped what was remembered
            raise WorkflowError(f"SQL error: {exc}\nin statement:\n{statement}") from exc

    def ensure(self, key: str, statements: Sequence[str]) -> None:
        """Run idempotent DDL (``CREATE … IF NOT EXISTS``) once per connection, under ``key``.

        Forgotten with the rest (see the module docstring), so a rolled-back or dropped table
        is created again.
        """
        if key in self._ensured:
            return
        for statement in statements:
            self.run(statement)
        self._ensured.add(key)

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
        """Make ``database`` the default schema (``main`` when None); nothing runs when it is."""
        import duckdb

        schema = "main" if database is None else self.require_database(database)
        if schema == self._used:
            return
        try:
            self.con.execute(f"USE {quote(schema)}")
        except duckdb.CatalogException as exc:  # dropped by another connection since remembered
            self._forget()
            self.require_database(schema)
            raise WorkflowError(f"SQL error: {exc}\nin statement:\nUSE {quote(schema)}") from exc
        self._used = schema

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure inside rolls every change back, so nothing written is lost."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._forget()  # what the rolled-back statements created or dropped is undone
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- databases -----------------------------------------------------------------------------

    def databases(self) -> list[str]:
        """The TD databases (DuckDB schemas) of this file, sorted; always read from the file."""
        rows = self.run(
            "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()"
        ).rows
        self._schemas = frozenset(r[0] for r in rows)
        return sorted(self._schemas - _HIDDEN_SCHEMAS)

    def create_database(self, name: str) -> None:
        """Create a database; nothing happens when it exists."""
        self.run(f"CREATE SCHEMA IF NOT EXISTS {quote(valid_name(name, field='database'))}")

    def drop_database(self, name: str) -> None:
        """Drop a database and its tables; nothing happens when it does not exist."""
        self.run(f"DROP SCHEMA IF EXISTS {quote(valid_name(name, field='database'))} CASCADE")

    def require_database(self, name: str) -> str:
        """Return ``name`` if the database exists, else raise ``NotFoundError`` listing the others."""
        valid_name(name, field="database")
        if self._schemas is not None and name in self._schemas:
            return name
        existing = self.databases()
        if name not in existing:
            raise NotFoundError(
                f"database {name!r} does not exist in {self.path}." + did_you_mean(name, existing),
                hint="Create it first (td_ddl> create_databases, or `cdpo` pre-flight).",
            )
        return name


def _rows(con: duckdb.DuckDBPyConnection, statement: str, params: Any) -> QueryResult:
    cursor = con.execute(statement, params)
    if cursor.description is None:
        return QueryResult((), ())
    columns = tuple(d[0] for d in cursor.description)
    return QueryResult(columns, tuple(cursor.fetchall()))  # rows are tuples already


def _set_up(
    con: duckdb.DuckDBPyConnection, session_time: datetime | int | None, *, read_only: bool
) -> None:
    """What every connection runs with: UTC, and TD's functions at ``session_time``."""
    con.execute("SET TimeZone = 'UTC'")
    sql_bridge.install_functions(con, session_time, read_only=read_only)


def _counted(result: QueryResult) -> bool:
    """Whether a statement's result is a positive row count (DuckDB's answer to DELETE)."""
    first = result.rows[0][0] if result.rows and result.rows[0] else None
    return isinstance(first, int) and first > 0


def _arrow(con: duckdb.DuckDBPyConnection, statement: str, params: Any) -> pa.Table:
    return con.sql(statement, params=params).to_arrow_table()
