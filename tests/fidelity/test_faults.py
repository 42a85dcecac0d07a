"""Fault injection: break exactly one property of a valid dataset, expect NO-GO naming the
check, repair it, expect GO again. Every integrity and PII check is shown able to fail."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from synthgen.dataset import read_manifest, sha256_file, write_manifest
from synthgen.errors import DatasetError, EnvironmentProblem
from synthgen.fidelity import validate_dataset
from synthgen.fidelity.inputs import connect, load_inputs
from tests.fidelity.conftest import failed
from tests.fidelity.mutate import rewrite, set_where


def rows(root: Path, sql: str) -> list[tuple[Any, ...]]:
    """Every row of a query over the dataset's views."""
    con = connect(load_inputs(root))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def one(root: Path, sql: str) -> Any:
    """First value of a query over the dataset's views."""
    got = rows(root, sql)
    assert got, sql
    return got[0][0]


def middle_message(root: Path) -> str:
    """A message that is neither the first nor the last of its conversation."""
    return str(one(root, """
        SELECT id FROM (SELECT id, row_number() OVER w AS i, count(*) OVER (PARTITION BY
                        "conversationId") AS n FROM messages
                        WINDOW w AS (PARTITION BY "conversationId" ORDER BY "createdAt"))
        WHERE i > 2 AND i < n ORDER BY id LIMIT 1"""))


def outsider(root: Path, message_id: str) -> str:
    """A user who is not a member of the message's conversation."""
    return str(one(root, f"""
        SELECT u.id FROM users u WHERE u.id NOT IN (
            SELECT cu."userId" FROM conversation_users cu JOIN messages m
            ON m."conversationId" = cu."conversationId" WHERE m.id = '{message_id}')
        ORDER BY u.id LIMIT 1"""))


def set_content(text: str) -> Callable[[Path], None]:
    def fn(root: Path) -> None:
        victim = middle_message(root)
        rewrite(root, "messages", set_where("messages", "content", "id", victim, text))
    return fn


def set_first(table: str, column: str, value: str) -> Callable[[Path], None]:
    def fn(root: Path) -> None:
        victim = one(root, f'SELECT id FROM {table} WHERE "{column}" IS NOT NULL ORDER BY id '
                           "LIMIT 1")
        rewrite(root, table, set_where(table, column, "id", victim, value))
    return fn


def set_metadata(text: str) -> Callable[[Path], None]:
    def fn(root: Path) -> None:
        rewrite(root, "messages", set_where("messages", "metadata", "id", middle_message(root),
                                            text))
    return fn


def orphan_reply(root: Path) -> None:
    victim = middle_message(root)
    rewrite(root, "messages", set_where("messages", "replyToId", "id", victim, "x-no-such-msg"))


def orphan_conversation(root: Path) -> None:
    victim = middle_message(root)
    rewrite(root, "messages", set_where("messages", "conversationId", "id", victim, "c-nowhere"))


def sender_not_member(root: Path) -> None:
    victim = middle_message(root)
    rewrite(root, "messages", set_where("messages", "senderId", "id", victim,
                                        outsider(root, victim)))


def non_monotonic(root: Path) -> None:
    victim = middle_message(root)
    previous = one(root, f"""
        SELECT max(p."createdAt") FROM messages p JOIN messages m
        ON p."conversationId" = m."conversationId" AND p."createdAt" < m."createdAt"
        WHERE m.id = '{victim}'""")
    rewrite(root, "messages", set_where("messages", "createdAt", "id", victim,
                                        previous - dt.timedelta(milliseconds=1)))


def tie_timestamp(root: Path) -> None:
    victim = middle_message(root)
    previous = one(root, f"""
        SELECT max(p."createdAt") FROM messages p JOIN messages m
        ON p."conversationId" = m."conversationId" AND p."createdAt" < m."createdAt"
        WHERE m.id = '{victim}'""")
    rewrite(root, "messages", set_where("messages", "createdAt", "id", victim, previous))


def duplicate_idempotency_key(root: Path) -> None:
    victim = middle_message(root)
    key = one(root, f"""SELECT "idempotencyKey" FROM messages WHERE id <> '{victim}'
                        ORDER BY id LIMIT 1""")
    rewrite(root, "messages", set_where("messages", "idempotencyKey", "id", victim, key))


def duplicate_receipt(root: Path) -> None:
    def fn(t: pa.Table) -> pa.Table:
        extra = t.slice(0, 1)
        extra = extra.set_column(0, t.schema.field(0), pa.array(["dup-receipt"]))
        return pa.concat_tables([t, extra])
    rewrite(root, "message_receipts", fn)


def bad_enum(root: Path) -> None:
    rewrite(root, "messages", set_where("messages", "status", "id", middle_message(root),
                                        "BOGUS"))


def reader_is_sender(root: Path) -> None:
    rid, sender = (one(root, f"""SELECT {c} FROM message_reads r JOIN messages m
                                 ON m.id = r."messageId" ORDER BY r.id LIMIT 1""")
                   for c in ("r.id", 'm."senderId"'))
    rewrite(root, "message_reads", set_where("message_reads", "userId", "id", rid, sender))


def reader_not_member(root: Path) -> None:
    rid, mid = (one(root, f'SELECT {c} FROM message_reads ORDER BY id LIMIT 1')
                for c in ("id", '"messageId"'))
    rewrite(root, "message_reads", set_where("message_reads", "userId", "id", rid,
                                             outsider(root, mid)))


def read_before_message(root: Path) -> None:
    rid, created = (one(root, f"""SELECT {c} FROM message_reads r JOIN messages m
                                  ON m.id = r."messageId" ORDER BY r.id LIMIT 1""")
                    for c in ("r.id", 'm."createdAt"'))
    rewrite(root, "message_reads", set_where("message_reads", "readAt", "id", rid,
                                             created - dt.timedelta(seconds=1)))


def recipient_not_member(root: Path) -> None:
    rid, mid = (one(root, f'SELECT {c} FROM message_receipts ORDER BY id LIMIT 1')
                for c in ("id", '"messageId"'))
    rewrite(root, "message_receipts", set_where("message_receipts", "userId", "id", rid,
                                                outsider(root, mid)))


def status_below_receipt(root: Path) -> None:
    """A message its recipient has read still says SENT."""
    victim = one(root, """SELECT m.id FROM messages m JOIN message_receipts r
                          ON r."messageId" = m.id
                          WHERE r.state = 'READ' AND m.status = 'READ' ORDER BY m.id LIMIT 1""")
    rewrite(root, "messages", set_where("messages", "status", "id", victim, "SENT"))


def status_above_receipts(root: Path) -> None:
    """A message its recipient got but never read says READ: every receipt is at or below its
    status (the row-level rule holds), and none shows READ."""
    victim = one(root, """SELECT id FROM messages WHERE status = 'DELIVERED'
                          ORDER BY id LIMIT 1""")
    rewrite(root, "messages", set_where("messages", "status", "id", victim, "READ"))


def drop_row(table: str, sql: str) -> Callable[[Path], None]:
    """Delete the row of ``table`` whose id the query over the dataset returns."""
    def fn(root: Path) -> None:
        victim = one(root, sql)
        rewrite(root, table, lambda t: t.filter(pc.not_equal(t.column("id"), victim)))
    return fn


def deleted_status_without_deletion(root: Path) -> None:
    victim = one(root, """SELECT id FROM messages WHERE status <> 'DELETED'
                          AND "deletedAt" IS NULL ORDER BY id LIMIT 1""")
    rewrite(root, "messages", set_where("messages", "status", "id", victim, "DELETED"))


def edit_time_without_flag(root: Path) -> None:
    """A message never edited gets an editedAt (isEdited stays false: the share holds)."""
    victim, created = rows(root, """SELECT id, "createdAt" FROM messages WHERE NOT "isEdited"
                                    AND "editedAt" IS NULL ORDER BY id LIMIT 1""")[0]
    rewrite(root, "messages", set_where("messages", "editedAt", "id", victim,
                                        created + dt.timedelta(seconds=5)))


def sent_before_the_window(root: Path) -> None:
    """A conversation's first message dated a day before the band's window (its order and
    the conversation's last message hold)."""
    victim = one(root, """
        SELECT id FROM (SELECT id, row_number() OVER w AS i, count(*) OVER (PARTITION BY
                        "conversationId") AS n FROM messages
                        WINDOW w AS (PARTITION BY "conversationId" ORDER BY "createdAt"))
        WHERE i = 1 AND n > 2 ORDER BY id LIMIT 1""")
    start = load_inputs(root).band.window_start
    rewrite(root, "messages", set_where("messages", "createdAt", "id", victim,
                                        start - dt.timedelta(days=1)))


def stale_last_message(root: Path) -> None:
    cid, at = (one(root, f"""SELECT {c} FROM conversations WHERE "lastMessageAt" IS NOT NULL
                             ORDER BY id LIMIT 1""") for c in ("id", '"lastMessageAt"'))
    rewrite(root, "conversations", set_where("conversations", "lastMessageAt", "id", cid,
                                             at + dt.timedelta(seconds=1)))


def attachment_on_text(root: Path) -> None:
    aid = one(root, "SELECT id FROM attachments ORDER BY id LIMIT 1")
    text_id = one(root, "SELECT id FROM messages WHERE type = 'TEXT' ORDER BY id LIMIT 1")
    rewrite(root, "attachments", set_where("attachments", "messageId", "id", aid, text_id))


def attachment_column(kind: str, column: str, value: Any) -> Callable[[Path], None]:
    """The first attachment of ``kind`` gets ``column = value``."""
    def fn(root: Path) -> None:
        aid = one(root, f"SELECT id FROM attachments WHERE type = '{kind}' ORDER BY id LIMIT 1")
        rewrite(root, "attachments", set_where("attachments", column, "id", aid, value))
    return fn


def direct_typed_group(root: Path) -> None:
    cid = one(root, """SELECT "conversationId" FROM conversation_users GROUP BY 1
                       HAVING count(*) = 2 ORDER BY 1 LIMIT 1""")
    rewrite(root, "conversations", set_where("conversations", "type", "id", cid, "GROUP_CHAT"))


SOLE_ATTACHMENT = """SELECT min(a.id) FROM attachments a JOIN (SELECT "messageId" FROM attachments
                     GROUP BY 1 HAVING count(*) = 1) s USING ("messageId")
                     WHERE a.type = 'IMAGE'"""
"""The attachment of a message that has no other: an image."""


def media_type_without_its_attachment(root: Path) -> None:
    """An IMAGE message (its only attachment an image) says VIDEO."""
    victim = one(root, f'SELECT "messageId" FROM attachments WHERE id = ({SOLE_ATTACHMENT})')
    rewrite(root, "messages", set_where("messages", "type", "id", victim, "VIDEO"))


def stale_checksum(root: Path) -> None:
    f = read_manifest(root).table_files("messages")[0]
    data = pq.ParquetFile(root / f.path).read()
    pq.write_table(data, root / f.path, compression="gzip")  # same rows, other bytes


def stray_file(root: Path) -> None:
    f = read_manifest(root).table_files("messages")[0]
    stray = root / "messages" / "part=99999" / "data.parquet"
    stray.parent.mkdir()
    shutil.copy(root / f.path, stray)


def unreadable_file(root: Path) -> None:
    manifest = read_manifest(root)
    f = manifest.table_files("attachments")[0]
    (root / f.path).write_bytes(b"not parquet at all")
    entry = dataclasses.replace(f, bytes=(root / f.path).stat().st_size,
                                sha256=sha256_file(root / f.path))
    write_manifest(root, dataclasses.replace(
        manifest, files=tuple(entry if e == f else e for e in manifest.files)))


def manifest_rows_wrong(root: Path) -> None:
    manifest = read_manifest(root)
    f = manifest.table_files("message_reads")[0]
    write_manifest(root, dataclasses.replace(manifest, files=tuple(
        dataclasses.replace(e, rows=e.rows + 1) if e == f else e for e in manifest.files)))


def duplicate_row(table: str, new_id: bool) -> Callable[[Path], None]:
    def fn(root: Path) -> None:
        def add(t: pa.Table) -> pa.Table:
            extra = t.slice(0, 1)
            if new_id:
                extra = extra.set_column(0, t.schema.field(0), pa.array(["dup-row"]))
            return pa.concat_tables([t, extra])
        rewrite(root, table, add)
    return fn


def duplicate_email(root: Path) -> None:
    other = one(root, "SELECT email FROM users ORDER BY id DESC LIMIT 1")
    rewrite(root, "users", set_where("users", "email", "id",
                                     one(root, "SELECT min(id) FROM users"), other))


def orphan_receipt(root: Path) -> None:
    rid = one(root, "SELECT id FROM message_receipts ORDER BY id LIMIT 1")
    rewrite(root, "message_receipts", set_where("message_receipts", "messageId", "id", rid,
                                                "x-gone"))


def recipient_is_sender(root: Path) -> None:
    rid, sender = (one(root, f"""SELECT {c} FROM message_receipts r JOIN messages m
                                 ON m.id = r."messageId" ORDER BY r.id LIMIT 1""")
                   for c in ("r.id", 'm."senderId"'))
    rewrite(root, "message_receipts", set_where("message_receipts", "userId", "id", rid, sender))


def receipt_before_message(root: Path) -> None:
    rid, created = (one(root, f"""SELECT {c} FROM message_receipts r JOIN messages m
                                  ON m.id = r."messageId" ORDER BY r.id LIMIT 1""")
                    for c in ("r.id", 'm."createdAt"'))
    rewrite(root, "message_receipts", set_where("message_receipts", "timestamp", "id", rid,
                                                created - dt.timedelta(milliseconds=1)))


def empty_conversation_with_last_message(root: Path) -> None:
    cid = one(root, 'SELECT id FROM conversations WHERE "lastMessageId" IS NULL ORDER BY id')
    rewrite(root, "conversations", set_where("conversations", "lastMessageId", "id", cid,
                                             one(root, "SELECT min(id) FROM messages")))


def band_mismatch(root: Path) -> None:
    band = json.loads((root / "band.json").read_text())
    band["messages"] += 1
    (root / "band.json").write_text(json.dumps(band))


def wrong_schema(root: Path) -> None:
    rewrite(root, "message_reads", lambda t: t.drop_columns(["updatedAt"]))


def edit_input(name: str) -> Callable[[Path], None]:
    """Rewrite a document the gate judges by (same meaning, other bytes; a feasibility.json
    the dataset lacks is made up from its spec and band)."""
    def fn(root: Path) -> None:
        path = root / name
        if path.is_file():
            doc = json.loads(path.read_text())
        else:
            from synthgen.fidelity.targets import band_feasibility
            inputs = load_inputs(root)
            doc = band_feasibility(inputs.spec, inputs.band)
        path.write_text(json.dumps(doc, indent=4))
    return fn


MEDIA_BACKED = "attachments.media_message_has_its_attachment"


@dataclass(frozen=True)
class Fault:
    break_: Callable[[Path], None]
    expect: str
    also: frozenset[str] = frozenset()
    """Other checks the fault necessarily breaks (e.g. an orphan is also not a member)."""


FAULTS: dict[str, Fault] = {
    "orphan reply": Fault(orphan_reply, "fk.messages.replyToId"),
    "orphan message": Fault(orphan_conversation, "fk.messages.conversationId",
                            frozenset({"messages.sender_is_member",
                                       "message_reads.reader_is_member",
                                       "message_receipts.recipient_is_member"})),
    "sender not a member": Fault(sender_not_member, "messages.sender_is_member"),
    "non-monotonic timestamp": Fault(non_monotonic, "messages.created_at_strictly_increasing"),
    "tied timestamp": Fault(tie_timestamp, "messages.created_at_strictly_increasing"),
    "duplicated idempotencyKey": Fault(duplicate_idempotency_key,
                                       "unique.messages.idempotencyKey"),
    "duplicated receipt": Fault(duplicate_receipt,
                                "unique.message_receipts.messageId_userId_state"),
    "enum value": Fault(bad_enum, "enum.messages.status"),
    # a read moved to another user no longer pairs with its READ receipt
    "reader is the sender": Fault(reader_is_sender, "message_reads.reader_not_sender",
                                  frozenset({"message_reads.match_read_receipts"})),
    "reader not a member": Fault(reader_not_member, "message_reads.reader_is_member",
                                 frozenset({"message_reads.match_read_receipts"})),
    "read before message": Fault(read_before_message, "message_reads.read_after_message"),
    "recipient not a member": Fault(recipient_not_member,
                                    "message_receipts.recipient_is_member"),
    "stale lastMessageAt": Fault(stale_last_message, "conversations.last_message_matches"),
    "status below a receipt": Fault(status_below_receipt,
                                    "message_receipts.status_reflects_receipts"),
    "status above its receipts": Fault(status_above_receipts,
                                       "message_receipts.status_reached_by_a_receipt"),
    "read without its READ receipt": Fault(
        drop_row("message_receipts", "SELECT min(id) FROM message_receipts WHERE state = 'READ'"),
        "message_reads.match_read_receipts",
        frozenset({"message_receipts.status_reached_by_a_receipt"})),  # its only READ receipt
    "READ receipt without its read": Fault(
        drop_row("message_reads", "SELECT min(id) FROM message_reads"),
        "message_reads.match_read_receipts"),
    "DELETED without deletedAt": Fault(deleted_status_without_deletion,
                                       "messages.status_matches_deletion"),
    "attachment on TEXT": Fault(attachment_on_text, "attachments.attachment_on_media_message",
                                frozenset({MEDIA_BACKED})),  # when it was its message's only
    "media message without its attachment": Fault(
        drop_row("attachments", SOLE_ATTACHMENT), MEDIA_BACKED),
    "media message of another type": Fault(media_type_without_its_attachment, MEDIA_BACKED),
    "editedAt on a message not edited": Fault(edit_time_without_flag,
                                              "messages.edit_matches_time"),
    "message sent before the window": Fault(sent_before_the_window,
                                            "messages.created_in_window"),
    "image without its width": Fault(attachment_column("IMAGE", "width", None),
                                     "attachments.columns_match_type"),
    "audio with a duration of 0": Fault(attachment_column("AUDIO", "duration", 0),
                                        "attachments.columns_match_type"),
    "video with an audio MIME type": Fault(attachment_column("VIDEO", "mimeType", "audio/mp4"),
                                           "attachments.columns_match_type"),
    "direct conversation typed GROUP_CHAT": Fault(direct_typed_group,
                                                  "conversations.type_matches_size"),
    "stale checksum": Fault(stale_checksum, "manifest.checksums"),
    "edited spec.json": Fault(edit_input("spec.json"), "manifest.inputs"),
    "edited feasibility.json": Fault(edit_input("feasibility.json"), "manifest.inputs"),
    "stray file": Fault(stray_file, "manifest.no_stray_files"),
    "unreadable file": Fault(unreadable_file, "manifest.readable"),
    "band mismatch": Fault(band_mismatch, "rows.match_band",
                           frozenset({"manifest.inputs"})),  # band.json itself was edited
    "manifest row count": Fault(manifest_rows_wrong, "manifest.row_counts"),
    "duplicated primary key": Fault(duplicate_row("attachments", new_id=False),
                                    "pk.attachments.id"),
    "duplicated email": Fault(duplicate_email, "unique.users.email"),
    "duplicated read": Fault(duplicate_row("message_reads", new_id=True),
                             "unique.message_reads.userId_messageId",
                             frozenset({"message_reads.match_read_receipts"})),  # one receipt, two reads
    "orphan receipt": Fault(orphan_receipt, "fk.message_receipts.messageId"),
    "recipient is the sender": Fault(recipient_is_sender,
                                     "message_receipts.recipient_not_sender"),
    "receipt before message": Fault(receipt_before_message,
                                    "message_receipts.receipt_after_message"),
    "empty conversation with a last message": Fault(empty_conversation_with_last_message,
                                                    "conversations.last_message_matches"),
    "schema drift": Fault(wrong_schema, "schema.columns"),
    "email": Fault(set_content("write to zq.kolva@gmail.com soon"), "pii.email"),
    "phone": Fault(set_content("ring me on +1 415 555 0134 later"), "pii.phone"),
    "url": Fault(set_content("look at https://www.tracker-site.com/p?id=3"), "pii.url"),
    "card": Fault(set_content("pay with 4111 1111 1111 1111 now"), "pii.card"),
    "person name": Fault(set_content("vela zorbu Jennifer kati"), "pii.person_name"),
    "user email on a real domain": Fault(set_first("users", "email", "zorb1@gmail.com"),
                                         "pii.email"),
    "email hidden after a reserved host": Fault(
        set_content("see a@example.com.mailer.io"), "pii.email"),
    "avatar on a real host": Fault(set_first("attachments", "url",
                                             "https://cdn.example.com.tracker.io/a/1"),
                                   "pii.url"),
    "phone in a username": Fault(set_first("users", "username", "text me 07700 900123"),
                            "pii.phone"),
    "phone in metadata": Fault(set_metadata('{"client":"web","note":"+44 20 7946 0958"}'),
                               "pii.phone"),
    "name as a user's first name": Fault(set_first("users", "username", "Smith"),
                                         "pii.person_name"),
}


def restore(copy: Path, pristine: Path) -> None:
    """Repair: put back the pristine files and metadata, drop files the dataset lacks."""
    manifest = read_manifest(pristine)
    listed = {f.path for f in manifest.files}
    for stray in copy.glob("*/*/*.parquet"):
        if stray.relative_to(copy).as_posix() not in listed:
            shutil.rmtree(stray.parent)
    for f in manifest.files:
        (copy / f.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pristine / f.path, copy / f.path)
    for meta in copy.glob("*.json"):
        if not (pristine / meta.name).exists():
            meta.unlink()
    for meta in pristine.glob("*.json"):
        shutil.copy(meta, copy / meta.name)


@pytest.mark.slow  # ~40 faults, each running the whole gate twice (~1-2 s a fault)
@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_fault_is_named_and_repair_restores_go(fault: str, tiny_copy: Path,
                                               tiny_dataset: Path,
                                               tiny_targets: dict[str, float]) -> None:
    f = FAULTS[fault]
    f.break_(tiny_copy)
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    assert doc["decision"] == "NO-GO"
    assert f.expect in failed(doc)
    assert failed(doc) - f.also - {f.expect} == set(), "the fault broke other checks too"
    assert any(f.expect in r for r in doc["reasons"])

    restore(tiny_copy, tiny_dataset)
    repaired = validate_dataset(tiny_copy, targets_override=tiny_targets)
    assert repaired["decision"] == "GO", repaired["reasons"]


def test_pristine_tiny_dataset_is_go(tiny_dataset: Path, tiny_targets: dict[str, float],
                                     tmp_path: Path) -> None:
    doc = validate_dataset(tiny_dataset, targets_override=tiny_targets,
                           out=tmp_path / "f.json")
    assert doc["decision"] == "GO", doc["reasons"]
    assert (tmp_path / "f.json").is_file()
    assert not failed(doc)


def test_missing_manifest_is_bad_input_and_restoring_it_is_go(
        tiny_copy: Path, tiny_dataset: Path, tiny_targets: dict[str, float]) -> None:
    (tiny_copy / "manifest.json").unlink()
    with pytest.raises(DatasetError, match="manifest.json"):
        validate_dataset(tiny_copy)
    shutil.copy(tiny_dataset / "manifest.json", tiny_copy / "manifest.json")
    assert validate_dataset(tiny_copy, targets_override=tiny_targets)["decision"] == "GO"


def test_missing_data_file_fails_manifest_check(tiny_copy: Path,
                                                tiny_targets: dict[str, float]) -> None:
    f = read_manifest(tiny_copy).table_files("attachments")[0]
    (tiny_copy / f.path).unlink()
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    assert doc["decision"] == "NO-GO"
    assert "manifest.files_present" in failed(doc)


def test_pii_report_names_ids_never_values(tiny_copy: Path,
                                           tiny_targets: dict[str, float]) -> None:
    secret = "zq.kolva@gmail.com"
    set_content(f"write to {secret} soon")(tiny_copy)
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    text = json.dumps(doc) + (tiny_copy / "fidelity.json").read_text()
    assert secret not in text
    assert "gmail" not in text
    email = next(c for c in doc["checks"] if c["name"] == "pii.email")
    assert email["achieved"] == 1
    assert len(email["examples"]) == 1
    assert email["examples"][0].startswith("messages:")
    assert "messages.content" in email["detail"]


@pytest.mark.parametrize("metadata", [
    '{"size": 5551234567, "width": 1920, "ts": 1793491200000}',
    '{"client": "web", "ids": [4111111111111111, 2]}',
])
def test_numbers_in_json_metadata_are_not_pii(metadata: str, tiny_copy: Path,
                                              tiny_targets: dict[str, float]) -> None:
    set_metadata(metadata)(tiny_copy)
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    assert doc["decision"] == "GO", doc["reasons"]


def test_media_ratio_of_40_percent_is_critical(tiny_copy: Path,
                                               tiny_targets: dict[str, float]) -> None:
    def to_media(t: pa.Table) -> pa.Table:
        is_text = np.asarray(pc.equal(t.column("type"), "TEXT"))
        needed = int(0.4 * t.num_rows) - int((~is_text).sum())
        flip = is_text & (np.cumsum(is_text) <= needed)  # the first `needed` TEXT rows
        idx = t.schema.get_field_index("type")
        new = pc.if_else(pa.array(flip), "IMAGE", t.column("type"))
        return t.set_column(idx, t.schema.field(idx), new)

    rewrite(tiny_copy, "messages", to_media)
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    media = next(c for c in doc["checks"] if c["name"] == "media.ratio")
    assert media["achieved"] == pytest.approx(0.4, abs=0.002)
    assert media["severity"] == "critical"
    assert doc["decision"] == "NO-GO"
    assert "outside its band: media.ratio" in doc["reasons"]


@pytest.mark.parametrize(("error", "expected"), [
    ("IOException", DatasetError), ("OutOfMemoryException", EnvironmentProblem)])
def test_duckdb_errors_become_one_clear_error(error: str, expected: type[Exception],
                                              tiny_dataset: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    import synthgen.fidelity.prepare

    def boom(_con: object) -> bool:
        raise getattr(duckdb, error)("disk said no\nsecond line")

    monkeypatch.setattr(synthgen.fidelity.prepare, "prepare", boom)
    with pytest.raises(expected, match="disk said no$"):
        validate_dataset(tiny_dataset, out=tmp_path / "f.json")


@pytest.mark.parametrize("table", ["conversation_users", "messages", "message_receipts"])
def test_an_unusable_table_is_a_failed_check_not_a_crash(table: str, tiny_copy: Path,
                                                         tiny_targets: dict[str, float]) -> None:
    rewrite(tiny_copy, table, lambda t: t.drop_columns(["updatedAt"]))
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    assert doc["decision"] == "NO-GO"
    assert "schema.columns" in failed(doc)
    assert doc["skipped"]  # the metrics that table feeds are listed, not invented


def _messages_pii(root: Path) -> tuple[dict[str, tuple[int, list[str], list[str]]], bool]:
    """PII of the messages after ``prepare``, and whether the scan read messages itself."""
    from synthgen.fidelity import pii
    from synthgen.fidelity.prepare import prepare

    con = connect(load_inputs(root))
    statements: list[str] = []

    class Spy:
        def execute(self, sql: str, *args: Any) -> Any:
            statements.append(sql)
            return con.execute(sql, *args)

    try:
        assert prepare(con)
        out = pii.scan_table(Spy(), "messages")  # type: ignore[arg-type]
        return out, any('FROM "messages"' in s for s in statements)
    finally:
        con.close()


def test_clean_messages_are_not_read_again_for_pii(tiny_dataset: Path, tiny_copy: Path) -> None:
    clean, read = _messages_pii(tiny_dataset)
    assert not read  # prepare's content scan counted no trigger row
    assert {k: v[0] for k, v in clean.items()} == dict.fromkeys(clean, 0)
    set_metadata('{"client":"web","note":"+44 20 7946 0958"}')(tiny_copy)
    found, read = _messages_pii(tiny_copy)
    assert read
    assert found["phone"][0] == 1
    assert found["phone"][2] == ["messages.metadata"]
