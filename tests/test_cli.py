from __future__ import annotations

from cdpo import __version__


def test_version(run_cdpo) -> None:
    result = run_cdpo("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cdpo {__version__}"


def test_unknown_command_is_a_usage_error(run_cdpo) -> None:
    result = run_cdpo("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.stderr
