"""Post-load schedule: lock-safe, dependency-ordered, costliest first; same end state as plain DDL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from synthgen import ddl
from synthgen.dataset import Manifest
from synthgen.load import load_dataset
from synthgen.load.post_load import (
    _CONFLICTS,
    ACCESS_EXCLUSIVE,
    ROW_SHARE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    Scheduler,
    Step,
    plan,
    session_settings,
)
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import TABLES
from tests.fixtures.db import pg_exec

ROWS = {"users": 5_000, "conversations": 8_000, "conversation_users": 40_000,
        "messages": 5_000_000, "message_reads": 4_000_000, "message_receipts": 13_800_000,
        "attachments": 1_000_000}


def _conflict(a: Step, b: Step) -> bool:
    return any(t1 == t2 and (m1 in _CONFLICTS[m2] or m2 in _CONFLICTS[m1])
               for t1, m1 in a.locks for t2, m2 in b.locks)


def _simulate(steps: list[Step], workers: int) -> list[tuple[Step, float, float]]:
    """Run the scheduler with sleeping workers; (step, start, end) of every step."""
    sched = Scheduler(steps)
    spans: list[tuple[Step, float, float]] = []
    lock = threading.Lock()

    def work() -> None:
        while (step := sched.take()) is not None:
            t0 = time.perf_counter()
            time.sleep(0.0 if step.cost == float("inf") else step.cost / 4e9)
            t1 = time.perf_counter()
            sched.finish(step, True)
            with lock:
                spans.append((step, t0, t1))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return spans


def test_lock_matrix_matches_postgresql() -> None:
    """A few cells of the documented matrix (and its symmetry)."""
    assert SHARE not in _CONFLICTS[SHARE]  # two index builds on one table run together
    assert SHARE_UPDATE_EXCLUSIVE in _CONFLICTS[SHARE_UPDATE_EXCLUSIVE]
    assert SHARE in _CONFLICTS[SHARE_UPDATE_EXCLUSIVE]  # VALIDATE waits for a build
    assert ROW_SHARE not in _CONFLICTS[SHARE_ROW_EXCLUSIVE]
    assert _CONFLICTS[ACCESS_EXCLUSIVE] == frozenset(range(5))
    for a, conflicts in _CONFLICTS.items():
        for b in conflicts:
            assert a in _CONFLICTS[b]


def test_full_plan_covers_every_object() -> None:
    steps = plan("s", set(), set(), set(), ROWS)
    names = {s.name for s in steps}
    assert {i.name for i in ddl.INDEXES} <= names
    assert {fk.name for fk in ddl.FOREIGN_KEYS} <= names  # the validations
    assert {"add:" + fk.name for fk in ddl.FOREIGN_KEYS} <= names
    keys = {f"{t}_pkey" for t in TABLES} | {f"{t}_{'_'.join(c)}_key" for t in TABLES
                                             for c in ddl.UNIQUE[t]}
    assert keys <= names
    assert {"build:" + k for k in keys} <= names
    assert all(s.after <= names for s in steps)
    assert len(names) == len(steps)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_schedule_never_overlaps_conflicting_locks(workers: int) -> None:
    steps = plan("s", set(), set(), set(), ROWS)
    spans = _simulate(steps, workers)
    assert sorted(s.name for s, _, _ in spans) == sorted(s.name for s in steps)
    end = {s.name: t1 for s, _, t1 in spans}
    for step, t0, _ in spans:
        for dep in step.after:
            assert end[dep] <= t0, f"{step.name} started before {dep} finished"
    for i, (a, a0, a1) in enumerate(spans):
        for b, b0, b1 in spans[i + 1:]:
            if _conflict(a, b):
                assert a1 <= b0 or b1 <= a0, f"{a.name} overlapped {b.name}"


def test_simulation_catches_a_scheduler_that_ignores_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Planted fault: a scheduler blind to locks is caught by the overlap check above."""
    monkeypatch.setattr(Scheduler, "_ready", lambda self, step: step.after <= self._done)
    spans = _simulate(plan("s", set(), set(), set(), ROWS), 2)
    overlaps = [(a.name, b.name) for i, (a, a0, a1) in enumerate(spans)
                for b, b0, b1 in spans[i + 1:] if _conflict(a, b) and not (a1 <= b0 or b1 <= a0)]
    assert overlaps


def test_costliest_ready_step_first() -> None:
    steps = plan("s", set(), set(), set(), ROWS)
    first = Scheduler(steps).take()
    assert first is not None
    assert first.table == "message_receipts"
    assert first.cost == max(s.cost for s in steps if not s.after and s.cost != float("inf"))


def test_resume_plans_only_what_is_missing() -> None:
    """Built-but-unattached key: only the attach; NOT VALID key: only the validation."""
    fk = ddl.FOREIGN_KEYS[3]
    constraints = {f"{t}_pkey" for t in TABLES if t != "messages"} | {fk.name}
    indexes = {"messages_pkey"}
    steps = {s.name: s for s in plan("s", constraints, indexes, {fk.name}, ROWS)}
    assert "messages_pkey" in steps
    assert "build:messages_pkey" not in steps
    assert not steps["messages_pkey"].after
    assert "users_pkey" not in steps
    assert "build:users_pkey" not in steps
    assert fk.name in steps
    assert "add:" + fk.name not in steps
    assert not steps[fk.name].after
    done = plan("s", {f"{t}_pkey" for t in TABLES} | {f"{t}_{'_'.join(c)}_key" for t in TABLES
                                                      for c in ddl.UNIQUE[t]}
                | {f.name for f in ddl.FOREIGN_KEYS}, {i.name for i in ddl.INDEXES}, set(), ROWS)
    assert done == []


def test_settings_scale_with_memory_and_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    import synthgen.load.post_load as pl

    monkeypatch.setattr(pl, "available_mb", lambda: 20_000)
    monkeypatch.setattr(pl.os, "cpu_count", lambda: 2)
    s = session_settings(2, local=True)
    assert s.maintenance_work_mem_mb == 2048
    assert s.max_parallel_maintenance_workers == 0
    assert session_settings(1, local=True).max_parallel_maintenance_workers == 1
    monkeypatch.setattr(pl, "available_mb", lambda: 1_000)
    assert session_settings(2, local=True).maintenance_work_mem_mb == 200
    assert session_settings(2, local=False).maintenance_work_mem_mb == pl.DEFAULT_MAINTENANCE_MB


# -- against PostgreSQL: the end state is the one plain DDL gives --------------------------


def catalog(dsn: str, schema: str) -> set[tuple[str, ...]]:
    """Every constraint (definition, validated) and index (definition) of ``schema``."""
    rows = pg_exec(dsn, """
        SELECT 'c', conrelid::regclass::text, conname::text, pg_get_constraintdef(oid),
               convalidated::text
        FROM pg_constraint WHERE connamespace = to_regnamespace($1) AND contype <> 'n'
        UNION ALL
        SELECT 'i', indrelid::regclass::text, c.relname::text, pg_get_indexdef(indexrelid),
               indisvalid::text
        FROM pg_index JOIN pg_class c ON c.oid = indexrelid
        WHERE c.relnamespace = to_regnamespace($1)""", (quote_ident(schema),))
    ours = quote_ident(schema)
    return {tuple(str(v).replace(ours + ".", "S.").replace(schema + ".", "S.") for v in r)
            for r in rows if "_synthgen" not in str(r[1])}


@pytest.mark.db
@pytest.mark.parametrize("jobs", [1, 3])
def test_end_state_is_plain_ddls(pg_dsn: str, fresh_schema: str, jobs: int,
                                 small_dataset: tuple[Path, Manifest]) -> None:
    root, _ = small_dataset
    load_dataset(root, pg_dsn, fresh_schema, jobs=jobs)
    reference = fresh_schema + "_ref"
    try:
        for sql in [*ddl.create_sql(reference), *ddl.post_load_sql(reference)]:
            pg_exec(pg_dsn, sql)
        want, got = catalog(pg_dsn, reference), catalog(pg_dsn, fresh_schema)
        keys = sum(1 + len(ddl.UNIQUE[t]) for t in TABLES)  # a constraint and its index each
        assert len(want) == 2 * keys + len(ddl.FOREIGN_KEYS) + len(ddl.INDEXES)
        assert got == want
        assert pg_exec(pg_dsn, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated AND "
                               "connamespace = to_regnamespace($1)", (fresh_schema,)) == [(0,)]

        # planted faults: the comparison sees a missing index and an unvalidated key
        index = ddl.INDEXES[-1]
        pg_exec(pg_dsn, f"DROP INDEX {qualified(fresh_schema, index.name)}")
        assert catalog(pg_dsn, fresh_schema) != want
        pg_exec(pg_dsn, ddl.index_sql(fresh_schema, index))
        assert catalog(pg_dsn, fresh_schema) == want
        fk = ddl.FOREIGN_KEYS[-1]
        pg_exec(pg_dsn, f"ALTER TABLE {qualified(fresh_schema, fk.table)} DROP CONSTRAINT "
                        f"{quote_ident(fk.name)}")
        pg_exec(pg_dsn, ddl.foreign_key_sql(fresh_schema, fk) + " NOT VALID")
        assert catalog(pg_dsn, fresh_schema) != want
    finally:
        pg_exec(pg_dsn, f"DROP SCHEMA IF EXISTS {quote_ident(reference)} CASCADE")
