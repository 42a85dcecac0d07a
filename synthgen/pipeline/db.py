"""The database-side checks of ``synthgen run``: is the load complete, are the indexes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthgen.dataset import Manifest


def ledger_complete(dsn: str, schema: str, manifest: Manifest) -> bool:
    """True when ``schema`` holds exactly this dataset, fully loaded, keys and indexes built.

    The loader's own ledger decides: the schema record names this dataset, every table's
    committed rows equal the manifest's, and the post-load step is recorded.
    """
    from synthgen.load.ledger import get_schema_record, read_done
    from synthgen.pg.connect import connect

    conn = connect(dsn)
    try:
        try:
            record = get_schema_record(conn, schema)
        except Exception:  # no bookkeeping schema yet: nothing was ever loaded here
            conn.rollback()
            return False
        conn.rollback()
        if record is None or (record.seed, record.band, record.spec_hash) != (
                manifest.seed, manifest.band, manifest.spec_hash):
            return False
        done = read_done(conn, schema)
    finally:
        conn.close()
    rows_ok = all(done.rows.get(t, 0) == manifest.table_rows(t) for t in manifest.tables)
    return rows_ok and "step:post_load" in done.steps


def indexes_present(dsn: str, schema: str, path: Path) -> list[str]:
    """Indexes the file creates that already exist in the schema (a kept earlier run)."""
    from synthgen.pg.connect import connect
    from synthgen.verify.indexes import index_state, parse_file

    names = [s["index"] for s in parse_file(path, schema) if s["action"] == "create"]
    conn = connect(dsn, autocommit=True)
    try:
        return [n for n in names if index_state(conn, schema, n) is not None]
    finally:
        conn.close()


def rollback_file(indexes: Path) -> Path:
    """``x.sql`` → ``x.rollback.sql``, the convention of indexes/.

    >>> rollback_file(Path("indexes/phase-2.sql")).as_posix()
    'indexes/phase-2.rollback.sql'
    """
    return indexes.with_name(f"{indexes.stem}.rollback.sql")


def finish(dsn: str, schema: str, indexes: Path, action: str) -> dict[str, Any]:
    """Roll the indexes back, keep everything, or tear the schema down."""
    if action == "keep":
        return {"action": "keep", "note": f"data and new indexes kept in schema {schema}"}
    if action == "teardown":
        from synthgen.load.teardown import plan_teardown, run_teardown

        plan = plan_teardown(dsn, schema)
        run_teardown(plan)
        return {"action": "teardown", "note": f"schema {schema} dropped ({len(plan.actions)} "
                                              "statements)"}
    from synthgen.verify import rollback_indexes

    back = rollback_file(indexes)
    if not back.is_file():
        return {"action": "keep", "note": f"no rollback file {back}: the new indexes stay"}
    result = rollback_indexes(dsn, schema, back)
    dropped = [s["index"] for s in result["statements"] if s["status"] == "dropped"]
    return {"action": "rollback", "file": str(back), "dropped": dropped,
            "note": f"data kept in schema {schema}; {len(dropped)} index(es) rolled back with "
                    f"{back}"}
