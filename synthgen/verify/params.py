"""Parameter sets chosen from the data across the distribution, with a recorded seed.

Conversation points (for queries taking ``conversation_id`` / ``member_id``), by message
count over all conversations: ``p10``, ``p50``, ``p90``, ``p99`` and ``max``, at least
``PER_POINT`` conversations each. For a quantile point the candidates are the conversations
whose count is nearest the quantile (every one tied with the ``PER_POINT``-th nearest), and
``PER_POINT`` of them are drawn at random; ``max`` takes the heaviest rooms. Each
conversation's ``member_id`` is drawn at random among its active members (the creator when
none is active), so Q4 does not always see the earliest joiner.

User points (``user_id``), by active-membership count: ``p50``, ``p90``, ``p99``, ``max``.

Write rooms (``write_typical``, ``write_heavy``): where the write paths Q2 / Q5 are measured
— a conversation near the median and the heaviest one not already used for reads (when
the data has one), with a sender, a recipient and a pool of its newest message ids.

Every draw comes from one generator seeded by ``seed`` (recorded in the baseline), and all
candidate lists are ordered by id first, so the same data and seed give the same sets; the
post baseline reuses pre's sets instead of drawing again.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

from synthgen.pg.connect import execute
from synthgen.pg.sql import qualified

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

PER_POINT = 3
"""Conversations (or users) per distribution point."""
CONV_POINTS = (("p10", 0.10), ("p50", 0.50), ("p90", 0.90), ("p99", 0.99))
USER_POINTS = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))
MESSAGE_POOL = 20
"""Newest messages of a write room that Q5 acknowledges (× 2 states = distinct receipts)."""
DEFAULT_SEED = "gate2"
_SEP = "\x1f"  # joins excluded ids into one bound text parameter


def rng_for(seed: str) -> np.random.Generator:
    """The generator of one selection: sha256 of the seed text, so any string works."""
    return np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def _nearest(conn: Connection, table: str, q: float, exclude: list[str],
             k: int, rng: np.random.Generator) -> tuple[int, list[tuple[str, int]]]:
    """``k`` rows of temp ``table`` (id, n) drawn among those nearest its ``q`` quantile."""
    target = int(execute(conn, f"SELECT percentile_disc({float(q)}) WITHIN GROUP (ORDER BY n) "
                               f"FROM {table}")[0][0] or 0)
    rows = execute(conn, f"""SELECT id, n, abs(n - $2) AS d FROM {table}
        WHERE NOT (id = ANY(string_to_array($1, chr(31))))
        ORDER BY abs(n - $2), id LIMIT 2000""", (_SEP.join(exclude), target))
    if not rows:
        return target, []
    cut = int(rows[min(k, len(rows)) - 1][2])
    pool = [(str(r[0]), int(r[1])) for r in rows if int(r[2]) <= cut]
    take = rng.choice(len(pool), size=min(k, len(pool)), replace=False)
    return target, sorted((pool[int(i)] for i in take), key=lambda t: (t[1], t[0]))


def _top(conn: Connection, table: str, exclude: list[str], k: int) -> list[tuple[str, int]]:
    rows = execute(conn, f"SELECT id, n FROM {table} "
                         "WHERE NOT (id = ANY(string_to_array($1, chr(31)))) "
                         f"ORDER BY n DESC, id LIMIT {int(k)}", (_SEP.join(exclude),))
    return [(str(r[0]), int(r[1])) for r in rows]


def _members(conn: Connection, schema: str, cid: str) -> list[str]:
    cu, conv = qualified(schema, "conversation_users"), qualified(schema, "conversations")
    rows = execute(conn, f'SELECT "userId" FROM {cu} WHERE "conversationId" = $1 AND "isActive" '
                         'ORDER BY "userId"', (cid,))
    if rows:
        return [str(r[0]) for r in rows]
    return [str(execute(conn, f'SELECT "creatorId" FROM {conv} WHERE "id" = $1', (cid,))[0][0])]


def _conv_set(conn: Connection, schema: str, name: str, point: str, why: str, cid: str, n: int,
              rng: np.random.Generator) -> dict[str, Any]:
    members = _members(conn, schema, cid)
    member = members[int(rng.integers(len(members)))]
    return {"name": name, "kind": "conversation", "point": point, "chosen_by": why,
            "values": {"conversation_id": cid, "member_id": member},
            "stats": {"messages": n, "active_members": len(members)}}


def _write_room(conn: Connection, schema: str, name: str, why: str, cid: str, n: int,
                rng: np.random.Generator) -> dict[str, Any]:
    members = _members(conn, schema, cid)
    order = rng.permutation(len(members))
    sender = members[int(order[0])]
    recipient = members[int(order[1])] if len(members) > 1 else sender
    msg = qualified(schema, "messages")
    pool = [str(r[0]) for r in execute(conn, f'SELECT "id" FROM {msg} WHERE "conversationId" = $1 '
                                             f'ORDER BY "createdAt" DESC, "id" LIMIT {MESSAGE_POOL}',
                                       (cid,))]
    return {"name": name, "kind": "write_room", "point": name.removeprefix("write_"),
            "chosen_by": why,
            "values": {"conversation_id": cid, "member_id": sender, "recipient_id": recipient,
                       "message_ids": pool},
            "stats": {"messages": n, "active_members": len(members)}}


def choose_params(conn: Connection, schema: str, seed: str = DEFAULT_SEED,
                  per_point: int = PER_POINT) -> list[dict[str, Any]]:
    """The parameter sets for ``schema`` (module docstring), in a fixed order."""
    rng = rng_for(seed)
    conv, cu, msg, users = (qualified(schema, t) for t in
                            ("conversations", "conversation_users", "messages", "users"))
    execute(conn, "DROP TABLE IF EXISTS pg_temp.synthgen_conv_n, pg_temp.synthgen_user_n")
    execute(conn, f"""CREATE TEMP TABLE synthgen_conv_n AS
        SELECT c."id" AS id, coalesce(mc.n, 0)::bigint AS n
        FROM {conv} AS c
        LEFT JOIN (SELECT "conversationId", count(*) AS n FROM {msg} GROUP BY 1) AS mc
               ON mc."conversationId" = c."id" """)
    execute(conn, f"""CREATE TEMP TABLE synthgen_user_n AS
        SELECT u."id" AS id, coalesce(un.n, 0)::bigint AS n
        FROM {users} AS u
        LEFT JOIN (SELECT "userId", count(*) AS n FROM {cu} WHERE "isActive" GROUP BY 1) AS un
               ON un."userId" = u."id" """)
    sets: list[dict[str, Any]] = []
    chosen: list[str] = []
    for point, q in CONV_POINTS:
        target, rows = _nearest(conn, "synthgen_conv_n", q, chosen, per_point, rng)
        for i, (cid, n) in enumerate(rows, 1):
            chosen.append(cid)
            sets.append(_conv_set(conn, schema, f"conv_{point}_{i}", point,
                                  f"message count near the {point} ({target})", cid, n, rng))
    for i, (cid, n) in enumerate(_top(conn, "synthgen_conv_n", chosen, per_point), 1):
        chosen.append(cid)
        sets.append(_conv_set(conn, schema, f"conv_max_{i}", "max",
                              f"#{i} by message count", cid, n, rng))
    picked: list[str] = []
    for point, q in USER_POINTS:
        target, urows = _nearest(conn, "synthgen_user_n", q, picked, per_point, rng)
        for i, (uid, n) in enumerate(urows, 1):
            picked.append(uid)
            sets.append({"name": f"user_{point}_{i}", "kind": "user", "point": point,
                         "chosen_by": f"active memberships near the {point} ({target})",
                         "values": {"user_id": uid}, "stats": {"memberships": n}})
    for i, (uid, n) in enumerate(_top(conn, "synthgen_user_n", picked, per_point), 1):
        sets.append({"name": f"user_max_{i}", "kind": "user", "point": "max",
                     "chosen_by": f"#{i} by active memberships", "values": {"user_id": uid},
                     "stats": {"memberships": n}})
    # write rooms: not a read conversation when the data has another, so rolled-back inserts
    # leave no dead tuples where reads are measured (they are vacuumed away as well)
    _, typ = _nearest(conn, "synthgen_conv_n", 0.5, chosen, 1, rng)
    heavy = _top(conn, "synthgen_conv_n", chosen, 1) or _top(conn, "synthgen_conv_n", [], 1)
    for name, why, row in (("write_typical", "message count near the median", typ),
                           ("write_heavy", "heaviest room not measured for reads", heavy)):
        if row:
            sets.append(_write_room(conn, schema, name, why, row[0][0], row[0][1], rng))
    execute(conn, "DROP TABLE IF EXISTS pg_temp.synthgen_conv_n, pg_temp.synthgen_user_n")
    return sets
