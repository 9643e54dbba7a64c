"""Every docstring example in cdpo.sql runs, as sqlglot's tests/test_docs.py does."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cdpo.sql

MODULES = sorted(m.name for m in pkgutil.iter_modules(cdpo.sql.__path__, "cdpo.sql."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


def test_package_exports_exactly_its_public_names() -> None:
    assert cdpo.sql.__all__ == sorted(cdpo.sql.__all__)
    for name in cdpo.sql.__all__:
        assert getattr(cdpo.sql, name).__module__.startswith("cdpo.sql.")
