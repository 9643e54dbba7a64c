"""Schema alignment: inc schema as base, typed NULLs, explicit casts, drift against the target."""

from __future__ import annotations

import pytest

from cdpo.errors import GenerateError
from cdpo.phases.histunion import align, widen
from cdpo.targets.base import Column


def _cols(*pairs: str) -> list[Column]:
    return [Column(*p.split(":")) for p in pairs]


def test_identical_schemas_select_plain_columns() -> None:
    alignment = align("t", _cols("id:bigint", "time:bigint"), _cols("id:bigint", "time:bigint"))
    assert alignment.identical
    assert alignment.hist == alignment.inc == ('"id"', '"time"')


def test_inc_only_column_is_a_typed_null_in_history_at_its_place() -> None:
    alignment = align(
        "t",
        _cols("incremental_date:varchar", "id:bigint", "time:bigint"),
        _cols("id:bigint", "time:bigint"),
    )
    assert alignment.names == ("incremental_date", "id", "time")
    assert alignment.hist[0] == 'CAST(NULL AS varchar) AS "incremental_date"'
    assert not alignment.identical


def test_hist_only_column_follows_the_inc_columns() -> None:
    alignment = align(
        "t", _cols("id:bigint", "time:bigint"), _cols("legacy:varchar", "id:bigint", "time:bigint")
    )
    assert alignment.columns == (("id", "bigint"), ("time", "bigint"), ("legacy", "varchar"))
    assert alignment.inc[-1] == 'CAST(NULL AS varchar) AS "legacy"'


def test_type_change_widens_and_casts_the_side_that_differs() -> None:
    alignment = align(
        "t", _cols("amount:varchar", "time:bigint"), _cols("amount:bigint", "time:bigint")
    )
    assert alignment.columns[0] == ("amount", "varchar")
    assert alignment.hist[0] == 'CAST("amount" AS varchar) AS "amount"'
    assert alignment.inc[0] == '"amount"'
    assert widen("integer", "double") == "double"
    assert widen("boolean", "bigint") == "varchar"


def test_existing_target_types_win_and_missing_columns_are_added() -> None:
    target = _cols("id:varchar", "time:bigint")
    alignment = align(
        "t",
        _cols("id:bigint", "time:bigint", "email:varchar"),
        _cols("id:bigint", "time:bigint"),
        target,
    )
    assert alignment.columns[0] == ("id", "varchar")
    assert alignment.inc[0] == 'CAST("id" AS varchar) AS "id"'
    assert alignment.add_columns == (("email", "varchar"),)


def test_a_target_narrower_than_the_sources_is_an_error_with_a_fix() -> None:
    with pytest.raises(
        GenerateError, match="'amount' is bigint but the sources now hold varchar"
    ) as raised:
        align(
            "db.t",
            _cols("amount:varchar", "time:bigint"),
            _cols("amount:varchar", "time:bigint"),
            _cols("amount:bigint", "time:bigint"),
        )
    assert "Drop" in raised.value.hint


def test_a_table_without_time_is_an_error() -> None:
    with pytest.raises(GenerateError, match="history table has no 'time' column"):
        align("db.t", _cols("id:bigint", "time:bigint"), _cols("id:bigint"))
