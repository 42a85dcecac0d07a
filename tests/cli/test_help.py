"""Every command's ``--help`` through Typer's CliRunner, one real ``synthgen --help``, and
the promise behind an instant ``--help``: importing the CLI loads no heavy library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.errors import SynthgenError

runner = CliRunner()

# What `import synthgen.cli` must not load: the command bodies import these when they run.
HEAVY = ("numpy", "pyarrow", "duckdb", "adbc_driver_manager", "adbc_driver_postgresql",
         "psycopg", "scipy", "pandas")


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every (path, command) of the tree, groups included, root first."""
    found = [(path, command)]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(None):
            found += _commands(command.get_command(None, name), (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_tree_has_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert names >= {"", "generate", "validate", "load", "teardown", "sample", "run",
                     "spec", "spec check", "spec schema", "spec calibrate",
                     "db", "db start", "db stop", "db status", "db url",
                     "verify", "verify baseline", "verify compare",
                     "indexes", "indexes apply", "indexes rollback"}


@pytest.mark.parametrize(("path", "command"), COMMANDS,
                         ids=[" ".join(p) or "synthgen" for p, _ in COMMANDS])
def test_help_exits_0_and_lists_every_option(path: tuple[str, ...], command: Any) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for param in command.params:
        if getattr(param, "hidden", False) or param.param_type_name == "argument":
            continue
        for name in (*param.opts, *param.secondary_opts):
            assert name in result.output, f"{name} missing from `{' '.join(path)} --help`"
    # Flags take no value, so their help shows no value placeholder.
    assert "<bool>" not in result.output


def test_every_command_accepts_debug() -> None:
    for path, command in COMMANDS:
        if path and not hasattr(command, "list_commands"):
            assert any("--debug" in p.opts for p in command.params), " ".join(path)


def test_debug_after_the_command_shows_the_error_itself() -> None:
    missing = "/nonexistent/synthgen-dataset"
    plain = runner.invoke(app, ["validate", missing])
    assert plain.exit_code == 2
    assert "error: dataset directory not found" in plain.output
    for args in (["--debug", "validate", missing], ["validate", missing, "--debug"]):
        result = runner.invoke(app, args)
        assert isinstance(result.exception, SynthgenError), args
    # The root flag does not stick to the next invocation.
    assert runner.invoke(app, ["validate", missing]).exit_code == 2


def _synthgen() -> list[str]:
    script = Path(sys.executable).with_name("synthgen")
    return [str(script)] if script.exists() else [shutil.which("synthgen") or "synthgen"]


def test_real_synthgen_help() -> None:
    proc = subprocess.run([*_synthgen(), "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    for name in ("generate", "validate", "load", "run", "spec", "verify", "indexes"):
        assert name in proc.stdout


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import json, sys\n"
            "import synthgen.cli\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(proc.stdout) == []


@pytest.mark.parametrize("command", ["generate", "load"])
def test_the_cluster_extra_is_named_whole(command: str) -> None:
    """Rich markup would eat "[cluster]" from the install hint unless it is escaped."""
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "synthgen[cluster]" in result.output
