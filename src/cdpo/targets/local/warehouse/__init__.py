"""The local warehouse: Treasure Data's semantics on one DuckDB file (a TD database = a schema).

Plain Python with no Digdag knowledge: the runtime's operators pass evaluated configs in.

- ``Warehouse(path)``: open briefly as a context manager; ``query``, ``databases``,
  ``create_database``; ``tables``/``columns`` list them with row counts and Presto types.
- ``run_td`` (td>; ``plan_td`` translates a job before the warehouse is held), ``wait_condition`` (one td_wait> check), ``for_each_rows`` (td_for_each>),
  ``run_td_ddl`` (td_ddl>), ``run_td_load`` (td_load>, with a ``ReplayMapping`` for SaaS
  connectors), ``export_table`` (td_table_export> to local files).
"""

from __future__ import annotations

from cdpo.targets.local.warehouse.catalog import columns, presto_type, tables
from cdpo.targets.local.warehouse.ddl import run_td_ddl
from cdpo.targets.local.warehouse.export import export_table
from cdpo.targets.local.warehouse.load import LoadResult, run_td_load
from cdpo.targets.local.warehouse.names import (
    TableName,
    quote,
    table_name,
    valid_column,
    valid_name,
)
from cdpo.targets.local.warehouse.readers import FORMATS
from cdpo.targets.local.warehouse.replay import ReplayMapping, ReplayTable, load_replay_mapping
from cdpo.targets.local.warehouse.td_query import (
    TdJob,
    TdJobResult,
    for_each_rows,
    insert_command_statement,
    jsonable,
    plan_td,
    run_td,
    run_td_job,
    wait_condition,
)
from cdpo.targets.local.warehouse.warehouse import (
    DEFAULT_LOCK_TIMEOUT,
    ENGINES,
    INTERNAL_SCHEMA,
    Warehouse,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "ENGINES",
    "FORMATS",
    "INTERNAL_SCHEMA",
    "LoadResult",
    "ReplayMapping",
    "ReplayTable",
    "TableName",
    "TdJob",
    "TdJobResult",
    "Warehouse",
    "columns",
    "export_table",
    "for_each_rows",
    "insert_command_statement",
    "jsonable",
    "load_replay_mapping",
    "plan_td",
    "presto_type",
    "quote",
    "run_td",
    "run_td_ddl",
    "run_td_job",
    "run_td_load",
    "table_name",
    "tables",
    "valid_column",
    "valid_name",
    "wait_condition",
]
