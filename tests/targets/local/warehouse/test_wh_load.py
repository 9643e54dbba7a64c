"""td_load> locally: file loads (CSV, JSON lines, Parquet), replayed connectors, time, modes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdpo.errors import ConfigError, NotFoundError, WorkflowError
from cdpo.targets.local.warehouse import (
    Warehouse,
    columns,
    load_replay_mapping,
    run_td_load,
    tables,
)

UPLOAD = 1_700_000_000
ADD_UPLOAD_TIME = [
    {"type": "add_time", "to_column": {"name": "time"}, "from_value": {"mode": "upload_time"}}
]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _rows(wh: Warehouse, table: str, order: str = "id") -> list[dict[str, Any]]:
    return wh.query(f"SELECT * FROM {table} ORDER BY {order}", "client_src").records()


def _file_config(prefix: str, parser: dict[str, Any] | None = None, **out: Any) -> dict[str, Any]:
    section: dict[str, Any] = {"type": "file", "path_prefix": prefix}
    if parser is not None:
        section["parser"] = parser
    return {"in": section, "out": out}


def test_csv_with_declared_columns_and_time_from_a_column(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "data" / "pins_1.csv", "id;name;created\n1;a;2024-01-01 00:00:10\n")
    _write(tmp_path / "data" / "pins_2.csv", 'id;name;created\n2;"b;c";2024-01-02 00:00:00\n')
    _write(tmp_path / "data" / "other.csv", "id\n99\n")
    config = _file_config(
        "data/pins_",
        {
            "type": "csv",
            "delimiter": ";",
            "skip_header_lines": 1,
            "columns": [
                {"name": "id", "type": "long"},
                {"name": "name", "type": "string"},
                {"name": "created", "type": "timestamp", "format": "%Y-%m-%d %H:%M:%S"},
            ],
        },
        mode="append",
    )
    config["filters"] = [{"type": "add_time", "from_column": {"name": "created"}}]
    result = run_td_load(wh, config, database="client_src", table="pins", base_dir=tmp_path)
    assert (result.num_records, len(result.files), result.mode) == (2, 2, "append")
    assert _rows(wh, "pins") == [
        {"id": 1, "name": "a", "created": "2024-01-01 00:00:10", "time": 1704067210},
        {"id": 2, "name": "b;c", "created": "2024-01-02 00:00:00", "time": 1704153600},
    ]


def _load_jsonl(wh: Warehouse, tmp_path: Path, table: str, text: str) -> list[dict[str, Any]]:
    """Load ``text`` as the JSON-lines file ``<table>.jsonl`` into ``table``; its rows."""
    _write(tmp_path / f"{table}.jsonl", text)
    config = _file_config(str(tmp_path / table), {"type": "json"})
    config["filters"] = ADD_UPLOAD_TIME
    run_td_load(wh, config, database="client_src", table=table, upload_time=UPLOAD)
    return _rows(wh, table)


def test_jsonl_keeps_strings_and_nests_objects(wh: Warehouse, tmp_path: Path) -> None:
    rows = _load_jsonl(
        wh,
        tmp_path,
        "events",
        '{"id": 1, "at": "2024-01-01T10:00:00Z", "props": {"k": 1}, "tags": ["a"]}\n'
        '{"id": 2, "at": "2024-01-02T10:00:00Z", "props": {"k": 2}, "tags": []}\n',
    )
    assert rows[0] == {
        "id": 1,
        "at": "2024-01-01T10:00:00Z",
        "props": '{"k":1}',
        "tags": ["a"],
        "time": UPLOAD,
    }
    types = {c.name: c.type for c in columns(wh, "client_src", "events")}
    assert types == {
        "id": "bigint",
        "at": "varchar",
        "props": "varchar",
        "tags": "array(varchar)",
        "time": "bigint",
    }


def test_jsonl_types_found_once_read_nested_names_and_mixed_values_alike(
    wh: Warehouse, tmp_path: Path
) -> None:
    # The table is read with the column types its first look at the file found: nested keys that
    # need quoting and a column of mixed JSON values must come through as they do in one read.
    rows = _load_jsonl(
        wh,
        tmp_path,
        "odd",
        '{"id": 1, "v": 1, "props": {"a b": 1, "q\\"x": [1, 2]}, "items": [{"k": "x"}]}\n'
        '{"id": 2, "v": "two", "props": {"a b": 2, "q\\"x": []}, "items": []}\n',
    )
    assert rows == [
        {
            "id": 1,
            "v": "1",
            "props": '{"a b":1,"q\\"x":[1,2]}',
            "items": [{"k": "x"}],
            "time": UPLOAD,
        },
        {"id": 2, "v": '"two"', "props": '{"a b":2,"q\\"x":[]}', "items": [], "time": UPLOAD},
    ]


def test_parquet_by_extension_and_existing_time_column(wh: Warehouse, tmp_path: Path) -> None:
    parquet = tmp_path / "orders.parquet"
    wh.con.execute(
        f"COPY (SELECT 1 AS id, 12.5 AS amount, 1600000000 AS time) TO '{parquet}' (FORMAT parquet)"
    )
    result = run_td_load(
        wh, _file_config(str(parquet)), database="client_src", table="orders", upload_time=UPLOAD
    )
    assert result.num_records == 1
    assert _rows(wh, "orders") == [{"id": 1, "amount": 12.5, "time": 1600000000}]


def test_append_adds_new_columns_and_replace_swaps(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "a" / "x.csv", "id,name\n1,a\n")
    _write(tmp_path / "b" / "x.csv", "id,email\n2,b@x\n")
    run_td_load(wh, _file_config(str(tmp_path / "a/")), database="client_src", table="people")
    run_td_load(wh, _file_config(str(tmp_path / "b/")), database="client_src", table="people")
    assert [(r["id"], r["name"], r["email"]) for r in _rows(wh, "people")] == [
        (1, "a", None),
        (2, None, "b@x"),
    ]
    config = _file_config(str(tmp_path / "b/"), mode="replace")
    assert run_td_load(wh, config, database="client_src", table="people").num_records == 1
    assert [r["id"] for r in _rows(wh, "people")] == [2]


def test_mode_option_overrides_out_mode(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "x.csv", "id\n1\n")
    for _ in range(2):
        run_td_load(
            wh,
            _file_config(str(tmp_path / "x.csv"), mode="append"),
            database="client_src",
            table="twice",
            mode="replace",
        )
    assert len(_rows(wh, "twice")) == 1


def test_file_input_last_path_skips_loaded_files(wh: Warehouse, tmp_path: Path) -> None:
    for day in (1, 2, 3):
        _write(tmp_path / "logs" / f"day_{day}.csv", f"id\n{day}\n")
    config = _file_config(str(tmp_path / "logs" / "day_"))
    config["in"].update(incremental=True, last_path=str(tmp_path / "logs" / "day_2.csv"))
    result = run_td_load(wh, config, database="client_src", table="daily")
    assert [p.name for p in result.files] == ["day_3.csv"]
    assert [r["id"] for r in _rows(wh, "daily")] == [3]
    config["in"]["last_path"] = str(tmp_path / "logs" / "day_3.csv")
    assert run_td_load(wh, config, database="client_src", table="daily").num_records == 0


@pytest.fixture
def replay_file(tmp_path: Path) -> Path:
    _write(
        tmp_path / "replay" / "shopify" / "products_1.jsonl",
        '{"id": 1, "updated_at": "2024-01-01T10:00:00Z"}\n'
        '{"id": 2, "updated_at": "2024-01-02T10:00:00Z"}\n',
    )
    _write(
        tmp_path / "replay" / "shopify" / "products_2.jsonl",
        '{"id": 3, "updated_at": "2024-01-03T10:00:00Z", "vendor": "acme"}\n',
    )
    return _write(
        tmp_path / "replay.yml",
        "version: 1\n"
        "tables:\n"
        "  '*.shopify_products':\n"
        "    connector: shopify_v2\n"
        "    files: [replay/shopify/products_*.jsonl]\n"
        "    incremental_field: updated_at\n",
    )


def _shopify(**bounds: str) -> dict[str, Any]:
    return {
        "in": {"type": "shopify_v2", "target": "products", "incremental": True, **bounds},
        "filters": ADD_UPLOAD_TIME,
        "out": {"mode": "append"},
    }


def test_incremental_replay_loads_only_new_rows(wh: Warehouse, replay_file: Path) -> None:
    replay = load_replay_mapping(replay_file)

    def load(config: dict[str, Any]) -> Any:
        return run_td_load(
            wh, config, database="client_src", table="shopify_products", replay=replay
        )

    # Klaviyo/Shopify-style bounds in another format than the data: compared as instants.
    first = load(
        _shopify(from_date="2023-12-31T00:00:00.000Z", to_date="2024-01-02T10:00:00.000000")
    )
    assert (first.num_records, first.last_record) == (2, "2024-01-02T10:00:00Z")
    # No start value: the last loaded value is remembered, so rows at or before it stay out.
    second = load(_shopify())
    assert (second.num_records, second.last_record) == (1, "2024-01-03T10:00:00Z")
    assert load(_shopify()).num_records == 0
    # An explicit start value wins over the remembered one.
    assert load(_shopify(start_time="2024-01-02 10:00:00")).num_records == 1
    assert [r["id"] for r in _rows(wh, "shopify_products")] == [1, 2, 3, 3]
    assert wh.databases() == ["client_src"]  # the load state's schema is not a TD database


def test_replay_entry_by_exact_name_with_csv_parser_of_the_config(
    wh: Warehouse, tmp_path: Path
) -> None:
    _write(tmp_path / "r" / "campaigns.txt", "1|spring\n2|summer\n")
    mapping = _write(
        tmp_path / "replay.yml",
        "tables:\n  client_src.pinterest_campaigns:\n    files: [r/campaigns.txt]\n",
    )
    config = {
        "in": {
            "type": "sftp_v2",
            "path_prefix": "/remote/campaigns",
            "parser": {
                "type": "csv",
                "delimiter": "|",
                "skip_header_lines": 0,
                "columns": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}],
            },
        },
        "out": {"mode": "append"},
    }
    result = run_td_load(
        wh,
        config,
        database="client_src",
        table="pinterest_campaigns",
        replay=load_replay_mapping(mapping),
        upload_time=UPLOAD,
    )
    assert result.num_records == 2
    assert _rows(wh, "pinterest_campaigns")[1] == {"id": 2, "name": "summer", "time": UPLOAD}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"out": {}}, "needs an 'in:' section"),
        ({"in": {"path_prefix": "x"}}, "in.type: missing the connector type"),
        ({"in": {"type": "file"}}, "needs 'path_prefix'"),
        ({"in": {"type": "file", "path_prefix": "nope/x"}}, "file not found: no directory"),
        ({"in": {"type": "file", "path_prefix": "data/zzz"}}, "file not found: no file starts"),
        (
            {"in": {"type": "file", "path_prefix": "data/a", "parser": {"type": "xml"}}},
            "unknown format 'xml'",
        ),
        (
            {"in": {"type": "file", "path_prefix": "data/a"}, "out": {"mode": "upsert"}},
            "unknown mode 'upsert'",
        ),
        (
            {"in": {"type": "file", "path_prefix": "data/a"}, "filters": [{"type": "rename"}]},
            "filter type 'rename' is not supported",
        ),
        ({"in": {"type": "klaviyo"}}, "cannot run locally without a replay mapping"),
    ],
)
def test_bad_load_configs(
    wh: Warehouse, tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    _write(tmp_path / "data" / "a.csv", "id\n1\n")
    with pytest.raises(ConfigError, match=message):
        run_td_load(wh, config, database="client_src", table="target", base_dir=tmp_path)
    assert wh.query("SHOW TABLES", "client_src").rows == ()


def test_bad_column_name_in_a_file(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "bad.csv", 'id,"first name"\n1,a\n')
    with pytest.raises(ConfigError, match="column 'first name' is not a valid identifier"):
        run_td_load(wh, _file_config(str(tmp_path / "bad")), database="client_src", table="bad_t")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("broken.jsonl", '{"id": 1}\n{not json\n', "Malformed JSON"),
        ("broken.csv", 'a\n"x\n', "CSV"),
    ],
)
def test_a_file_that_cannot_be_parsed_is_a_workflow_error(
    wh: Warehouse, tmp_path: Path, name: str, text: str, message: str
) -> None:
    _write(tmp_path / name, text)
    with pytest.raises(WorkflowError, match=message):
        run_td_load(wh, _file_config(str(tmp_path / name)), database="client_src", table="broken")
    assert all("broken" not in str(key) for key in wh.file_tables)  # nothing cached


def test_unparseable_time_column_names_the_value(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "t.csv", "id,created\n1,yesterday\n")
    config = _file_config(str(tmp_path / "t.csv"))
    config["filters"] = [{"type": "add_time", "from_column": {"name": "created"}}]
    with pytest.raises(WorkflowError, match="value 'yesterday' is not a unix time"):
        run_td_load(wh, config, database="client_src", table="timed")


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_a_load_with_a_bad_time_value_leaves_the_table_as_it_was(
    wh: Warehouse, tmp_path: Path, mode: str
) -> None:
    add_time = [{"type": "add_time", "from_column": {"name": "created"}}]
    _write(tmp_path / "a" / "t.csv", "id,created\n1,2024-01-01\n")
    config = {**_file_config(str(tmp_path / "a/")), "filters": add_time}
    run_td_load(wh, config, database="client_src", table="timed")
    _write(tmp_path / "b" / "t.csv", "id,created,extra\n2,2024-01-02,x\n3,yesterday,y\n")
    config = {**_file_config(str(tmp_path / "b/"), mode=mode), "filters": add_time}
    with pytest.raises(WorkflowError, match="value 'yesterday' is not a unix time"):
        run_td_load(wh, config, database="client_src", table="timed")
    assert _rows(wh, "timed") == [{"id": 1, "created": "2024-01-01", "time": 1704067200}]
    assert [t.name for t in tables(wh, "client_src")] == ["timed"]


def test_missing_database(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "t.csv", "id\n1\n")
    with pytest.raises(NotFoundError, match="'other_db' does not exist"):
        run_td_load(wh, _file_config(str(tmp_path / "t.csv")), database="other_db", table="ttt")


def test_replay_errors_name_the_mapping_file(wh: Warehouse, replay_file: Path) -> None:
    replay = load_replay_mapping(replay_file)
    wrong = {"in": {"type": "klaviyo"}}
    with pytest.raises(ConfigError, match=r"replays connector 'shopify_v2'.*'klaviyo'"):
        run_td_load(wh, wrong, database="client_src", table="shopify_products", replay=replay)
    with pytest.raises(ConfigError, match=r"replay.yml.*no replay entry for client_src.other"):
        run_td_load(wh, wrong, database="client_src", table="other", replay=replay)


def test_incremental_connector_load_needs_a_field(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "lists.csv", "id\n1\n")
    mapping = _write(
        tmp_path / "replay.yml", "tables:\n  '*.klaviyo_lists': {files: [lists.csv]}\n"
    )
    config = {"in": {"type": "klaviyo", "incremental": True, "start_time": "2024-01-01"}}
    with pytest.raises(ConfigError, match="has no incremental field"):
        run_td_load(
            wh,
            config,
            database="client_src",
            table="klaviyo_lists",
            replay=load_replay_mapping(mapping),
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tables: [", "not valid YAML"),
        ("- a\n", "expected a mapping"),
        ("tables:\n  nodot: {files: [a]}\n", "must be 'database.table'"),
        ("tables:\n  db1.tbl: {files: []}\n", "tables.db1.tbl.files"),
        ("tables:\n  db1.tbl: {files: [a], colour: red}\n", "colour"),
        ("tables:\n  client_src.tbl: {files: [missing.csv]}\n", "matches no file"),
        ("version: 2\n", "unsupported version 2"),
    ],
)
def test_bad_replay_mappings(wh: Warehouse, tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "replay.yml", text)
    with pytest.raises(ConfigError, match=message):
        mapping = load_replay_mapping(path)
        run_td_load(wh, {"in": {"type": "x"}}, database="client_src", table="tbl", replay=mapping)


def test_missing_replay_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="replay mapping file not found"):
        load_replay_mapping(tmp_path / "absent.yml")


def test_a_changed_replay_mapping_is_read_again(tmp_path: Path) -> None:
    mapping = _write(tmp_path / "replay.yml", "tables:\n  '*.aaa':\n    files: [a.csv]\n")
    assert set(load_replay_mapping(mapping).tables) == {"*.aaa"}
    assert load_replay_mapping(mapping) is load_replay_mapping(mapping)  # parsed once
    _write(mapping, "tables:\n  '*.bbb':\n    files: [b.csv]\n  '*.ccc':\n    files: [c.csv]\n")
    assert set(load_replay_mapping(mapping).tables) == {"*.bbb", "*.ccc"}


_TIMED_ROW = '{"id": 1, "ms": 1704067210000, "at": "2024-01-01T00:00:10Z"}\n'


@pytest.mark.parametrize(
    ("add_time", "expected"),
    [
        (
            {"from_column": {"name": "ms", "unix_timestamp_unit": "milli"}},
            {"id": 1, "ms": 1704067210000, "at": "2024-01-01T00:00:10Z", "time": 1704067210},
        ),
        (
            {"from_column": {"name": "at"}},
            {"id": 1, "ms": 1704067210000, "at": "2024-01-01T00:00:10Z", "time": 1704067210},
        ),
        (
            {"from_value": {"value": 1600000000}},
            {"id": 1, "ms": 1704067210000, "at": "2024-01-01T00:00:10Z", "time": 1600000000},
        ),
        (
            {"from_value": {"value": "2024-01-01 00:00:10"}},
            {"id": 1, "ms": 1704067210000, "at": "2024-01-01T00:00:10Z", "time": 1704067210},
        ),
        (  # another column: time is the upload time, after it
            {"to_column": {"name": "event_time"}, "from_column": {"name": "at"}},
            {
                "id": 1,
                "ms": 1704067210000,
                "at": "2024-01-01T00:00:10Z",
                "event_time": 1704067210,
                "time": UPLOAD,
            },
        ),
        (  # a data column replaced in place moves last
            {"to_column": {"name": "at"}, "from_column": {"name": "at"}},
            {"id": 1, "ms": 1704067210000, "at": 1704067210, "time": UPLOAD},
        ),
    ],
)
def test_add_time_columns_in_order_as_bigint(
    wh: Warehouse, tmp_path: Path, add_time: dict[str, Any], expected: dict[str, Any]
) -> None:
    _write(tmp_path / "t.jsonl", _TIMED_ROW)
    config = _file_config(str(tmp_path / "t.jsonl"))
    config["filters"] = [{"type": "add_time", **add_time}]
    run_td_load(wh, config, database="client_src", table="timed", upload_time=UPLOAD)
    (row,) = _rows(wh, "timed")
    assert list(row.items()) == list(expected.items())
    types = {c.name: c.type for c in columns(wh, "client_src", "timed")}
    assert all(
        types[name] == "bigint" for name in ("time", *add_time.get("to_column", {}).values())
    )


def test_a_time_column_of_the_data_is_parsed_and_moves_last(wh: Warehouse, tmp_path: Path) -> None:
    _write(tmp_path / "t.jsonl", '{"time": "2024-01-01T00:00:10Z", "id": 1}\n')
    run_td_load(wh, _file_config(str(tmp_path / "t.jsonl")), database="client_src", table="tt1")
    assert list(_rows(wh, "tt1")[0].items()) == [("id", 1), ("time", 1704067210)]


def _events(tmp_path: Path, start: str | None, filters: list[dict[str, Any]]) -> dict[str, Any]:
    _write(
        tmp_path / "ev.jsonl",
        '{"id": 1, "at": "2024-01-01T00:00:00Z", "created": "yesterday"}\n'
        '{"id": 2, "at": "2024-01-02T00:00:00Z", "created": "2024-01-02 00:00:05"}\n'
        '{"id": 3, "at": "2024-01-03T00:00:00Z", "created": "2024-01-03 00:00:05"}\n',
    )
    config = _file_config(str(tmp_path / "ev.jsonl"))
    config["in"].update(incremental=True, incremental_field="at")
    if start is not None:
        config["in"]["start_time"] = start
    config["filters"] = filters
    return config


def test_only_rows_of_the_window_need_a_readable_time(wh: Warehouse, tmp_path: Path) -> None:
    filters = [{"type": "add_time", "from_column": {"name": "created"}}]
    with pytest.raises(WorkflowError, match="value 'yesterday' is not a unix time"):
        run_td_load(wh, _events(tmp_path, None, filters), database="client_src", table="ev1")
    assert not wh.query("SHOW TABLES", "client_src").rows  # the failed load left nothing
    config = _events(tmp_path, "2024-01-01T12:00:00Z", filters)
    result = run_td_load(wh, config, database="client_src", table="ev1")
    assert (result.num_records, result.last_record) == (2, "2024-01-03T00:00:00Z")
    assert [(r["id"], r["time"]) for r in _rows(wh, "ev1")] == [(2, 1704153605), (3, 1704240005)]


def test_last_record_is_the_data_value_when_the_time_column_replaces_the_field(
    wh: Warehouse, tmp_path: Path
) -> None:
    filters = [{"type": "add_time", "to_column": {"name": "at"}, "from_column": {"name": "at"}}]
    config = _events(tmp_path, "2024-01-01T12:00:00Z", filters)
    result = run_td_load(wh, config, database="client_src", table="ev2", upload_time=UPLOAD)
    assert (result.num_records, result.last_record) == (2, "2024-01-03T00:00:00Z")
    assert [r["at"] for r in _rows(wh, "ev2")] == [1704153600, 1704240000]
    # Remembered for the next load without a start value: nothing after the last record.
    again = run_td_load(wh, _events(tmp_path, None, filters), database="client_src", table="ev2")
    assert (again.num_records, again.last_record) == (0, "2024-01-03T00:00:00Z")


@pytest.mark.parametrize(
    ("field", "bounds", "message"),
    [
        (
            "id",
            {"start_time": "abc"},
            "bound 'abc' cannot be compared with 'id': expected a number",
        ),
        ("id", {"start_time": "2024-01-01"}, "'2024-01-01' cannot .* expected a number"),
        ("at", {"start_time": "2024-01-01", "end_time": "soon"}, "'soon' cannot .* a timestamp"),
    ],
)
def test_a_bound_that_cannot_be_compared_is_refused_every_time(
    wh: Warehouse, tmp_path: Path, field: str, bounds: dict[str, str], message: str
) -> None:
    config = _events(tmp_path, None, ADD_UPLOAD_TIME)
    config["in"].update(incremental_field=field, **bounds)
    for _ in range(2):  # the second time, DuckDB's reading of the bounds is remembered
        with pytest.raises(ConfigError, match=message):
            run_td_load(wh, config, database="client_src", table="bounded")
    good = ("1", "9") if field == "id" else ("2024-01-01T12:00:00Z", "2025-01-01")
    config["in"].update(start_time=good[0], end_time=good[1])
    assert run_td_load(wh, config, database="client_src", table="bounded").num_records == 2


def _window_load(wh: Warehouse, path: Path, field: str, start: str, end: str) -> Any:
    config = _file_config(str(path))
    config["in"].update(incremental=True, incremental_field=field, start_time=start, end_time=end)
    return run_td_load(wh, config, database="client_src", table="windowed", upload_time=UPLOAD)


def test_windows_over_one_file_keep_its_order_and_see_it_change(
    wh: Warehouse, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "w.jsonl",
        '{"id": 3, "at": "2024-01-03T00:00:00Z"}\n'
        '{"id": 1, "at": "2024-01-01T00:00:00Z"}\n'
        '{"id": 4, "at": "2024-02-01T00:00:00Z"}\n'
        '{"id": 2, "at": "2024-01-02T00:00:00Z"}\n',
    )
    january = ("2023-12-31T23:59:59Z", "2024-01-31T23:59:59Z")
    before = set(wh.file_tables)  # the tests share one open warehouse
    assert _window_load(wh, path, "at", *january).num_records == 3
    assert _window_load(wh, path, "id", "3", "4").num_records == 1  # another key, same file
    keyed = [key for key in set(wh.file_tables) - before if key[0] == "keyed"]
    assert len(keyed) == 2  # each key read once from the parsed file, then compared per batch
    ids = wh.query("SELECT id FROM windowed", "client_src").rows  # insertion order
    assert [r[0] for r in ids] == [3, 1, 2, 4]
    with path.open("a", encoding="utf-8") as more:
        more.write('{"id": 5, "at": "2024-01-04T00:00:00Z"}\n')
    again = _window_load(wh, path, "at", *january)
    assert (again.num_records, again.last_record) == (4, "2024-01-04T00:00:00Z")


@pytest.mark.parametrize("column", ["__cdpo_key", "__CDPO_KEY"])
def test_a_data_column_named_like_the_key_column(
    wh: Warehouse, tmp_path: Path, column: str
) -> None:
    path = _write(tmp_path / "k.jsonl", f'{{"{column}": "x", "at": "2024-01-01T00:00:00Z"}}\n')
    assert _window_load(wh, path, "at", "2023-01-01", "2025-01-01").num_records == 1
    assert _rows(wh, "windowed", order="at")[0][column] == "x"
