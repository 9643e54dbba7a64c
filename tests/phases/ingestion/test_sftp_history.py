"""An SFTP export delivered as a history file plus incremental files: the history lands once in
``{table}_hist``, the increments in ``{table}``, and hist-union pairs the two."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from cdpo.errors import ConfigError
from cdpo.phases.base import PhaseContext
from cdpo.phases.histunion.model import build_union_model
from cdpo.phases.ingestion import IngestionPhase
from cdpo.phases.ingestion.model import build_model
from cdpo.targets.base import AttemptStatus
from cdpo.targets.local import LocalTarget

from .helpers import write_pipeline

SRC = "northwind_src"
HEADER = "customer_no,email,last_updated\n"
HISTORY = HEADER + "C1,a@x.com,2023-05-01 10:00:00\nC2,b@x.com,2024-11-02 08:00:00\n"
INCREMENTS = HEADER + "C2,b2@x.com,2025-01-03 09:00:00\n"
COLUMNS = [{"name": n, "type": "string"} for n in ("customer_no", "email", "last_updated")]


def _source(**changes: object) -> dict[str, object]:
    obj = {"name": "customers", "path": "crm/customers_inc.csv"}
    obj |= {"history_path": "crm/customers_hist.csv"}
    return {"name": "crm", "connector": "sftp", "mode": "both", "start_date": "2023-01-01",
            "incremental_start": "2025-01-01", "objects": [obj],
            "options": {"columns": {"customers": COLUMNS}}} | changes  # fmt: skip


def _replay(root: Path) -> Path:
    (root / "crm").mkdir(parents=True)
    (root / "crm/customers_hist.csv").write_text(HISTORY)
    (root / "crm/customers_inc.csv").write_text(INCREMENTS)
    tables = {
        f"{SRC}.crm_customers_hist": {"connector": "sftp_v2", "files": ["crm/customers_hist.csv"]},
        f"{SRC}.crm_customers": {"connector": "sftp_v2", "files": ["crm/customers_inc.csv"]},
    }
    path = root / "replay.yml"
    path.write_text(yaml.safe_dump({"version": 1, "tables": tables}))
    return path


def _count(target: LocalTarget, sql: str) -> object:
    return target.query(sql).scalar()


def test_history_loads_once_and_hist_union_pairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HOST", "USER", "PASSWORD"):  # replayed: the values are never used
        monkeypatch.setenv(f"CDPO_SECRET_CRM_SFTP_{name}", "replayed")
    pipeline = write_pipeline(tmp_path, ingestion={"sources": [_source()]}, hist_union={})
    with LocalTarget(tmp_path, replay=_replay(tmp_path)) as target:
        target.create_database(SRC)
        generated = IngestionPhase().generate(PhaseContext(pipeline, target, tmp_path))
        assert [r.workflow for r in generated.runs] == ["crm_ingest"]
        target.push(generated.directory, generated.project)
        for _ in range(2):  # the second run finds the history's SUCCESS and skips it
            attempt = target.run(
                "ingestion", "crm_ingest", session_time=datetime(2025, 2, 1, tzinfo=UTC)
            )
            assert attempt.status is AttemptStatus.SUCCESS, [t.error for t in attempt.failed_tasks]
        assert _count(target, f"SELECT count(*) FROM {SRC}.crm_customers_hist") == 2
        log = f"SELECT count(*) FROM {SRC}.ingestion_log WHERE table_name = 'crm_customers_hist'"
        assert _count(target, log + " AND status = 'SUCCESS' AND records_processed = 2") == 1
    pairs = [(t.hist, t.inc) for t in build_union_model(pipeline).tables]
    assert pairs == [("crm_customers_hist", "crm_customers")]


def test_without_a_history_file_only_increments_load(tmp_path: Path) -> None:
    source = _source(objects=[{"name": "customers", "path": "crm/customers_inc.csv"}])
    model = build_model(write_pipeline(tmp_path, ingestion={"sources": [source]}))
    assert model.tables == (f"{SRC}.crm_customers",)
    assert model.sources[0].ranges == ()


def test_history_only_mode_loads_only_the_history(tmp_path: Path) -> None:
    model = build_model(
        write_pipeline(tmp_path, ingestion={"sources": [_source(mode="historical")]})
    )
    assert model.tables == (f"{SRC}.crm_customers_hist",)
    assert model.sources[0].historical[0].mode == "replace"


def test_a_history_file_needs_a_mode_that_loads_history(tmp_path: Path) -> None:
    source = _source(mode="incremental")
    with pytest.raises(ConfigError, match="history_path is loaded only with mode both or hist"):
        build_model(write_pipeline(tmp_path, ingestion={"sources": [source]}))
