from __future__ import annotations

import pytest
from pydantic import ValidationError

from cdpo.phases.histunion import HistUnionSettings, base_name


def test_tables_accept_a_comma_list_and_strip_suffixes() -> None:
    settings = HistUnionSettings.model_validate(
        {
            "tables": "acme_src.shopify_products, klaviyo_events_hist",
            "full_load": ["klaviyo_lists_hist"],
        }
    )
    assert settings.tables == ["acme_src.shopify_products", "klaviyo_events_hist"]
    assert settings.full_load == ["klaviyo_lists"]
    assert base_name("klaviyo_events_histunion") == "klaviyo_events"
    assert HistUnionSettings().tables == "all"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"tables": ["shopify products"]}, "not a valid TD name"),
        ({"tables": ["a.b.c-d"]}, "not a valid TD name"),
        ({"tables": ["orders", "orders_hist"]}, "tables listed twice"),
        ({"lookup_database": "Config"}, "not a valid TD name"),
    ],
)
def test_bad_sections_are_clear_errors(section: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HistUnionSettings.model_validate(section)
