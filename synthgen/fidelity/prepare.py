"""Small in-memory tables every later check shares, built once per validation.

``msg``         id, the 64-bit hashes of conversation (hc) and sender (hs), createdAt, type,
                status rank (``integrity.STATUS_RANK``) and stored position (partition,
                row) of every message: the parent side of the reads / receipts /
                attachments joins, read from Parquet once.
                Conversation and sender are kept as hashes (their id strings would double
                the gate's memory on dev); rules that must compare ids read them from the
                messages view (``integrity.Refs``).
``mem``         (conversation, user) memberships, and their hashes (hc, hu).
``conv_stats``  per conversation (cid, hc): messages, last message, gap sums and order
                violations.
``gap_keys``    gaps between consecutive messages of a conversation, counted by log-spaced
                key (``synthgen.generate.reference.gap_key``; -1 = not after the previous).
``conv_size``   per conversation (cid, hc): members and messages (zero for none).
``content_len`` messages by (media, content length in characters): the one scan of the
                content column the shape checks need (metrics, histogram and KS); on the
                same scan, ``suspects`` counts the rows the PII trigger selects
                (``pii.PRECOUNTED``: none, and the PII scan need not read messages again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synthgen.fidelity.inputs import require
from synthgen.fidelity.integrity import STATUS_RANK
from synthgen.fidelity.pii import table_trigger
from synthgen.generate.reference import GAP_KEYS_PER_DECADE

if TYPE_CHECKING:
    import duckdb


def prepare(con: duckdb.DuckDBPyConnection) -> bool:
    """Build the shared tables; False when a table they need is missing from the dataset.

    Messages are grouped by conversation through ``ck``: the 64-bit hash of the conversation
    id when the conversations' ids hash apart (checked here, on the conversations table),
    else the id itself. The hash keeps the id strings out of ``msg`` (a fifth of the gate's
    memory on dev) and makes the window and the groupings integer work; conversation-level
    tables carry the id (``cid``) again, joined from the conversations. A message whose
    conversation does not exist keeps its statistics under ``cid`` NULL (its foreign key
    fails; its ordering is still counted).
    """
    if not require(con, "conversations", "conversation_users", "messages"):
        return False
    row = con.execute("SELECT count(DISTINCT hash(id)) = count(DISTINCT id) "
                      "FROM conversations").fetchone()
    apart = bool(row and row[0])
    ck, ck_of = ("hc", "hash(id)") if apart else ("cid", "id")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE msg AS
        SELECT id, {'' if apart else '"conversationId" AS cid, '}
               hash("conversationId") AS hc, hash("senderId") AS hs, "createdAt" AS created,
               type, {STATUS_RANK.format("status")}::UTINYINT AS status_rank,
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
    # report does not depend on the order in which threads add them up. One window serves
    # both groupings: per conversation (sums, order) and per gap key (the KS histogram).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE gap_sets AS
        SELECT GROUPING(ck) AS by_key, ck, key, count(gap_ms) AS gaps, sum(gap_ms) AS gap_ms,
               sum(gap_ms::HUGEINT * gap_ms) AS gap_ms2,
               count(*) FILTER (WHERE gap_ms <= 0) AS order_violations, count(gap_ms) AS k
        FROM (SELECT ck, gap_ms,
                     CASE WHEN gap_ms <= 0 THEN -1
                          ELSE floor({GAP_KEYS_PER_DECADE} * log10(gap_ms))::BIGINT END AS key
              FROM (SELECT {ck} AS ck, epoch_ms(created) - lag(epoch_ms(created)) OVER (
                               PARTITION BY {ck} ORDER BY part, row_number) AS gap_ms
                    FROM msg))
        GROUP BY GROUPING SETS ((ck), (key))""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE gap_keys AS
        SELECT key, k FROM gap_sets WHERE by_key = 1 AND key IS NOT NULL""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE conv_stats AS
        SELECT c.cid, l.hc, l.n, l.last_at, l.last_id, g.gaps, g.gap_ms, g.gap_ms2,
               g.order_violations
        FROM (SELECT {ck} AS ck, any_value(hc) AS hc, count(*) AS n, max(created) AS last_at,
                     arg_max(id, created) AS last_id
              FROM msg GROUP BY {ck}) l
        JOIN (SELECT * FROM gap_sets WHERE by_key = 0) g USING (ck)
        LEFT JOIN (SELECT DISTINCT {ck_of} AS ck, id AS cid FROM conversations) c USING (ck)""")
    con.execute("DROP TABLE gap_sets")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE conv_size AS
        SELECT c.id AS cid, hash(c.id) AS hc, coalesce(m.members, 0) AS members,
               coalesce(s.n, 0) AS n
        FROM (SELECT DISTINCT id FROM conversations) c
        LEFT JOIN (SELECT cid, count(*) AS members FROM mem GROUP BY cid) m ON m.cid = c.id
        LEFT JOIN conv_stats s ON s.cid = c.id""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE content_len AS
        SELECT type <> 'TEXT' AS media, length(content) AS chars, count(*) AS k,
               count(*) FILTER (WHERE {table_trigger("messages")}) AS suspects
        FROM messages GROUP BY ALL""")
    return True
