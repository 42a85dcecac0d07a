"""The gate fails on every distribution family: one realistic drift planted per row of the
table on a generated `ci` dataset, each NO-GO at the default tolerance with its metric named;
correct datasets from several seeds are GO."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from synthgen.bands import Band, load_band
from synthgen.fidelity import validate_dataset
from synthgen.fidelity.plan_distances import BASES
from synthgen.fidelity.status import MESSAGE_STATUS_TV
from synthgen.generate.timeline import Timeline
from synthgen.spec import load_spec
from tests.fidelity import reshape
from tests.fidelity.mutate import read, rewrite

pytestmark = pytest.mark.slow  # reads (and rewrites copies of) the generated ci dataset


def _set(t: pa.Table, column: str, values: Any) -> pa.Table:
    idx = t.schema.get_field_index(column)
    typ = t.schema.field(idx).type
    arr = (pc.cast(values, typ) if isinstance(values, pa.Array | pa.ChunkedArray)
           else pa.array(values, typ))
    return t.set_column(idx, t.schema.field(idx), arr)


def _ms(t: pa.Table, column: str) -> np.ndarray:
    return np.asarray(pc.cast(t.column(column), pa.int64()).to_numpy(zero_copy_only=False))


def _floor() -> int:
    return load_spec(overrides=load_band("ci").spec_overrides).messages.heavy_rooms.min_messages


def _heavy_ids(root: Path) -> list[str]:
    floor = load_spec(overrides=load_band("ci").spec_overrides).messages.heavy_rooms.min_messages
    counts = read(root, "messages").group_by("conversationId").aggregate([("id", "count")])
    return [c for c, n in zip(counts.column("conversationId").to_pylist(),
                              counts.column("id_count").to_pylist(), strict=True) if n >= floor]


def rewarp(**changes: Any) -> Callable[[Path], None]:
    """Move every message through the spec's calendar and back through a changed one: order
    (and so every per-conversation sequence) holds, the hour-of-week profile changes."""
    def fn(root: Path) -> None:
        band: Band = load_band("ci")
        spec = load_spec().time
        old = Timeline(spec, band.window_start, band.window_days)
        new = Timeline(dataclasses.replace(spec, **changes), band.window_start,
                       band.window_days)

        def move(t: pa.Table) -> pa.Table:
            ms = _ms(t, "createdAt") - old.start_ms
            out = old.start_ms + np.floor(new.to_ms(old.to_u(ms.astype(np.float64))))
            return _set(t, "createdAt", out.astype("datetime64[ms]"))
        rewrite(root, "messages", move)
    return fn


def poisson_arrivals(root: Path) -> None:
    """Inside each conversation, exponential gaps over the same first..last span (cv = 1)."""
    r = np.random.default_rng(1)

    def fn(t: pa.Table) -> pa.Table:
        t = t.sort_by([("conversationId", "ascending"), ("createdAt", "ascending")])
        conv = np.asarray(t.column("conversationId").to_pylist(), dtype=object)
        ms = _ms(t, "createdAt")
        start = np.r_[True, conv[1:] != conv[:-1]]
        gid = np.cumsum(start) - 1
        gaps = np.where(start, 0.0, r.exponential(1.0, len(ms)))
        cum = np.cumsum(gaps)
        cum -= cum[np.flatnonzero(start)][gid]
        span = np.maximum.reduceat(cum, np.flatnonzero(start))[gid]
        first = ms[np.flatnonzero(start)][gid]
        last = np.maximum.reduceat(ms, np.flatnonzero(start))[gid]
        frac = np.divide(cum, span, out=np.zeros_like(cum), where=span > 0)
        return _set(t, "createdAt", (first + frac * (last - first)).astype("datetime64[ms]"))
    rewrite(root, "messages", fn)


def longer_content(root: Path) -> None:
    def fn(t: pa.Table) -> pa.Table:
        return _set(t, "content", [None if c is None else c + "x" * (len(c) // 4)
                                   for c in t.column("content").to_pylist()])
    rewrite(root, "messages", fn)


def more_media(root: Path) -> None:
    """Media share 0.15 -> 0.1875: TEXT messages become IMAGE, spread over every file."""
    def fn(t: pa.Table) -> pa.Table:
        is_text = np.asarray(pc.equal(t.column("type"), "TEXT"))
        flip = is_text & (np.random.default_rng(2).random(t.num_rows) < 0.0375 / 0.85)
        return _set(t, "type", pc.if_else(pa.array(flip), "IMAGE", t.column("type")))
    rewrite(root, "messages", fn)


def drop_conversations(keep_floor: bool) -> Callable[[Path], None]:
    """All heavy rooms' messages removed, or one heavy room cut to one below the floor."""
    def fn(root: Path) -> None:
        heavy = _heavy_ids(root)
        floor = load_spec(overrides=load_band("ci").spec_overrides).messages.heavy_rooms
        victims = heavy[:1] if keep_floor else heavy

        def cut(t: pa.Table) -> pa.Table:
            hit = pc.is_in(t.column("conversationId"), pa.array(victims))
            if not keep_floor:
                return t.filter(pc.invert(hit))
            rank = np.cumsum(np.asarray(hit)) * np.asarray(hit)
            return t.filter(pa.array(~np.asarray(hit) | (rank < floor.min_messages)))
        rewrite(root, "messages", cut)
    return fn


def double_body(root: Path) -> None:
    """Every message of a non-heavy conversation twice (the copy 1 ms later, a new id)."""
    heavy = pa.array(_heavy_ids(root))

    def fn(t: pa.Table) -> pa.Table:
        body = t.filter(pc.invert(pc.is_in(t.column("conversationId"), heavy)))
        ids = pc.binary_join_element_wise(body.column("id"), "d", "")
        copy = _set(_set(body, "id", ids), "idempotencyKey",
                    pc.binary_join_element_wise(body.column("idempotencyKey"), "d", ""))
        copy = _set(copy, "createdAt", (_ms(body, "createdAt") + 1).astype("datetime64[ms]"))
        return pa.concat_tables([t, copy]).sort_by([("conversationId", "ascending"),
                                                    ("createdAt", "ascending")])
    rewrite(root, "messages", fn)


def fewer_reads(root: Path) -> None:
    rewrite(root, "message_reads", lambda t: t.filter(pa.array(np.arange(t.num_rows) % 5 != 0)))


def slower_reads(root: Path) -> None:
    msgs = read(root, "messages")
    created = dict(zip(msgs.column("id").to_pylist(), _ms(msgs, "createdAt"), strict=True))

    def fn(t: pa.Table) -> pa.Table:
        base = np.array([created[m] for m in t.column("messageId").to_pylist()])
        late = base + 3 * (_ms(t, "readAt") - base)
        return _set(t, "readAt", late.astype("datetime64[ms]"))
    rewrite(root, "message_reads", fn)


def bigger_attachments(root: Path) -> None:
    rewrite(root, "attachments", lambda t: _set(t, "size", pc.multiply(t.column("size"), 2)))


def wider_images(root: Path) -> None:
    """Image sizes with sigma x1.5 around the same median: the median check cannot see it."""
    d = load_spec(overrides=load_band("ci").spec_overrides).media.size_kb.image

    def fn(t: pa.Table) -> pa.Table:
        size = np.asarray(t.column("size").to_numpy(zero_copy_only=False), dtype=np.float64)
        image = np.asarray(pc.equal(t.column("type"), "IMAGE"))
        kb = np.clip(np.exp(d.mu + 1.5 * (np.log(size / 1024) - d.mu)), d.min, d.max)
        return _set(t, "size", np.where(image, np.rint(kb * 1024), size).astype(np.int64))
    rewrite(root, "attachments", fn)


def more_groups(root: Path) -> None:
    """A third member joins 15% of the direct conversations."""
    def fn(t: pa.Table) -> pa.Table:
        size = t.group_by("conversationId").aggregate([("userId", "count")])
        direct = [c for c, n in zip(size.column("conversationId").to_pylist(),
                                    size.column("userId_count").to_pylist(), strict=True)
                  if n == 2]
        picked = pa.array(direct[: int(0.15 * len(direct))])
        rows = t.filter(pc.is_in(t.column("conversationId"), picked))
        first = rows.group_by("conversationId").aggregate([("id", "min")])
        extra = rows.filter(pc.is_in(rows.column("id"), first.column("id_min")))
        users = sorted(set(t.column("userId").to_pylist()))
        members: dict[str, set[str]] = {}
        for c, u in zip(rows.column("conversationId").to_pylist(),
                        rows.column("userId").to_pylist(), strict=True):
            members.setdefault(c, set()).add(u)
        new_users = [next(u for u in users if u not in members[c])
                     for c in extra.column("conversationId").to_pylist()]
        extra = _set(_set(extra, "userId", new_users), "id",
                     pc.binary_join_element_wise(extra.column("id"), "g", ""))
        return pa.concat_tables([t, extra])
    rewrite(root, "conversation_users", fn)


def wider_content(root: Path) -> None:
    """Content length sigma x1.5 around the same median: only the shape changes."""
    cl = load_spec(overrides=load_band("ci").spec_overrides).content.length

    def stretch(c: str) -> str:
        n = int(np.clip(np.rint(np.exp(cl.mu + 1.5 * (np.log(len(c)) - cl.mu))), cl.min, cl.max))
        return c[:n] if n <= len(c) else c + "x" * (n - len(c))

    def fn(t: pa.Table) -> pa.Table:
        return _set(t, "content", [c if not c else stretch(c)
                                   for c in t.column("content").to_pylist()])
    rewrite(root, "messages", fn)


def retype(table: str, old: str, new: str, share: float) -> Callable[[Path], None]:
    """A share of one type's rows relabelled as another (same media share, other mix)."""
    def plant(root: Path) -> None:
        def fn(t: pa.Table) -> pa.Table:
            hit = np.asarray(pc.equal(t.column("type"), old))
            flip = hit & (np.random.default_rng(3).random(t.num_rows) < share)
            return _set(t, "type", pc.if_else(pa.array(flip), new, t.column("type")))
        rewrite(root, table, fn)
    return plant


def heavy_room_reads(fan_out: int) -> Callable[[Path], None]:
    """Heavy rooms' read fan-out changed: each heavy-room read is copied to ``fan_out - 1``
    other members (max_recipients effectively 3), or with ``fan_out`` 0 every second one is
    dropped (coverage halved). Readers stay members other than the sender, once per message."""
    def fn(root: Path) -> None:
        heavy = set(_heavy_ids(root))
        msgs = read(root, "messages")
        conv = dict(zip(msgs.column("id").to_pylist(),
                        msgs.column("conversationId").to_pylist(), strict=True))
        sender = dict(zip(msgs.column("id").to_pylist(), msgs.column("senderId").to_pylist(),
                          strict=True))
        cu = read(root, "conversation_users")
        members: dict[str, list[str]] = {}
        for c, u in zip(cu.column("conversationId").to_pylist(), cu.column("userId").to_pylist(),
                        strict=True):
            members.setdefault(c, []).append(u)

        def change(t: pa.Table) -> pa.Table:
            mid, uid = t.column("messageId").to_pylist(), t.column("userId").to_pylist()
            hit = np.array([conv.get(m) in heavy for m in mid])
            if fan_out == 0:
                return t.filter(pa.array(~(hit & (np.cumsum(hit) % 2 == 0))))
            rows, users = [], []
            for i in np.flatnonzero(hit):
                others = [u for u in members[conv[mid[i]]] if u not in (uid[i], sender[mid[i]])]
                for j, u in enumerate(others[:fan_out - 1]):
                    rows.append(i)
                    users.append((u, j))
            extra = t.take(pa.array(rows, pa.int64()))
            extra = _set(_set(extra, "userId", [u for u, _ in users]), "id",
                         [f"{r}f{j}" for r, (_, j) in zip(extra.column("id").to_pylist(), users,
                                                           strict=True)])
            return pa.concat_tables([t, extra])
        rewrite(root, "message_reads", change)
    return fn


def _flip(share: float, seed: int, where: np.ndarray) -> np.ndarray:
    """A random ``share`` of the rows ``where`` holds, in every file."""
    return where & (np.random.default_rng(seed).random(len(where)) < share)


def more_replies(root: Path) -> None:
    """Another 5% of the messages reply to the message before them in their conversation."""
    def fn(t: pa.Table) -> pa.Table:
        conv = np.asarray(t.column("conversationId").to_pylist(), dtype=object)
        order = np.lexsort((_ms(t, "createdAt"), conv))
        ids = np.asarray(t.column("id").to_pylist(), dtype=object)
        prev = np.full(t.num_rows, None, dtype=object)
        same = conv[order[1:]] == conv[order[:-1]]
        prev[order[1:][same]] = ids[order[:-1][same]]
        pick = _flip(0.05, 4, np.asarray(pc.is_null(t.column("replyToId"))) & (prev != None))  # noqa: E711
        return _set(t, "replyToId", np.where(pick, prev, np.asarray(
            t.column("replyToId").to_pylist(), dtype=object)).tolist())
    rewrite(root, "messages", fn)


def more_deletions(root: Path) -> None:
    """Another 3% of the messages soft-deleted (1% -> 4%): status, flag and time together."""
    def fn(t: pa.Table) -> pa.Table:
        old = np.asarray(t.column("isDeleted"))
        pick = _flip(0.03, 5, ~old)
        kept = np.asarray(pc.fill_null(pc.cast(t.column("deletedAt"), pa.int64()), 0))
        deleted_at = np.where(pick, _ms(t, "createdAt") + 1_000, kept)
        t = _set(t, "isDeleted", old | pick)
        t = _set(t, "status", pc.if_else(pa.array(pick), "DELETED", t.column("status")))
        return _set(t, "deletedAt", pa.array(deleted_at.astype("datetime64[ms]"),
                                             mask=~(old | pick)))
    rewrite(root, "messages", fn)


def no_edits(root: Path) -> None:
    def fn(t: pa.Table) -> pa.Table:
        t = _set(t, "isEdited", np.zeros(t.num_rows, dtype=bool))
        return _set(t, "editedAt", pa.nulls(t.num_rows, pa.timestamp("ms")))
    rewrite(root, "messages", fn)


def set_null(column: str, where_type: str | None = None, negate: bool = False
             ) -> Callable[[Path], None]:
    """``column`` NULL on every message (of type ``where_type``, or of any other type)."""
    def plant(root: Path) -> None:
        def fn(t: pa.Table) -> pa.Table:
            hit = (np.ones(t.num_rows, dtype=bool) if where_type is None
                   else np.asarray(pc.equal(t.column("type"), where_type)) != negate)
            col = t.column(column)
            return _set(t, column, pc.if_else(pa.array(hit), pa.scalar(None, col.type), col))
        rewrite(root, "messages", fn)
    return plant


def attachments_twice(root: Path) -> None:
    """Every attachment written twice (the copy under a new id)."""
    def fn(t: pa.Table) -> pa.Table:
        copy = _set(t, "id", pc.binary_join_element_wise(t.column("id"), "d", ""))
        return pa.concat_tables([t, copy])
    rewrite(root, "attachments", fn)


def every_large_group_a_channel(root: Path) -> None:
    """The plan's channel draw skipped: every group of 21+ members typed CHANNEL."""
    large = load_spec().conversations.large_group.min_members
    cu = read(root, "conversation_users").group_by("conversationId").aggregate(
        [("userId", "count")])
    big = pc.filter(cu.column("conversationId"), pc.greater_equal(cu.column("userId_count"),
                                                                   large))

    def fn(t: pa.Table) -> pa.Table:
        hit = pc.is_in(t.column("id"), big)
        return _set(t, "type", pc.if_else(hit, "CHANNEL", t.column("type")))
    rewrite(root, "conversations", fn)


@dataclass(frozen=True)
class Drift:
    plant: Callable[[Path], None]
    metric: str
    also: tuple[str, ...] = ()
    """Further metrics (whole-distribution distances) the same drift must put outside."""


DRIFTS: dict[str, Drift] = {
    "inter-arrival Poisson (no bursts)": Drift(poisson_arrivals, "burstiness.interarrival_cv"),
    "flat week": Drift(rewarp(weekday_to_weekend=1.0), "time.weekday_to_weekend"),
    "day shifted by 6 hours": Drift(rewarp(peak_hours_utc=((15, 18), (0, 3))),
                                    "time.hour_of_week_tv"),
    "content length +25%": Drift(longer_content, "content_length.median",
                                 ("distance.content_length_ks",)),
    "content length sigma x1.5, same median": Drift(wider_content,
                                                    "distance.content_length_ks"),
    "media share +25%": Drift(more_media, "media.ratio", ("distance.message_type_tv",)),
    "half the image messages relabelled FILE": Drift(retype("messages", "IMAGE", "FILE", 0.5),
                                                     "distance.message_type_tv"),
    "15% of image attachments relabelled AUDIO": Drift(
        retype("attachments", "IMAGE", "AUDIO", 0.15), "distance.attachment_type_tv"),
    "heavy rooms missing": Drift(drop_conversations(keep_floor=False), "heavy_rooms.count"),
    "heavy-room floor violated": Drift(drop_conversations(keep_floor=True),
                                       "heavy_rooms.count"),
    "messages-per-conversation body doubled": Drift(double_body,
                                                    "messages_per_conversation.p50"),
    "read rate -20%": Drift(fewer_reads, "reads.read_rate"),
    "read latency x3": Drift(slower_reads, "read_latency.immediate_share",
                             ("distance.read_latency_ks",)),
    "attachment sizes x2": Drift(bigger_attachments, "attachment_size_kb.image_median",
                                 tuple(f"distance.attachment_size_ks.{k}"
                                       for k in ("image", "video", "document", "audio"))),
    "image sizes sigma x1.5, same median": Drift(wider_images,
                                                 "distance.attachment_size_ks.image"),
    "conversation size mix changed": Drift(more_groups, "conversation_size.direct_share"),
    "messages-per-conversation body reshaped at fixed p50/p95": Drift(
        lambda root: reshape.reshape_body(root, _floor()),
        "distance.messages_per_conversation_ks"),
    "memberships dealt out uniformly over users": Drift(reshape.uniform_memberships,
                                                        "distance.memberships_per_user_ks"),
    "gaps evenly spaced within each conversation": Drift(reshape.regular_gaps,
                                                         "distance.interarrival_gap_ks"),
    "heavy-room read fan-out 3 instead of 1": Drift(heavy_room_reads(3),
                                                   "reads.heavy_room_per_message"),
    "heavy-room read coverage halved": Drift(heavy_room_reads(0),
                                             "reads.heavy_room_per_message"),
    "replies doubled": Drift(more_replies, "messages.reply_share"),
    "soft deletions x4": Drift(more_deletions, "messages.deleted_share"),
    "no message ever edited": Drift(no_edits, "messages.edited_share"),
    "metadata only on media messages": Drift(set_null("metadata", "TEXT"),
                                             "messages.metadata_share"),
    "correlationId never written": Drift(set_null("correlationId"),
                                         "messages.correlation_share"),
    "media messages without captions": Drift(set_null("content", "TEXT", negate=True),
                                             "messages.caption_share"),
    "every attachment written twice": Drift(attachments_twice,
                                            "distance.attachments_per_message_tv"),
    "every large group a channel": Drift(every_large_group_a_channel,
                                         "conversations.channel_share"),
}


def outside(doc: dict[str, Any]) -> set[str]:
    return {c["name"] for c in doc["checks"]
            if c["kind"] == "distribution" and c["severity"] == "critical"}


@pytest.mark.parametrize("name", list(DRIFTS))
def test_planted_drift_is_no_go_by_name(name: str, ci_dataset: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(ci_dataset, tmp_path / "ci"))
    DRIFTS[name].plant(copy)
    doc = validate_dataset(copy, out=tmp_path / "f.json")
    assert doc["decision"] == "NO-GO"
    assert DRIFTS[name].metric in outside(doc), sorted(outside(doc))
    assert f"outside its band: {DRIFTS[name].metric}" in doc["reasons"]
    assert set(DRIFTS[name].also) <= outside(doc), sorted(outside(doc))


@pytest.mark.parametrize("seed", ["drift-seed-1", "drift-seed-2", "drift-seed-3"])
def test_correct_datasets_from_several_seeds_are_go(seed: str, tmp_path: Path) -> None:
    from synthgen.generate import generate_dataset

    generate_dataset(tmp_path / "ci", "ci", seed, workers=1)
    doc = validate_dataset(tmp_path / "ci", out=tmp_path / "f.json")
    assert doc["decision"] == "GO", doc["reasons"]
    assert outside(doc) == set()
    judged = {c["name"]: c["severity"] for c in doc["checks"]}
    for name in (*BASES, MESSAGE_STATUS_TV):  # the reference-CDF distances, and the status mix
        assert judged[name] == "ok", name

