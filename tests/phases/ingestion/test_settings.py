from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from cdpo.phases.ingestion import ConnectorType, IngestionSettings, IngestMode


def _source(**over):
    base = {
        "name": "shopify",
        "connector": "shopify_v2",
        "objects": ["products", "product_variants"],
        "start_date": "2024-01-01",
        "auth_id": 360360,
    }
    return {**base, **over}


def test_defaults_come_from_the_family() -> None:
    settings = IngestionSettings.model_validate({"sources": [_source()]})
    source = settings.sources[0]
    products = source.objects[0]
    assert source.connector is ConnectorType.SHOPIFY_V2
    assert source.mode is IngestMode.BOTH
    assert source.start_date == date(2024, 1, 1)
    assert source.table_for(products) == "shopify_products"
    assert source.incremental_field_of(products) == "updated_at"
    assert source.history_field_of(products) == "created_at"


def test_klaviyo_metrics_is_a_full_snapshot_without_fields() -> None:
    source = IngestionSettings.model_validate(
        {
            "sources": [
                _source(name="klaviyo", connector="klaviyo", objects=["campaigns", "metrics"])
            ]
        }
    ).sources[0]
    campaigns, metrics = source.objects
    assert source.table_for(metrics) == "klaviyo_metric_data"
    assert source.is_full_snapshot(metrics) and source.incremental_field_of(metrics) is None
    assert source.incremental_field_of(campaigns) == "updated_at"
    assert source.connector_field_of(campaigns) == "updated"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"connector": "shopfy_v2"}, "unknown connector type 'shopfy_v2'"),
        ({"connector": "shopfy_v2"}, "Did you mean 'shopify_v2'?"),
        ({"objects": ["prodcts"]}, "Did you mean 'products'?"),
        (
            {
                "connector": "bigquery",
                "objects": ["orders"],
                "options": {"project_id": "p", "dataset": "d"},
            },
            "needs an incremental_field",
        ),
        (
            {"connector": "bigquery", "objects": ["orders"], "incremental_field": "x"},
            "needs options: project_id, dataset",
        ),
        ({"auth_id": None}, "needs auth_id"),
        ({"name": "Shopify-Store"}, "not a valid TD name"),
        ({"objects": [{"name": "products", "table": "bad table"}]}, "not a valid TD name"),
        ({"incremental_start": "2023-06-01"}, "must be after start_date"),
        (
            {"connector": "file", "objects": ["orders"], "incremental_field": "updated_at"},
            "needs 'path'",
        ),
        (
            {
                "connector": "file",
                "objects": [{"name": "o", "path": "o.txt"}],
                "incremental_field": "u",
            },
            "cannot tell the format",
        ),
    ],
)
def test_bad_sources_are_clear_errors(override: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace("?", r"\?")):
        IngestionSettings.model_validate({"sources": [_source(**override)]})


def test_duplicate_sources_are_rejected() -> None:
    with pytest.raises(ValidationError, match="duplicate source names: shopify"):
        IngestionSettings.model_validate({"sources": [_source(), _source()]})
