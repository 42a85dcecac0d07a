"""Draw tables: parameters at production skew, built from the loaded data in ``_synthgen``.

pgbench cannot sample from a table, so the skew lives in cumulative-weight tables that one
indexed lookup turns a uniform random number into an id:

- ``conv``: every conversation with at least one message, weight = its message count (a
  heavy room gets as many requests as it has traffic); ``hi`` is the running total, so a
  uniform ``r`` in [0, total) picks the row with the smallest ``hi > r``. Each row also names
  its members' slice of ``member`` (``moff``, ``nm``) and its latest message (``last_msg``,
  the message a receipt upsert acknowledges).
- ``member``: the active members of each conversation, contiguous per conversation (the
  creator when none is active), so ``moff + u % nm`` is a uniformly drawn member.
- ``user``: every user with activity, weight = messages sent + active memberships.

Random numbers come from pgbench (``--random-seed``), so a recorded seed replays the same
sequence of draws. The tables are rebuilt by every ``workload`` run (the data may change).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from synthgen.errors import InputError
from synthgen.pg.connect import execute
from synthgen.pg.marker import META_SCHEMA
from synthgen.pg.sql import qualified

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

KINDS = ("conv", "member", "user", "receipts", "reads")
"""Helper tables per target schema (``receipts`` and ``reads`` are the cleanup's snapshots)."""


def helper_table(schema: str, kind: str) -> str:
    """The quoted ``_synthgen`` table of ``kind`` for ``schema`` (long names hashed).

    >>> helper_table("perf_synthetic", "conv")
    '"_synthgen"."wl_perf_synthetic_conv"'
    """
    name = f"wl_{schema}_{kind}"
    if len(name) > 63:
        name = f"wl_{hashlib.sha256(schema.encode()).hexdigest()[:16]}_{kind}"
    return qualified(META_SCHEMA, name)


@dataclass(frozen=True, slots=True)
class DrawTotals:
    """The totals the pgbench scripts draw uniform numbers below."""

    conv_total: int
    """Sum of conversation weights (messages in drawable conversations)."""
    user_total: int
    conversations: int
    users: int
    members: int

    def to_json(self) -> dict[str, int]:
        return {"conv_total": self.conv_total, "user_total": self.user_total,
                "conversations": self.conversations, "users": self.users,
                "members": self.members}


def build_draw_tables(conn: Connection, schema: str) -> DrawTotals:
    """(Re)build the draw tables for ``schema``; InputError when it holds no data to draw."""
    s = {t: qualified(schema, t) for t in ("conversations", "conversation_users", "messages",
                                            "users")}
    conv, member, user = (helper_table(schema, k) for k in ("conv", "member", "user"))
    execute(conn, f"DROP TABLE IF EXISTS {conv}, {member}, {user}")
    # per conversation: message count (one hash aggregate) and latest message (an index
    # lookup per conversation on the app's (conversationId, createdAt) index); a DISTINCT ON
    # over every message would sort them all
    execute(conn, f"""CREATE TEMP TABLE wl_cstat ON COMMIT DROP AS
        SELECT n.cid, n.n,
               (SELECT m."id" FROM {s['messages']} AS m WHERE m."conversationId" = n.cid
                ORDER BY m."createdAt" DESC, m."id" DESC LIMIT 1) AS last_msg
        FROM (SELECT "conversationId" AS cid, count(*) AS n FROM {s['messages']}
              GROUP BY 1) AS n""")
    execute(conn, f"""CREATE TEMP TABLE wl_mem ON COMMIT DROP AS
        SELECT cs.cid, coalesce(a.uid, c."creatorId") AS uid
        FROM wl_cstat AS cs
        JOIN {s['conversations']} AS c ON c."id" = cs.cid
        LEFT JOIN (SELECT "conversationId" AS cid, "userId" AS uid FROM {s['conversation_users']}
                   WHERE "isActive") AS a ON a.cid = cs.cid""")
    execute(conn, f"""CREATE TABLE {member} AS
        SELECT (row_number() OVER (ORDER BY cid, uid) - 1)::bigint AS pos, cid, uid
        FROM wl_mem""")
    execute(conn, f"ALTER TABLE {member} ADD PRIMARY KEY (pos)")
    execute(conn, f"""CREATE TABLE {conv} AS
        SELECT (sum(cs.n) OVER (ORDER BY cs.cid))::bigint AS hi, cs.cid, cs.n::bigint AS weight,
               mm.moff, mm.nm, cs.last_msg
        FROM wl_cstat AS cs
        JOIN (SELECT cid, min(pos) AS moff, count(*)::int AS nm FROM {member} GROUP BY cid)
             AS mm USING (cid)""")
    execute(conn, f"ALTER TABLE {conv} ADD PRIMARY KEY (hi)")
    execute(conn, f"""CREATE TABLE {user} AS
        SELECT (sum(w) OVER (ORDER BY uid))::bigint AS hi, uid, w::bigint AS weight
        FROM (SELECT u."id" AS uid,
                     coalesce(ms.n, 0) + coalesce(cu.n, 0) AS w
              FROM {s['users']} AS u
              LEFT JOIN (SELECT "senderId" AS uid, count(*) AS n FROM {s['messages']}
                         GROUP BY 1) AS ms ON ms.uid = u."id"
              LEFT JOIN (SELECT "userId" AS uid, count(*) AS n FROM {s['conversation_users']}
                         WHERE "isActive" GROUP BY 1) AS cu ON cu.uid = u."id") AS x
        WHERE w > 0""")
    execute(conn, f"ALTER TABLE {user} ADD PRIMARY KEY (hi)")
    for t in (conv, member, user):
        execute(conn, f"ANALYZE {t}")
    row = execute(conn, f"""SELECT (SELECT coalesce(max(hi), 0) FROM {conv}),
        (SELECT coalesce(max(hi), 0) FROM {user}), (SELECT count(*) FROM {conv}),
        (SELECT count(*) FROM {user}), (SELECT count(*) FROM {member})""")[0]
    totals = DrawTotals(*(int(v) for v in row))
    if totals.conv_total <= 0 or totals.user_total <= 0:
        conn.rollback()
        raise InputError(f"schema {schema!r} holds no messages to replay a workload on: "
                         "load a dataset first (synthgen load)")
    conn.commit()
    return totals


def drop_draw_tables(conn: Connection, schema: str) -> None:
    """Drop the draw tables (not the cleanup snapshot); the caller commits."""
    tables = ", ".join(helper_table(schema, k) for k in ("conv", "member", "user"))
    execute(conn, f"DROP TABLE IF EXISTS {tables}")
