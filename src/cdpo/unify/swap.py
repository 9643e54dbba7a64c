"""Build every output under a temporary name, then swap all of them in one transaction.

DESIGN.md: "Nothing already written is lost: tables are built under a temporary name and swapped
in." A failed run leaves the previous outputs untouched. Stats tables are appended, as TD does
(p2_output_result: ``*_key_stats`` are Append, everything else Overwrite); a column that is new
(a key added to merge_by_keys) is added to the existing table first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from cdpo.unify.names import TMP_SUFFIX, qualified, quote

__all__ = ["Staging", "table_exists"]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists (as a table or a view)."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


@dataclass
class Staging:
    """Temporary tables of one run in ``schema``, committed together or dropped together."""

    con: duckdb.DuckDBPyConnection
    schema: str
    staged: dict[str, bool] = field(default_factory=dict)

    def stage(self, name: str, select_sql: str, *, append: bool = False) -> str:
        """Create ``{name}__cdpo_tmp`` from ``select_sql``; returns its qualified name."""
        tmp = qualified(self.schema, name + TMP_SUFFIX)
        self.con.execute(f"CREATE OR REPLACE TABLE {tmp} AS {select_sql}")
        self.staged[name] = append
        return tmp

    def tmp(self, name: str) -> str:
        """Qualified temporary name of a staged table."""
        return qualified(self.schema, name + TMP_SUFFIX)

    def commit(self) -> list[str]:
        """Swap every staged table in (replace or append), atomically; returns their names."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            for name, append in self.staged.items():
                self._swap(name, append)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        names = sorted(self.staged)
        self.staged.clear()
        return names

    def abort(self) -> None:
        """Drop every temporary table (after a failure)."""
        for name in self.staged:
            self.con.execute(f"DROP TABLE IF EXISTS {self.tmp(name)}")
        self.staged.clear()

    def _swap(self, name: str, append: bool) -> None:
        final, tmp = qualified(self.schema, name), self.tmp(name)
        if append and table_exists(self.con, self.schema, name):
            existing = {
                r[0]
                for r in self.con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = ? AND table_name = ?",
                    [self.schema, name],
                ).fetchall()
            }
            for column, kind, *_ in self.con.execute(f"DESCRIBE {tmp}").fetchall():
                if column not in existing:
                    self.con.execute(f"ALTER TABLE {final} ADD COLUMN {quote(column)} {kind}")
            self.con.execute(f"INSERT INTO {final} BY NAME SELECT * FROM {tmp}")
            self.con.execute(f"DROP TABLE {tmp}")
            return
        self.con.execute(f"DROP TABLE IF EXISTS {final}")
        self.con.execute(f"ALTER TABLE {tmp} RENAME TO {quote(name)}")
