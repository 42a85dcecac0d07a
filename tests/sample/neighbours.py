"""Small databases and their neighbours (one user's rows removed), for the sensitivity tests.

A ``World`` is a handful of users, conversations, memberships, messages, reads and
attachments; ``load`` writes it into a schema whose foreign keys are dropped, so removing a
user removes exactly their own rows (the actor columns of ``sample.bounded``) and leaves
other users' rows that point at them, as the unit of privacy says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from synthgen.ddl import create_sql
from synthgen.pg.sql import quote_ident
from synthgen.schema import ENUMS
from tests.fixtures.db import pg_exec

MESSAGE_TYPES = ENUMS["MessageType"]
ATTACHMENT_TYPES = ENUMS["AttachmentType"]
WINDOW_MINUTES = 30 * 24 * 60 - 60  # every row stays an hour inside a 30-day window


@dataclass
class World:
    """Rows by index: user ``i`` is ``u{i}``, conversation ``j`` is ``k{j}``."""

    users: list[tuple[int, int]]  # (username length, profile fields set 0..4)
    memberships: list[tuple[int, int]]  # (user, conversation), unique
    messages: list[tuple[int, int, int, int, int]]  # (sender, conv, minutes ago, type, length)
    reads: list[tuple[int, int, int]] = field(default_factory=list)  # (reader, message, delay s)
    attachments: list[tuple[int, int, int]] = field(default_factory=list)  # (uploader, msg, type)


@st.composite
def worlds(draw: st.DrawFn, max_users: int = 6) -> World:
    n_users = draw(st.integers(2, max_users))
    n_convs = draw(st.integers(1, 20))
    user = st.integers(0, n_users - 1)
    users = draw(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 4)),
                          min_size=n_users, max_size=n_users))
    # each conversation draws its members: many small conversations share the same users
    members = draw(st.lists(st.sets(user, max_size=4), min_size=n_convs, max_size=n_convs))
    memberships = [(u, c) for c, us in enumerate(members) for u in sorted(us)]
    messages = draw(st.lists(st.tuples(user, st.integers(0, n_convs - 1),
                                       st.integers(61, WINDOW_MINUTES),
                                       st.integers(0, len(MESSAGE_TYPES) - 1),
                                       st.integers(0, 400)), min_size=1, max_size=60))
    msg = st.integers(0, len(messages) - 1)
    reads = draw(st.lists(st.tuples(user, msg, st.integers(0, 3000)), max_size=80,
                          unique_by=lambda r: (r[0], r[1])))
    attachments = draw(st.lists(st.tuples(user, msg, st.integers(0, len(ATTACHMENT_TYPES) - 1)),
                                max_size=30))
    return World(users, memberships, messages, reads, attachments)


def create(dsn: str, schema: str) -> None:
    """The app's tables without foreign keys (a removed user's rows may be pointed at)."""
    for sql in create_sql(schema):
        pg_exec(dsn, sql)
    fks = pg_exec(dsn, f"""SELECT conrelid::regclass::text, conname FROM pg_constraint
                           WHERE contype = 'f' AND connamespace = '{schema}'::regnamespace""")
    for table, name in fks:
        pg_exec(dsn, f"ALTER TABLE {table} DROP CONSTRAINT {quote_ident(name)}")


def _run(dsn: str, statements: list[str]) -> None:
    """Run statements on one connection, one commit (a connection per statement is slow)."""
    from synthgen.pg.connect import connect, execute

    conn = connect(dsn)
    try:
        for sql in statements:
            execute(conn, sql)
        conn.commit()
    finally:
        conn.close()


def load(dsn: str, schema: str, w: World) -> None:
    """Replace the schema's rows with the world's."""
    out: list[str] = []
    s = quote_ident(schema)
    out.append(f"TRUNCATE {s}.users, {s}.conversation_users, {s}.messages, "
               f"{s}.message_reads, {s}.attachments, {s}.message_receipts")
    now = "(now() AT TIME ZONE 'UTC')"
    fields = ('"firstName"', '"lastName"', "bio", '"profileImageUrl"')
    out.append(f"""INSERT INTO {s}.users (id, email, username, "updatedAt", {", ".join(fields)})
        VALUES {", ".join(
            f"('u{i}', 'e{i}', repeat('x', {n}), now(), "
            + ", ".join("'y'" if f < pf else "NULL" for f in range(4)) + ")"
            for i, (n, pf) in enumerate(w.users))}""")
    if w.memberships:
        out.append(f"""INSERT INTO {s}.conversation_users (id, "updatedAt", "userId",
            "conversationId") VALUES {", ".join(
                f"('cu{u}_{c}', now(), 'u{u}', 'k{c}')" for u, c in w.memberships)}""")
    out.append(f"""INSERT INTO {s}.messages (id, content, type, "idempotencyKey", "createdAt",
        "updatedAt", "senderId", "conversationId") VALUES {", ".join(
            f"('m{i}', repeat('a', {n}), '{MESSAGE_TYPES[t]}', 'i{i}', "
            f"{now} - interval '{ago} minutes', now(), 'u{u}', 'k{c}')"
            for i, (u, c, ago, t, n) in enumerate(w.messages))}""")
    if w.reads:
        out.append(f"""INSERT INTO {s}.message_reads (id, "readAt", "updatedAt", "userId",
            "messageId") VALUES {", ".join(
                f"('r{i}', {now} - interval '{w.messages[m][2]} minutes' "
                f"+ interval '{d} seconds', now(), 'u{u}', 'm{m}')"
                for i, (u, m, d) in enumerate(w.reads))}""")
    if w.attachments:
        out.append(f"""INSERT INTO {s}.attachments (id, filename, "originalName", "mimeType",
            size, url, type, "createdAt", "updatedAt", "uploaderId", "messageId") VALUES {", ".join(
                f"('a{i}', 'f', 'f', 'x/y', 1000, 'u', '{ATTACHMENT_TYPES[t]}', "
                f"{now} - interval '{w.messages[m][2]} minutes', now(), 'u{u}', 'm{m}')"
                for i, (u, m, t) in enumerate(w.attachments))}""")
    _run(dsn, out)


def remove_user(dsn: str, schema: str, user: int) -> None:
    """The neighbour: every row whose actor column is the user, gone."""
    s = quote_ident(schema)
    _run(dsn, [f"DELETE FROM {s}.{quote_ident(table)} WHERE {quote_ident(actor)} = 'u{user}'"
               for table, actor in (("users", "id"), ("messages", "senderId"),
                                    ("message_reads", "userId"), ("attachments", "uploaderId"),
                                    ("conversation_users", "userId"),
                                    ("message_receipts", "userId"))])


def remove_message(dsn: str, schema: str, message: int) -> None:
    """An event-level neighbour: one message row gone (the old, declared unit)."""
    pg_exec(dsn, f"DELETE FROM {quote_ident(schema)}.messages WHERE id = 'm{message}'")


def heavy_rooms_world(floor: int) -> World:
    """Two heavy rooms of exactly ``floor`` messages: conversation 0 (members 0-3; one message
    is user 0's, the rest user 1's) and conversation 1 (members 1, 2, 4; user 2's). Users 3,
    2 and 4 read 50, 30 and 40 of other members' messages; user 5, no member, reads 10."""
    memberships = [(u, 0) for u in (0, 1, 2, 3)] + [(u, 1) for u in (1, 2, 4)]
    messages = ([(0, 0, 100, 0, 20)] + [(1, 0, 101 + i % 40_000, 0, 20) for i in range(floor - 1)]
                + [(2, 1, 100 + i % 40_000, 0, 20) for i in range(floor)])
    reads = ([(3, 1 + i, 5) for i in range(50)] + [(2, 100 + i, 5) for i in range(30)]
             + [(4, floor + i, 5) for i in range(40)]
             + [(5, floor + 100 + i, 5) for i in range(10)])
    return World([(8, 2)] * 6, memberships, messages, reads)


def heavy_room_counts(dsn: str, schema: str) -> tuple[int, int, int]:
    """(reads by members, (message, other member) pairs, heavy rooms): the two counts behind
    the sampler's heavy-room coverage, by its own sub-selects."""
    from synthgen.pg.connect import connect, execute
    from synthgen.sample.measures import HEAVY_ROOM_PAIRS, HEAVY_ROOM_READS
    from synthgen.sample.sources import with_clause

    conn = connect(dsn, read_only=True)
    try:
        ((reads, pairs, rooms),) = execute(conn, with_clause(schema, 30) + (
            f"SELECT k.reads, coalesce(p.pairs, 0), p.rooms "
            f"FROM {HEAVY_ROOM_READS} k, {HEAVY_ROOM_PAIRS} p"))
    finally:
        conn.close()
    return int(reads), int(pairs), int(rooms)
