"""Writes leave no trace: counts and contents equal before and after, also after a killed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from synthgen.errors import InputError
from synthgen.pg.connect import connect
from synthgen.pg.sql import qualified
from synthgen.workload import WorkloadOptions, clean_schema, make_mix, run_workload
from synthgen.workload.cleanup import begin, pending, table_counts
from synthgen.workload.draw import build_draw_tables, helper_table
from synthgen.workload.driver import Step, find_pgbench, run_step
from synthgen.workload.scripts import MARKER_KEY_PREFIX, catalogue_script
from tests.fixtures.db import pg_exec
from tests.verify import minidata

pytestmark = pytest.mark.db

WRITES = make_mix({"Q2": 1.0, "Q5": 2.0, "Q1": 1.0, "MR": 1.0})


def _fingerprint(dsn: str, schema: str) -> dict[str, str]:
    """md5 of every row of the tables the writes touch (contents, not just counts)."""
    out = {}
    for t in ("messages", "message_receipts", "message_reads", "conversation_users"):
        out[t] = str(pg_exec(dsn, f"SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.\"id\"), "
                                  f"'')) FROM {qualified(schema, t)} AS x")[0][0])
    return out


def _with_receipts(dsn: str, schema: str) -> None:
    """Minidata plus receipts on each conversation's latest message, so Q5 updates rows too."""
    minidata.build(dsn, schema, users=120, conversations=60, messages=4000)
    s = qualified(schema, "message_receipts")
    pg_exec(dsn, f"""INSERT INTO {s} ("id", "state", "timestamp", "createdAt", "updatedAt",
                                      "messageId", "userId")
        SELECT 'rc' || row_number() OVER (), st::{qualified(schema, 'ReceiptState')},
               '2026-10-02', '2026-10-02', '2026-10-02', last.id, cu."userId"
        FROM (SELECT DISTINCT ON ("conversationId") "conversationId" AS cid, "id"
              FROM {qualified(schema, 'messages')}
              ORDER BY "conversationId", "createdAt" DESC, "id" DESC) AS last
        JOIN {qualified(schema, 'conversation_users')} AS cu
          ON cu."conversationId" = last.cid AND cu."isActive"
        CROSS JOIN (VALUES ('DELIVERED')) AS v(st)""")  # READ upserts insert new rows


def test_counts_and_contents_equal_after_a_run(pg_dsn: str, fresh_schema: str) -> None:
    _with_receipts(pg_dsn, fresh_schema)
    conn = connect(pg_dsn)
    before = table_counts(conn, fresh_schema)
    conn.close()
    prints = _fingerprint(pg_dsn, fresh_schema)
    doc = run_workload(pg_dsn, fresh_schema, WorkloadOptions(WRITES, (1, 2), 2, seed=7))
    c = doc["cleanup"]
    assert c["messages_removed"] > 0
    assert c["receipts_removed"] > 0
    assert c["receipts_restored"] > 0  # upserts hit existing receipts and were put back
    assert c["memberships_restored"] > 0  # marking read changed memberships, put back
    assert c["counts"]["equal"]
    assert c["counts"]["before"] == before
    conn = connect(pg_dsn)
    assert table_counts(conn, fresh_schema) == before
    conn.close()
    assert _fingerprint(pg_dsn, fresh_schema) == prints
    assert [lv["clients"] for lv in doc["levels"]] == [1, 2]
    assert doc["levels"][0]["summary"]["per_type"]["Q2"]["transactions"] > 0
    assert doc["levels"][1]["server"]["wal_bytes"] is None or doc["levels"][1]["server"]["wal_bytes"] > 0


def test_contents_differ_when_the_restore_is_skipped(pg_dsn: str, fresh_schema: str) -> None:
    """Planted fault: drop the receipts snapshot before cleanup; the fingerprint must notice."""
    _with_receipts(pg_dsn, fresh_schema)
    prints = _fingerprint(pg_dsn, fresh_schema)
    conn = connect(pg_dsn)
    totals = build_draw_tables(conn, fresh_schema)
    begin(conn, fresh_schema, "planted")
    conn.close()
    q5 = catalogue_script(fresh_schema, "Q5")
    step = _step(q5.text, totals.conv_total, totals.user_total)
    run_step(find_pgbench(), step, pg_dsn)
    pg_exec(pg_dsn, f"DROP TABLE {helper_table(fresh_schema, 'receipts')}")
    done = clean_schema(pg_dsn, fresh_schema)
    assert done["receipts_restored"] == 0
    after = _fingerprint(pg_dsn, fresh_schema)
    assert after["message_receipts"] != prints["message_receipts"]
    assert after["messages"] == prints["messages"]


def _step(text: str, conv_total: int, user_total: int, seconds: int = 2) -> Step:
    import tempfile
    from pathlib import Path

    work = Path(tempfile.mkdtemp(prefix="wl-test-"))
    (work / "s.sql").write_text(text)
    return Step([(work / "s.sql", 1)], 1, seconds, 11, work / "tx",
                variables={"conv_total": conv_total, "user_total": user_total})


def test_killed_run_is_cleaned_by_the_next_workload(pg_dsn: str, fresh_schema: str) -> None:
    minidata.build(pg_dsn, fresh_schema, users=120, conversations=60, messages=4000)
    conn = connect(pg_dsn)
    before = table_counts(conn, fresh_schema)
    conn.close()
    prints = _fingerprint(pg_dsn, fresh_schema)
    proc = subprocess.Popen([sys.executable, "-m", "synthgen", "workload", "--dsn", pg_dsn,
                             "--schema", fresh_schema, "--clients", "2", "--seconds", "60",
                             "--mix", "Q1=0,Q1b=0,Q3=0,Q4=0,Q6=0,Q5=0,Q2=1", "--out", os.devnull],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    key = qualified(fresh_schema, "messages")
    deadline = time.monotonic() + 60
    written = 0
    while time.monotonic() < deadline and written < 50:
        time.sleep(0.5)
        written = int(pg_exec(pg_dsn, f"SELECT count(*) FROM {key} WHERE \"idempotencyKey\" "
                                      "LIKE $1", (MARKER_KEY_PREFIX + "%",))[0][0])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert written >= 50, "the killed run never wrote"
    time.sleep(1.0)  # pgbench gets SIGTERM from the kernel when its parent dies
    conn = connect(pg_dsn)
    assert pending(conn, fresh_schema) is not None
    left = table_counts(conn, fresh_schema)
    conn.close()
    assert left["messages"] > before["messages"]  # the crash left rows behind
    doc = run_workload(pg_dsn, fresh_schema,
                       WorkloadOptions(make_mix({"Q1": 1.0}), (1,), 1, seed=3))
    assert doc["leftover_cleanup"]["messages_removed"] >= written
    assert doc["cleanup"]["counts"]["after"] == before
    assert _fingerprint(pg_dsn, fresh_schema) == prints
    conn = connect(pg_dsn)
    assert pending(conn, fresh_schema) is None
    conn.close()


def test_ctrl_c_stops_pgbench_and_cleans_up(pg_dsn: str, fresh_schema: str) -> None:
    minidata.build(pg_dsn, fresh_schema, users=120, conversations=60, messages=4000)
    prints = _fingerprint(pg_dsn, fresh_schema)
    proc = subprocess.Popen([sys.executable, "-m", "synthgen", "workload", "--dsn", pg_dsn,
                             "--schema", fresh_schema, "--clients", "2", "--seconds", "60",
                             "--mix", "Q1=0,Q1b=0,Q3=0,Q4=0,Q6=0,Q5=1,Q2=1", "--out", os.devnull],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    key = qualified(fresh_schema, "messages")
    deadline, written = time.monotonic() + 60, 0
    while time.monotonic() < deadline and written < 50:
        time.sleep(0.5)
        written = int(pg_exec(pg_dsn, f"SELECT count(*) FROM {key} WHERE \"idempotencyKey\" "
                                      "LIKE $1", (MARKER_KEY_PREFIX + "%",))[0][0])
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert written >= 50
    assert proc.returncode == 130, err
    assert "interrupted: pgbench stopped; cleanup:" in err
    assert _fingerprint(pg_dsn, fresh_schema) == prints


def test_schema_without_data_is_bad_input(pg_dsn: str, fresh_schema: str) -> None:
    from synthgen import ddl

    for sql in ddl.create_sql(fresh_schema):
        pg_exec(pg_dsn, sql)
    with pytest.raises(InputError, match="no messages"):
        run_workload(pg_dsn, fresh_schema, WorkloadOptions(make_mix({"Q1": 1.0}), (1,), 1))
    with pytest.raises(InputError, match="no loaded data"):
        run_workload(pg_dsn, "no_such_schema_i13", WorkloadOptions(make_mix({"Q1": 1.0}), (1,), 1))


def test_teardown_path_cleans_an_interrupted_run_and_drops_helpers(pg_dsn: str,
                                                                   fresh_schema: str) -> None:
    from synthgen.workload.cleanup import forget_schema

    minidata.build(pg_dsn, fresh_schema, users=120, conversations=60, messages=4000)
    prints = _fingerprint(pg_dsn, fresh_schema)
    conn = connect(pg_dsn)
    totals = build_draw_tables(conn, fresh_schema)
    begin(conn, fresh_schema, "interrupted")
    conn.close()
    q2 = catalogue_script(fresh_schema, "Q2")
    run_step(find_pgbench(), _step(q2.text, totals.conv_total, totals.user_total, 1), pg_dsn)
    assert _fingerprint(pg_dsn, fresh_schema) != prints  # the interrupted run left rows
    done = forget_schema(pg_dsn, fresh_schema)
    assert done is not None
    assert done["messages_removed"] > 0
    assert _fingerprint(pg_dsn, fresh_schema) == prints
    helpers = pg_exec(pg_dsn, "SELECT count(*) FROM pg_tables WHERE schemaname = '_synthgen' "
                              "AND tablename LIKE $1", (f"wl\\_{fresh_schema}\\_%",))[0][0]
    assert helpers == 0
    assert forget_schema(pg_dsn, fresh_schema) is None


def test_open_loop_reports_schedule_lag_and_the_table(pg_dsn: str, fresh_schema: str) -> None:
    from synthgen.workload.render import render_text

    minidata.build(pg_dsn, fresh_schema, users=120, conversations=60, messages=4000)
    doc = run_workload(pg_dsn, fresh_schema,
                       WorkloadOptions(make_mix({"Q1": 3.0, "Q3": 1.0}), (2,), 2, rate_tps=100.0,
                                       seed=5))
    assert doc["mode"] == "open"
    s = doc["levels"][0]["summary"]
    assert "lag_p99_ms" in s["all"]
    assert 100 <= s["all"]["transactions"] <= 300  # 100 tps for 2 s, Poisson arrivals
    assert "-R" in doc["levels"][0]["pgbench_argv"]
    text = render_text(doc)
    assert "clients 2:" in text
    assert "lag p99" in text
    assert doc["cleanup"]["counts"]["equal"]


def test_unmarked_database_is_refused(embedded_dsn: str) -> None:
    from synthgen.errors import TargetRefused
    from synthgen.pg.connect import execute_autocommit

    execute_autocommit(embedded_dsn, ["DROP DATABASE IF EXISTS i13_unmarked",
                                      "CREATE DATABASE i13_unmarked"])
    try:
        dsn = embedded_dsn.rsplit("/", 1)[0] + "/i13_unmarked"
        with pytest.raises(TargetRefused, match="not marked"):
            run_workload(dsn, "perf_synthetic", WorkloadOptions(make_mix({"Q1": 1.0}), (1,), 1))
    finally:
        execute_autocommit(embedded_dsn, ["DROP DATABASE IF EXISTS i13_unmarked"])
