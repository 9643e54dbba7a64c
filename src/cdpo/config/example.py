"""The annotated pipeline.yml ``cdpo init`` writes: every section, its defaults, and why."""

from __future__ import annotations

from pathlib import Path

from cdpo.errors import ConfigError

__all__ = ["example_pipeline", "write_example"]

_HEADER = """\
# pipeline.yml: one Customer Data Platform, from raw sources to unified profiles.
# Run `cdpo plan` to see what it will do, `cdpo doctor` to check prerequisites, `cdpo run` to do it.

# Client short name: 2-30 characters of a-z, 0-9 and _. Generic names (demo, test, client, sample,
# example) are refused: every database and table is named after it.
client: {client}

# Where the generated Digdag projects run: `local` (cdpo's own Digdag runtime on DuckDB, no account
# needed) or `td` (Treasure Data). The API key is never written here: `export TD_API_KEY=...`.
target: local

td:
  region: us            # us | eu01 | jp | ap02 | ap03 (picks the REST, workflow and CDP API hosts)
  # endpoint: https://api.treasuredata.com   # explicit hosts override the region's
  # workflow_endpoint: https://api-workflow.treasuredata.com
  # cdp_endpoint: https://api-cdp.treasuredata.com

local:
  warehouse: .cdpo/warehouse.duckdb   # relative to this file
  engine: duckdb                      # duckdb | spark
  compression: auto                   # auto (smallest file) | light (faster writes, ~3x larger file)

# Defaults derive from the client name; set one only to use an existing database.
databases:
  src: {client}_src
  stg: {client}_stg
  config: {client}_config
  unification: cdp_unification_{client}

orchestration:
  deploy_attempts: 3              # pushes before asking what to do
  poll_initial_seconds: 0.5       # MONITOR polls back off from 0.5 s ...
  poll_max_seconds: 30            # ... up to 30 s
  monitor_timeout_seconds: 7200   # 2 h per workflow attempt
  retry_limit: 3                  # automatic retries of a step under on_failure: retry
  on_failure: ask                 # ask | abort | skip | retry   (ask = abort when unattended)
  on_warning: ask                 # ask | proceed | stop        (ask = stop when unattended)
  create_missing_databases: true
"""

_PHASES = """
# Phase 1: load each source's objects into {client}_src ({{table}}_hist for history, {{table}} for
# increments). Connectors: file (local files), shopify_v1/v2, klaviyo, bigquery, snowflake, sftp, ...
ingestion:
  sources:
    - name: shop
      connector: file
      mode: both                  # incremental | historical | both (history in monthly batches)
      start_date: 2024-01-01      # first day of history
      incremental_field: updated_at
      objects:
        - name: orders
          path: data/orders.csv   # relative to this file

# Phase 2: combine each {{table}}_hist with {{table}} into {{table}}_histunion, without doubles.
hist_union:
  tables: all                     # or a list: [shop_orders]

# Phase 3: clean, join and deduplicate the hist-union tables into {client}_stg.
staging:
  engine: presto                  # presto | hive
  # tables: [orders_histunion]    # default: every hist-union output table

# Phase 4: ID unification of the staging tables into cdp_unification_{client}.
unification:
  name: customer_360
  id_method: persistent_id        # persistent_id | canonical_id
  update_strategy: incremental    # incremental | full
  coverage_threshold: 0.9         # VALIDATE fails below 90% of rows with a unified id
  # do_not_merge_key: customer_id # two customer ids never merge (needs id_method: canonical_id)
  # master_tables:                # default: customer_360_master (keys, names, ...); [] = none
  #   - name: customer_360_master
  #     attributes:
  #       - name: email           # one value per profile: priority 1 first, latest by time
  #         source_columns:
  #           - table: shop_orders
  #             column: email_std
  #             priority: 1
"""


def example_pipeline(client: str = "northwind_retail") -> str:
    """The annotated example, for ``client``.

    Example:
        >>> from cdpo.config import parse_pipeline
        >>> parse_pipeline(example_pipeline("acme_retail")).databases.src
        'acme_retail_src'
    """
    return _HEADER.format(client=client) + _PHASES.format(client=client)


def write_example(
    directory: Path, client: str = "northwind_retail", *, force: bool = False
) -> Path:
    """Write ``directory/pipeline.yml``; an existing file is kept unless ``force``.

    Raises:
        ConfigError: the file exists and ``force`` is false, or the client name is invalid.
    """
    from cdpo.config.loader import PIPELINE_FILE, parse_pipeline

    path = Path(directory) / PIPELINE_FILE
    if path.exists() and not force:
        raise ConfigError("already exists; not overwritten", file=path, hint="Pass --force.")
    text = example_pipeline(client)
    parse_pipeline(text, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
