"""The joins to the messages run chunk by chunk of partitions and count exactly what one join
over all messages counts: on every relation fault, on rows stored away from their message's
partition (valid, found by the lookup among all messages), and on the reply reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from synthgen.fidelity import integrity
from synthgen.fidelity.check import MAX_EXAMPLES
from synthgen.fidelity.distributions import PASS_AGGREGATES
from synthgen.fidelity.inputs import connect, load_inputs
from synthgen.fidelity.prepare import prepare
from synthgen.fidelity.reads import HEAVY_READS, measure, pass_aggregates
from tests.fidelity import test_faults as faults
from tests.fidelity.mutate import move_first_row, rewrite, set_where, split_by_conversation
from tests.fidelity.test_hashed_rules import RELATION_FAULTS, RELATION_TABLES

PARTS = 3
Counts = dict[str, tuple[int, tuple[str, ...]]]
HEAVY_FLOOR = 40
"""Messages that make a tiny conversation heavy here: some rooms are, most are not."""
AGGREGATES = PASS_AGGREGATES | {"message_reads": PASS_AGGREGATES["message_reads"]
                                | pass_aggregates(HEAVY_FLOOR)}


def relation_results(root: Path, monkeypatch: pytest.MonkeyPatch, chunks: tuple[int, ...],
                     modes: tuple[bool, ...] = (True,),
                     tables: tuple[str, ...] = RELATION_TABLES
                     ) -> list[tuple[list[integrity.Chunk], dict[bool, Counts]]]:
    """Per messages-per-chunk setting: the chunks, and every relation check's (count,
    examples) and pass aggregate of ``tables``, by hash (and by value when ``modes`` has
    False)."""
    con = connect(load_inputs(root))
    try:
        assert prepare(con)
        runs = []
        for chunk in chunks:
            monkeypatch.setattr(integrity, "CHUNK_MESSAGES", chunk)
            out: dict[bool, Counts] = {}
            for hashed in modes:
                got: Counts = {}
                for table in tables:
                    checks, values = integrity.relation_checks(
                        con, table, AGGREGATES.get(table), hashed=hashed)
                    got |= {c.name: (int(c.achieved or 0), c.examples) for c in checks}
                    got |= {f"{table}.{k}": (v, ()) for k, v in values.items()}
                out[hashed] = got
            runs.append((integrity.message_chunks(con), out))
        return runs
    finally:
        con.close()


def whole_and_chunked(root: Path, monkeypatch: pytest.MonkeyPatch,
                      modes: tuple[bool, ...] = (True,),
                      tables: tuple[str, ...] = RELATION_TABLES) -> Counts:
    """The counts joined whole, asserted equal to those chunked one partition a chunk."""
    (whole_chunks, whole), (chunks, chunked) = relation_results(
        root, monkeypatch, (10**12, 1), modes, tables)
    assert whole_chunks == [(None, None)]
    assert chunks == [(None, 0), (1, 1), (2, None)]
    for hashed in modes:
        assert chunked[hashed] == whole[hashed], hashed
    return whole[True]


@pytest.fixture
def split_copy(tiny_copy: Path) -> Path:
    split_by_conversation(tiny_copy, PARTS)
    return tiny_copy


def test_a_clean_split_dataset_counts_alike_and_passes(split_copy: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Also: the reads pass counts the heavy rooms' reads as their own join does."""
    whole = whole_and_chunked(split_copy, monkeypatch, modes=(True, False))
    assert {k: v for k, v in whole.items() if v[0] and "." in k and not k.startswith(
        tuple(f"{t}." for t in PASS_AGGREGATES))} == {}
    assert whole["message_receipts.read"][0] > 0
    heavy = whole[f"message_reads.{HEAVY_READS}"][0]
    assert 0 < heavy < whole["message_reads.reads"][0]
    con = connect(load_inputs(split_copy))
    try:
        assert prepare(con)
        assert measure(con, HEAVY_FLOOR, heavy) == measure(con, HEAVY_FLOOR)
    finally:
        con.close()


CHUNKED_FAULTS = ("orphan receipt", "reader not a member", "recipient not a member",
                  "reader is the sender",
                  "read before message", "status below a receipt", "status above its receipts",
                  "attachment on TEXT", "media message without its attachment")
"""A fault of each rule over the joined tables (messages themselves are not chunked); the
membership faults compare the chunks' joined membership with one pass's EXISTS."""


def table_of(check: str) -> str:
    """The table a relation check's name is about ('fk.<table>.<column>', '<table>.<rule>')."""
    head, rest = check.split(".", 1)
    return rest.split(".", 1)[0] if head == "fk" else head


@pytest.mark.parametrize("fault", CHUNKED_FAULTS)
def test_chunked_joins_count_what_one_join_counts(fault: str, split_copy: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    break_, expect = RELATION_FAULTS[fault]
    break_(split_copy)
    whole = whole_and_chunked(split_copy, monkeypatch, tables=(table_of(expect),))
    assert whole[expect][0] >= 1, "the planted fault must be visible"


@pytest.mark.parametrize("table", ["message_reads", "message_receipts", "attachments"])
def test_a_row_stored_away_from_its_message_is_found(table: str, split_copy: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = whole_and_chunked(split_copy, monkeypatch, tables=(table,))
    move_first_row(split_copy, table, to=2)
    after = whole_and_chunked(split_copy, monkeypatch, tables=(table,))
    assert before
    assert after == before  # same rows, stored elsewhere: nothing to report, same aggregates


def test_a_moved_row_that_breaks_a_rule_is_still_caught(split_copy: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rid = move_first_row(split_copy, "message_receipts", to=2)
    sender = faults.one(split_copy, f"""SELECT m."senderId" FROM message_receipts r
                                        JOIN messages m ON m.id = r."messageId"
                                        WHERE r.id = '{rid}'""")
    rewrite(split_copy, "message_receipts",
            set_where("message_receipts", "userId", "id", rid, sender))
    whole = whole_and_chunked(split_copy, monkeypatch, tables=("message_receipts",))
    assert whole["message_receipts.recipient_not_sender"] == (1, (rid,))
    assert whole["fk.message_receipts.messageId"] == (0, ())


def test_an_orphan_among_moved_rows_is_an_orphan(split_copy: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    move_first_row(split_copy, "message_receipts", to=2)
    faults.orphan_receipt(split_copy)
    whole = whole_and_chunked(split_copy, monkeypatch, tables=("message_receipts",))
    assert whole["fk.message_receipts.messageId"][0] == 1


BACKED = "message_receipts.status_reached_by_a_receipt"


@pytest.mark.parametrize("bitmap", [True, False], ids=["bitmap", "anti-join"])
def test_messages_above_their_receipts_are_each_counted_once(
        bitmap: bool, split_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two DELIVERED messages per partition made READ: exactly those, named, whole and
    chunked, by hash and by value, among messages with several receipts each; by the
    chunks' bitmaps, and by the anti-join they fall back to (positions too sparse)."""
    if not bitmap:
        monkeypatch.setattr(integrity._Layout, "of", classmethod(lambda *_: None))
    victims = [str(r[0]) for r in faults.rows(split_copy, """
        SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY part ORDER BY id) AS i
                        FROM messages WHERE status = 'DELIVERED') WHERE i <= 2""")]
    assert len(victims) == 2 * PARTS
    for victim in victims:
        rewrite(split_copy, "messages", set_where("messages", "status", "id", victim, "READ"))
    whole = whole_and_chunked(split_copy, monkeypatch, modes=(True, False),
                              tables=("message_receipts",))
    assert whole[BACKED] == (len(victims), tuple(sorted(victims)[:MAX_EXAMPLES]))
    assert whole["message_receipts.status_reflects_receipts"][0] == 0


def test_a_status_backed_by_a_moved_receipt_holds(split_copy: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A READ message whose only READ receipt is stored in another partition: valid. The
    chunks' bitmaps miss that receipt, so the rule is counted over all messages."""
    rid = faults.one(split_copy, """SELECT r.id FROM message_receipts r JOIN messages m
                                    ON m.id = r."messageId" WHERE r.state = 'READ'
                                    AND m.status = 'READ' AND r.part = 0 ORDER BY r.id LIMIT 1""")
    move_first_row(split_copy, "message_receipts", to=2, row_id=rid)
    assert whole_and_chunked(split_copy, monkeypatch, tables=("message_receipts",))[BACKED] \
        == (0, ())


@pytest.mark.slow
@pytest.mark.parametrize("planted", [False, True], ids=["clean", "orphan reply"])
def test_replies_are_resolved_chunk_by_chunk(planted: bool, ci_dataset: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(shutil.copytree(ci_dataset, tmp_path / "ci"))
    if planted:
        faults.orphan_reply(root)
    # a reply to a message of another partition: valid, found among all messages
    victim = faults.one(root, 'SELECT max(id) FROM messages WHERE "replyToId" IS NOT NULL '
                              "AND part = (SELECT min(part) FROM messages)")
    target = faults.one(root, "SELECT min(id) FROM messages "
                              "WHERE part = (SELECT max(part) FROM messages)")
    rewrite(root, "messages", set_where("messages", "replyToId", "id", victim, target))

    def reply_check(chunk: int) -> tuple[int, tuple[str, ...], int]:
        monkeypatch.setattr(integrity, "CHUNK_MESSAGES", chunk)
        con = connect(load_inputs(root))
        try:
            assert prepare(con)
            fk = next(f for f in integrity.FOREIGN_KEYS if f.column == "replyToId")
            c = integrity._sparse_reference(con, fk)
            return int(c.achieved or 0), c.examples, len(integrity.message_chunks(con))
        finally:
            con.close()

    whole = reply_check(10**12)
    chunked = reply_check(1)
    assert whole[2] == 1
    assert chunked[2] > 1
    assert chunked[:2] == whole[:2]
    assert whole[0] == (1 if planted else 0)

