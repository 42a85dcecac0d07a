"""The synthgen command line: a thin Typer app, one command (group) per pipeline stage.

Every command body runs inside ``guarded``: a SynthgenError becomes one red line on stderr
and its documented exit code (0 GO, 1 NO-GO, 2 bad input, 3 environment); a traceback only
with ``--debug``. Locals are never shown (connection strings hold passwords).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from synthgen.errors import SynthgenError

app = typer.Typer(
    name="synthgen",
    help="Production-shaped synthetic data for the chat app's PostgreSQL database.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)

_state = {"debug": False}
F = TypeVar("F", bound=Callable[..., Any])


def guarded(fn: F) -> F:
    """Map SynthgenError to one stderr line and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SynthgenError as e:
            if _state["debug"]:
                raise
            from rich.console import Console

            Console(stderr=True, highlight=False, soft_wrap=True).print(
                f"[bold red]error:[/] {e}", markup=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors.")) -> None:
    """synthgen: generate, validate, load, verify, report."""
    _state["debug"] = debug


def _register() -> None:
    from synthgen.cli import (
        db_cmds,
        generate_cmd,
        run_cmd,
        sample_cmds,
        spec_cmds,
        validate_cmd,
        verify_cmds,
    )

    for module in (spec_cmds, generate_cmd, validate_cmd, db_cmds, verify_cmds, sample_cmds,
                   run_cmd):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
