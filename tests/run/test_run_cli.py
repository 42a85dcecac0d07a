"""`synthgen run` without a database: bad input, an existing dataset, a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.pipeline import default_seed
from tests.run.conftest import INDEXES, ROOT


@pytest.mark.parametrize(("args", "message"), [
    (["--keep", "--teardown"], "exclude each other"),
    (["--band", "nope"], "unknown band"),
    (["--tolerance", "loose"], "tolerance"),
    (["--indexes", "no/such.sql"], "index file not found"),
    (["--workload-clients", "1,0"], "--clients must be positive integers"),
    (["--workload-clients", "one"], "--clients takes positive integers"),
    (["--workload-seconds", "-1"], "--workload-seconds"),
    (["--workload-repeats", "0"], "--workload-repeats"),
])
def test_bad_input_is_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    argv = ["run", "--band", "ci", "--out", str(tmp_path / "ci"), *args]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_url_out_is_refused_not_made_a_directory(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "--band", "ci", "--out", "s3://key:pw@bucket/x"])
    assert result.exit_code == 2, result.output
    assert "--out must be a local directory" in result.output
    assert "pw" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_complete_dataset_needs_resume_or_force(tmp_path: Path) -> None:
    from synthgen.generate import generate_dataset

    out = tmp_path / "ci"
    generate_dataset(out, "ci", "cli_existing", workers=1)
    result = CliRunner().invoke(app, ["run", "--band", "ci", "--out", str(out)])
    assert result.exit_code == 2
    assert "--resume" in result.output
    assert "--force" in result.output
    other = CliRunner().invoke(app, ["run", "--band", "ci", "--out", str(out), "--resume",
                                     "--seed", "another"])
    assert other.exit_code == 2
    assert "cli_existing" in other.output


def test_default_seed_names_band_and_day() -> None:
    import datetime as dt

    seed = default_seed("dev", dt.datetime(2026, 11, 24, tzinfo=dt.UTC))
    assert seed.startswith("dev_20261124_")
    assert len(seed) == len("dev_20261124_") + 6
    assert default_seed("dev") != default_seed("dev")


def test_missing_seed_is_generated_and_announced(tmp_path: Path) -> None:
    from rich.console import Console

    from synthgen.cli.run_cmd import _events
    from synthgen.pipeline import STAGES, RunOptions, RunRecord
    from synthgen.pipeline.runner import run_stage

    screen = io.StringIO()
    rec = RunRecord.start(RunOptions(band="ci", out=tmp_path / "ci", indexes=INDEXES),
                          _events(Console(file=screen, width=200), live=False))
    result, ran = run_stage(rec, STAGES[0], ran_any=False)
    assert ran
    assert rec.stages[-1].status == "done"
    assert rec.seed.startswith("ci_")
    assert rec.seed_source == "generated"
    lines = screen.getvalue().splitlines()
    assert lines[0] == f"  seed: {rec.seed}  (generated; pass --seed to choose it)"
    assert lines[1].startswith(f"[ 1/{len(STAGES)}] spec check")
    assert len(lines) == 2
    assert "infeasible" in result.note or "feasible" in result.note


def test_resume_reuses_only_outputs_made_with_the_same_inputs(tmp_path: Path) -> None:
    from synthgen.pipeline import RunOptions, RunRecord
    from synthgen.pipeline.record import Gate
    from synthgen.pipeline.runner import reusable, run_stage
    from synthgen.pipeline.stages import Stage

    def fresh(rec: RunRecord) -> Gate:
        return Gate({"decision": "GO"}, "ran")

    def old(rec: RunRecord) -> Gate:
        return Gate({"decision": "GO"}, "reused")

    rec = RunRecord.start(RunOptions(band="ci", out=tmp_path, indexes=INDEXES, resume=True))
    (tmp_path / "a.json").write_text("{}")
    own = Stage("own", fresh, old, outputs=("a.json",), key=lambda r: {"k": r.opts.runs})
    borrowing = Stage("borrowing", fresh, old, outputs=("a.json",), key=lambda r: {"k": 1},
                      state="elsewhere")
    assert not reusable(own, rec, ran_any=False)  # nothing recorded yet
    assert run_stage(rec, own, ran_any=False)[1]  # ran, and recorded its inputs
    assert run_stage(rec, borrowing, ran_any=False)[0].note == "ran"
    assert "borrowing" not in rec.state.doc["stages"]  # a borrowed entry is not written
    assert reusable(own, rec, ran_any=False)
    assert not reusable(own, rec, ran_any=True)  # an earlier stage ran: redo
    rec.opts.runs += 1
    assert not reusable(own, rec, ran_any=False)  # other inputs
    rec.opts.runs -= 1
    (tmp_path / "a.json").unlink()
    assert not reusable(own, rec, ran_any=False)  # output gone
    assert json.loads((tmp_path / "run-state.json").read_text())["stages"]["own"]["key"] == {
        "k": 10}


@pytest.mark.slow
def test_subprocess_run_stops_at_gate_1_with_exit_1(tmp_path: Path,
                                                    unmeetable_spec: Path) -> None:
    out = tmp_path / "ci"
    env = {**os.environ, "NO_COLOR": "1"}
    # no database is touched: gate 1 stops the run before the load (the DSN is never used)
    proc = subprocess.run([sys.executable, "-m", "synthgen", "run", "--band", "ci", "--out",
                           str(out), "--spec", str(unmeetable_spec), "--workers", "1",
                           "--seed", "run_bad",
                           "--indexes", str(INDEXES),
                           "--dsn", "postgresql://nobody@127.0.0.1:1/none", "--json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
                          check=False)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["decision"] == "NO-GO"
    assert doc["gates"]["indexes"] is None
    assert doc["seed"] == "run_bad" == json.loads((out / "report.json").read_text())["seed"]
    assert "[ 3/12] validate" in proc.stderr  # stage lines go to stderr with --json
    assert (out / "report.html").is_file()
    assert (out / "report.md").is_file()


@pytest.mark.slow
def test_unreachable_database_is_exit_3_with_a_report(tmp_path: Path) -> None:
    out = tmp_path / "ci"
    # an interrupted generation left its seed behind (and a partial file, no manifest)
    (out / "messages" / "part=00000").mkdir(parents=True)
    (out / "messages" / "part=00000" / ".data.parquet.tmp").write_bytes(b"partial")
    (out / ".run-seed").write_text("run_e2e\n")
    result = CliRunner().invoke(app, ["run", "--band", "ci", "--resume", "--workers",
                                      "1", "--out", str(out), "--indexes", str(INDEXES),
                                      "--dsn", "postgresql://nobody:secret@127.0.0.1:1/none"])
    assert result.exit_code == 3, result.output
    assert "run_e2e  (of the interrupted generation)" in result.output
    assert (out / "seed.txt").read_text().strip() == "run_e2e"
    assert not (out / ".run-seed").exists()
    assert "secret" not in result.output
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "failed"
    assert report["error"].startswith("load: ")
    assert "secret" not in (out / "report.json").read_text()
    status = {s["name"]: s["status"] for s in report["stages"]}
    assert status["validate"] == "done"
    assert status["load"] == "failed"
    assert status["compare"] == "not-run"


def test_refused_directory_keeps_earlier_run_outputs(tmp_path: Path) -> None:
    out = tmp_path / "ci"
    out.mkdir()
    (out / "report.json").write_text('{"earlier": true}\n')
    (out / "notes.txt").write_text("not ours\n")
    result = CliRunner().invoke(app, ["run", "--band", "ci", "--out", str(out), "--seed", "s",
                                      "--indexes", str(INDEXES), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert "does not look like a synthgen dataset" in result.output
    assert (out / "report.json").read_text() == '{"earlier": true}\n'
