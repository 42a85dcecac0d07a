"""The mix, the scripts and the bad-input errors of ``synthgen workload`` (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.errors import EnvironmentProblem, InputError
from synthgen.spec_model import WorkloadSpec
from synthgen.verify.catalogue import load_catalogue
from synthgen.workload import make_mix, parse_override, spec_weights
from synthgen.workload.cleanup import verify_counts
from synthgen.workload.driver import find_pgbench
from synthgen.workload.scripts import MARKER_KEY_PREFIX, TYPES, build_scripts, draw_script

runner = CliRunner()


def test_spec_mix_becomes_integer_pgbench_weights_with_the_same_shares() -> None:
    mix = make_mix(spec_weights(WorkloadSpec()))
    assert set(mix.names) == set(TYPES) - {"MR"}  # marking read runs only when asked
    assert max(mix.pgbench_weights.values()) == 1000
    spec = WorkloadSpec()
    total = spec.q1 + spec.q1b + spec.q3 + spec.q4 + spec.q6 + spec.q2 + spec.q5
    for name, share in mix.shares().items():
        assert share == pytest.approx(spec_weights(spec)[name] / total, abs=1e-3)


def test_zero_weights_leave_a_type_out_and_nothing_positive_is_refused() -> None:
    assert make_mix({"Q1": 2.0, "Q2": 0.0}).names == ["Q1"]
    with pytest.raises(InputError, match="positive total"):
        make_mix({"Q1": 0.0, "Q2": 0.0})
    with pytest.raises(InputError, match="unknown transaction type"):
        make_mix({"Q7": 1.0})


def test_override_names_unknown_types_and_bad_weights() -> None:
    with pytest.raises(InputError, match=r"unknown transaction type 'Q11' .*did you mean Q1"):
        parse_override("Q11=3")
    with pytest.raises(InputError, match="must be a number >= 0"):
        parse_override("Q1=-1")
    with pytest.raises(InputError, match="must be a number >= 0"):
        parse_override("Q1=abc")


def test_scripts_bind_drawn_parameters_and_mark_every_insert() -> None:
    scripts = {s.name: s for s in build_scripts(load_catalogue(), "perf_synthetic", list(TYPES))}
    q4 = scripts["Q4"].text
    assert "\\gset" in q4
    assert ":conversation_id" in q4
    assert ":member_id" in q4
    assert "$1" not in q4
    assert ":user_id" in scripts["Q3"].text
    assert "wl_perf_synthetic_user" in scripts["Q3"].text
    assert MARKER_KEY_PREFIX in scripts["Q2"].text
    assert scripts["Q2"].writes
    assert "ON CONFLICT" in scripts["Q5"].text
    assert not scripts["Q1"].writes
    for s in scripts.values():  # each SQL command ends with ';' or \gset on one line
        sql = [ln for ln in s.text.splitlines() if not ln.startswith("\\")]
        assert all(ln.endswith(";") or ln.endswith("\\gset") for ln in sql), s.name
    assert "random(0, :conv_total - 1)" in draw_script("perf_synthetic").text


def test_verify_counts_reports_a_difference() -> None:
    same = verify_counts({"messages": 5}, {"messages": 5}, {"messages": 5})
    assert same["equal"]
    assert same["equal_to_ledger"]
    planted = verify_counts({"messages": 5}, {"messages": 6}, {"messages": 5})
    assert not planted["equal"]
    assert planted["differences"] == {"messages": 1}
    assert planted["equal_to_ledger"] is False


@pytest.mark.parametrize(("args", "message"), [
    (["--clients", "0"], "--clients must be positive"),
    (["--clients", "4,-1"], "--clients must be positive"),
    (["--clients", "x"], "--clients takes positive integers"),
    (["--mix", "Q9=1"], "unknown transaction type 'Q9'"),
    (["--mix", "Q1=0,Q1b=0,Q3=0,Q4=0,Q6=0,Q2=0,Q5=0"], "positive total"),
    (["--seconds", "0"], "--seconds must be > 0"),
    (["--rate", "0"], "--rate must be > 0"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["workload", "--dsn", "postgresql://u@127.0.0.1:1/x", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len([ln for ln in result.output.splitlines() if ln.strip()]) == 1


def test_missing_pgbench_and_unreachable_server_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHGEN_PGBENCH", "/nonexistent/pgbench")
    with pytest.raises(EnvironmentProblem, match="pgbench not found"):
        find_pgbench()
    result = runner.invoke(app, ["workload", "--dsn", "postgresql://u@127.0.0.1:1/x"])
    assert result.exit_code == 3
    assert "pgbench not found" in result.output
    monkeypatch.delenv("SYNTHGEN_PGBENCH")
    result = runner.invoke(app, ["workload", "--dsn", "postgresql://u:secret@127.0.0.1:1/x"])
    assert result.exit_code == 3, result.output
    assert "cannot connect" in result.output
    assert "secret" not in result.output


def test_merge_of_two_drivers_through_the_cli(tmp_path: Path) -> None:
    import json

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    # driver a: 10 Q1 at 1..10 ms ending +1..+10 s; driver b: 10 Q2 at 20 ms ending +1..+10 s
    (a / "tx.11").write_text("".join(f"0 {i} {i * 1000} 0 {1700000000 + i} 0\n"
                                     for i in range(1, 11)))
    (b / "tx.22").write_text("".join(f"0 {i} 20000 1 {1700000000 + i} 0\n"
                                     for i in range(1, 11)))
    wl = tmp_path / "workload.json"
    wl.write_text(json.dumps({"mix": {"weights": {"Q1": 1.0, "Q2": 1.0}}, "rate_tps": None}))
    result = runner.invoke(app, ["workload", "--merge", str(a), "--merge", str(b), "--out", str(wl),
                                 "--json"])
    assert result.exit_code == 0, result.output
    merged = json.loads(result.output)
    # common window: from the latest first start (a: +1 s - 1 ms) to the earliest last end (+10 s)
    assert merged["drivers"] == 2
    assert merged["seconds"] == pytest.approx(9.001)
    assert merged["per_type"]["Q1"]["transactions"] == 10
    assert merged["per_type"]["Q2"]["p50_ms"] == 20.0
    assert merged["all"]["p95_ms"] == 20.0
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = runner.invoke(app, ["workload", "--merge", str(a), "--merge", str(empty), "--out", str(wl)])
    assert bad.exit_code == 2
    assert "holds no pgbench log" in bad.output
