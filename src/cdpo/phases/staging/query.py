"""The SQL of one staging table, in the order clean → join → dedupe (spec §1.2, §1.4).

``source_data`` reads the window and prepares each column once (trim, null tokens, a phone's
digits); ``parsed_data`` parses once what several outputs derive from (a date's unix seconds, an
email's or a phone's standardised form); ``cleaned_data`` applies every rule; ``joined_data`` LEFT
JOINs dimensions on cleaned columns; ``final_data`` numbers rows per cleaned key, latest first.
Rows whose keys are all NULL are kept as they are: nothing identifies them, so they are never
merged (spec §6.8: NULL handled explicitly).
The watermark window comes from ``${td.last_results.lo/hi}``, read before the load (race-free, as
hist-union does); the upsert compares a length-prefixed key, so ``('ab','c')`` ≠ ``('a','bc')``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdpo.errors import GenerateError, listed_twice
from cdpo.phases.common import INC_LOG
from cdpo.phases.staging.dialects import PRESTO, Dialect
from cdpo.phases.staging.model import PROJECT_NAME_IN_LOG, StagingTable
from cdpo.phases.staging.rules import ColumnSpec, Output

__all__ = [
    "INC_WINDOW",
    "INIT_WINDOW",
    "TableQuery",
    "bounds_sql",
    "dedup_key_sql",
    "upsert_sql",
    "watermark_sql",
]

INIT_WINDOW = "time <= ${td.last_results.hi}"
INC_WINDOW = "time > ${td.last_results.lo} AND time <= ${td.last_results.hi}"
CTE_SEPARATOR = ",\n"


@dataclass(frozen=True)
class JoinedColumn:
    """A dimension column: the join it comes from (1-based), its name and type."""

    join: int
    column: str
    type: str


@dataclass(frozen=True)
class TableQuery:
    """Everything the SQL of one table is rendered from."""

    table: StagingTable
    columns: tuple[ColumnSpec, ...]
    dropped: tuple[str, ...]
    outputs: tuple[Output, ...]
    prepared: tuple[tuple[str, str], ...] = ()
    parsed: tuple[tuple[str, str], ...] = ()
    joined: tuple[JoinedColumn, ...] = ()
    dialect: Dialect = PRESTO

    @property
    def output_types(self) -> dict[str, str]:
        types = {o.name: o.type for o in self.outputs}
        types |= {f"{j.column}_dim": j.type for j in self.joined}
        return types

    def select_sql(self, window: str) -> str:
        """The SELECT of this table, in its dialect, over the rows of ``window`` (a condition)."""
        d = self.dialect
        source = f"{d.quote(self.table.source_database)}.{d.quote(self.table.source)}"
        prepared = _columns(d, self.prepared)
        ctes = [f"source_data AS (\n  SELECT\n    {prepared}\n  FROM {source}\n  WHERE {window}\n)"]
        read = "source_data"
        if self.parsed:
            parsed = _columns(d, self.parsed)
            ctes.append(f"parsed_data AS (\n  SELECT\n    *,\n    {parsed}\n  FROM source_data\n)")
            read = "parsed_data"
        lines = _columns(d, [(o.name, o.sql) for o in self.outputs])
        ctes.append(f"cleaned_data AS (\n  SELECT\n    {lines}\n  FROM {read}\n)")
        last = "cleaned_data"
        if self.joined:
            ctes.append(f"joined_data AS (\n{self._join_sql(d)}\n)")
            last = "joined_data"
        names = ", ".join(d.quote(n) for n in self.output_types)
        if self.table.dedup is None:
            return f"WITH {CTE_SEPARATOR.join(ctes)}\nSELECT {names}\nFROM {last}\n"
        keys = [d.quote(k) for k in self.table.dedup.keys]
        order = ", ".join(f"{d.quote(c)} DESC NULLS LAST" for c in self.table.dedup.order_by)
        ctes.append(
            f"final_data AS (\n  SELECT *, ROW_NUMBER() OVER (PARTITION BY {', '.join(keys)} "
            f"ORDER BY {order}) AS row_num\n  FROM {last}\n)"
        )
        no_key = " AND ".join(f"{k} IS NULL" for k in keys)
        return (
            f"WITH {CTE_SEPARATOR.join(ctes)}\nSELECT {names}\nFROM final_data\n"
            f"WHERE row_num = 1 OR ({no_key})\n"
        )

    def _join_sql(self, d: Dialect) -> str:
        picks = [
            f"j{j.join}.{d.quote(j.column)} AS {d.quote(j.column + '_dim')}" for j in self.joined
        ]
        sql = f"  SELECT cleaned_data.*, {', '.join(picks)}\n  FROM cleaned_data"
        for number, join in enumerate(self.table.joins, start=1):
            database, _, table = join.table.rpartition(".")
            dim = f"{d.quote(database or self.table.source_database)}.{d.quote(table)}"
            on = " AND ".join(
                f"cleaned_data.{d.quote(mine)} = j{number}.{d.quote(theirs)}"
                for mine, theirs in join.on.items()
            )
            sql += f"\n  LEFT JOIN {dim} AS j{number} ON {on}"
        return sql

    def check(self) -> None:
        """Output and helper names are unique; dedup keys and join keys name cleaned columns.

        Raises:
            GenerateError: naming the table, the column and the columns that would be valid.
        """
        helpers = [name for name, _ in self.prepared + self.parsed]
        if dupes := listed_twice(helpers):
            raise GenerateError(
                f"staging {self.table.source}: source column(s) {', '.join(dupes)} have the name "
                "of a helper column of another column's rule",
                hint=f"Override the class of the column in staging.rules.{self.table.name}.columns "
                "(e.g. keep), or rename it.",
            )
        names = [o.name for o in self.outputs] + [f"{j.column}_dim" for j in self.joined]
        if dupes := listed_twice(names):
            raise GenerateError(
                f"staging {self.table.source}: output column(s) {', '.join(dupes)} produced twice "
                "(a source column already has a rule's output name)",
                hint=f"Override the class of the column in staging.rules.{self.table.name}.columns "
                "(e.g. keep).",
            )
        cleaned = {o.name for o in self.outputs}
        wanted = list(self.table.dedup.keys + self.table.dedup.order_by) if self.table.dedup else []
        wanted += [mine for join in self.table.joins for mine in join.on]
        if missing := [c for c in wanted if c not in cleaned]:
            raise GenerateError(
                f"staging {self.table.source}: dedup/join column(s) {', '.join(missing)} are not "
                f"columns of the cleaned table; valid: {', '.join(sorted(cleaned))}",
                hint=f"Fix staging.rules.{self.table.name} in pipeline.yml.",
            )


def _columns(d: Dialect, named: Sequence[tuple[str, str]]) -> str:
    """``sql AS "name"`` lines of a SELECT list."""
    return ",\n    ".join(f"{sql} AS {d.quote(name)}" for name, sql in named)


def dedup_key_sql(d: Dialect, keys: tuple[str, ...], prefix: str = "") -> str:
    """One string per key tuple: ``len:value|len:value``, '-' for NULL; NULL when all are NULL."""
    parts = []
    for key in keys:
        value = d.to_string(prefix + d.quote(key))
        parts.append(f"COALESCE(concat({d.to_string(f'length({value})')}, ':', {value}), '-')")
    joined = ", '|', ".join(parts)
    all_null = " AND ".join(f"{prefix}{d.quote(k)} IS NULL" for k in keys)
    return f"CASE WHEN {all_null} THEN NULL ELSE concat({joined}) END"


def upsert_sql(d: Dialect, table: StagingTable, names: list[str]) -> tuple[str, str]:
    """The two statements that fold the work table into the staging table: delete, insert."""
    assert table.dedup is not None
    target = f"{d.quote(table.database)}.{d.quote(table.name)}"
    work = f"{d.quote(table.database)}.{d.quote(table.work_table)}"
    key = dedup_key_sql(d, table.dedup.keys)
    delete = (
        "-- cdpo: rows of keys present in this run's batch go; the batch then brings their\n"
        "-- latest version (one row per key, spec §1.4 upsert).\n"
        f"DELETE FROM {target}\nWHERE {key} IN (\n"
        f"  SELECT {key} FROM {work} WHERE {key} IS NOT NULL\n)\n"
    )
    columns = ", ".join(d.quote(n) for n in names)
    insert = f"INSERT INTO {target} ({columns})\nSELECT {columns}\nFROM {work}\n"
    return delete, insert


def bounds_sql(d: Dialect, table: StagingTable, lookup_database: str) -> str:
    """Whether the staging table exists, the last watermark (lo) and the source's MAX(time) (hi)."""
    source = f"{d.quote(table.source_database)}.{d.quote(table.source)}"
    log = f"{d.quote(lookup_database)}.{d.quote(INC_LOG)}"
    return (
        "-- cdpo: the window of this run, read BEFORE the load (spec §6.7): rows landing later\n"
        "-- have time > hi and belong to the next run.\n"
        "SELECT\n"
        "  (SELECT COUNT(*) FROM information_schema.tables\n"
        f"   WHERE table_schema = {d.literal(table.database)} AND table_name = {d.literal(table.name)})"
        " AS table_exists,\n"
        "  w.lo,\n"
        f"  GREATEST(w.lo, COALESCE((SELECT MAX(time) FROM {source}), 0)) AS hi\n"
        f"FROM (\n  SELECT COALESCE(MAX(inc_value), 0) AS lo FROM {log}\n"
        f"  WHERE project_name = {d.literal(PROJECT_NAME_IN_LOG)} "
        f"AND table_name = {d.literal(table.source)}\n) AS w\n"
    )


def watermark_sql(d: Dialect, table: StagingTable, lookup_database: str) -> str:
    """Record the hi read before the load, with an explicit column list (spec §6.7, §7.6)."""
    log = f"{d.quote(lookup_database)}.{d.quote(INC_LOG)}"
    return (
        "-- cdpo: record the bound read before the load (never MAX(time) after it).\n"
        f"INSERT INTO {log} (table_name, project_name, inc_value)\n"
        f"SELECT {d.literal(table.source)}, {d.literal(PROJECT_NAME_IN_LOG)}, "
        "CAST(${td.last_results.hi} AS BIGINT)\n"
        "WHERE ${td.last_results.hi} > ${td.last_results.lo}\n"
    )
