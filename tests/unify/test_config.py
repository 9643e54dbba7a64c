from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from cdpo.errors import ConfigError
from cdpo.unify import load_unify_config

UNIFY_YML = """\
name: retail
keys:
  - name: email
    valid_regexp: ".*@.*"
    invalid_texts: ['', null]
  - name: td_client_id
  - name: customer_id
tables:
  - database: retail_stg
    table: web_events
    as: web
    incremental_columns: [time]
    key_columns:
      - {column: email, key: email}
      - {column: td_client_id, key: td_client_id}
  - database: retail_stg
    table: orders
    key_columns:
      - {column: customer_id, key: customer_id}
      - {column: email_address, key: email}
canonical_ids:
  - name: person_id
    merge_by_keys: [customer_id, email, td_client_id]
    merge_iterations: 15
    source_tables: [web, orders]
    do_not_merge_key: customer_id
persistent_ids:
  - name: stable_id
    merge_by_keys: [email, td_client_id]
master_tables:
  - name: customers
    canonical_id: person_id
    attributes:
      - name: email
        array_elements: 3
        source_columns:
          - {table: web, priority: 1}
          - {table: orders, column: email_address, priority: 2, order: first}
"""


def _base() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(UNIFY_YML)


def test_loads_every_td_field_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "unify.yml"
    path.write_text(UNIFY_YML)
    config = load_unify_config(path)
    assert config.schema_name == "cdp_unification_retail"
    assert [t.alias for t in config.tables] == ["web", "orders"]
    person = config.canonical_ids[0]
    assert (person.merge_iterations, person.incremental_merge_iterations) == (15, 2)
    assert person.do_not_merge_key == "customer_id"
    assert config.persistent_ids[0].merge_iterations == 3  # TD's default
    attribute = config.master_tables[0].attributes[0]
    assert [s.table for s in attribute.ranked_sources()] == ["web", "orders"]
    assert attribute.source_columns[1].order == "first"
    assert config.warnings == ["stable_id: keys not in merge_by_keys: customer_id"]


def _set(path: str, value: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is KeyError:
            del node[last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return edit


BAD = [
    ("tables.0.key_columns.0.key", "emial", "tables[0].key_columns[0].key", "Did you mean 'email'"),
    (
        "canonical_ids.0.merge_by_keys",
        ["customer_id", "phone"],
        "merge_by_keys",
        "unknown key 'phone'",
    ),
    ("canonical_ids.0.do_not_merge_key", "email", "canonical_ids[0]", "must be the first element"),
    ("canonical_ids.0.merge_iterations", 50, "merge_iterations", "less than 50"),
    (
        "canonical_ids.0.source_tables",
        ["web", "shop"],
        "source_tables",
        "unknown table alias 'shop'",
    ),
    ("canonical_ids.0.key_priorities", [1, 2, 3], "key_priorities", "unknown field"),
    ("canonical_ids.0.merge_by_canonical_ids", ["x"], "canonical_ids[0]", "not supported"),
    ("tables.0.filter", "time > 0", "tables[0].filter", "not part of TD's unify.yml"),
    ("tables.0.table", "web events", "tables[0].table", "not a SQL identifier"),
    ("tables.1.as", "web", "tables", "table alias (as) 'web' is defined twice"),
    ("keys.0.valid_regexp", "([a-z", "keys[0].valid_regexp", "invalid regular expression"),
    ("keys.0.valid_regexp", r"^(.)\1$", "keys[0].valid_regexp", "which RE2 (Presto, DuckDB) lacks"),
    ("master_tables.0.canonical_id", "persn_id", "canonical_id", "Did you mean 'person_id'"),
    ("master_tables.0.persistent_id", "stable_id", "master_tables[0]", "exactly one of"),
    (
        "master_tables.0.attributes.0.source_columns.1.priority",
        1,
        "attributes[0]",
        "priority 1 is used twice",
    ),
    (
        "master_tables.0.attributes.0.source_columns.0.table",
        "web_events",
        "source_columns[0].table",
        "unknown table alias",
    ),
    (
        "master_tables.0.attributes.0.array_elements",
        11,
        "array_elements",
        "less than or equal to 10",
    ),
    (
        "persistent_ids.0.do_not_merge_key",
        "email",
        "persistent_ids",
        "do not support do_not_merge_key",
    ),
    ("canonical_ids", [], "canonical_ids", None),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "message"), BAD, ids=[b[0] + "=" + repr(b[1])[:12] for b in BAD]
)
def test_bad_inputs_name_the_field(path: str, value: Any, field: str, message: str | None) -> None:
    data = copy.deepcopy(_base())
    _set(path, value)(data)
    if path == "canonical_ids":
        data["persistent_ids"] = []
        data["master_tables"] = []
        message = "define at least one of canonical_ids or persistent_ids"
    with pytest.raises(ConfigError) as info:
        load_unify_config(data)
    assert field in (info.value.field or "")
    assert message in str(info.value)


def test_limits_of_td_are_enforced() -> None:
    data = _base()
    data["tables"][0]["key_columns"] = [{"column": f"c{i}", "key": "email"} for i in range(33)]
    with pytest.raises(ConfigError, match="at most 32"):
        load_unify_config(data)
    data = _base()
    data["tables"] = [
        {"database": "d", "table": f"t{i}", "key_columns": [{"column": "c", "key": "email"}]}
        for i in range(33)
    ] + data["tables"]
    with pytest.raises(ConfigError, match="used 35 times; TD allows 32"):
        load_unify_config(data)


def test_a_key_no_table_uses_is_an_error() -> None:
    data = _base()
    data["keys"].append({"name": "loyalty_id"})
    with pytest.raises(
        ConfigError, match="'loyalty_id' is defined but no table's key_columns uses it"
    ):
        load_unify_config(data)


def test_yaml_errors_give_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "unify.yml"
    path.write_text("name: x\nkeys: [\n  - name: email\n")
    with pytest.raises(ConfigError) as info:
        load_unify_config(path)
    assert info.value.file == str(path) and info.value.line is not None
    with pytest.raises(ConfigError, match="cannot read"):
        load_unify_config(tmp_path / "missing.yml")
    path.write_text("- just a list\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_unify_config(path)
