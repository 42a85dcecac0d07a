"""Did the draws follow production skew? Judged from the rows the Q2 inserts wrote.

Each message insert records the conversation it drew, so before cleanup the share of the
workload's inserts that went to the heaviest ``TOP_FRACTION`` of conversations (by message
count) can be compared with their share of the data's traffic. With ``n`` inserts and an
expected share ``p`` the observed share is binomial: it must lie within ``Z`` standard
errors, sqrt(p(1-p)/n), of ``p`` (a false alarm about once in 16,000 runs at Z = 4).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from synthgen.pg.connect import execute
from synthgen.pg.sql import qualified
from synthgen.workload.draw import helper_table
from synthgen.workload.scripts import MARKER_KEY_PREFIX

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

TOP_FRACTION = 0.02
Z = 4.0


def judge(expected: float, hits: int, n: int, z: float = Z) -> dict[str, Any]:
    """The binomial check of ``hits`` out of ``n`` against share ``expected``.

    >>> judge(0.5, 55, 100)["within"], judge(0.5, 90, 100)["within"]
    (True, False)
    """
    observed = hits / n if n else None
    se = math.sqrt(expected * (1 - expected) / n) if n else None
    within = (observed is not None and se is not None
              and abs(observed - expected) <= z * se)
    return {"expected_share": round(expected, 6),
            "observed_share": None if observed is None else round(observed, 6),
            "inserts": n, "standard_error": None if se is None else round(se, 6), "z": z,
            "within": within}


def heavy_share(conn: Connection, schema: str, top_fraction: float = TOP_FRACTION) -> dict[str, Any]:
    """The heaviest conversations' share of the marked inserts vs their share of traffic."""
    conv = helper_table(schema, "conv")
    row = execute(conn, f"""WITH w AS (
            SELECT cid, weight, row_number() OVER (ORDER BY weight DESC, cid) AS rk,
                   count(*) OVER () AS n FROM {conv}),
        heavy AS (SELECT cid, weight FROM w WHERE rk <= greatest(1, ceil(n * $1::float8))),
        ins AS (SELECT "conversationId" AS cid FROM {qualified(schema, 'messages')}
                WHERE "idempotencyKey" LIKE $2)
        SELECT (SELECT sum(weight) FROM heavy)::float8 / (SELECT sum(weight) FROM w),
               (SELECT count(*) FROM heavy),
               (SELECT count(*) FROM ins WHERE cid IN (SELECT cid FROM heavy)),
               (SELECT count(*) FROM ins)""",
                  (top_fraction, MARKER_KEY_PREFIX.replace("_", "\\_") + "%"))[0]
    conn.rollback()
    out = judge(float(row[0] or 0.0), int(row[2]), int(row[3]))
    return {"top_fraction": top_fraction, "heavy_conversations": int(row[1]), **out}
