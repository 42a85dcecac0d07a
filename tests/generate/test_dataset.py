"""Invariants of a generated `ci` dataset, read back with DuckDB over the Parquet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from synthgen.bands import load_band
from synthgen.dataset import read_manifest, table_glob
from synthgen.schema import TABLE_NAMES, arrow_schema

pytestmark = pytest.mark.slow  # every test reads the generated ci dataset


@pytest.fixture(scope="module")
def con(ci_dataset: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    for t in TABLE_NAMES:
        c.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{table_glob(ci_dataset, t)}')")
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_exact_band_counts_and_manifest(ci_dataset: Path, con: duckdb.DuckDBPyConnection) -> None:
    band = load_band("ci")
    manifest = read_manifest(ci_dataset)
    assert one(con, "SELECT count(*) FROM users") == band.users == manifest.table_rows("users")
    assert one(con, "SELECT count(*) FROM conversations") == band.conversations
    assert one(con, "SELECT count(*) FROM messages") == band.messages
    for t in TABLE_NAMES:
        assert one(con, f"SELECT count(*) FROM {t}") == manifest.table_rows(t) > 0


def test_parquet_schema_is_the_database_schema(ci_dataset: Path) -> None:
    import pyarrow.parquet as pq

    for t in TABLE_NAMES:
        for f in read_manifest(ci_dataset).table_files(t):
            assert pq.read_schema(ci_dataset / f.path).remove_metadata() == arrow_schema(t)


UNIQUE = [("users", "id"), ("users", "email"), ("users", "username"), ("conversations", "id"),
          ("conversation_users", "id"), ("conversation_users", '"userId", "conversationId"'),
          ("messages", "id"), ("messages", '"idempotencyKey"'), ("message_reads", "id"),
          ("message_reads", '"userId", "messageId"'), ("message_receipts", "id"),
          ("message_receipts", '"messageId", "userId", state'), ("attachments", "id")]


@pytest.mark.parametrize(("table", "cols"), UNIQUE)
def test_keys_unique(con: duckdb.DuckDBPyConnection, table: str, cols: str) -> None:
    dups = one(con, f"SELECT count(*) FROM (SELECT {cols} FROM {table} GROUP BY ALL "
                    "HAVING count(*) > 1)")
    assert dups == 0


FKS = [("conversations", '"creatorId"', "users"), ("conversation_users", '"userId"', "users"),
       ("conversation_users", '"conversationId"', "conversations"),
       ("messages", '"senderId"', "users"), ("messages", '"conversationId"', "conversations"),
       ("messages", '"replyToId"', "messages"), ("messages", '"threadId"', "messages"),
       ("message_reads", '"userId"', "users"), ("message_reads", '"messageId"', "messages"),
       ("message_receipts", '"messageId"', "messages"), ("message_receipts", '"userId"', "users"),
       ("attachments", '"uploaderId"', "users"), ("attachments", '"messageId"', "messages"),
       ("conversations", '"lastMessageId"', "messages"), ("users", '"typingIn"', "conversations"),
       ("conversation_users", '"lastReadMessageId"', "messages")]


@pytest.mark.parametrize(("table", "col", "ref"), FKS)
def test_foreign_keys_resolve(con: duckdb.DuckDBPyConnection, table: str, col: str,
                              ref: str) -> None:
    orphans = one(con, f"SELECT count(*) FROM {table} t WHERE t.{col} IS NOT NULL AND NOT EXISTS "
                       f"(SELECT 1 FROM {ref} r WHERE r.id = t.{col})")
    assert orphans == 0


INVARIANTS = {
    "sender is a member": """SELECT count(*) FROM messages m ANTI JOIN conversation_users cu
        ON cu."userId" = m."senderId" AND cu."conversationId" = m."conversationId" """,
    "reader is a member": """SELECT count(*) FROM message_reads r JOIN messages m ON m.id = r."messageId"
        ANTI JOIN conversation_users cu ON cu."userId" = r."userId"
        AND cu."conversationId" = m."conversationId" """,
    "reader is not the sender": """SELECT count(*) FROM message_reads r
        JOIN messages m ON m.id = r."messageId" WHERE r."userId" = m."senderId" """,
    "read after message": """SELECT count(*) FROM message_reads r JOIN messages m
        ON m.id = r."messageId" WHERE r."readAt" < m."createdAt" """,
    "receipt after message": """SELECT count(*) FROM message_receipts r JOIN messages m
        ON m.id = r."messageId" WHERE r."timestamp" < m."createdAt" """,
    "receipt recipient not sender": """SELECT count(*) FROM message_receipts r JOIN messages m
        ON m.id = r."messageId" WHERE r."userId" = m."senderId" """,
    "strictly increasing createdAt per conversation": """SELECT count(*) FROM (
        SELECT "createdAt" - lag("createdAt") OVER (PARTITION BY "conversationId"
        ORDER BY "createdAt", id) AS d FROM messages) WHERE d <= INTERVAL 0 SECOND""",
    "last message fields": """SELECT count(*) FROM conversations c LEFT JOIN (
        SELECT "conversationId", max("createdAt") AS mx, arg_max(id, "createdAt") AS mid
        FROM messages GROUP BY 1) l ON l."conversationId" = c.id
        WHERE c."lastMessageAt" IS DISTINCT FROM l.mx OR c."lastMessageId" IS DISTINCT FROM l.mid
        OR c."updatedAt" <> coalesce(l.mx, c."createdAt")""",
    "attachments only on media messages": """SELECT count(*) FROM attachments a
        JOIN messages m ON m.id = a."messageId" WHERE m.type = 'TEXT'""",
    "media messages have attachments": """SELECT count(*) FROM messages m WHERE m.type <> 'TEXT'
        AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a."messageId" = m.id)""",
    "replies point earlier in the same conversation": """SELECT count(*) FROM messages m
        JOIN messages p ON p.id = m."replyToId"
        WHERE p."conversationId" <> m."conversationId" OR p."createdAt" >= m."createdAt" """,
    "joined before first message": """SELECT count(*) FROM messages m JOIN conversation_users cu
        ON cu."userId" = m."senderId" AND cu."conversationId" = m."conversationId"
        WHERE cu."joinedAt" > m."createdAt" """,
    "lastReadAt is the latest read": """SELECT count(*) FROM conversation_users cu FULL JOIN (
        SELECT r."userId", m."conversationId", max(r."readAt") AS mx FROM message_reads r
        JOIN messages m ON m.id = r."messageId" GROUP BY ALL) x
        ON x."userId" = cu."userId" AND x."conversationId" = cu."conversationId"
        WHERE cu."lastReadAt" IS DISTINCT FROM x.mx""",
    "left after last activity": """SELECT count(*) FROM conversation_users cu JOIN messages m
        ON m."senderId" = cu."userId" AND m."conversationId" = cu."conversationId"
        WHERE cu."leftAt" IS NOT NULL AND cu."leftAt" < m."createdAt" """,
    "creator is an owner-member": """SELECT count(*) FROM conversations c ANTI JOIN
        conversation_users cu ON cu."userId" = c."creatorId" AND cu."conversationId" = c.id""",
    "conversation created before its first message": """SELECT count(*) FROM conversations c
        JOIN messages m ON m."conversationId" = c.id WHERE m."createdAt" <= c."createdAt" """,
    "emails only on reserved domains": """SELECT count(*) FROM users WHERE NOT regexp_matches(
        email, '@(example\\.(com|net|org)|[a-z0-9.-]+\\.(test|invalid|example))$')""",
    "updatedAt never before createdAt": """SELECT (SELECT count(*) FROM messages
        WHERE "updatedAt" < "createdAt") + (SELECT count(*) FROM users
        WHERE "updatedAt" < "createdAt") + (SELECT count(*) FROM conversation_users
        WHERE "updatedAt" < "createdAt")""",
    "message status agrees with receipts": """SELECT count(*) FROM messages m WHERE m.status = 'READ'
        AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r."messageId" = m.id)""",
}


@pytest.mark.parametrize("name", list(INVARIANTS))
def test_invariant(con: duckdb.DuckDBPyConnection, name: str) -> None:
    assert one(con, INVARIANTS[name]) == 0, name


def test_timestamps_inside_the_window(ci_dataset: Path, con: duckdb.DuckDBPyConnection) -> None:
    band = json.loads((ci_dataset / "band.json").read_text())
    lo, hi = con.execute('SELECT min("createdAt"), max("createdAt") FROM messages').fetchone() or ()
    assert lo.isoformat() >= band["window_start"]
    assert hi.isoformat() < band["window_end"]
    assert one(con, f"""SELECT count(*) FROM message_reads WHERE "readAt" >= TIMESTAMP
               '{band["window_end"]}'""") == 0


def test_heavy_rooms_exist(ci_dataset: Path, con: duckdb.DuckDBPyConnection) -> None:
    spec = json.loads((ci_dataset / "spec.json").read_text())
    floor = spec["messages"]["heavy_rooms"]["min_messages"]
    n_heavy = one(con, f"""SELECT count(*) FROM (SELECT "conversationId" FROM messages
                  GROUP BY 1 HAVING count(*) >= {floor})""")
    assert n_heavy == round(spec["messages"]["heavy_rooms"]["share"] * load_band("ci").conversations)


def test_repeated_references_are_dictionary_encoded(ci_dataset: Path) -> None:
    """Every row group keeps user, conversation and a receipt's message ids as dictionary pages:
    the gate and the loader decode each distinct id once per row group (RESULTS.md, issue 11
    item 7); an id seen once per row stays plain."""
    import pyarrow.parquet as pq

    from synthgen.generate.write import _REPEATED_REFERENCES

    assert ("message_receipts", "messageId") in _REPEATED_REFERENCES
    assert ("message_reads", "messageId") not in _REPEATED_REFERENCES
    seen = 0
    for table, column in sorted(_REPEATED_REFERENCES):
        for f in read_manifest(ci_dataset).table_files(table):
            meta = pq.ParquetFile(ci_dataset / f.path).metadata
            index = meta.schema.names.index(column)
            for g in range(meta.num_row_groups):
                chunk = meta.row_group(g).column(index)
                assert chunk.has_dictionary_page, (f.path, column, g)
                assert "RLE_DICTIONARY" in chunk.encodings, (f.path, column, g)
                seen += 1
            plain = meta.row_group(0).column(meta.schema.names.index("id"))
            assert not plain.has_dictionary_page, (f.path, "id")
    assert seen >= len(_REPEATED_REFERENCES)
