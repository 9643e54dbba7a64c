from __future__ import annotations

import duckdb
import pytest

from cdpo.errors import ConfigError
from cdpo.sql import quote_identifier, validate_identifier


@pytest.mark.parametrize("name", ["customer_id", "_tmp", "A1", "x" * 128])
def test_valid_identifiers_pass_unchanged(name: str) -> None:
    assert validate_identifier(name, what="column") == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("1abc", "key column '1abc' is not a valid identifier; valid: a letter or '_'"),
        ("a-b", "key column 'a-b' is not a valid identifier"),
        ("a; DROP TABLE t", "is not a valid identifier"),
        ("", "key column must be a non-empty name, got ''"),
        (None, "key column must be a non-empty name, got None"),
        ("x" * 129, "is 129 characters long"),
    ],
)
def test_invalid_identifiers_raise_config_error_naming_what(name: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        validate_identifier(name, what="key column")


def test_quoted_names_reach_duckdb_intact_even_when_they_are_keywords_or_odd() -> None:
    con = duckdb.connect()
    names = ["order", "select", 'we"ird', "Mixed Case"]
    columns = ", ".join(f"1 AS {quote_identifier(n)}" for n in names)
    cursor = con.execute(f"SELECT {columns}")
    assert [d[0] for d in cursor.description] == names
