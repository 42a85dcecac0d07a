"""The hot-query catalogue: one readable SQL file per query, with a header naming its parameters.

A query file (``synthgen/queries/Q1.sql``, or any ``*.sql`` in a ``--queries DIR``) starts
with ``--`` header lines::

    -- name: Q1
    -- title: Message history, newest 50
    -- serves: opening a conversation: the latest page of messages, newest first
    -- params: conversation_id

then one SELECT (or WITH … SELECT) statement. ``{schema}`` stands for the quoted target
schema; ``$1, $2 …`` are the parameters in the order ``params`` lists them, bound by the
driver (never inlined). Parameter names come from a fixed vocabulary (``PARAM_NAMES``),
because the values are chosen from the data by ``synthgen.verify.params``. EXPLAIN ANALYZE
executes the statement, so anything but a single read-only SELECT is refused.

A write path (Q2 message insert, Q5 receipt upsert) says ``-- kind: write`` and holds one
INSERT (``ON CONFLICT … DO UPDATE`` allowed). Gate 2 only ever executes it inside a
transaction it rolls back (``synthgen.verify.writes``); the generated values (``new_id``,
``idempotency_key``, ``content``, ``receipt_state``) are made per execution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from synthgen.errors import InputError
from synthgen.pg.sql import check_schema_name, quote_ident

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "queries"
PARAM_NAMES = ("conversation_id", "member_id", "user_id", "message_id", "new_id",
               "idempotency_key", "content", "receipt_state")
"""conversation_id: a conversation; member_id: an active member of it; user_id: a user;
message_id: a recent message of the conversation; the rest are made per write execution."""
KINDS = ("read", "write")

_HEADER = re.compile(r"^--\s*(name|title|serves|params|kind)\s*:\s*(.*?)\s*$")
_PLACEHOLDER = re.compile(r"\$(\d+)\b")
_LEADING = re.compile(r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*", re.DOTALL)
_WRITES = re.compile(r"\b(insert|update|delete|merge|truncate|drop|alter|create|grant|copy|call|"
                     r"vacuum|lock)\b", re.IGNORECASE)
# a write path may INSERT and, on conflict, UPDATE the row it collided with; nothing else
_OTHER_WRITES = re.compile(r"\b(delete|merge|truncate|drop|alter|create|grant|copy|call|vacuum|"
                           r"lock|returning)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Query:
    """One catalogue query: its SQL template and what it needs."""

    name: str
    title: str
    serves: str
    params: tuple[str, ...]
    """Parameter names, in $1, $2 … order."""
    template: str
    """The SQL with ``{schema}`` still in it."""
    path: str
    kind: str = "read"
    """``read`` (EXPLAIN ANALYZE runs it as is) or ``write`` (run only in a rolled-back txn)."""

    def sql(self, schema: str) -> str:
        """The statement for one schema (quoted; the name checked first)."""
        return self.template.replace("{schema}", quote_ident(check_schema_name(schema)))


def parse_query(text: str, path: str = "<string>") -> Query:
    """Read one query file's text; InputError naming the file when it is not usable.

    >>> q = parse_query("-- name: Q9\\n-- params: user_id\\nSELECT 1 FROM {schema}.t WHERE a = $1")
    >>> (q.name, q.params, q.sql("s"))
    ('Q9', ('user_id',), 'SELECT 1 FROM "s".t WHERE a = $1')
    """
    header: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if m:
            header[m.group(1)] = m.group(2)
    name = header.get("name") or Path(path).stem
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", name):
        raise InputError(f"{path}: query name {name!r} must be letters, digits, '_', '.', '-'")
    params = tuple(p.strip() for p in header.get("params", "").split(",") if p.strip())
    unknown = [p for p in params if p not in PARAM_NAMES]
    if unknown:
        raise InputError(f"{path}: unknown parameter(s) {unknown}; use {', '.join(PARAM_NAMES)}")
    body = _LEADING.sub("", text, count=1).strip().rstrip(";").strip()
    kind = header.get("kind", "read").lower()
    if kind not in KINDS:
        raise InputError(f"{path}: kind {kind!r} must be one of {', '.join(KINDS)}")
    if kind == "write":
        _check_write(body, path)
    elif not re.match(r"(?is)^(select|with)\b", body):
        raise InputError(f"{path}: a query file holds one SELECT (EXPLAIN ANALYZE runs it)")
    elif ";" in _strip_literals(body) or _WRITES.search(_strip_literals(body)):
        raise InputError(f"{path}: only one read-only SELECT is allowed (EXPLAIN ANALYZE "
                         "executes the statement)")
    used = {int(n) for n in _PLACEHOLDER.findall(body)}
    if used != set(range(1, len(params) + 1)):
        raise InputError(f"{path}: placeholders {sorted(used)} do not match params {list(params)} "
                         "(use $1..$N in the order the params header lists them)")
    return Query(name, header.get("title", name), header.get("serves", ""), params, body, path,
                 kind)


def _check_write(body: str, path: str) -> None:
    """A write path: exactly one INSERT (an ON CONFLICT upsert allowed), nothing else."""
    bare = _strip_literals(body)
    if not re.match(r"(?is)^insert\s+into\b", body) or ";" in bare or _OTHER_WRITES.search(bare):
        raise InputError(f"{path}: a write query file holds one INSERT (ON CONFLICT … DO UPDATE "
                         "allowed), run only inside a transaction that is rolled back")
    if len(re.findall(r"(?i)\binsert\b", bare)) != 1:
        raise InputError(f"{path}: a write query file holds exactly one INSERT")


def _strip_literals(sql: str) -> str:
    """The SQL without comments and quoted text, for keyword checks."""
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", " ", sql)


def load_catalogue(queries_dir: Path | str | None = None) -> list[Query]:
    """The built-in queries plus ``*.sql`` from ``queries_dir`` (same name replaces), by name."""
    by_name: dict[str, Query] = {}
    dirs = [BUILTIN_DIR] + ([Path(queries_dir)] if queries_dir is not None else [])
    for d in dirs:
        if not d.is_dir():
            raise InputError(f"query directory {d} does not exist")
        files = sorted(d.glob("*.sql"))
        if not files and d != BUILTIN_DIR:
            raise InputError(f"query directory {d} holds no *.sql file")
        for f in files:
            q = parse_query(f.read_text(encoding="utf-8"), str(f))
            by_name[q.name] = q
    return [by_name[k] for k in sorted(by_name)]
