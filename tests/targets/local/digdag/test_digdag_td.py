"""TD operators through ``cdpo digdag run`` on a real DuckDB warehouse, and http>/http_call>."""

from __future__ import annotations

import json
from pathlib import Path

from cdpo.targets.local import LocalTarget

TD_PROJECT = {
    "td.dig": """
        timezone: UTC
        _export:
          td:
            database: shop
        +ddl:
          td_ddl>:
          create_databases: [shop]
        +load:
          td_load>: config/orders.yml
          table: orders
        +totals:
          td>: queries/totals.sql
          create_table: totals
        +more:
          td>:
          query: SELECT 'zed' AS customer, 1 AS total
          insert_into: totals
        +stats:
          td>: queries/stats.sql
          store_last_results: true
          download_file: out/stats.csv
        +show:
          echo>: customers=${td.last_results.n} top=${td.last_results.top} job=${td.last_job.num_records}
        +each:
          td_for_each>: queries/customers.sql
          _do:
            echo>: customer ${td.each.customer} spent ${td.each.total}
        +ready:
          td_wait>: queries/ready.sql
        +ready_table:
          td_wait_table>: totals
          rows: 3
        +hive:
          td>:
          query: SELECT count(1) AS c FROM `totals`
          engine: hive
          store_last_results: true
        +hive_show:
          echo>: hive counted ${td.last_results.c}
        +export:
          td_table_export>:
          table: totals
          file_format: jsonl.gz
          s3_bucket: exports
          s3_path_prefix: daily/totals
        +rename:
          td_ddl>:
          rename_tables:
            - from: totals
              to: totals_old
        """,
    "config/orders.yml": """
        in:
          type: file
          path_prefix: data/orders
          parser:
            type: csv
            skip_header_lines: 1
            columns:
              - {name: customer, type: string}
              - {name: amount, type: long}
        out:
          mode: replace
        """,
    "data/orders.csv": "customer,amount\nann,10\nann,5\nbob,7\n",
    "queries/totals.sql": """
        -- totals per customer for ${session_date}
        SELECT customer, sum(amount) AS total FROM orders GROUP BY customer
        """,
    "queries/stats.sql": "SELECT count(*) AS n, max(total) AS top FROM totals\n",
    "queries/customers.sql": "SELECT customer, total FROM totals ORDER BY customer\n",
    "queries/ready.sql": "SELECT count(*) > 0 FROM totals\n",
}


def test_td_operators_end_to_end(write_project, digdag_run, local_target: LocalTarget) -> None:
    project = write_project(TD_PROJECT)
    result = digdag_run(project, "td", "--session", "2024-02-01")
    assert result.exit_code == 0, result.stdout + result.stderr
    logs = local_target.logs(local_target.sessions()[-1]["attempt_id"])
    assert "customers=3 top=15 job=1" in logs
    assert "customer ann spent 15" in logs and "customer zed spent 1" in logs
    assert "hive counted 3" in logs
    tables = {t.name: t.row_count for t in local_target.tables("shop")}
    assert tables == {"orders": 3, "totals_old": 3}
    assert {c.name for c in local_target.columns("shop", "orders")} >= {
        "customer",
        "amount",
        "time",
    }
    exported = local_target.root / ".cdpo" / "exports" / "exports" / "daily" / "totals.jsonl"
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    assert sorted(r["customer"] for r in rows) == ["ann", "bob", "zed"]
    assert (
        local_target.query("SELECT total FROM totals_old WHERE customer = 'ann'", "shop").scalar()
        == 15
    )
    revision = local_target.push(project).revision  # the run's copy of the project holds the file
    downloaded = local_target.root / ".cdpo" / "projects" / "proj" / revision / "out" / "stats.csv"
    assert downloaded.read_text().splitlines() == ["n,top", "3,15"]


def test_td_wait_false_fails_clearly(write_project, digdag_run, local_target) -> None:
    project = write_project(
        {
            "wf.dig": "+db:\n  td_ddl>:\n  create_databases: [waitdb]\n+wait:\n  td_wait>: q.sql\n  database: waitdb\n",
            "q.sql": "SELECT 1 = 2\n",
        }
    )
    assert digdag_run(project, "wf").exit_code == 1
    attempt = local_target.attempt(local_target.sessions()[-1]["attempt_id"])
    assert "the wait condition is still false" in attempt.failed_tasks[0].error


def test_missing_query_file_is_refused_before_running(write_project, digdag_run, run_cdpo) -> None:
    project = write_project(
        {"wf.dig": "+a:\n  echo>: x\n+q:\n  td>: queries/nope.sql\n  database: d\n"}
    )
    result = digdag_run(project, "wf")
    assert result.exit_code == 2
    assert "wf.dig:3: td>: file not found: queries/nope.sql" in result.stderr
    assert "Traceback" not in result.stderr


def test_sql_error_names_the_task_and_the_statement(
    write_project, digdag_run, local_target
) -> None:
    project = write_project(
        {
            "wf.dig": "+db:\n  td_ddl>:\n  create_databases: [sqldb]\n+bad:\n  td>: q.sql\n  database: sqldb\n",
            "q.sql": "SELECT no_such_column FROM no_such_table\n",
        }
    )
    result = digdag_run(project, "wf")
    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    attempt = local_target.attempt(local_target.sessions()[-1]["attempt_id"])
    failed = attempt.failed_tasks[0]
    assert failed.full_name == "+wf+bad"
    assert "no_such_table" in failed.error


def test_td_load_replays_a_connector_from_local_files(
    write_project, digdag_run, tmp_path: Path
) -> None:
    replay = tmp_path / "replay.yml"
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "products.jsonl").write_text('{"sku": "a1"}\n{"sku": "b2"}\n')
    replay.write_text("version: 1\ntables:\n  src.products:\n    files: [files/products.jsonl]\n")
    project = write_project(
        {
            "wf.dig": """
            +db:
              td_ddl>:
              create_databases: [src]
            +load:
              td_load>: load.yml
              database: src
              table: products
            +count:
              echo>: loaded ${td.last_job.num_records}
            """,
            "load.yml": "in:\n  type: shopify_v2\n  target: products\nout:\n  mode: append\n",
        }
    )
    result = digdag_run(project, "wf", "--replay", str(replay))
    assert result.exit_code == 0, result.stdout + result.stderr
    with LocalTarget(tmp_path / "root") as target:
        assert "loaded 2" in target.logs(target.sessions()[-1]["attempt_id"])


def test_http_store_content_and_http_call_subtasks(
    write_project, digdag_run, local_target, httpserver
) -> None:
    httpserver.expect_request("/status", method="POST", json={"run": "x"}).respond_with_data(
        "ok-body"
    )
    workflow = {"+generated": {"echo>": "generated ${http.last_content}"}}
    httpserver.expect_request("/wf").respond_with_json(workflow)
    project = write_project(
        {
            "wf.dig": f"""
            +post:
              http>: {httpserver.url_for("/status")}
              method: POST
              content:
                run: x
              content_format: json
              store_content: true
            +call:
              http_call>: {httpserver.url_for("/wf")}
            """,
        }
    )
    result = digdag_run(project, "wf")
    assert result.exit_code == 0, result.stdout + result.stderr
    attempt = local_target.attempt(local_target.sessions()[-1]["attempt_id"])
    assert "generated ok-body" in local_target.logs(attempt.id)
    assert "+wf+call^sub+generated" in {t.full_name for t in attempt.tasks}


def test_http_error_status_fails_the_task(
    write_project, digdag_run, local_target, httpserver
) -> None:
    httpserver.expect_request("/down").respond_with_data("nope", status=404)
    project = write_project({"wf.dig": f"+get:\n  http>: {httpserver.url_for('/down')}\n"})
    assert digdag_run(project, "wf").exit_code == 1
    attempt = local_target.attempt(local_target.sessions()[-1]["attempt_id"])
    assert "returned 404" in attempt.failed_tasks[0].error


UNIFY_PROJECT = {
    "unify.dig": """
        +sources:
          td_ddl>:
          create_databases: [src_db]
        +web:
          td>:
          query: SELECT * FROM (VALUES ('a@x.io', '5550100'), ('b@x.io', '5550100'), ('c@x.io', '5550199')) AS t(email, phone)
          database: src_db
          create_table: web
        +unify:
          http_call>: https://api-cdp.treasuredata.com/unifications/workflow_call
          headers:
            - authorization: ${secret:td.apikey}
          method: POST
          retry: true
          content_format: json
          content:
            run_canonical_ids: true
            run_enrichments: true
            run_master_tables: false
            full_refresh: true
            keep_debug_tables: false
            unification:
              !include : unify.yml
        """,
    "unify.yml": """
        name: demo
        keys:
          - {name: email, invalid_texts: ['']}
          - {name: phone}
        tables:
          - database: src_db
            table: web
            key_columns:
              - {column: email, key: email}
              - {column: phone, key: phone}
        canonical_ids:
          - name: person_id
            merge_by_keys: [email, phone]
            merge_iterations: 5
        """,
}


def test_unification_call_is_served_in_process(
    write_project, digdag_run, local_target, monkeypatch
) -> None:
    monkeypatch.setenv("TD_API_KEY", "1/" + "ab" * 20)  # never sent anywhere: served in-process
    project = write_project(UNIFY_PROJECT)
    result = digdag_run(project, "unify")
    assert result.exit_code == 0, result.stdout + result.stderr
    logs = local_target.logs(local_target.sessions()[-1]["attempt_id"])
    assert "unification:" in logs and "abab" not in logs
    profiles = local_target.query(
        "SELECT count(DISTINCT person_id) FROM enriched_web", "cdp_unification_demo"
    ).scalar()
    assert profiles == 2  # a@ and b@ share a phone; c@ stands alone


def test_http_get_retries_server_errors(
    write_project, local_target: LocalTarget, httpserver
) -> None:
    httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data("fine")
    project = write_project(
        {
            "wf.dig": f"+get:\n  http>: {httpserver.url_for('/flaky')}\n  store_content: true\n"
            "+show:\n  echo>: got ${http.last_content}\n",
        }
    )
    local_target.push(project)
    attempt = local_target.run("proj", "wf")
    assert attempt.status == "success"
    logs = local_target.logs(attempt.id)
    assert "retrying GET" in logs and "got fine" in logs
