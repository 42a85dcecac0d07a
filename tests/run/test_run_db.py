"""`synthgen run --band ci` end to end on PostgreSQL (embedded, and SYNTHGEN_TEST_DSN if set)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from tests.fixtures.db import pg_exec
from tests.run.conftest import INDEXES

pytestmark = [pytest.mark.db, pytest.mark.slow]  # every test here generates a dataset


WORKLOAD = ("--workload-seconds", "2", "--workload-clients", "1,2", "--workload-repeats", "2")
"""A short workload phase (the end-to-end test); the others run with ``--no-workload``."""


def invoke(*args: str) -> tuple[int, str]:
    phase = () if "--workload-seconds" in args else ("--no-workload",)
    result = CliRunner().invoke(app, ["run", "--band", "ci", "--runs", "3", "--workers", "1",
                                      "--indexes", str(INDEXES), *phase, *args])
    return result.exit_code, result.output


def schema_exists(dsn: str, schema: str) -> bool:
    return bool(pg_exec(dsn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", (schema,)))


def index_names(dsn: str, schema: str) -> set[str]:
    return {str(r[0]) for r in pg_exec(dsn, "SELECT indexname FROM pg_indexes WHERE schemaname = $1",
                                       (schema,))}


def test_run_end_to_end_writes_reports_and_exits_with_the_verdict(
        pg_dsn: str, fresh_schema: str, tmp_path: Path) -> None:
    out = tmp_path / "ci"
    code, output = invoke("--seed", "run_e2e", "--dsn", pg_dsn, "--schema", fresh_schema,
                          "--out", str(out), *WORKLOAD)
    report = json.loads((out / "report.json").read_text())
    assert code == 1, output
    assert report["gates"]["fidelity"]["decision"] == "GO"
    # the shipped candidate's two DESC copies are redundant: NO-GO by rule, whatever the clock
    assert report["gates"]["indexes"]["decision"] == "NO-GO"
    assert report["decision"] == "NO-GO"
    assert report["seed"] == "run_e2e"
    assert report["band"] == "ci"
    assert report["counts"]["messages"] == 60_000
    assert [s["status"] for s in report["stages"]] == ["done"] * 12
    # the workload phase: replayed pre and post with the same seed, rows cleaned up, judged
    pre, post = (json.loads((out / f"workload-{s}.json").read_text()) for s in ("pre", "post"))
    assert pre["seed"] == post["seed"]
    for wl in (pre, post):
        assert [(lv["clients"], lv["repeat"]) for lv in wl["levels"]] == [
            (1, 0), (2, 0), (1, 1), (2, 1)]
        assert all(lv["control"]["transactions"] > 0 for lv in wl["levels"])
        assert wl["cleanup"]["counts"]["equal"] is True
    compare = json.loads((out / "compare.json").read_text())
    assert compare["criteria"][-1]["name"] == "workload_no_regression"
    assert [lv["clients"] for lv in compare["workload"]["levels"]] == [1, 2]
    assert "seed" not in output.split("spec check")[0]  # a given seed is not announced
    for name in ("report.md", "report.html", "baseline-pre.json", "baseline-post.json"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert not re.search(r'(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', html)
    assert "http://" not in html
    assert "https://" not in html
    assert html.count("<svg") >= 7  # six shape plots (+ media) and the query timings
    for title in ("Messages per conversation (CCDF", "Read latency", "hour of week",
                  "Content length", "Conversations by size", "Attachment types"):
        assert title in html, title
    md = (out / "report.md").read_text()
    assert "| Q1 |" in md
    assert "Gate 1: fidelity" in md
    assert "REDUNDANT".lower() in md.lower()
    assert "### Under load (workload replay, pre and post)" in md
    assert "| 2 | time per transaction |" in md
    assert html.count("p95 latency against clients</text>") == 7  # one chart per type
    # default finish: data kept, phase-2 indexes rolled back
    assert schema_exists(pg_dsn, fresh_schema)
    assert "messages_conversationId_createdAt_desc_idx" not in index_names(pg_dsn, fresh_schema)
    assert "messages_conversationId_createdAt_idx" in index_names(pg_dsn, fresh_schema)


def test_unmeetable_spec_stops_before_loading(pg_dsn: str, fresh_schema: str, tmp_path: Path,
                                              unmeetable_spec: Path) -> None:
    out = tmp_path / "ci"
    code, output = invoke("--seed", "run_bad", "--dsn", pg_dsn, "--schema", fresh_schema,
                          "--out", str(out), "--spec", str(unmeetable_spec))
    assert code == 1, output
    report = json.loads((out / "report.json").read_text())
    assert report["decision"] == "NO-GO"
    assert report["status"] == "stopped"
    assert report["gates"]["fidelity"]["decision"] == "NO-GO"
    assert any("burstiness" in r for r in report["gates"]["fidelity"]["reasons"])
    status = {s["name"]: s["status"] for s in report["stages"]}
    assert status["validate"] == "done"
    assert all(status[s] == "not-run" for s in ("load", "baseline pre", "compare", "finish"))
    assert not schema_exists(pg_dsn, fresh_schema)  # nothing was loaded
    assert not (out / "load.json").exists()
    assert "gate 1 (fidelity): NO-GO" in output


def test_resume_after_interruption_redoes_nothing_complete(pg_dsn: str, fresh_schema: str,
                                                           tmp_path: Path) -> None:
    from synthgen.generate import generate_dataset

    out = tmp_path / "ci"
    # interrupted between stages: the dataset is complete, nothing else happened
    generate_dataset(out, "ci", "run_resume", workers=1)
    manifest_mtime = (out / "manifest.json").stat().st_mtime_ns

    code, output = invoke("--dsn", pg_dsn, "--schema", fresh_schema, "--out", str(out),
                          "--resume", "--keep")
    report = json.loads((out / "report.json").read_text())
    assert code == (0 if report["decision"] == "GO" else 1), output
    assert report["seed"] == "run_resume"  # taken from the dataset
    status = {s["name"]: s["status"] for s in report["stages"]}
    assert status["generate"] == "skipped"
    assert status["load"] == "done"
    assert status["workload pre"] == status["workload post"] == "skipped"  # --no-workload
    assert not (out / "workload-pre.json").exists()
    assert (out / "manifest.json").stat().st_mtime_ns == manifest_mtime
    # --keep leaves the new indexes
    assert "messages_conversationId_createdAt_desc_idx" in index_names(pg_dsn, fresh_schema)

    baseline_mtime = (out / "baseline-pre.json").stat().st_mtime_ns
    code2, output2 = invoke("--dsn", pg_dsn, "--schema", fresh_schema, "--out", str(out),
                            "--resume", "--teardown")
    again = json.loads((out / "report.json").read_text())
    assert code2 == code, output2
    status = {s["name"]: s["status"] for s in again["stages"]}
    assert [status[s] for s in ("generate", "validate", "load", "baseline pre", "apply indexes",
                                "baseline post")] == ["skipped"] * 6
    assert (out / "baseline-pre.json").stat().st_mtime_ns == baseline_mtime
    assert (out / "manifest.json").stat().st_mtime_ns == manifest_mtime
    assert again["gates"]["indexes"]["decision"] == report["gates"]["indexes"]["decision"]
    assert not schema_exists(pg_dsn, fresh_schema)  # --teardown dropped it
