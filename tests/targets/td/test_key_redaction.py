"""A run with a known API key, which then appears in no log, stored state, task log or error."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.targets.td.conftest import API_KEY, wait_done

from cdpo.config.regions import RegionHosts
from cdpo.errors import AuthenticationError, CdpoError, NotFoundError
from cdpo.server import ApiServer
from cdpo.targets import AttemptStatus
from cdpo.targets.td import NO_RETRY_DELAY, TdTarget
from cdpo.targets.td.auth import LOGGER_NAME

LEAKY = {
    "leak.dig": """
        +show:
          echo>: key is ${secret:td.apikey}
        +fail:
          fail>: refused with ${secret:td.apikey}
        """,
}


def test_the_key_is_in_no_log_state_or_error(
    td_server: ApiServer,
    hosts: RegionHosts,
    write_project: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TD_API_KEY", API_KEY)  # the workers resolve ${secret:td.apikey} from it
    messages: list[str] = []
    with caplog.at_level(logging.DEBUG), TdTarget(hosts, retry=NO_RETRY_DELAY) as td:
        td.push(write_project(LEAKY, "leaky"), "leaky")
        ref = td.start("leaky", "leak")
        attempt = wait_done(td, ref.attempt_id)
        assert attempt.status is AttemptStatus.ERROR
        messages += [t.error or "" for t in attempt.tasks]
        messages.append(td.logs(ref.attempt_id))
        assert "key is ****" in messages[-1]
        for call in (lambda: td.workflow.project("absent"), lambda: td.tables("absent_db")):
            with pytest.raises(CdpoError) as caught:
                call()
            messages += [str(caught.value), caught.value.hint]
        logging.getLogger(LOGGER_NAME).warning("echoed header: Authorization: TD1 %s", API_KEY)
    assert "echoed header: Authorization: TD1 ****" in caplog.text
    assert all(API_KEY not in text for text in [*messages, caplog.text])
    # grep in another process: opening and closing the live SQLite store in this one would drop
    # the server's POSIX locks on it (https://www.sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by_a_separate_thread_doing_close_)
    root = Path(td_server.app.target.root)
    assert (root / ".cdpo" / "digdag.sqlite").is_file()
    found = subprocess.run(["grep", "-rlF", API_KEY, str(root)], capture_output=True, text=True)
    assert found.returncode == 1, found.stdout  # 1: no file holds the key


def test_no_key_is_an_authentication_error_naming_the_variable(hosts: RegionHosts) -> None:
    with pytest.raises(AuthenticationError, match="TD_API_KEY is not set") as caught:
        TdTarget(hosts)
    assert "export TD_API_KEY" in caught.value.hint


def test_the_pipeline_factory_opens_td_from_pipeline_yml(
    tmp_path: Path, td_server: ApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cdpo.config import load_pipeline
    from cdpo.targets.factory import open_target

    (tmp_path / "pipeline.yml").write_text(
        f"client: harbor_goods\ntarget: td\ntd:\n  region: eu01\n  workflow_endpoint: {td_server.url}\n"
        f"  endpoint: {td_server.url}\n"
    )
    monkeypatch.setenv("TD_API_KEY", API_KEY)
    with open_target(load_pipeline(tmp_path / "pipeline.yml"), tmp_path) as target:
        assert isinstance(target, TdTarget) and target.name == "td"
        assert target.default_database == "harbor_goods_src"
        assert target.workflow.http.base_url == td_server.url
        with pytest.raises(NotFoundError):
            target.tables("harbor_goods_src")
