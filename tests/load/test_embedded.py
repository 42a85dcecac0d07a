"""The embedded server and the db/load/teardown commands, as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.dataset import Manifest
from synthgen.pg import server as embedded

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """A working directory whose .synthgen/pg the commands create (outside pytest's 0700 tmp)."""
    path = Path(tempfile.mkdtemp(prefix="synthgen-test-cwd-"))
    try:
        yield path
    finally:
        embedded.destroy(path / ".synthgen" / "pg")
        shutil.rmtree(path, ignore_errors=True)


def _synthgen(cwd: Path, *args: str, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    # never the user's own server: a home of our own, and no SYNTHGEN_DATA_DIR from outside
    base = {k: v for k, v in os.environ.items() if k != embedded.ENV_DATA_DIR}
    base["XDG_DATA_HOME"] = str(cwd / "xdg")
    return subprocess.run([sys.executable, "-m", "synthgen", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300, check=False, env={**base, **(env or {})})


def test_load_without_dsn_uses_the_embedded_server_and_psql_sees_the_rows(
        workdir: Path, small_dataset: tuple[Path, Manifest]) -> None:
    root, manifest = small_dataset
    # a project's own server: found from a subdirectory, not duplicated per directory
    (workdir / ".synthgen" / "pg").mkdir(parents=True)
    started = _synthgen(workdir, "db", "start", "--data-dir", str(workdir / ".synthgen" / "pg"))
    assert started.returncode == 0, started.stderr
    assert "created and started the embedded PostgreSQL server" in started.stderr
    (workdir / "sub" / "dir").mkdir(parents=True)
    loaded = _synthgen(workdir / "sub" / "dir", "load", str(root))
    assert loaded.returncode == 0, loaded.stderr
    assert "started" not in loaded.stderr  # reused, not a second server
    assert "synthgen db psql" in loaded.stdout
    assert not (workdir / "sub" / "dir" / ".synthgen").exists()
    assert not (workdir / "xdg").exists()
    # the server outlives the command that started it, and db url finds it again
    url = _synthgen(workdir, "db", "url")
    assert url.returncode == 0, url.stderr
    dsn = url.stdout.strip()
    assert dsn.startswith("postgresql://postgres@127.0.0.1:")
    psql = shutil.which("psql") or str(embedded.bin_dir() / "psql")
    out = subprocess.run([psql, dsn, "-XAtc", "select count(*) from perf_synthetic.messages"],
                         capture_output=True, text=True, check=True, timeout=60)
    assert int(out.stdout.strip()) == manifest.table_rows("messages")
    # the wheel's own client, no system psql needed
    own = _synthgen(workdir, "db", "psql", "-XAtc", "select count(*) from perf_synthetic.users")
    assert own.returncode == 0, own.stderr
    assert int(own.stdout.strip()) == manifest.table_rows("users")


def test_default_data_dir_is_per_user_or_project_not_per_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embedded.ENV_DATA_DIR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert embedded.default_dir(tmp_path / "a" / "b") == tmp_path / "xdg" / "synthgen" / "pg"
    project = tmp_path / "a" / ".synthgen" / "pg"
    project.mkdir(parents=True)
    # an empty .synthgen/pg is not a server: still the user's
    assert embedded.default_dir(tmp_path / "a" / "b") == tmp_path / "xdg" / "synthgen" / "pg"
    (project / "PG_VERSION").write_text("18\n")
    assert embedded.default_dir(tmp_path / "a" / "b") == project
    monkeypatch.setenv(embedded.ENV_DATA_DIR, str(tmp_path / "mine"))
    assert embedded.default_dir(tmp_path / "a" / "b") == tmp_path / "mine"


def test_db_status_stop_start_keep_the_data(workdir: Path) -> None:
    status = json.loads(_synthgen(workdir, "db", "status", "--json").stdout)
    assert status["running"]
    assert status["initialized"]
    assert _synthgen(workdir, "db", "stop").stdout.strip() == "stopped"
    assert not json.loads(_synthgen(workdir, "db", "status", "--json").stdout)["running"]
    assert _synthgen(workdir, "db", "stop").stdout.strip() == "not running"
    started = _synthgen(workdir, "db", "start")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == status["dsn"]  # same port: the same server comes back
    from tests.fixtures.db import pg_exec

    assert pg_exec(status["dsn"], "SELECT count(*) > 0 FROM perf_synthetic.users") == [(True,)]


def test_ensure_server_reuses_a_running_server(workdir: Path) -> None:
    data_dir = workdir / ".synthgen" / "pg"
    first = embedded.ensure_server(data_dir)
    pid = embedded.status(data_dir).pid
    assert embedded.ensure_server(data_dir) == first
    assert embedded.status(data_dir).pid == pid


def test_teardown_asks_then_drops_only_what_synthgen_created(workdir: Path) -> None:
    from tests.fixtures.db import pg_exec

    dsn = embedded.ensure_server(workdir / ".synthgen" / "pg")
    pg_exec(dsn, "CREATE TABLE public.keep_me (x int)")
    runner = CliRunner()
    before = Path.cwd()
    os.chdir(workdir)  # the project's server is found from the working directory
    saved = os.environ.pop(embedded.ENV_DATA_DIR, None)
    try:
        refused = runner.invoke(app, ["teardown"], input="n\n")
        assert refused.exit_code == 1
        assert 'DROP SCHEMA "perf_synthetic"' in refused.output
        assert pg_exec(dsn, "SELECT to_regnamespace('perf_synthetic') IS NOT NULL") == [(True,)]
        # something synthgen did not create depends on its tables: nothing is dropped
        pg_exec(dsn, "CREATE VIEW public.v AS SELECT id FROM perf_synthetic.users")
        blocked = runner.invoke(app, ["teardown", "--yes"])
        assert blocked.exit_code == 3
        assert "nothing was dropped" in blocked.output
        assert pg_exec(dsn, "SELECT count(*) > 0 FROM perf_synthetic.users") == [(True,)]
        pg_exec(dsn, "DROP VIEW public.v")
        done = runner.invoke(app, ["teardown", "--yes"])
        assert done.exit_code == 0, done.output
    finally:
        if saved is not None:
            os.environ[embedded.ENV_DATA_DIR] = saved
        os.chdir(before)  # later tests resolve repo-relative defaults from the working directory
    assert pg_exec(dsn, "SELECT to_regnamespace('perf_synthetic') IS NULL, "
                        "to_regclass('public.keep_me') IS NOT NULL, "
                        "to_regclass('_synthgen.marker') IS NOT NULL") == [(True, True, True)]
    assert pg_exec(dsn, "SELECT count(*) FROM _synthgen.schemas "
                        "WHERE schema_name = 'perf_synthetic'") == [(0,)]
    again = CliRunner().invoke(app, ["teardown", "--dsn", dsn, "--yes"])
    assert again.exit_code == 0
    assert "nothing synthgen created" in again.output
