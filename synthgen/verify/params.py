"""Parameter sets chosen from the data, at several points of the distribution, deterministically.

Conversation sets (for queries taking ``conversation_id`` / ``member_id``):

- ``conv_typical``: message count nearest the median over all conversations;
- ``conv_p99``: nearest the 99th percentile;
- ``conv_heaviest_1`` … ``conv_heaviest_N``: the busiest rooms by message count.

Each conversation comes with ``member_id``: its earliest-joined active member (the creator
when none is active). User sets (for ``user_id``): ``user_typical`` (active-membership count
nearest the median) and ``user_active`` (the most memberships). Ties always break on the
smallest id and a conversation or user is never picked twice, so the same data gives the
same sets; each set records the statistic it was chosen by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synthgen.pg.connect import execute
from synthgen.pg.sql import qualified

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

_SEP = "\x1f"  # joins excluded ids into one bound text parameter
HEAVIEST = 2
"""How many of the heaviest rooms to measure."""


def _pick(conn: Connection, table: str, target: str, exclude: list[str]) -> tuple[str, int] | None:
    """The row of temp ``table`` (id, n) nearest ``target`` (an SQL expression), not excluded."""
    rows = execute(conn, f"SELECT id, n FROM {table} WHERE NOT (id = ANY(string_to_array($1, chr(31)))) "
                         f"ORDER BY abs(n - ({target})), id LIMIT 1", (_SEP.join(exclude),))
    return (str(rows[0][0]), int(rows[0][1])) if rows else None


def _heaviest(conn: Connection, table: str, exclude: list[str], k: int) -> list[tuple[str, int]]:
    rows = execute(conn, f"SELECT id, n FROM {table} WHERE NOT (id = ANY(string_to_array($1, chr(31)))) "
                         f"ORDER BY n DESC, id LIMIT {int(k)}", (_SEP.join(exclude),))
    return [(str(r[0]), int(r[1])) for r in rows]


def _quantile(table: str, q: float) -> str:
    return f"SELECT percentile_disc({float(q)}) WITHIN GROUP (ORDER BY n) FROM {table}"


def choose_params(conn: Connection, schema: str, heaviest: int = HEAVIEST) -> list[dict[str, Any]]:
    """The parameter sets for ``schema`` (see the module docstring), in a fixed order."""
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
    picks: list[tuple[str, str, tuple[str, int] | None]] = [
        ("conv_typical", "median message count",
         _pick(conn, "synthgen_conv_n", _quantile("synthgen_conv_n", 0.5), chosen))]
    if picks[0][2]:
        chosen.append(picks[0][2][0])
    p99 = _pick(conn, "synthgen_conv_n", _quantile("synthgen_conv_n", 0.99), chosen)
    picks.append(("conv_p99", "p99 message count", p99))
    if p99:
        chosen.append(p99[0])
    for i, heavy in enumerate(_heaviest(conn, "synthgen_conv_n", chosen, heaviest), 1):
        picks.append((f"conv_heaviest_{i}", f"#{i} by message count", heavy))
    for name, why, row in picks:
        if row is None:
            continue
        cid, n = row
        member = execute(conn, f"""SELECT coalesce(
            (SELECT "userId" FROM {cu} WHERE "conversationId" = $1 AND "isActive"
             ORDER BY "joinedAt", "userId" LIMIT 1),
            (SELECT "creatorId" FROM {conv} WHERE "id" = $1))""", (cid,))[0][0]
        sets.append({"name": name, "kind": "conversation", "chosen_by": why,
                     "values": {"conversation_id": cid, "member_id": str(member)},
                     "stats": {"messages": n}})
    u_typ = _pick(conn, "synthgen_user_n", _quantile("synthgen_user_n", 0.5), [])
    u_act = _heaviest(conn, "synthgen_user_n", [u_typ[0]] if u_typ else [], 1)
    for name, why, urow in (("user_typical", "median active memberships", u_typ),
                            ("user_active", "most active memberships", u_act[0] if u_act else None)):
        if urow is not None:
            sets.append({"name": name, "kind": "user", "chosen_by": why,
                         "values": {"user_id": urow[0]}, "stats": {"memberships": urow[1]}})
    execute(conn, "DROP TABLE IF EXISTS pg_temp.synthgen_conv_n, pg_temp.synthgen_user_n")
    return sets
