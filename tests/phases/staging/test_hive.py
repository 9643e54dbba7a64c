"""The Hive rendering: its structure (spec §1.5 with §6.9 fixed), and the same outputs as Presto
when its SELECTs run through sqlglot's Hive reader on DuckDB (the project run by the local runtime)."""

from __future__ import annotations

from pathlib import Path

import yaml

from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import parse_sql
from ..tables import rows, run
from .conftest import STG, generate, make_table
from .test_rules import BOOLEANS, DATES, EMAILS, JSONS, PHONES_US, T0

MIXED = "case_id BIGINT, email VARCHAR, phone VARCHAR, seen VARCHAR, opted VARCHAR, attributes VARCHAR, time BIGINT"
RULES = {
    "mixed": {
        "columns": {"case_id": "keep", "email": "email", "phone": "phone", "seen": "date",
                    "opted": "boolean", "attributes": "json"},
        "dedup": {"keys": ["case_id"]},
    }
}  # fmt: skip


# DuckDB raises on Hive's unix_timestamp('31-02-2024', …) where Hive gives a value (TD) or NULL:
# tests/sql/cases/staging_needs.yml pins it; until it is fixed the Hive run skips that input.
HIVE_DATES = [d for d in DATES if d[0] != "31-02-2024"]


def _mixed(target: LocalTarget) -> None:
    n = max(len(EMAILS), len(PHONES_US), len(HIVE_DATES), len(BOOLEANS))

    def pick(values: list, i: int):
        return values[i][0] if i < len(values) else None

    data = [
        (i, pick(EMAILS, i), pick(PHONES_US, i), pick(HIVE_DATES, i), pick(BOOLEANS, i),
         JSONS[i % len(JSONS)], T0 + i)
        for i in range(n)
    ]  # fmt: skip
    make_table(target, "mixed_histunion", MIXED, data)


def _differences(left: list[dict], right: list[dict]) -> list[tuple]:
    """(row, column, left value, right value) of every cell that differs."""
    assert len(left) == len(right)
    return [
        (i, k, a[k], b.get(k))
        for i, (a, b) in enumerate(zip(left, right, strict=True))
        for k in a
        if a[k] != b.get(k)
    ]


def test_hive_project_structure(tmp_path: Path, target: LocalTarget) -> None:
    _mixed(target)
    project = generate(tmp_path, target, engine="hive", tables=["mixed_histunion"], rules=RULES)
    assert project.runs[0].workflow == "staging_hive"
    root = project.directory
    text = (root / "staging_hive.dig").read_text()
    assert (
        "!include : 'config/database.yml'" in text and "!include : 'config/src_params.yml'" in text
    )
    dig = yaml.safe_load("\n".join(line for line in text.splitlines() if "!include" not in line))
    assert dig["timezone"] == "UTC"  # the plugin's Hive DIG used America/Chicago (§6.9)
    tasks = dig["+waves"]["_do"]["+tables"]["_do"]
    assert tasks["+load"]["_do"]["+initial_load"]["engine"] == "hive"
    assert tasks["+read_window"].get("engine") is None  # bounds, upsert, watermark: Presto
    database = yaml.safe_load((root / "config/database.yml").read_text())
    assert database == {"src": "northwind_src", "stg": STG, "lkup": "northwind_config"}
    select = (root / "queries/northwind_src_mixed_histunion.sql").read_text()
    assert "`email`" in select and '"email"' not in select
    assert "RLIKE" in select and "sha2(" in select and "get_json_object(" in select
    assert "TRY(" not in select and "TRY_CAST" not in select and "from_iso8601" not in select
    assert select.index("cleaned_data AS") < select.index("final_data AS")
    assert "time > ${td.last_results.lo} AND time <= ${td.last_results.hi}" in select
    assert parse_sql(select, "hive")
    for upsert in (
        "queries/northwind_src_mixed_histunion_upsert.sql",
        "queries/northwind_src_mixed_histunion_bounds.sql",
    ):
        assert parse_sql((root / upsert).read_text())  # these run on Presto, as in §1.5


def test_hive_and_presto_renderings_give_the_same_rows(tmp_path: Path, target: LocalTarget) -> None:
    _mixed(target)
    hive = generate(
        tmp_path / "hive", target, engine="hive", tables=["mixed_histunion"], rules=RULES
    )
    run(target, hive)
    from_hive = rows(target, f"SELECT * EXCLUDE (load_timestamp) FROM {STG}.mixed ORDER BY case_id")
    target.query(f"DROP TABLE {STG}.mixed")
    target.query("DELETE FROM northwind_config.inc_log")
    presto = generate(tmp_path / "presto", target, tables=["mixed_histunion"], rules=RULES)
    run(target, presto)
    from_presto = rows(
        target, f"SELECT * EXCLUDE (load_timestamp) FROM {STG}.mixed ORDER BY case_id"
    )
    assert len(from_presto) == max(len(EMAILS), len(PHONES_US), len(HIVE_DATES), len(BOOLEANS))
    assert _differences(from_hive, from_presto) == []
    assert from_presto[1]["email_std"] == "john.doe@example.com"
    assert from_presto[0]["attributes_address_city"] == "Paris"
