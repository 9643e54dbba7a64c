"""td_load> of query-based connectors (BigQuery, Snowflake): the query's window applies locally."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.errors import ConfigError, WorkflowError
from cdpo.targets.local.warehouse import Warehouse, load_replay_mapping, run_td_load, tables
from cdpo.targets.local.warehouse.readers import FILE_TABLES_KEPT

EVENTS = [
    ("e1", "2022-12-31 23:00:00.000"),
    ("e2", "2023-01-15 10:00:00.000"),
    ("e3", "2023-01-31 23:59:59.999"),
    ("e4", "2023-02-01 00:00:00.000"),
    ("e5", "2023-02-20 08:00:00.000"),
]


def _mapping(tmp_path: Path, connector: str) -> Path:
    lines = "\n".join(f'{{"event_id": "{i}", "event_time": "{t}"}}' for i, t in EVENTS)
    (tmp_path / "events.jsonl").write_text(lines + "\n", encoding="utf-8")
    path = tmp_path / "replay.yml"
    path.write_text(
        f"tables:\n  client_src.web_events:\n    connector: {connector}\n"
        "    files: [events.jsonl]\n",
        encoding="utf-8",
    )
    return path


def _load(wh: Warehouse, mapping: Path, section: dict[str, object]) -> int:
    config = {"in": section, "out": {"mode": "append"}}
    replay = load_replay_mapping(mapping)
    return run_td_load(
        wh, config, database="client_src", table="web_events", replay=replay
    ).num_records


def _ids(wh: Warehouse) -> list[str]:
    rows = wh.query("SELECT event_id FROM web_events ORDER BY event_id", "client_src").rows
    return [r[0] for r in rows]


def _bigquery(start: str, end: str) -> dict[str, object]:
    return {
        "type": "bigquery_v2",
        "import_type": "query",
        "query": f"SELECT * FROM `analytics.events` WHERE `event_time` > '{start}' "
        f"AND `event_time` <= '{end}'",
    }


def test_monthly_bigquery_batches_load_each_row_once(wh: Warehouse, tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, "bigquery_v2")
    months = [
        ("2022-12-31 23:59:59.999", "2023-01-31 23:59:59.999"),
        ("2023-01-31 23:59:59.999", "2023-02-28 23:59:59.999"),
    ]
    counts = [_load(wh, mapping, _bigquery(start, end)) for start, end in months]
    assert counts == [2, 2]  # e1 is before the window; e3 ends January, inclusive
    assert _ids(wh) == ["e2", "e3", "e4", "e5"]


def _parsed_file_sets(wh: Warehouse) -> int:
    found = wh.first("SELECT count(*) FROM duckdb_tables() WHERE database_name = '_cdpo_files'")
    return int(found[0]) if found else 0


def test_batches_parse_the_file_once_and_see_it_change(wh: Warehouse, tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, "bigquery_v2")
    _load(wh, mapping, _bigquery("2022-12-31 23:59:59.999", "2023-01-31 23:59:59.999"))
    parsed = wh.file_tables.copy()
    _load(wh, mapping, _bigquery("2023-01-31 23:59:59.999", "2023-02-28 23:59:59.999"))
    assert wh.file_tables == parsed  # the second batch selected from the rows already parsed
    assert wh.databases() == ["client_src"]  # and they are not a TD database
    with (tmp_path / "events.jsonl").open("a", encoding="utf-8") as more:
        more.write('{"event_id": "e6", "event_time": "2023-03-02 00:00:00.000"}\n')
    assert _load(wh, mapping, _bigquery("2023-02-28 23:59:59.999", "2023-03-31 23:59:59.999")) == 1
    assert _ids(wh) == ["e2", "e3", "e4", "e5", "e6"]


def test_a_failed_batch_leaves_the_parsed_rows_usable(wh: Warehouse, tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, "bigquery_v2")
    bad = {"type": "bigquery_v2", "import_type": "query", "query": "SELECT no_such_column FROM t"}
    with pytest.raises(WorkflowError):
        _load(wh, mapping, bad)
    assert _load(wh, mapping, _bigquery("2022-12-31 23:59:59.999", "2023-02-28 23:59:59.999")) == 4
    assert [t.name for t in tables(wh, "client_src")] == ["web_events"]


def test_the_warehouse_keeps_a_bounded_number_of_parsed_files(
    wh: Warehouse, tmp_path: Path
) -> None:
    mapping = _mapping(tmp_path, "bigquery_v2")
    for i in range(FILE_TABLES_KEPT + 2):
        (tmp_path / "events.jsonl").write_text(f'{{"event_id": "x{i}", "event_time": "t"}}\n')
        _load(wh, mapping, {"type": "bigquery_v2", "import_type": "table"})
    assert _parsed_file_sets(wh) == FILE_TABLES_KEPT
    assert len(_ids(wh)) == FILE_TABLES_KEPT + 2


def test_snowflake_query_with_a_cte_and_alias(wh: Warehouse, tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, "snowflake")
    query = (
        'WITH recent AS (SELECT e.* FROM "PUBLIC".EVENTS AS e '
        "WHERE e.event_time > '2023-01-31 23:59:59.999') SELECT * FROM recent"
    )
    section = {"type": "snowflake", "source_type": "query", "query": query}
    assert _load(wh, mapping, section) == 2
    assert _ids(wh) == ["e4", "e5"]


def test_a_table_import_loads_every_row(wh: Warehouse, tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, "bigquery_v2")
    section = {"type": "bigquery_v2", "import_type": "table", "table": "events"}
    assert _load(wh, mapping, section) == len(EVENTS)


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        ("SELECT * FROM `a.b` WHERE (", ConfigError, r"in\.query: not valid bigquery SQL"),
        ("DELETE FROM `a.b` WHERE true", ConfigError, "expected one SELECT, got DELETE"),
        ("SELECT * FROM `a.b` JOIN `a.c` USING (x)", ConfigError, r"reads 2 tables \(a.b, a.c\)"),
        ("SELECT 1 AS x", ConfigError, r"reads 0 tables \(none\)"),
        ("", ConfigError, "query import needs a 'query'"),
        ("SELECT missing FROM `a.b`", WorkflowError, "missing"),
    ],
)
def test_bad_queries(
    wh: Warehouse, tmp_path: Path, query: str, error: type[Exception], message: str
) -> None:
    mapping = _mapping(tmp_path, "bigquery_v2")
    section = {"type": "bigquery_v2", "import_type": "query", "query": query}
    with pytest.raises(error, match=message):
        _load(wh, mapping, section)
    assert tables(wh, "client_src") == []  # nothing half-loaded is left
