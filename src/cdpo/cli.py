"""The ``cdpo`` command: parses arguments, calls one library function, hands its result to a printer.

Heavy libraries (duckdb, sqlglot, the runtime) are imported inside each command so that
``cdpo --help`` stays fast. Commands return their exit code. Exit codes: 0 success, 1 the pipeline or workflow ran and a step or
gate failed, 2 bad input or an unexpected error. ``run`` is the one catch site for errors.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer

from cdpo import __version__
from cdpo.errors import CdpoError, PhaseStepFailed, QualityGateFailed, WorkflowError

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
