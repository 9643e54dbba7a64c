from __future__ import annotations

import pytest

from cdpo.errors import ConfigError, PhaseStepFailed, TransientTargetError, redact


def test_config_error_names_file_line_and_field() -> None:
    error = ConfigError("must be one of: local, td", file="pipeline.yml", line=3, field="target")
    assert str(error) == "pipeline.yml:3: target: must be one of: local, td"


def test_redact_scrubs_the_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TD_API_KEY", "secret-value-123")
    assert redact("key=secret-value-123!") == "key=****!"
    assert "secret-value-123" not in str(PhaseStepFailed("ingestion", "deploy", "secret-value-123"))


def test_transient_marker_lives_on_the_class() -> None:
    assert TransientTargetError("timeout").transient is True
