"""Drifts of the plan-decided shapes that keep every integrity rule: who talks where, how many
messages a conversation holds, when its messages come.

Each rewrites a dataset copy consistently across tables (senders and readers stay members,
readers are not senders, reads follow their message, conversations' last message matches,
row counts stay the band's), so the distribution checks, not integrity, have to catch it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tests.fidelity.mutate import read, rewrite


def _set(t: pa.Table, column: str, values: np.ndarray | list[object]) -> pa.Table:
    idx = t.schema.get_field_index(column)
    field = t.schema.field(idx)
    arr = pa.array(values, type=field.type) if isinstance(values, list) else pc.cast(
        pa.array(values), field.type)
    return t.set_column(idx, field, arr)


def _ms(t: pa.Table, column: str) -> np.ndarray:
    return np.asarray(pc.cast(t.column(column), pa.int64()).to_numpy(zero_copy_only=False))


def _strs(t: pa.Table, column: str) -> np.ndarray:
    return np.asarray(t.column(column).to_pylist(), dtype=object)


def _lookup(keys: np.ndarray, mapping: dict[object, object], default: np.ndarray) -> list[object]:
    return [mapping.get(k, d) for k, d in zip(keys.tolist(), default.tolist(), strict=True)]


def _members(root: Path) -> dict[str, list[str]]:
    cu = read(root, "conversation_users")
    out: dict[str, list[str]] = {}
    for c, u in zip(cu.column("conversationId").to_pylist(), cu.column("userId").to_pylist(),
                    strict=True):
        out.setdefault(c, []).append(u)
    return out


def _refresh_last_message(root: Path) -> None:
    """conversations.lastMessageAt / lastMessageId / updatedAt from the messages as they are."""
    m = read(root, "messages")
    last = m.group_by("conversationId").aggregate([("createdAt", "max")])
    at = dict(zip(last.column("conversationId").to_pylist(), _ms(last, "createdAt_max"),
                  strict=True))
    conv, ms, ids = _strs(m, "conversationId"), _ms(m, "createdAt"), _strs(m, "id")
    last_id = {c: i for c, t, i in zip(conv, ms, ids, strict=True) if at[c] == t}

    def fn(t: pa.Table) -> pa.Table:
        cids = _strs(t, "conversationId" if "conversationId" in t.column_names else "id")
        has = np.array([c in at for c in cids])
        when = np.array([at.get(c, 0) for c in cids], dtype=np.int64)
        t = _set(t, "lastMessageId", [last_id.get(c) for c in cids])
        idx = t.schema.get_field_index("lastMessageAt")
        t = t.set_column(idx, t.schema.field(idx), pa.array(
            when.astype("datetime64[ms]"), t.schema.field(idx).type, mask=~has))
        return _set(t, "updatedAt", np.where(has, when, _ms(t, "createdAt"))
                    .astype("datetime64[ms]"))
    rewrite(root, "conversations", fn)


def _follow_messages(root: Path, new_sender: dict[str, str], new_reader: dict[str, str],
                     shift_ms: dict[str, int] | None = None) -> None:
    """Readers, receipt recipients and uploaders of the given messages, and (optionally) every
    timestamp that follows a message's createdAt, moved with it."""
    shift = shift_ms or {}

    def children(user_col: str, time_cols: tuple[str, ...]):  # type: ignore[no-untyped-def]
        def fn(t: pa.Table) -> pa.Table:
            mids = _strs(t, "messageId")
            mapping = new_sender if user_col == "uploaderId" else new_reader
            t = _set(t, user_col, _lookup(mids, mapping, _strs(t, user_col)))
            delta = np.array([shift.get(m, 0) for m in mids], dtype=np.int64)
            for col in time_cols:
                t = _set(t, col, (_ms(t, col) + delta).astype("datetime64[ms]"))
            return t
        return fn
    rewrite(root, "message_reads", children("userId", ("readAt", "createdAt", "updatedAt")))
    rewrite(root, "message_receipts", children("userId", ("timestamp", "createdAt",
                                                          "updatedAt")))
    rewrite(root, "attachments", children("uploaderId", ("createdAt", "updatedAt")))


def reshape_body(root: Path, floor: int, power: float = 3.0) -> None:
    """Messages per conversation reshaped between p50 and p95 at fixed p50, p95, p99 and
    heavy rooms: a conversation at t = ln(n / p50) / ln(p95 / p50) in (0, 1) keeps
    p50 (p95 / p50)^(t^power) of its messages (order kept, ends fixed, the body pulled toward
    the median); its earliest others move to the organic conversations above p95 of the same
    partition (below the heavy-room floor), so totals, the tail and the heavy rooms stay."""
    m = read(root, "messages")
    conv = _strs(m, "conversationId")
    names, inverse, counts = np.unique(conv, return_inverse=True, return_counts=True)
    p50, p95 = np.percentile(counts, [50, 95])
    t = np.log(counts / p50) / np.log(p95 / p50)
    keep = np.where((counts > p50) & (counts < p95),
                    np.ceil(p50 * (p95 / p50) ** (np.clip(t, 0, 1) ** power)),
                    counts).astype(np.int64)
    room = np.where((counts >= p95) & (counts < floor), floor - 1 - counts, 0)
    # messages are stored partition by partition; a conversation lives in one partition
    part = np.zeros(len(names), dtype=np.int64)
    files = [pa.Table.from_pydict({"c": pc.unique(t.column("conversationId"))})
             for t in _partitions(root)]
    for i, f in enumerate(files):
        part[np.searchsorted(names, _strs(f, "c"))] = i
    created = _ms(m, "createdAt")
    order = np.lexsort((created, inverse))
    rank = np.empty(len(conv), dtype=np.int64)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    rank[order] = np.arange(len(conv)) - np.repeat(starts, counts)
    moving = rank < (counts - keep)[inverse]  # the earliest: the last message stays put
    target = inverse.copy()
    members = _members(root)
    taken: set[tuple[int, int]] = set(zip(inverse.tolist(), created.tolist(), strict=True))
    for p in np.unique(part):
        sinks = np.flatnonzero((part == p) & (room > 0))
        movers = np.flatnonzero(moving & (part[inverse] == p))
        if not len(sinks):
            moving[movers] = False
            continue
        free = room[sinks].copy()
        for j, idx in enumerate(movers):
            slot = j % len(sinks)
            k = sinks[slot]
            if free[slot] <= 0 or (int(k), int(created[idx])) in taken:
                moving[idx] = False
                continue
            free[slot] -= 1
            target[idx] = k
            taken.add((int(k), int(created[idx])))
    ids = _strs(m, "id")
    new_conv = {i: str(names[t]) for i, t in zip(ids[moving], target[moving], strict=True)}
    new_sender: dict[str, str] = {}
    new_reader: dict[str, str] = {}
    for n, (i, c) in enumerate(new_conv.items()):
        who = members[c]
        new_sender[i] = who[n % len(who)]
        new_reader[i] = who[(n + 1) % len(who)]

    def fn(t: pa.Table) -> pa.Table:
        mids = _strs(t, "id")
        t = _set(t, "conversationId", _lookup(mids, new_conv, _strs(t, "conversationId")))
        return _set(t, "senderId", _lookup(mids, new_sender, _strs(t, "senderId")))
    rewrite(root, "messages", fn)
    _follow_messages(root, new_sender, new_reader)
    _refresh_last_message(root)


def _partitions(root: Path) -> list[pa.Table]:
    import pyarrow.parquet as pq

    from synthgen.dataset import read_manifest

    return [pq.ParquetFile(root / f.path).read(columns=["conversationId"])
            for f in read_manifest(root).table_files("messages")]


def uniform_memberships(root: Path, seed: int = 5) -> None:
    """Every conversation's members redrawn uniformly over all users (sizes kept): no user is
    more active than another. Senders, readers, recipients, uploaders and creators follow
    their member's new identity."""
    users = sorted(read(root, "users").column("id").to_pylist())
    members = _members(root)
    r = np.random.default_rng(seed)
    mapping: dict[tuple[str, str], str] = {}
    for c, who in members.items():
        new = r.choice(len(users), len(who), replace=False)
        for old, j in zip(who, new.tolist(), strict=True):
            mapping[(c, old)] = users[j]

    def remap(t: pa.Table, conv_col: str, user_col: str, convs: np.ndarray | None = None
              ) -> pa.Table:
        cs = _strs(t, conv_col) if convs is None else convs
        us = _strs(t, user_col)
        return _set(t, user_col, [mapping.get((c, u), u) for c, u in zip(cs, us, strict=True)])
    rewrite(root, "conversation_users", lambda t: remap(t, "conversationId", "userId"))
    rewrite(root, "conversations", lambda t: remap(t, "id", "creatorId"))
    m = read(root, "messages")
    conv_of = dict(zip(m.column("id").to_pylist(), m.column("conversationId").to_pylist(),
                       strict=True))
    rewrite(root, "messages", lambda t: remap(t, "conversationId", "senderId"))
    for table, col in (("message_reads", "userId"), ("message_receipts", "userId"),
                       ("attachments", "uploaderId")):
        rewrite(root, table, lambda t, col=col: remap(  # type: ignore[misc]
            t, "messageId", col, np.array([conv_of[i] for i in t.column("messageId")
                                           .to_pylist()], dtype=object)))


def regular_gaps(root: Path) -> None:
    """Inside each conversation, messages evenly spaced between its first and last (same span,
    same order); reads, receipts, edits, deletions and attachments move with their message."""
    m = read(root, "messages")
    conv, ms, ids = _strs(m, "conversationId"), _ms(m, "createdAt"), _strs(m, "id")
    _, inverse, counts = np.unique(conv, return_inverse=True, return_counts=True)
    order = np.lexsort((ms, inverse))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    pos = np.empty(len(ms), dtype=np.int64)
    pos[order] = np.arange(len(ms)) - np.repeat(starts, counts)
    first = np.minimum.reduceat(ms[order], starts)[inverse]
    last = np.maximum.reduceat(ms[order], starts)[inverse]
    n = counts[inverse]
    even = first + np.floor((last - first) * pos / np.maximum(n - 1, 1)).astype(np.int64)
    shift = dict(zip(ids.tolist(), (even - ms).tolist(), strict=True))

    def fn(t: pa.Table) -> pa.Table:
        delta = np.array([shift[i] for i in t.column("id").to_pylist()], dtype=np.int64)
        for col in ("createdAt", "updatedAt", "editedAt", "deletedAt"):
            idx = t.schema.get_field_index(col)
            valid = np.asarray(pc.is_valid(t.column(col)))
            vals = np.asarray(pc.fill_null(pc.cast(t.column(col), pa.int64()), 0)) + delta
            t = t.set_column(idx, t.schema.field(idx), pa.array(
                vals.astype("datetime64[ms]"), t.schema.field(idx).type, mask=~valid))
        return t
    rewrite(root, "messages", fn)
    _follow_messages(root, {}, {}, shift)
