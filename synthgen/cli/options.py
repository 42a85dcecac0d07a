"""The options several commands share, declared once: names, short flags, env vars, help.

An option with one meaning everywhere is an ``Annotated`` alias (``dsn: Dsn = None``); one
whose help depends on the command (``--out``, ``--seed``, ``--json`` ...) is a factory that
fixes the names and takes the help (``out: Annotated[Path, out("Export file.")]``).
Defaults stay in each command's signature. Boolean flags are shown without a ``<bool>``
placeholder: they take no value (``Command``/``Group`` do the same for ``--help``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

# An empty metavar hides the type column of a flag in the help table.
NO_VALUE = ""


def flag(*names: str, help: str) -> Any:
    """A boolean flag (``--x`` or ``--x/--no-x``) shown without a value placeholder."""
    return typer.Option(*names, help=help, metavar=NO_VALUE)


def out(help: str) -> Any:
    """``--out``/``-o``: where a command writes its result."""
    return typer.Option("--out", "-o", help=help)


def seed(help: str) -> Any:
    """``--seed``/``-s``: the seed string of a plan."""
    return typer.Option("--seed", "-s", help=help)


def as_json(help: str) -> Any:
    """``--json``: machine-readable output instead of tables."""
    return flag("--json", help=help)


def force(help: str) -> Any:
    """``--force``: replace or overrule what a guard would otherwise refuse."""
    return flag("--force", help=help)


def resume(help: str) -> Any:
    """``--resume``: continue from what an earlier run left complete."""
    return flag("--resume", help=help)


def cluster(help: str) -> Any:
    """``--cluster``: a Dask scheduler address (tcp://host:8786) or local:N."""
    return typer.Option("--cluster", help=help)


Dsn = Annotated[str | None, typer.Option(
    "--dsn", envvar="SYNTHGEN_DSN", show_envvar=False,
    help="Target PostgreSQL DSN (default: the embedded server, see --data-dir).")]
ProductionDsn = Annotated[str, typer.Option(
    "--dsn", envvar="SYNTHGEN_SAMPLE_DSN",
    help="Production (replica) DSN; the session is read-only.")]
Schema = Annotated[str, typer.Option("--schema", help="Schema holding the app's tables.")]
Band = Annotated[str, typer.Option(
    "--band", "-b", help="Band name (ci, dev, staging, perf) or path to a band .toml file.")]
Spec = Annotated[Path | None, typer.Option("--spec", help="Spec JSON (default: the shipped one).")]
Tolerance = Annotated[str, typer.Option(
    "--tolerance", help="strict (x1/3), normal (x1), relaxed (x2) or a factor that scales "
                        "every metric's declared band.")]
Workers = Annotated[int, typer.Option(
    "--workers", "-w", min=1,
    help="Generation worker processes (any number gives the same data).")]
Jobs = Annotated[int, typer.Option("--jobs", min=1, max=32, help="Parallel load connections.")]
Runs = Annotated[int, typer.Option(
    "--runs", min=1, max=1000, help="Measured EXPLAIN runs per query and parameter set.")]
DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Embedded server data directory (default: $SYNTHGEN_DATA_DIR, else "
    "the nearest .synthgen/pg above the working directory, else "
    "~/.local/share/synthgen/pg).")]
Dataset = Annotated[str, typer.Argument(
    help="Dataset directory (with manifest.json), or a filesystem URL such as "
         "s3://bucket/prefix (credentials from the environment, as pyarrow reads them: "
         "AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL ...; never printed).")]
Debug = Annotated[bool, flag("--debug", help="Show tracebacks on errors.")]


class _FlagHelp:
    """Show Typer's own ``--help`` flag without a value placeholder, like ours."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = NO_VALUE
        return option


class Command(_FlagHelp, TyperCommand):
    """The class of every synthgen command (``cls=Command``)."""


class Group(_FlagHelp, TyperGroup):
    """The class of every synthgen command group (``typer.Typer(cls=Group)``)."""
