from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.config import REGIONS, api_key, load_pipeline, parse_pipeline
from cdpo.phases import PhaseName


def test_databases_default_from_client_and_can_be_overridden() -> None:
    config = parse_pipeline("client: northwind_retail\ndatabases:\n  stg: nw_staging\n")
    assert config.databases.src == "northwind_retail_src"
    assert config.databases.stg == "nw_staging"
    assert config.databases.config == "northwind_retail_config"
    assert config.databases.unification == "cdp_unification_northwind_retail"


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_each_region_maps_to_three_hosts(region: str) -> None:
    hosts = parse_pipeline(f"client: abc\ntd:\n  region: {region}\n").td.hosts
    assert hosts.api.startswith("https://api.")
    assert hosts.workflow.startswith("https://api-workflow.")
    assert hosts.cdp.startswith("https://api-cdp.")
    assert REGIONS["jp"].workflow == "https://api-workflow.treasuredata.co.jp"


def test_explicit_endpoint_overrides_region() -> None:
    hosts = parse_pipeline(
        "client: abc\ntd:\n  region: eu01\n  workflow_endpoint: http://127.0.0.1:65432\n"
    ).td.hosts
    assert hosts.workflow == "http://127.0.0.1:65432"
    assert hosts.api == "https://api.eu01.treasuredata.com"


def test_api_key_only_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert api_key() is None
    monkeypatch.setenv("TD_API_KEY", "1/abc")
    assert api_key() == "1/abc"


def test_orchestration_defaults_and_per_phase_timeout() -> None:
    config = parse_pipeline(
        "client: abc\norchestration:\n  monitor_timeouts:\n    unification: 60\n"
    )
    o = config.orchestration
    assert (o.deploy_attempts, o.poll_initial_seconds, o.poll_max_seconds) == (3, 0.5, 30.0)
    assert o.monitor_timeout(PhaseName.INGESTION) == 7200.0
    assert o.monitor_timeout(PhaseName.UNIFICATION) == 60.0


def test_init_writes_an_example_that_loads(run_cdpo, tmp_path: Path) -> None:
    result = run_cdpo("init", tmp_path, "--client", "contoso_bank")
    assert result.exit_code == 0
    config = load_pipeline(tmp_path / "pipeline.yml")
    assert config.client == "contoso_bank"
    assert config.root == tmp_path.resolve()
    assert config.unification is not None and config.unification.name == "customer_360"
    again = run_cdpo("init", tmp_path)
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert run_cdpo("init", tmp_path, "--force").exit_code == 0


def test_init_refuses_a_generic_client(run_cdpo, tmp_path: Path) -> None:
    result = run_cdpo("init", tmp_path, "--client", "test")
    assert result.exit_code == 2
    assert "generic placeholder" in result.stderr
    assert not (tmp_path / "pipeline.yml").exists()
