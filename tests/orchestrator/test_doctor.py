"""``cdpo doctor`` lists what it can check even when it cannot reach the target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cdpo.phases

from .toy import PIPELINE


def test_td_without_api_key_is_a_critical_finding_among_the_others(
    run_cdpo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cdpo.phases, "PHASES", ())  # so a configured phase is unavailable
    (tmp_path / "pipeline.yml").write_text(
        PIPELINE.replace("client: northwind_retail\n", "client: northwind_retail\ntarget: td\n")
        + "unification:\n  name: customer_360\n"
    )
    result = run_cdpo("doctor", "-p", tmp_path)
    assert result.exit_code == 1, result.stderr
    out = " ".join(result.stdout.split())
    assert (
        "CRITICAL credentials: TD_API_KEY is not set: "
        "export TD_API_KEY=<your master or write-only API key>" in out
    )
    assert "WARNING phase_unavailable: unification: not available in this version" in out
    assert "INFO not_checked: databases and input tables not checked" in out
    assert "INFO gitignore: .gitignore should list" in out
    assert out.index("CRITICAL") < out.index("WARNING") < out.index("INFO")
    findings = json.loads(run_cdpo("doctor", "-p", tmp_path, "--json").stdout)
    assert {f["check"] for f in findings} == {
        "credentials",
        "phase_unavailable",
        "not_checked",
        "gitignore",
    }
    assert result.stderr == ""
