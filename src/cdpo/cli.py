"""The ``cdpo`` command: parses arguments, calls one library function, hands its result to a printer.

Heavy libraries (duckdb, sqlglot, the runtime) are imported inside each command so that
``cdpo --help`` stays fast. Commands return their exit code. Exit codes: 0 success, 1 the pipeline or workflow ran and a step or
gate failed, 2 bad input or an unexpected error. ``run`` is the one catch site for errors.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from cdpo import __version__
from cdpo.errors import CdpoError, PhaseStepFailed, QualityGateFailed, WorkflowError

if TYPE_CHECKING:
    from cdpo.orchestrator import RunOptions

app = typer.Typer(
    name="cdpo",
    help="Carry a Customer Data Platform from raw sources to unified profiles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
digdag_app = typer.Typer(
    help="Cdpo's own Digdag runtime: check and run any Digdag project locally.",
    no_args_is_help=True,
)
app.add_typer(digdag_app, name="digdag")

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
_FAILED_RUN_ERRORS = (PhaseStepFailed, QualityGateFailed, WorkflowError)

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks.", envvar="CDPO_DEBUG")]


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"cdpo {__version__}")
        raise typer.Exit(EXIT_OK)


PipelineOpt = Annotated[
    str,
    typer.Option(
        "--pipeline", "-p", help="pipeline.yml, or its directory.", envvar="CDPO_PIPELINE"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command()
def init(
    directory: Annotated[str, typer.Argument(help="Where to write pipeline.yml.")] = ".",
    client: Annotated[str, typer.Option(help="Client short name.")] = "northwind_retail",
    force: Annotated[bool, typer.Option("--force", help="Overwrite pipeline.yml.")] = False,
) -> int:
    """Write an annotated example pipeline.yml."""
    from pathlib import Path

    from cdpo.config import write_example

    typer.echo(f"wrote {write_example(Path(directory), client, force=force)}")
    return EXIT_OK


@app.command()
def plan(pipeline: PipelineOpt = ".", as_json: JsonOpt = False) -> int:
    """Validate pipeline.yml and show what each phase will generate, start and create."""
    from cdpo.orchestrator import plan_from_file
    from cdpo.printers.pipeline import print_plan

    print_plan(plan_from_file(pipeline), as_json=as_json)
    return EXIT_OK


RootOpt = Annotated[
    str,
    typer.Option("--root", help="Directory holding .cdpo/ (store, warehouse).", envvar="CDPO_ROOT"),
]
WarehouseOpt = Annotated[
    str | None,
    typer.Option(
        "--warehouse", help="DuckDB warehouse file (default ROOT/.cdpo/warehouse.duckdb)."
    ),
]
ReplayOpt = Annotated[
    str | None,
    typer.Option("--replay", help="Replay mapping: local files for SaaS td_load> connectors."),
]


@digdag_app.command("check")
def digdag_check(
    project_dir: Annotated[str, typer.Argument(help="Digdag project directory.")],
) -> int:
    """Parse every workflow; list workflows, schedules and unsupported operators."""
    from pathlib import Path

    from cdpo.printers.digdag import print_check
    from cdpo.targets.local.commands import check_directory

    report = check_directory(Path(project_dir))
    print_check(report)
    return EXIT_OK if report.ok else EXIT_ERROR


@digdag_app.command("run")
def digdag_run(
    project_dir: Annotated[str, typer.Argument(help="Digdag project directory.")],
    workflow: Annotated[str, typer.Argument(help="Workflow name (file name without .dig).")],
    param: Annotated[list[str] | None, typer.Option("-p", "--param", help="k=v parameter.")] = None,
    session: Annotated[
        str | None, typer.Option("--session", help="Session time (ISO-8601).")
    ] = None,
    root: RootOpt = ".",
    warehouse: WarehouseOpt = None,
    replay: ReplayOpt = None,
) -> int:
    """Run a workflow now, printing each task as it starts and ends."""
    from pathlib import Path

    from cdpo.printers.digdag import print_attempt, print_event
    from cdpo.targets.local.commands import run_project

    attempt = run_project(
        Path(project_dir),
        workflow,
        params=param or [],
        session=session,
        root=Path(root),
        warehouse=Path(warehouse) if warehouse else None,
        replay=Path(replay) if replay else None,
        on_event=print_event,
    )
    print_attempt(attempt)
    return EXIT_OK if attempt.status == "success" else EXIT_FAILED


@digdag_app.command("retry")
def digdag_retry(
    attempt_id: str, root: RootOpt = ".", warehouse: WarehouseOpt = None, replay: ReplayOpt = None
) -> int:
    """Run a new attempt of a session that resumes from the failed tasks."""
    from pathlib import Path

    from cdpo.printers.digdag import print_attempt, print_event
    from cdpo.targets.local.commands import retry_attempt

    attempt = retry_attempt(
        attempt_id,
        root=Path(root),
        warehouse=Path(warehouse) if warehouse else None,
        replay=Path(replay) if replay else None,
        on_event=print_event,
    )
    print_attempt(attempt)
    return EXIT_OK if attempt.status == "success" else EXIT_FAILED


@digdag_app.command("sessions")
def digdag_sessions(root: RootOpt = ".") -> int:
    """List the sessions of the local store with their last attempt's status."""
    from pathlib import Path

    from cdpo.printers.digdag import print_sessions
    from cdpo.targets.local import LocalTarget

    with LocalTarget(Path(root)) as target:
        print_sessions(target.sessions())
    return EXIT_OK


@digdag_app.command("attempt")
def digdag_attempt(attempt_id: str, root: RootOpt = ".") -> int:
    """Show an attempt's status."""
    from pathlib import Path

    from cdpo.printers.digdag import print_attempt
    from cdpo.targets.local import LocalTarget

    with LocalTarget(Path(root)) as target:
        print_attempt(target.attempt(attempt_id))
    return EXIT_OK


@digdag_app.command("tasks")
def digdag_tasks(attempt_id: str, root: RootOpt = ".") -> int:
    """Show the tasks of an attempt with their states."""
    from pathlib import Path

    from cdpo.printers.digdag import print_tasks
    from cdpo.targets.local import LocalTarget

    with LocalTarget(Path(root)) as target:
        print_tasks(target.attempt(attempt_id))
    return EXIT_OK


@digdag_app.command("log")
def digdag_log(
    attempt_id: str, task: Annotated[str | None, typer.Argument()] = None, root: RootOpt = "."
) -> int:
    """Show an attempt's log, optionally only of tasks whose name starts with TASK."""
    from pathlib import Path

    from cdpo.printers.digdag import print_log
    from cdpo.targets.local import LocalTarget

    with LocalTarget(Path(root)) as target:
        print_log(target.logs(attempt_id, task))
    return EXIT_OK


@app.command()
def server(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 65432,
    root: RootOpt = ".",
    warehouse: WarehouseOpt = None,
    replay: ReplayOpt = None,
) -> int:
    """Serve the local runtime over Digdag's REST API (/api) and TD's REST v3 (/v3).

    With TD_API_KEY set, every call must send `Authorization: TD1 <that key>`.
    """
    import os
    from pathlib import Path

    from cdpo.server import ApiServer

    served = ApiServer(
        Path(root),
        host,
        port,
        api_key=os.environ.get("TD_API_KEY") or None,
        warehouse=Path(warehouse) if warehouse else None,
        replay=Path(replay) if replay else None,
    )
    typer.echo(f"cdpo server: Digdag REST API at {served.url}/api, TD REST v3 at {served.url}/v3")
    served.serve()
    return EXIT_OK


YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Answer yes: never ask, proceed.")]
OnFailureOpt = Annotated[
    str | None,
    typer.Option(
        "--on-failure",
        help="Unattended choice on a failed step: abort, skip or retry.",
        envvar="CDPO_ON_FAILURE",
    ),
]


def _run_pipeline(
    pipeline: str, options: RunOptions, yes: bool, on_failure: str | None, as_json: bool
) -> int:
    """Shared by ``run`` and ``retry``: pick the decider, show progress, write the report."""
    from cdpo.orchestrator import execute_and_report
    from cdpo.printers.pipeline import ProgressView, PromptDecider, print_run_result

    interactive = not as_json and sys.stdin.isatty()
    with ProgressView(as_json=as_json) as view:
        prompt = PromptDecider(view) if interactive else None
        result, report = execute_and_report(
            pipeline, options, prompt=prompt, listeners=[view], yes=yes, on_failure=on_failure
        )
    if not as_json:
        print_run_result(result, report)
    if result.error is not None:
        raise result.error
    return EXIT_FAILED if result.failed or not result.started else EXIT_OK


@app.command("run")
def run_cmd(
    pipeline: PipelineOpt = ".",
    from_phase: Annotated[
        str | None, typer.Option("--from", help="Re-run from this phase on.")
    ] = None,
    only: Annotated[str | None, typer.Option("--only", help="Run only this phase.")] = None,
    yes: YesOpt = False,
    on_failure: OnFailureOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Run the pipeline; resumes from the first unfinished step of the last run."""
    from cdpo.orchestrator import run_options

    options = run_options(from_phase=from_phase, only=only)
    return _run_pipeline(pipeline, options, yes, on_failure, as_json)


@app.command()
def retry(
    pipeline: PipelineOpt = ".",
    yes: YesOpt = False,
    on_failure: OnFailureOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Re-run the pipeline from the step that failed."""
    from cdpo.orchestrator import run_options

    return _run_pipeline(pipeline, run_options(retry=True), yes, on_failure, as_json)


@app.command()
def status(pipeline: PipelineOpt = ".", as_json: JsonOpt = False) -> int:
    """Print the recorded state of the pipeline: phases, steps, sessions, tables."""
    from cdpo.orchestrator import pipeline_status
    from cdpo.printers.pipeline import print_status

    print_status(pipeline_status(pipeline), as_json=as_json)
    return EXIT_OK


@app.command()
def doctor(pipeline: PipelineOpt = ".", as_json: JsonOpt = False) -> int:
    """Check credentials, databases and input tables against the target; changes nothing."""
    from cdpo.orchestrator import doctor_from_file
    from cdpo.printers.pipeline import print_findings

    findings = doctor_from_file(pipeline)
    print_findings(findings, as_json=as_json)
    return EXIT_FAILED if any(f.severity.value == "critical" for f in findings) else EXIT_OK


@app.command()
def report(pipeline: PipelineOpt = ".") -> int:
    """Rebuild pipeline_report.md and pipeline_report.html from the state file."""
    from cdpo.orchestrator import report_from_file

    markdown, html = report_from_file(pipeline)
    typer.echo(f"wrote {markdown}\nwrote {html}")
    return EXIT_OK


@app.command()
def demo(
    directory: Annotated[str, typer.Option("--dir", help="Where to write the demo.")] = "demo",
    size: Annotated[str, typer.Option("--size", help="small, medium or large.")] = "small",
    people: Annotated[
        int | None, typer.Option("--people", min=1, help="Number of people; overrides --size.")
    ] = None,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> int:
    """Write a pipeline for a fictional retailer on synthetic data and run it locally."""
    from pathlib import Path

    from cdpo.orchestrator import run_demo
    from cdpo.printers.pipeline import ProgressView, PromptDecider, print_demo, print_run_result

    interactive = not as_json and sys.stdin.isatty()
    with ProgressView(as_json=as_json) as view:
        done = run_demo(
            Path(directory),
            size=size,
            people=people,
            yes=yes,
            listeners=[view],
            prompt=PromptDecider(view) if interactive else None,
            on_ready=None if as_json else print_demo,
        )
    if not as_json:
        print_run_result(done.result, done.report)
    if done.result.error is not None:
        raise done.result.error
    return EXIT_FAILED if done.result.failed or not done.result.started else EXIT_OK


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return its exit code; never calls ``sys.exit``."""
    from cdpo.printers import print_error

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="cdpo", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        print_error("Aborted.")
        return EXIT_FAILED
    except typer.TyperException as bad_usage:
        if message := bad_usage.format_message():
            print_error(message)
        return bad_usage.exit_code
    except CdpoError as error:
        print_error(error.message, error.hint, tb=traceback.format_exc() if debug else None)
        return EXIT_FAILED if isinstance(error, _FAILED_RUN_ERRORS) else EXIT_ERROR
    except Exception:
        print_error(
            "Unexpected error: this is a bug in cdpo; please report it with the traceback below.",
            tb=traceback.format_exc(),
        )
        return EXIT_ERROR
    return result if isinstance(result, int) else EXIT_OK


def main() -> None:
    """Console entry point."""
    sys.exit(run())
