"""After the data: primary keys, uniques, foreign keys, phase-1 indexes, VACUUM (ANALYZE).

Every statement is its own transaction and is skipped when its object already exists by
name, so a load interrupted here resumes here. Foreign keys are added ``NOT VALID`` (a
moment's lock on both tables, one at a time) and then validated: ``VALIDATE CONSTRAINT``
only takes SHARE UPDATE EXCLUSIVE on its own table, so validations and index builds of
different tables run in parallel over ``jobs`` connections, biggest tables first. The end
state is the app's: every constraint validated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from synthgen import ddl
from synthgen.pg.connect import connect, execute, execute_autocommit
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import TABLES

MAINTENANCE_WORK_MEM = "512MB"
"""Per-session sort memory for index builds (pg_restore's advice for bulk loads)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One DDL statement, the table it works on, and the object it creates."""

    table: str
    kind: str
    """keys | foreign_keys | indexes (for the timings)."""
    sql: str
    name: str


def _present(dsn: str, schema: str) -> tuple[set[str], set[str]]:
    """(constraint and index names in ``schema``, foreign keys not yet validated)."""
    conn = connect(dsn)
    try:
        rows = execute(conn, """
            SELECT conname::text, convalidated FROM pg_constraint
            WHERE connamespace = to_regnamespace($1)
            UNION ALL SELECT relname::text, true FROM pg_class
            WHERE relnamespace = to_regnamespace($1) AND relkind = 'i'""", (quote_ident(schema),))
        conn.rollback()
    finally:
        conn.close()
    return {str(r[0]) for r in rows}, {str(r[0]) for r in rows if not r[1]}


def plan(schema: str, present: set[str], unvalidated: set[str]) -> list[list[Step]]:
    """The phases still to do: keys; foreign keys NOT VALID; validations and indexes."""
    keys = []
    for table in TABLES:
        for sql in ddl.key_sql(schema, table):
            name = sql.split("ADD CONSTRAINT ", 1)[1].split(" (", 1)[0]
            name = name.split(" ", 1)[0].strip('"').replace('""', '"')
            keys.append(Step(table, "keys", sql, name))
    add_fks = [Step(fk.table, "foreign_keys", ddl.foreign_key_sql(schema, fk) + " NOT VALID",
                    fk.name) for fk in ddl.FOREIGN_KEYS]
    validate = [Step(fk.table, "foreign_keys", f"ALTER TABLE {qualified(schema, fk.table)} "
                     f"VALIDATE CONSTRAINT {quote_ident(fk.name)}", fk.name)
                for fk in ddl.FOREIGN_KEYS if fk.name not in present or fk.name in unvalidated]
    indexes = [Step(i.table, "indexes", ddl.index_sql(schema, i), i.name) for i in ddl.INDEXES
               if i.name not in present]
    return [[s for s in keys if s.name not in present],
            [s for s in add_fks if s.name not in present],
            validate + indexes]


def post_load(dsn: str, schema: str, jobs: int,
              rows: dict[str, int] | None = None) -> dict[str, dict[str, float]]:
    """Run what is left of the plan; seconds per table and kind."""
    present, unvalidated = _present(dsn, schema)
    timings: dict[str, dict[str, float]] = {}
    lock = threading.Lock()

    def run(steps: list[Step]) -> None:
        conn = connect(dsn)
        try:
            execute(conn, f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
            conn.commit()
            for step in steps:
                started = time.perf_counter()
                execute(conn, step.sql)
                conn.commit()
                with lock:
                    per = timings.setdefault(step.table, {})
                    per[step.kind] = per.get(step.kind, 0.0) + time.perf_counter() - started
        finally:
            conn.close()

    keys, add_fks, rest = plan(schema, present, unvalidated)
    weight = rows or {}
    _by_table(keys, run, jobs, weight)
    if add_fks:
        run(add_fks)  # each locks two tables: one at a time, and each only for a moment
    _by_table(rest, run, jobs, weight)
    return timings


def _by_table(steps: list[Step], run: Callable[[list[Step]], None], jobs: int,
              weight: dict[str, int]) -> None:
    """Each table's steps in order on one connection; tables in parallel, biggest first."""
    groups: dict[str, list[Step]] = {}
    for step in steps:
        groups.setdefault(step.table, []).append(step)
    ordered = sorted(groups.values(), key=lambda g: -weight.get(g[0].table, 0))
    if jobs <= 1 or len(ordered) <= 1:
        for group in ordered:
            run(group)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(run, g) for g in ordered]:
            future.result()


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
