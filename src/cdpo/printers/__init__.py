"""Everything the CLI prints: rich tables, live progress and plain lines when not a terminal.

The library returns result objects; only these modules turn them into text.
"""

from __future__ import annotations

from rich.console import Console

__all__ = ["console", "error_console", "print_error"]


def console() -> Console:
    """A console on the current stdout (looked up per call, so tests capturing stdout see it)."""
    return Console(highlight=False, soft_wrap=True)


def error_console() -> Console:
    """A console on the current stderr."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(message: str, hint: str = "", tb: str | None = None) -> None:
    """One red line for the error, one for the hint, and the traceback only when asked for."""
    err = error_console()
    if tb:
        err.print(tb, markup=False)
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    if hint:
        err.print(f"[yellow]hint:[/] {hint}")
