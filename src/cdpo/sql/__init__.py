"""TD's SQL on other engines: translation from Presto/Trino and Hive, and TD's functions.

``translate`` turns a TD query into statements DuckDB runs with the same meaning;
``install_td_functions`` gives a DuckDB connection TD's functions (TD_TIME_RANGE and the rest);
``quote_identifier``/``validate_identifier`` are the one gate for configured names reaching SQL.
"""

from __future__ import annotations

from cdpo.sql.functions import install_td_functions, set_session_time
from cdpo.sql.identifiers import quote_identifier, validate_identifier
from cdpo.sql.split import split_statements
from cdpo.sql.translate import translate

__all__ = [
    "install_td_functions",
    "quote_identifier",
    "set_session_time",
    "split_statements",
    "translate",
    "validate_identifier",
]
