"""Hist-union on the local target: schema drift, rows landing mid-run, reruns after a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.phases.base import CheckStatus, PhaseContext
from cdpo.phases.histunion import HistUnionPhase
from cdpo.targets.base import AttemptStatus
from cdpo.targets.local import LocalTarget

from ..ingestion.helpers import write_pipeline
from .conftest import SRC, Steps, insert_rows, make_table

_INC = "incremental_date VARCHAR, id BIGINT, amount VARCHAR, time BIGINT"
_HIST = "id BIGINT, amount BIGINT, legacy VARCHAR, time BIGINT"


def _drifted_sources(target: LocalTarget) -> None:
    """inc has an extra column, hist a column inc lacks, and amount changed type."""
    make_table(
        target, "orders", _INC, [("2024-03-02", 3, "30", 300), ("2024-03-03", 4, "x40", 400)]
    )
    make_table(target, "orders_hist", _HIST, [(1, 10, "a", 100), (2, 20, "b", 200)])


def _generate(tmp_path: Path, target: LocalTarget, **section: object):
    pipeline = write_pipeline(tmp_path, hist_union={"tables": ["orders"], **section})
    context = PhaseContext(pipeline, target, tmp_path)
    return HistUnionPhase(), context, HistUnionPhase().generate(context)


def _rows(target: LocalTarget) -> list[tuple]:
    sql = f"SELECT incremental_date, id, amount, legacy, time FROM {SRC}.orders_histunion ORDER BY time, id"
    return list(target.query(sql).rows)


def _statuses(phase, context, project) -> dict[str, CheckStatus]:
    return {r.name: r.status for r in phase.validate(context, project)}


def test_schema_drift_gives_the_union_schema_and_rows(tmp_path: Path, target: LocalTarget) -> None:
    _drifted_sources(target)
    phase, context, project = _generate(tmp_path, target)
    Steps(target, project.directory, "orders").run()
    columns = target.columns(SRC, "orders_histunion")
    assert [c.name for c in columns] == ["incremental_date", "id", "amount", "time", "legacy"]
    assert {c.name: c.type for c in columns}["amount"] == "varchar"
    assert _rows(target) == [
        (None, 1, "10", "a", 100), (None, 2, "20", "b", 200),
        ("2024-03-02", 3, "30", None, 300), ("2024-03-03", 4, "x40", None, 400),
    ]  # fmt: skip
    assert set(_statuses(phase, context, project).values()) == {CheckStatus.PASS}
    # the incremental table gains a column after the target exists: regenerate adds it
    target.query(f"ALTER TABLE {SRC}.orders ADD COLUMN email VARCHAR")
    insert_rows(target, "orders", [("2024-03-04", 5, "50", 500, "e@x.io")])
    phase, context, project = _generate(tmp_path, target)
    Steps(target, project.directory, "orders").run()
    emails = target.query(
        f"SELECT id, email FROM {SRC}.orders_histunion WHERE time >= 400 ORDER BY id"
    )
    assert emails.rows == ((4, None), (5, "e@x.io"))
    assert set(_statuses(phase, context, project).values()) == {CheckStatus.PASS}


def test_rows_landing_during_a_run_are_picked_up_by_the_next(
    tmp_path: Path, target: LocalTarget
) -> None:
    _drifted_sources(target)
    phase, context, project = _generate(tmp_path, target)
    steps = Steps(target, project.directory, "orders")
    assert steps.read_bounds()["inc_hi"] == 400
    insert_rows(
        target, "orders", [("2024-03-05", 6, "60", 450)]
    )  # lands after the bounds were read
    steps.insert()
    steps.record()
    assert 6 not in {row[1] for row in _rows(target)}
    assert _statuses(phase, context, project)["union_rows"] is CheckStatus.PASS
    Steps(target, project.directory, "orders").run()
    ids = [row[1] for row in _rows(target)]
    assert sorted(ids) == [1, 2, 3, 4, 6]


def test_a_rerun_after_a_failure_before_the_watermark_gives_the_same_table(
    tmp_path: Path, target: LocalTarget
) -> None:
    _drifted_sources(target)
    phase, context, project = _generate(tmp_path, target)
    failed = Steps(target, project.directory, "orders")
    failed.read_bounds()
    failed.insert()  # the run dies here: the watermark is never recorded
    Steps(target, project.directory, "orders").run()
    Steps(target, project.directory, "orders").run()
    assert len(_rows(target)) == 4
    assert set(_statuses(phase, context, project).values()) == {CheckStatus.PASS}
    # validation catches rows that were doubled anyway
    target.query(
        f"INSERT INTO {SRC}.orders_histunion SELECT * FROM {SRC}.orders_histunion WHERE id = 3"
    )
    statuses = _statuses(phase, context, project)
    assert statuses["union_rows"] is CheckStatus.FAIL
    assert statuses["union_duplicates"] is CheckStatus.FAIL


def test_incremental_rows_already_in_history_are_not_doubled(
    tmp_path: Path, target: LocalTarget
) -> None:
    make_table(target, "orders", "id BIGINT, time BIGINT", [(1, 100), (2, 200)])
    make_table(target, "orders_hist", "id BIGINT, time BIGINT", [(1, 100)])
    phase, context, project = _generate(tmp_path, target)
    Steps(target, project.directory, "orders").run()
    assert target.query(f"SELECT id FROM {SRC}.orders_histunion ORDER BY id").rows == ((1,), (2,))
    assert _statuses(phase, context, project)["union_rows"] is CheckStatus.PASS


@pytest.mark.parametrize("full_load", [False, True])
def test_increments_subtract_history_copy_for_copy_at_the_same_time(
    tmp_path: Path, target: LocalTarget, full_load: bool
) -> None:
    """EXCEPT ALL is a multiset difference, and only rows sharing a time can be identical."""
    make_table(target, "orders", "id BIGINT, time BIGINT", [(1, 100)] * 3 + [(2, 100), (3, 300)])
    make_table(target, "orders_hist", "id BIGINT, time BIGINT", [(1, 100)] * 2 + [(3, 200)])
    pipeline = write_pipeline(
        tmp_path, hist_union={"tables": ["orders"], "full_load": ["orders"] if full_load else []}
    )
    phase, context = HistUnionPhase(), PhaseContext(pipeline, target, tmp_path)
    project = phase.generate(context)
    target.push(project.directory, project.project)
    for _ in range(2):  # the second run finds nothing new
        assert target.run(project.project, "hist_union_runner").status is AttemptStatus.SUCCESS
    rows = target.query(f"SELECT id, time FROM {SRC}.orders_histunion ORDER BY time, id").rows
    assert rows == ((1, 100), (1, 100), (1, 100), (2, 100), (3, 200), (3, 300))
    assert {r.status for r in phase.validate(context, project)} == {CheckStatus.PASS}


def test_the_generated_workflow_runs_and_reruns_on_the_local_runtime(
    tmp_path: Path, target: LocalTarget
) -> None:
    _drifted_sources(target)
    make_table(target, "lists", "id BIGINT, time BIGINT", [(1, 10)])
    make_table(target, "lists_hist", "id BIGINT, time BIGINT", [(2, 5)])
    pipeline = write_pipeline(
        tmp_path, hist_union={"tables": ["orders", "lists"], "full_load": ["lists"]}
    )
    phase, context = HistUnionPhase(), PhaseContext(pipeline, target, tmp_path)
    project = phase.generate(context)
    target.push(project.directory, project.project)
    assert target.run(project.project, "hist_union_runner").status is AttemptStatus.SUCCESS
    insert_rows(target, "orders", [("2024-03-09", 9, "90", 900)])
    insert_rows(target, "lists", [(3, 20)])
    assert target.run(project.project, "hist_union_runner").status is AttemptStatus.SUCCESS
    assert [row[1] for row in _rows(target)] == [1, 2, 3, 4, 9]
    assert target.query(f"SELECT count(*) FROM {SRC}.lists_histunion").scalar() == 3
    results = phase.validate(context, project)
    assert {r.status for r in results} == {CheckStatus.PASS}, [r.detail for r in results]
    marks = target.query(
        "SELECT table_name, MAX(inc_value) FROM northwind_config.inc_log GROUP BY 1 ORDER BY 1"
    )
    assert marks.rows == (("lists", 20), ("lists_hist", 5), ("orders", 900), ("orders_hist", 200))
