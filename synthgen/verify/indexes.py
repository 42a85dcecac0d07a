"""Apply or roll back an index file, statement by statement, outside any transaction.

An index file (``indexes/phase-2.sql``) is plain SQL with ``{schema}`` standing for the
target schema (checked, then quoted). Each statement runs alone on an autocommit connection
whose ``search_path`` is the target schema, because CREATE/DROP INDEX CONCURRENTLY refuses a
transaction block; a file containing BEGIN/COMMIT is refused up front (the old system's
file was exactly that, and PostgreSQL rejected it).

A concurrent build that fails leaves an INVALID index (``pg_index.indisvalid = false``) that
``IF NOT EXISTS`` would then silently keep: before each CREATE the target name is looked
up, and an invalid leftover is dropped and rebuilt (reported as ``rebuilt``). After the file,
every invalid index in the schema is reported; one this file should have built raises.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.errors import EnvironmentProblem, InputError
from synthgen.pg.connect import connect, execute, first_line
from synthgen.pg.sql import check_schema_name, quote_ident

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_CREATE = re.compile(rf"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                     rf"({_IDENT})\s+ON\s+(?:ONLY\s+)?(?:{_IDENT}\s*\.\s*)?({_IDENT})", re.I)
_DROP = re.compile(rf"^\s*DROP\s+INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?"
                   rf"(?:{_IDENT}\s*\.\s*)?({_IDENT})\s*(?:CASCADE|RESTRICT)?\s*$", re.I)
_TXN = re.compile(r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT)\b", re.I)


def split_sql(text: str) -> list[str]:
    """Statements of a SQL script, split on ``;`` outside quotes and comments.

    >>> split_sql("-- a; b\\nSELECT 'x;y'; /* ; */ SELECT \\"q;\\" ;")
    ["SELECT 'x;y'", 'SELECT "q;"']
    """
    out, buf, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            buf.append(" ")
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            buf.append(" ")
            continue
        if c in "'\"":
            j = i + 1
            while j < n and not (text[j] == c and not text.startswith(c * 2, j)):
                j += 2 if text.startswith(c * 2, j) else 1
            buf.append(text[i:j + 1])
            i = j + 1
            continue
        if c == ";":
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(c)
        i += 1
    out.append("".join(buf).strip())
    return [s for s in out if s]


def _name(ident: str) -> str:
    return ident[1:-1].replace('""', '"') if ident.startswith('"') else ident.lower()


def parse_file(path: Path | str, schema: str) -> list[dict[str, Any]]:
    """The file's statements, schema substituted, each with its action and target index."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"index file {p} does not exist") from None
    text = text.replace("{schema}", quote_ident(check_schema_name(schema)))
    stmts = []
    for sql in split_sql(text):
        if _TXN.match(sql):
            raise InputError(f"{p}: transaction control ({sql.split()[0]}) is not allowed: CREATE "
                             "INDEX CONCURRENTLY cannot run inside a transaction block, and synthgen "
                             "runs each statement on its own")
        if (m := _CREATE.match(sql)) is not None:
            stmts.append({"sql": sql, "action": "create", "index": _name(m.group(2)),
                          "table": _name(m.group(3)), "concurrently": bool(m.group(1))})
        elif (m := _DROP.match(sql)) is not None:
            stmts.append({"sql": sql, "action": "drop", "index": _name(m.group(2)), "table": None,
                          "concurrently": bool(m.group(1))})
        else:
            stmts.append({"sql": sql, "action": "other", "index": None, "table": None,
                          "concurrently": False})
    if not stmts:
        raise InputError(f"{p} holds no SQL statement")
    return stmts


def index_state(conn: Connection, schema: str, name: str) -> dict[str, Any] | None:
    """``{"valid", "size_bytes", "table"}`` of one index of the schema, or None."""
    rows = execute(conn, """
        SELECT x.indisvalid, pg_relation_size(i.oid), t.relname
        FROM pg_class AS i JOIN pg_namespace AS n ON n.oid = i.relnamespace
        JOIN pg_index AS x ON x.indexrelid = i.oid JOIN pg_class AS t ON t.oid = x.indrelid
        WHERE n.nspname = $1 AND i.relname = $2""", (schema, name))
    if not rows:
        return None
    return {"valid": bool(rows[0][0]), "size_bytes": int(rows[0][1]), "table": str(rows[0][2])}


def invalid_indexes(conn: Connection, schema: str) -> list[str]:
    """Names of the schema's indexes left INVALID (a failed or cancelled concurrent build)."""
    rows = execute(conn, """
        SELECT i.relname FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid
        JOIN pg_namespace AS n ON n.oid = i.relnamespace
        WHERE n.nspname = $1 AND NOT x.indisvalid ORDER BY 1""", (schema,))
    return [str(r[0]) for r in rows]


def _run_one(conn: Connection, schema: str, st: dict[str, Any],
             say: Callable[[str], None]) -> dict[str, Any]:
    """One statement: look before, run, look after."""
    name = st["index"]
    before = index_state(conn, schema, name) if name else None
    status = "ran"
    if st["action"] == "create" and before is not None and not before["valid"]:
        say(f"  {name}: INVALID leftover from an earlier build; dropping it to rebuild")
        execute(conn, f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(schema)}.{quote_ident(name)}")
        status, before = "rebuilt", None
    t0 = time.perf_counter()
    try:
        execute(conn, st["sql"])
    except Exception as e:  # the driver's errors; the statement, not the DSN, is in the message
        left = invalid_indexes(conn, schema)
        hint = (f"; INVALID index(es) left behind: {', '.join(left)} (rerun apply to rebuild, or "
                "run the rollback file)") if left else ""
        raise EnvironmentProblem(f"statement failed ({name or st['sql'][:60]}): {first_line(e)}"
                                 f"{hint}", step="indexes") from None
    seconds = time.perf_counter() - t0
    after = index_state(conn, schema, name) if name else None
    if st["action"] == "create":
        status = ("exists" if before is not None else status if status == "rebuilt" else "created")
    elif st["action"] == "drop":
        status = "dropped" if before is not None else "absent"
    return {"index": name, "table": st["table"] or (before or after or {}).get("table"),
            "action": st["action"], "status": status, "seconds": round(seconds, 3),
            "size_bytes": (after or {}).get("size_bytes"),
            "valid": None if after is None else after["valid"], "sql": st["sql"]}


def run_file(dsn: str, schema: str, path: Path | str,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run an index file statement by statement; the per-statement report."""
    from synthgen.pg.guards import check_marked_dsn

    stmts = parse_file(path, schema)
    check_marked_dsn(dsn, f"run index file {Path(path).name}")
    say = progress or (lambda _m: None)
    conn = connect(dsn, autocommit=True)
    try:
        if not execute(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", (schema,)):
            raise InputError(f"schema {schema!r} does not exist on the target")
        execute(conn, f"SET search_path TO {quote_ident(schema)}")
        leftovers_before = invalid_indexes(conn, schema)
        results, t0 = [], time.perf_counter()
        for i, st in enumerate(stmts, 1):
            say(f"[{i}/{len(stmts)}] {st['action']} {st['index'] or st['sql'][:60]} …")
            res = _run_one(conn, schema, st, say)
            size = "" if res["size_bytes"] is None else f", {res['size_bytes'] / 2**20:.2f} MiB"
            say(f"[{i}/{len(stmts)}] {res['index'] or 'statement'}: {res['status']} in "
                f"{res['seconds']:.2f} s{size}")
            results.append(res)
        invalid = invalid_indexes(conn, schema)
    finally:
        conn.close()
    ours = sorted({r["index"] for r in results if r["action"] == "create"} & set(invalid))
    if ours:
        raise EnvironmentProblem(f"index(es) {', '.join(ours)} are INVALID after the build; "
                                 "rerun apply to rebuild them, or run the rollback file",
                                 step="indexes")
    return {"file": str(path), "schema": schema, "statements": results,
            "total_seconds": round(time.perf_counter() - t0, 3),
            "invalid_before": leftovers_before, "invalid_after": invalid}


def apply_indexes(dsn: str, schema: str, path: Path | str,
                  progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Build the indexes of ``path`` (CREATE INDEX CONCURRENTLY, one statement at a time)."""
    return run_file(dsn, schema, path, progress)


def rollback_indexes(dsn: str, schema: str, path: Path | str,
                     progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run a rollback file (DROP INDEX CONCURRENTLY IF EXISTS …), reporting what was dropped."""
    return run_file(dsn, schema, path, progress)


def candidate_names(path: Path | str, schema: str) -> list[str]:
    """The index names a candidate file creates (what post must add to pre)."""
    return [st["index"] for st in parse_file(path, schema) if st["action"] == "create"]


def build_seconds(applied: dict[str, Any] | None) -> dict[str, float]:
    """Build time per created index, from an ``apply_indexes`` result."""
    if not applied:
        return {}
    return {s["index"]: float(s["seconds"]) for s in applied.get("statements", [])
            if s.get("action") == "create" and s.get("index")}
