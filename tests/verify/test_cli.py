"""The verify / indexes commands: exit codes and output (CliRunner, plus one subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from tests.verify import minidata
from tests.verify.fakes import doc, index, result

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _write(tmp: Path, name: str, d: dict) -> Path:
    p = tmp / name
    p.write_text(json.dumps(d))
    return p


def _go_files(tmp: Path) -> tuple[Path, Path, Path]:
    """A candidate file creating index i, and a pre/post pair it makes 10x faster."""
    cand = tmp / "cand.sql"
    cand.write_text('CREATE INDEX CONCURRENTLY "i" ON {schema}."messages" ("type", "id");\n')
    new = index("i", "messages", "type", "id")
    pre = _write(tmp, "pre.json", doc("pre", [result("Q1", "a", 10, sorts=1)]))
    good = _write(tmp, "good.json", doc("post", [result("Q1", "a", 1, indexes=("i",))],
                                        indexes=[new]))
    return cand, pre, good


def test_compare_exit_codes(tmp_path: Path) -> None:
    cand, pre, good = _go_files(tmp_path)
    new = index("i", "messages", "type", "id")
    bad = _write(tmp_path, "bad.json", doc("post", [result("Q1", "a", 9.5, sorts=1)],
                                           indexes=[new]))
    r = runner.invoke(app, ["verify", "compare", str(pre), str(good), "--indexes", str(cand)])
    assert r.exit_code == 0, r.output
    assert "gate 2 (index verification): GO" in r.output
    r = runner.invoke(app, ["verify", "compare", str(pre), str(bad), "--no-diffs",
                            "--indexes", str(cand)])
    assert r.exit_code == 1
    assert "NO-GO" in r.output
    assert "FAIL: workload-weighted time ratio" in r.output
    assert "i: unused" in r.output
    # the same GO pair with a stricter threshold is NO-GO
    r = runner.invoke(app, ["verify", "compare", str(pre), str(good), "--indexes", str(cand),
                            "--min-improvement", "0.95"])
    assert r.exit_code == 1, r.output


def test_compare_with_the_workload_under_load(tmp_path: Path) -> None:
    from tests.verify.test_workload_compare import _doc

    cand, pre, post = _go_files(tmp_path)
    w_pre = _write(tmp_path, "w-pre.json", {**_doc(1), "format": "synthgen-workload/1"})
    w_ok = _write(tmp_path, "w-ok.json", _doc(2))
    w_bad = _write(tmp_path, "w-bad.json", _doc(2, slower={"Q4": 2.0}))
    args = ["verify", "compare", str(pre), str(post), "--indexes", str(cand), "--workload"]
    r = runner.invoke(app, [*args, str(w_pre), str(w_ok)])
    assert r.exit_code == 0, r.output
    assert "ok: no workload p95 or throughput degraded" in r.output
    assert "under load" in r.output
    r = runner.invoke(app, [*args, str(w_pre), str(w_bad)])
    assert r.exit_code == 1, r.output
    assert "FAIL: 2 workload figure(s) degraded" in r.output
    assert "1 clients: Q4 p95 +" in r.output
    r = runner.invoke(app, [*args, str(w_pre), str(post)])
    assert r.exit_code == 2
    assert "is not a synthgen-workload/1 document" in r.output
    r = runner.invoke(app, [*args, str(w_pre), str(tmp_path / "none.json")])
    assert r.exit_code == 2
    assert "workload file not found" in r.output


def test_compare_refuses_a_file_that_is_not_a_baseline(tmp_path: Path) -> None:
    junk = _write(tmp_path, "junk.json", {"hello": 1})
    r = runner.invoke(app, ["verify", "compare", str(junk), str(junk)])
    assert r.exit_code == 2
    assert "not a synthgen baseline" in r.output


def test_compare_json_in_a_real_process(tmp_path: Path) -> None:
    pre = _write(tmp_path, "pre.json", doc("pre", [result("Q1", "a", 10, sorts=1)]))
    post = _write(tmp_path, "post.json", doc("post", [result("Q1", "a", 9.9, sorts=1)]))
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "synthgen", "verify", "compare", str(pre),
                           str(post), "--json", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["decision"] == "NO-GO"
    assert report["reasons"]
    assert json.loads(out.read_text())["decision"] == "NO-GO"


@pytest.mark.db
def test_baseline_apply_compare_rollback_end_to_end(pg_dsn: str, fresh_schema: str,
                                                    tmp_path: Path) -> None:
    minidata.build(pg_dsn, fresh_schema, users=100, conversations=150, messages=8_000)
    common = ["--dsn", pg_dsn, "--schema", fresh_schema]
    pre, post = tmp_path / "pre.json", tmp_path / "post.json"
    r = runner.invoke(app, ["verify", "baseline", "--label", "pre", "--runs", "2",
                            "--out", str(pre), *common])
    assert r.exit_code == 0, r.output
    assert "Q1 " in r.output
    assert "conv_max_1" in r.output
    assert "write_heavy" in r.output
    r = runner.invoke(app, ["indexes", "apply", str(ROOT / "indexes/phase-2.sql"), *common])
    assert r.exit_code == 0, r.output
    assert r.stdout.count("created ") == 3
    assert "MiB" in r.stdout
    r = runner.invoke(app, ["verify", "baseline", "--label", "post", "--runs", "2",
                            "--params-from", str(pre), "--out", str(post), *common])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["verify", "compare", str(pre), str(post),
                            "--indexes", str(ROOT / "indexes/phase-2.sql")])
    assert r.exit_code == 1, r.output  # the shipped candidate is redundant: NO-GO
    assert "REDUNDANT" in r.output
    assert "rule and arithmetic" in r.output
    assert "gate 2" in r.output
    r = runner.invoke(app, ["indexes", "rollback", str(ROOT / "indexes/phase-2.rollback.sql"),
                            "--json", *common])
    assert r.exit_code == 0, r.output
    assert [s["status"] for s in json.loads(r.stdout)["statements"]] == ["dropped"] * 3


def test_hostile_schema_is_refused_without_connecting(tmp_path: Path) -> None:
    r = runner.invoke(app, ["indexes", "apply", str(ROOT / "indexes/phase-2.sql"), "--dsn",
                            "postgresql://nobody:pw@127.0.0.1:1/none", "--schema", 'a"b'])
    assert r.exit_code == 2
    assert "refused" in r.output
    assert "pw" not in r.output
