"""Small in-memory tables every later check shares, built once per validation.

``msg``         id, conversation, sender, createdAt, type and stored position (partition,
                row) of every message, with the 64-bit hashes of conversation (hc) and
                sender (hs): the parent side of the reads / receipts / attachments
                joins, read from Parquet once.
``mem``         (conversation, user) memberships, and their hashes (hc, hu).
``conv_stats``  per conversation: messages, last message, gap sums and order violations.
``conv_size``   per conversation: members and messages (zero for none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synthgen.fidelity.inputs import require

if TYPE_CHECKING:
    import duckdb


def prepare(con: duckdb.DuckDBPyConnection) -> bool:
    """Build the shared tables; False when a table they need is missing from the dataset."""
    if not require(con, "conversations", "conversation_users", "messages"):
        return False
    con.execute("""
        CREATE OR REPLACE TEMP TABLE msg AS
        SELECT id, "conversationId" AS cid, hash("conversationId") AS hc,
               "senderId" AS sid, hash("senderId") AS hs, "createdAt" AS created, type,
               part, file_row_number AS row_number
        FROM messages""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE mem AS
        SELECT "conversationId" AS cid, "userId" AS uid, hash("conversationId") AS hc,
               hash("userId") AS hu
        FROM conversation_users""")
    # Gaps follow the rows' stored order (partition, then row): the dataset contract keeps a
    # conversation's messages by createdAt, so a gap <= 0 ms is a timestamp that does not
    # strictly increase (a tie, or a row out of order). Sums stay integers (exact), so the
    # report does not depend on the order in which threads add them up.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE conv_gaps AS
        SELECT cid, count(gap_ms) AS gaps, sum(gap_ms) AS gap_ms,
               sum(gap_ms::HUGEINT * gap_ms) AS gap_ms2,
               count(*) FILTER (WHERE gap_ms <= 0) AS order_violations
        FROM (SELECT cid, epoch_ms(created) - lag(epoch_ms(created)) OVER (
                         PARTITION BY cid ORDER BY part, row_number) AS gap_ms
              FROM msg)
        GROUP BY cid""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE conv_stats AS
        SELECT l.cid, l.n, l.last_at, l.last_id, g.gaps, g.gap_ms, g.gap_ms2, g.order_violations
        FROM (SELECT cid, count(*) AS n, max(created) AS last_at,
                     arg_max(id, created) AS last_id
              FROM msg GROUP BY cid) l
        JOIN conv_gaps g USING (cid)""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE conv_size AS
        SELECT c.id AS cid, coalesce(m.members, 0) AS members, coalesce(s.n, 0) AS n
        FROM (SELECT DISTINCT id FROM conversations) c
        LEFT JOIN (SELECT cid, count(*) AS members FROM mem GROUP BY cid) m ON m.cid = c.id
        LEFT JOIN conv_stats s ON s.cid = c.id""")
    return True
