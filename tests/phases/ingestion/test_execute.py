"""Ingestion on the local target, with small files of the demo's shape (Shopify-like JSON lines
with separate history and increment extracts, a CRM-like CSV): every object loads, the log is
right, a second incremental run loads only new rows, a historical rerun skips done months."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cdpo.phases.base import CheckStatus, PhaseContext
from cdpo.phases.ingestion import IngestionPhase
from cdpo.targets.base import AttemptStatus
from cdpo.targets.local import LocalTarget

from .helpers import write_pipeline

SRC = "northwind_src"
MARCH_END = datetime(2024, 3, 31, tzinfo=UTC)


def _order(i: int, created: str, updated: str) -> dict:
    return {"id": 6100000000000 + i, "email": f"c{i}@example.com", "created_at": created, "updated_at": updated,
            "total_price": f"{i * 10}.50", "line_items": [{"sku": f"S{i}", "quantity": 1}]}  # fmt: skip


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


HISTORY = [
    _order(1, "2024-01-03T10:00:00-05:00", "2024-01-03T10:00:00-05:00"),
    _order(2, "2024-01-31T23:30:00-00:00", "2024-01-31T23:30:00-00:00"),
    _order(3, "2024-02-29T12:00:00-00:00", "2024-02-29T12:00:00-00:00"),
]
INCREMENTS = [
    _order(4, "2024-03-01T00:00:00-00:00", "2024-03-01T00:00:00-00:00"),
    _order(5, "2024-02-10T08:00:00-00:00", "2024-03-15T09:00:00-00:00"),
]
CRM = "customer_no,full_name,last_updated\nC1,Ann Lee,2024-03-02 10:00:00\nC2,Bo Chan,2024-03-20 11:30:00\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    """One project, run once (history, then increments) for the whole module; tests that run
    more assert on what changed, so their order does not matter."""
    root = tmp_path_factory.mktemp("ingestion")
    _write_jsonl(root / "data/orders_hist.jsonl", HISTORY)
    _write_jsonl(root / "data/orders_inc.jsonl", INCREMENTS)
    (root / "data/crm_customers.csv").write_text(CRM)
    sources = [
        {"name": "shop", "connector": "file", "start_date": "2024-01-01", "incremental_start": "2024-03-01",
         "incremental_field": "updated_at",
         "objects": [{"name": "orders", "path": "data/orders_inc.jsonl", "history_path": "data/orders_hist.jsonl",
                      "history_field": "created_at"}]},
        {"name": "crm", "connector": "file", "mode": "incremental", "start_date": "2024-03-01",
         "incremental_field": "last_updated", "objects": [{"name": "customers", "path": "data/crm_customers.csv"}]},
    ]  # fmt: skip
    pipeline = write_pipeline(root, ingestion={"sources": sources})
    target = LocalTarget(root)
    target.create_database(SRC)
    context = PhaseContext(pipeline, target, root)
    generated = IngestionPhase().generate(context)
    assert (
        IngestionPhase().validate(context, generated)[0].status is CheckStatus.FAIL
    )  # nothing ran yet
    target.push(generated.directory, generated.project)
    for run in generated.runs:
        _run(target, run.workflow)
    yield target, context, generated, root
    target.close()


def _run(target: LocalTarget, workflow: str, when: datetime = MARCH_END) -> None:
    attempt = target.run("ingestion", workflow, session_time=when)
    errors = [(t.full_name, t.error) for t in attempt.failed_tasks]
    assert attempt.status is AttemptStatus.SUCCESS, errors


def _ids(target: LocalTarget, table: str) -> list[int]:
    return [
        r[0] - 6100000000000 for r in target.query(f"SELECT id FROM {SRC}.{table} ORDER BY id").rows
    ]


def _log(target: LocalTarget, where: str) -> list[tuple]:
    sql = f"SELECT source_name, table_name, status, records_processed FROM {SRC}.ingestion_log WHERE {where} ORDER BY time, status"
    return list(target.query(sql).rows)


def test_every_object_loads_and_the_log_is_right(project) -> None:
    target, context, generated, _ = project
    assert _ids(target, "shop_orders_hist") == [1, 2, 3]
    assert _ids(target, "shop_orders") == [4, 5]
    assert target.query(f"SELECT count(*) FROM {SRC}.crm_customers").scalar() == 2
    batches = _log(
        target, "table_name = 'shop_orders_hist' AND source_name LIKE 'shop\\_2024%' ESCAPE '\\'"
    )
    assert sorted((b[0], b[2], b[3]) for b in batches if b[2] == "SUCCESS") == [
        ("shop_2024-01", "SUCCESS", 2),
        ("shop_2024-02", "SUCCESS", 1),
    ]
    success = _log(target, "table_name = 'shop_orders' AND status = 'SUCCESS'")
    assert success[0] == ("shop", "shop_orders", "SUCCESS", 2)
    results = IngestionPhase().validate(context, generated)
    assert {r.status for r in results} == {CheckStatus.PASS}, [r.detail for r in results]
    assert {r.table for r in results if r.name == "log_success"} == {
        "shop_orders_hist",
        "shop_orders",
        "crm_customers",
    }


def test_a_second_incremental_run_loads_only_new_rows(project) -> None:
    target, _, _, root = project
    new = _order(6, "2024-04-01T09:00:00-00:00", "2024-04-02T09:00:00-00:00")
    _write_jsonl(root / "data/orders_inc.jsonl", [*INCREMENTS, new])
    _run(target, "shop_ingest_inc", datetime(2024, 4, 5, tzinfo=UTC))
    assert _ids(target, "shop_orders") == [4, 5, 6]
    success = _log(target, "table_name = 'shop_orders' AND status = 'SUCCESS'")
    assert success[-1][3] == 1


def test_a_historical_rerun_skips_done_months(project) -> None:
    target = project[0]
    started = len(_log(target, "status = 'STARTED'"))
    _run(target, "shop_ingest_hist")
    assert _ids(target, "shop_orders_hist") == [1, 2, 3]
    new_started = _log(target, "status = 'STARTED'")[started:]
    assert [row[0] for row in new_started] == [
        "shop"
    ]  # the table's start row only: no month re-ran


def test_a_month_whose_success_was_not_logged_reloads_without_duplicates(project) -> None:
    target = project[0]
    # as if the run died after loading January but before logging it
    target.query(
        f"DELETE FROM {SRC}.ingestion_log WHERE source_name = 'shop_2024-01' AND status = 'SUCCESS'"
    )
    _run(target, "shop_ingest_hist")
    assert _ids(target, "shop_orders_hist") == [1, 2, 3]
    january = _log(target, "source_name = 'shop_2024-01' AND status = 'SUCCESS'")
    assert [row[3] for row in january] == [2]


def test_validation_fails_for_tables_not_loaded(tmp_path: Path) -> None:
    source = {"name": "shop", "connector": "file", "start_date": "2024-01-01", "incremental_start": "2024-03-01",
              "incremental_field": "updated_at", "objects": [{"name": "orders", "path": "o.jsonl"}]}  # fmt: skip
    pipeline = write_pipeline(tmp_path, ingestion={"sources": [source]})
    with LocalTarget(tmp_path) as target:
        target.create_database(SRC)
        context = PhaseContext(pipeline, target, tmp_path)
        generated = IngestionPhase().generate(context)
        results = IngestionPhase().validate(context, generated)
    assert {(r.name, r.status) for r in results} == {
        ("table_exists", CheckStatus.FAIL), ("log_success", CheckStatus.FAIL),
    }  # fmt: skip
    assert len(results) == 4
    assert any("ingestion_log does not exist" in r.detail for r in results)


def test_a_saas_connector_replayed_locally_keeps_its_watermark(tmp_path: Path) -> None:
    """Shopify through the local target's replay mapping: monthly history, then increments whose
    second run starts at MAX(updated_at) formatted as Shopify wants it, and loads nothing new."""
    _write_jsonl(tmp_path / "data/orders_hist.jsonl", HISTORY)
    _write_jsonl(tmp_path / "data/orders_inc.jsonl", INCREMENTS)
    replay = {"version": 1, "tables": {
        f"{SRC}.shopify_orders": {"files": ["data/orders_inc.jsonl"], "incremental_field": "updated_at"},
        f"{SRC}.shopify_orders_hist": {"files": ["data/orders_hist.jsonl"], "incremental_field": "created_at"},
    }}  # fmt: skip
    (tmp_path / "replay.yml").write_text(json.dumps(replay))
    source = {"name": "shopify", "connector": "shopify_v1", "auth_id": 360617, "objects": ["orders"],
              "start_date": "2024-01-01", "incremental_start": "2024-03-01"}  # fmt: skip
    pipeline = write_pipeline(tmp_path, ingestion={"sources": [source]})
    with LocalTarget(tmp_path, replay=tmp_path / "replay.yml") as target:
        target.create_database(SRC)
        generated = IngestionPhase().generate(PhaseContext(pipeline, target, tmp_path))
        target.push(generated.directory, generated.project)
        for workflow in ("shopify_ingest_hist", "shopify_ingest_inc", "shopify_ingest_inc"):
            _run(target, workflow)
        assert _ids(target, "shopify_orders_hist") == [1, 2, 3]
        assert _ids(target, "shopify_orders") == [4, 5]
        sql = f"SELECT start_time, records_processed FROM {SRC}.ingestion_log WHERE table_name = 'shopify_orders' AND status = 'SUCCESS' ORDER BY time"
        assert target.query(sql).rows == (
            ("2024-02-29T23:59:59.999Z", 2), ("2024-03-15T09:00:00.000Z", 0),
        )  # fmt: skip
