"""After the data: primary keys, uniques, foreign keys, phase-1 indexes, VACUUM (ANALYZE).

The work is fixed (the app's keys and indexes); only its schedule is ours. Every build is
one step in a work queue served by ``jobs`` connections, the costliest ready step first, so
no connection idles while work remains:

- keys are built as ``CREATE UNIQUE INDEX`` (SHARE lock: several builds on one table run at
  once) and then attached with ``ADD CONSTRAINT … USING INDEX`` (a moment's lock); the
  index takes the constraint's name, so the end state is the one plain DDL gives;
- foreign keys are added ``NOT VALID`` (a moment's lock on both tables) and then validated:
  ``VALIDATE CONSTRAINT`` holds SHARE UPDATE EXCLUSIVE on its own table only, so it runs
  beside builds and validations of other tables;
- the scheduler starts a step only when no running step holds a conflicting lock (the
  PostgreSQL lock table, restricted to the modes used here), so no session waits on another.

Every statement is its own transaction and is skipped when its object already exists by
name, so a load interrupted here resumes here. The end state is the app's: every
constraint validated, every index present.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from synthgen import ddl
from synthgen.pg.connect import connect, execute, execute_autocommit
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import TABLES

# Lock modes used by the steps, and which of them conflict (PostgreSQL's table-level lock
# conflict matrix, restricted to these modes).
ROW_SHARE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, ACCESS_EXCLUSIVE = range(5)
_CONFLICTS: dict[int, frozenset[int]] = {
    ROW_SHARE: frozenset({ACCESS_EXCLUSIVE}),
    SHARE_UPDATE_EXCLUSIVE: frozenset({SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE,
                                       ACCESS_EXCLUSIVE}),
    SHARE: frozenset({SHARE_UPDATE_EXCLUSIVE, SHARE_ROW_EXCLUSIVE, ACCESS_EXCLUSIVE}),
    SHARE_ROW_EXCLUSIVE: frozenset({SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE,
                                    ACCESS_EXCLUSIVE}),
    ACCESS_EXCLUSIVE: frozenset(range(5)),
}
INSTANT = float("inf")
"""Cost of a metadata-only step (attach, NOT VALID): run as soon as it is ready."""

MIN_MAINTENANCE_MB, MAX_MAINTENANCE_MB = 64, 2048
DEFAULT_MAINTENANCE_MB = 512
"""When the server is not on this machine we cannot see its memory: pg_restore's advice."""


@dataclass(frozen=True, slots=True)
class Step:
    """One DDL statement, the table it works on, and the object it creates."""

    table: str
    kind: str
    """keys | foreign_keys | indexes (for the timings)."""
    sql: str
    name: str
    locks: tuple[tuple[str, int], ...] = ()
    after: frozenset[str] = field(default_factory=frozenset)
    """Names of steps (of this plan) that must finish first."""
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Per-session settings for the builds."""

    maintenance_work_mem_mb: int
    max_parallel_maintenance_workers: int

    def sql(self) -> list[str]:
        return [f"SET maintenance_work_mem = '{int(self.maintenance_work_mem_mb)}MB'",
                "SET max_parallel_maintenance_workers = "
                f"{int(self.max_parallel_maintenance_workers)}"]


def session_settings(jobs: int, local: bool) -> Settings:
    """Sort memory from what this machine has free; parallel workers only for idle cores.

    Each of ``jobs`` sessions may sort with up to 40 % / jobs of the available memory
    (a parallel build shares its budget with its workers). ``local`` says the server runs
    here, so /proc/meminfo describes its memory.
    """
    cores = os.cpu_count() or 1
    workers = max(0, cores // max(jobs, 1) - 1)
    if not local:
        return Settings(DEFAULT_MAINTENANCE_MB, workers)
    mb = int(available_mb() * 0.4 / max(jobs, 1))
    return Settings(max(MIN_MAINTENANCE_MB, min(MAX_MAINTENANCE_MB, mb)), workers)


def available_mb() -> int:
    """MemAvailable of this machine, in MiB (a conservative 2 GiB when it cannot be read)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 2048


def _is_local(dsn: str) -> bool:
    """Whether the DSN points at this machine (so its free memory is the server's)."""
    from urllib.parse import urlsplit

    host = urlsplit(dsn).hostname or ""
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")


def _present(dsn: str, schema: str) -> tuple[set[str], set[str], set[str]]:
    """(constraint names, index names, foreign keys not yet validated) in ``schema``."""
    conn = connect(dsn)
    try:
        rows = execute(conn, """
            SELECT conname::text, 'c', convalidated FROM pg_constraint
            WHERE connamespace = to_regnamespace($1)
            UNION ALL SELECT relname::text, 'i', true FROM pg_class
            WHERE relnamespace = to_regnamespace($1) AND relkind = 'i'""", (quote_ident(schema),))
        conn.rollback()
    finally:
        conn.close()
    return ({str(r[0]) for r in rows if r[1] == "c"}, {str(r[0]) for r in rows if r[1] == "i"},
            {str(r[0]) for r in rows if r[1] == "c" and not r[2]})


def _width(table: str, columns: tuple[str, ...]) -> float:
    """Relative sort cost of one key: ids and text weigh more than flags and times."""
    types = {c.name: c.pg for c in TABLES[table]}
    return sum(3.0 if types.get(c, "text") == "text" else 1.0 for c in columns)


def plan(schema: str, constraints: set[str], indexes: set[str], unvalidated: set[str],
         rows: dict[str, int] | None = None) -> list[Step]:
    """The steps still to do, with their locks, dependencies and estimated costs."""
    n = rows or {}
    steps: list[Step] = []
    for table in TABLES:
        t = qualified(schema, table)
        keys = [("PRIMARY KEY", f"{table}_pkey", ("id",))] + [
            ("UNIQUE", f"{table}_{'_'.join(cols)}_key", cols) for cols in ddl.UNIQUE[table]]
        for kind, name, cols in keys:
            if name in constraints:
                continue
            q = quote_ident(name)
            built = name in indexes
            if not built:
                cost = n.get(table, 0) * _width(table, cols)
                steps.append(Step(table, "keys", f"CREATE UNIQUE INDEX {q} ON {t} "
                                  f"({', '.join(quote_ident(c) for c in cols)})", "build:" + name,
                                  ((table, SHARE),), cost=cost))
            steps.append(Step(table, "keys", f"ALTER TABLE {t} ADD CONSTRAINT {q} {kind} "
                              f"USING INDEX {q}", name, ((table, ACCESS_EXCLUSIVE),),
                              frozenset() if built else frozenset({"build:" + name}), INSTANT))
    planned = {s.name for s in steps}
    for fk in ddl.FOREIGN_KEYS:
        parent_key = f"{fk.ref_table}_pkey"
        if fk.name not in constraints:
            steps.append(Step(fk.table, "foreign_keys", ddl.foreign_key_sql(schema, fk)
                              + " NOT VALID", "add:" + fk.name,
                              ((fk.table, SHARE_ROW_EXCLUSIVE), (fk.ref_table, SHARE_ROW_EXCLUSIVE)),
                              frozenset({parent_key} & planned), INSTANT))
            validate_after = frozenset({"add:" + fk.name})
        else:
            validate_after = frozenset()
        if fk.name not in constraints or fk.name in unvalidated:
            steps.append(Step(fk.table, "foreign_keys", f"ALTER TABLE {qualified(schema, fk.table)}"
                              f" VALIDATE CONSTRAINT {quote_ident(fk.name)}", fk.name,
                              ((fk.table, SHARE_UPDATE_EXCLUSIVE), (fk.ref_table, ROW_SHARE)),
                              validate_after,
                              n.get(fk.table, 0) * 2.0 + n.get(fk.ref_table, 0) * 3.0))
    for i in ddl.INDEXES:
        if i.name not in indexes:
            steps.append(Step(i.table, "indexes", ddl.index_sql(schema, i), i.name,
                              ((i.table, SHARE),), cost=n.get(i.table, 0) * _width(i.table, i.columns)))
    return steps


class Scheduler:
    """Hands out ready, lock-compatible steps, costliest first; thread-safe."""

    def __init__(self, steps: list[Step]) -> None:
        self._todo = sorted(steps, key=lambda s: -s.cost)
        self._done: set[str] = set()
        self._running: list[Step] = []
        self._failed = False
        self._cv = threading.Condition()

    def _ready(self, step: Step) -> bool:
        if not step.after <= self._done:
            return False
        return not any(mode in _CONFLICTS[held] or held in _CONFLICTS[mode]
                       for other in self._running for t2, held in other.locks
                       for t1, mode in step.locks if t1 == t2)

    def take(self) -> Step | None:
        """The next step to run, waiting while none is runnable; None when all is done."""
        with self._cv:
            while True:
                if self._failed or not self._todo:
                    return None
                step = next((s for s in self._todo if self._ready(s)), None)
                if step is not None:
                    self._todo.remove(step)
                    self._running.append(step)
                    return step
                if not self._running:  # nothing runs and nothing can: a planning bug
                    raise RuntimeError("post-load plan is stuck: "
                                       + ", ".join(s.name for s in self._todo))
                self._cv.wait()

    def finish(self, step: Step, ok: bool) -> None:
        with self._cv:
            self._running.remove(step)
            if ok:
                self._done.add(step.name)
            else:
                self._failed = True
            self._cv.notify_all()


def post_load(dsn: str, schema: str, jobs: int, rows: dict[str, int] | None = None, *,
              local: bool | None = None, settings: Settings | None = None,
              note: Callable[[str], None] | None = None) -> dict[str, dict[str, float]]:
    """Run what is left of the plan over ``jobs`` connections; seconds per table and kind.

    ``note`` receives a progress line after each statement: steps done, share of the
    estimated work, elapsed seconds and an ETA from the work done so far.
    """
    constraints, indexes, unvalidated = _present(dsn, schema)
    steps = plan(schema, constraints, indexes, unvalidated, rows)
    chosen = settings or session_settings(jobs, _is_local(dsn) if local is None else local)
    scheduler = Scheduler(steps)
    timings: dict[str, dict[str, float]] = {}
    lock = threading.Lock()
    count = [0]
    work = [0.0, sum(s.cost for s in steps if s.cost != INSTANT) or 1.0]
    t0 = time.perf_counter()

    def worker() -> None:
        conn = connect(dsn)
        try:
            for sql in chosen.sql():
                execute(conn, sql)
            conn.commit()
            while (step := scheduler.take()) is not None:
                started = time.perf_counter()
                ok = False
                try:
                    execute(conn, step.sql)
                    conn.commit()
                    ok = True
                finally:
                    scheduler.finish(step, ok)
                secs = time.perf_counter() - started
                with lock:
                    per = timings.setdefault(step.table, {})
                    per[step.kind] = per.get(step.kind, 0.0) + secs
                    count[0] += 1
                    work[0] += 0.0 if step.cost == INSTANT else step.cost
                    line = _progress(step, secs, count[0], len(steps), work[0] / work[1],
                                     time.perf_counter() - t0)
                if note is not None:
                    note(line)
        finally:
            conn.close()

    n = max(1, min(jobs, len(steps)))
    if n == 1:
        worker()
    else:
        with ThreadPoolExecutor(max_workers=n) as pool:
            for future in [pool.submit(worker) for _ in range(n)]:
                future.result()
    return timings


def _progress(step: Step, secs: float, done: int, total: int, share: float,
              elapsed_s: float) -> str:
    eta = f", ETA {elapsed_s / share - elapsed_s:.0f}s" if 0.05 < share < 1 else ""
    return (f"  keys and indexes: {done}/{total} steps, {share:.0%} of the work in "
            f"{elapsed_s:.0f}s{eta} ({step.name} {secs:.1f}s)")


def vacuum_analyze(dsn: str, schema: str, tables: list[str], jobs: int) -> float:
    """VACUUM (ANALYZE) each table (outside a transaction); seconds taken."""
    started = time.perf_counter()
    statements = [f"VACUUM (ANALYZE) {qualified(schema, t)}" for t in tables]
    if jobs <= 1:
        execute_autocommit(dsn, statements)
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for f in [pool.submit(execute_autocommit, dsn, [s]) for s in statements]:
                f.result()
    return time.perf_counter() - started
