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


_HEX40 = "0123456789abcdef0123456789ABCDEF01234567"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"job log: key=42/{_HEX40} done", "job log: key=**** done"),
        (f"(1, '7/{_HEX40}')\n(2, 'b/c')", "(1, '****')\n(2, 'b/c')"),
        ("curl -H 'Authorization: TD1 abc/def'", "curl -H 'Authorization: TD1 ****"),
        ("pass=hunter22 and pass=hunter2", "pass=**** and pass=****"),
        ("env=env-key-1234", "env=****"),
        (f"not a key: x/{_HEX40}, 12/{_HEX40[:39]}", f"not a key: x/{_HEX40}, 12/{_HEX40[:39]}"),
        ("a plain line, no secret: td1 3/4", "a plain line, no secret: td1 3/4"),
    ],
)
def test_redact_masks_every_kind_of_secret_in_a_log_line(
    monkeypatch: pytest.MonkeyPatch, text: str, masked: str
) -> None:
    """The fast paths (no pattern run without its literal part) still mask each secret kind."""
    monkeypatch.setenv("TD_API_KEY", "env-key-1234")
    assert redact(text, {"hunter2", "hunter22", "abc"}) == masked


def test_transient_marker_lives_on_the_class() -> None:
    assert TransientTargetError("timeout").transient is True
