"""Bad pipeline.yml input is a clear error, naming the file, line and field, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.errors import ConfigError

from .helpers import write_pipeline

_OK = {"name": "shop", "connector": "file", "start_date": "2024-01-01", "incremental_start": "2024-03-01",
       "objects": [{"name": "orders", "path": "orders.csv"}], "incremental_field": "updated_at"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"connector": "shopifyy"}, "unknown connector type 'shopifyy'"),
        ({"incremental_field": None}, "needs an incremental_field"),
        ({"name": "shop-eu"}, "not a valid TD name"),
        (
            {"objects": [{"name": "orders", "path": "orders.csv", "table": "Orders"}]},
            "not a valid TD name",
        ),
        (
            {
                "objects": [
                    {"name": "orders", "path": "orders.csv", "incremental_field": "updated at"}
                ]
            },
            "not a valid column name",
        ),
        ({"mode": "weekly"}, "mode"),
    ],
)
def test_bad_source_is_a_config_error_with_its_location(
    tmp_path: Path, change: dict, expected: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        write_pipeline(tmp_path, ingestion={"sources": [{**_OK, **change}]})
    assert expected in raised.value.message
    assert "pipeline.yml" in raised.value.message


def test_history_needs_a_start_before_the_split(tmp_path: Path) -> None:
    from cdpo.phases.ingestion import IngestionPhase

    source = {**_OK, "start_date": "2999-01-01", "incremental_start": None}
    pipeline = write_pipeline(tmp_path, ingestion={"sources": [source]})
    with pytest.raises(
        ConfigError, match="start_date 2999-01-01 is not before the incremental start"
    ):
        IngestionPhase().plan(pipeline)
