from __future__ import annotations

import re

import pytest

from cdpo.errors import TranslationError
from cdpo.sql import split_statements


def test_splits_at_top_level_semicolons_only() -> None:
    sql = """
    -- leading comment; with a semicolon
    SELECT 'a;b' AS "x;y", `c;d` FROM t; /* block; comment */
    INSERT INTO t SELECT 'it''s;' ;
    ;
    -- only a comment;
    """
    assert split_statements(sql) == [
        "-- leading comment; with a semicolon\n    SELECT 'a;b' AS \"x;y\", `c;d` FROM t",
        "/* block; comment */\n    INSERT INTO t SELECT 'it''s;'",
    ]


def test_a_script_without_a_final_semicolon_keeps_its_last_statement() -> None:
    assert split_statements("SELECT 1;SELECT 2") == ["SELECT 1", "SELECT 2"]


def test_digdag_placeholders_are_left_alone() -> None:
    assert split_statements("SELECT * FROM ${db}.t WHERE x = '${v}'") == [
        "SELECT * FROM ${db}.t WHERE x = '${v}'"
    ]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1;\nSELECT 'open", "line 2: quote ' is never closed"),
        ("SELECT 1 /* open", "line 1: block comment '/*' is never closed"),
        ('SELECT "x', 'line 1: quote " is never closed'),
    ],
)
def test_unclosed_quotes_and_comments_are_errors_with_a_line(sql: str, message: str) -> None:
    with pytest.raises(TranslationError, match=re.escape(message)):
        split_statements(sql)


def test_hive_backslash_escapes_are_honoured_only_when_asked() -> None:
    sql = "SELECT 'it\\'s; fine'; SELECT 2"
    assert split_statements(sql, backslash_escapes=True) == ["SELECT 'it\\'s; fine'", "SELECT 2"]
    with pytest.raises(TranslationError, match="never closed"):
        split_statements(sql)
