"""The synthgen command line: a thin Typer app, one command (group) per pipeline stage.

Every command is a module-level function in this package; the tables below are the whole
command tree. Each body parses options, calls the library and renders; heavy imports
(numpy, pyarrow, duckdb, adbc) happen inside the bodies so ``synthgen --help`` stays instant.
Errors and exit codes are handled in one place, ``guard.guarded``; shared options are
declared once, in ``options``.
"""

from __future__ import annotations

import typer

from synthgen.cli import (
    db_cmds,
    generate_cmd,
    run_cmd,
    sample_cmds,
    spec_cmds,
    validate_cmd,
    verify_cmds,
    workload_cmd,
)
from synthgen.cli.guard import guarded, set_debug
from synthgen.cli.options import Command, Debug, Group

__all__ = ["app", "guarded", "main"]

app = typer.Typer(
    name="synthgen",
    help="Production-shaped synthetic data for the chat app's PostgreSQL database.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    cls=Group,
)


@app.callback()
def _root(debug: Debug = False) -> None:
    """synthgen: generate, validate, load, verify, report."""
    set_debug(debug)


# Top-level commands in the order ``synthgen --help`` lists them (groups follow).
COMMANDS = (
    ("generate", generate_cmd.generate),
    ("validate", validate_cmd.validate),
    ("load", db_cmds.load),
    ("teardown", db_cmds.teardown),
    ("sample", sample_cmds.sample),
    ("workload", workload_cmd.workload),
    ("run", run_cmd.run_pipeline),
)
GROUPS = (
    ("spec", spec_cmds.spec_app),
    ("db", db_cmds.db_app),
    ("verify", verify_cmds.verify_app),
    ("indexes", verify_cmds.indexes_app),
)

for _name, _command in COMMANDS:
    app.command(_name, cls=Command)(_command)
for _name, _group in GROUPS:
    app.add_typer(_group, name=_name)


def main() -> None:
    """Console-script entry point."""
    app()
