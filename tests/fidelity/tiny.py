"""A tiny hand-made dataset (a few thousand messages) that honours every integrity rule.

Built without the generator so the gate's checks can be exercised on data whose every
property is known; distribution targets are loosely spec-shaped only (tests judge them with
``targets_override`` when they need a GO).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthgen.dataset import FileEntry, Manifest, partition_file, sha256_file, write_manifest
from synthgen.schema import TABLE_NAMES, arrow_schema
from synthgen.spec import load_spec, spec_to_dict

WINDOW_END = dt.datetime(2026, 11, 1)
WINDOW_DAYS = 30
ATTACHMENT_TYPES = np.array(["IMAGE", "VIDEO", "DOCUMENT", "AUDIO"])
MESSAGE_TYPES = {"IMAGE": "IMAGE", "VIDEO": "VIDEO", "DOCUMENT": "FILE", "AUDIO": "AUDIO"}


def _ts(ms: np.ndarray) -> pa.Array:
    return pa.array(ms.astype("datetime64[ms]"), pa.timestamp("ms"))


def _words(rng: np.random.Generator, n: int) -> list[str]:
    syll = np.array(["ka", "lo", "mi", "tu", "ve", "ra", "zo", "qi", "xa", "pe"])
    lengths = np.clip(np.exp(rng.normal(4.5, 1.2, n)), 1, 5000).astype(int)
    out = []
    for length in lengths:
        s = "".join(rng.choice(syll, int(length) // 2 + 1))
        out.append(" ".join(s[i:i + 7] for i in range(0, len(s), 7))[:length])
    return out


def build_tiny(root: Path, seed: int = 7) -> Path:
    """Write a complete small dataset to ``root`` and return it."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    n_users, n_convs = 80, 50
    start_ms = int((WINDOW_END - dt.timedelta(days=WINDOW_DAYS)).timestamp() * 1000)
    end_ms = int(WINDOW_END.timestamp() * 1000)
    user_ids = np.array([f"u{i:05d}" for i in range(n_users)])
    tables: dict[str, dict[str, Any]] = {}
    created_users = np.full(n_users, start_ms - 86_400_000 * 10)
    tables["users"] = {
        "id": user_ids, "email": [f"user{i}@example.com" for i in range(n_users)],
        "username": [f"zorb{i}" for i in range(n_users)], "isActive": np.ones(n_users, bool),
        "anonymousPostsToday": np.zeros(n_users, np.int32),
        "weeklyPushesUsed": np.zeros(n_users, np.int32),
        "lastWeeklyReset": _ts(created_users), "allowDirectMessages": np.ones(n_users, bool),
        "showOnlineStatus": np.ones(n_users, bool),
        "profileVisibility": np.full(n_users, "PUBLIC"), "isOnline": np.zeros(n_users, bool),
        "createdAt": _ts(created_users), "updatedAt": _ts(created_users)}

    sizes = np.concatenate([np.full(35, 2), rng.integers(3, 8, 12), rng.integers(21, 30, 3)])
    counts = np.concatenate([[400], np.clip(np.exp(rng.normal(3, 1.2, n_convs - 1)), 1, 300)
                             ]).astype(int)
    counts[5] = 0  # one conversation without messages
    conv_ids = np.array([f"c{i:05d}" for i in range(n_convs)])
    conv_created = np.full(n_convs, start_ms - 86_400_000)
    cu: dict[str, list[object]] = {"id": [], "userId": [], "conversationId": []}
    msg: dict[str, list[object]] = {k: [] for k in ("id", "conversationId", "senderId",
                                                    "createdAt", "type", "recipient")}
    k = 0
    for c in range(n_convs):
        members = rng.choice(user_ids, sizes[c], replace=False)
        cu["id"] += [f"m{c:05d}_{j}" for j in range(sizes[c])]
        cu["userId"] += list(members)
        cu["conversationId"] += [conv_ids[c]] * sizes[c]
        n = counts[c]
        times = np.sort(rng.choice(np.arange(start_ms, end_ms - 86_400_000, 977), n,
                                   replace=False))
        senders = rng.integers(0, sizes[c], n)
        recipients = (senders + rng.integers(1, sizes[c], n)) % sizes[c]
        msg["id"] += [f"x{k + j:07d}" for j in range(n)]
        msg["conversationId"] += [conv_ids[c]] * n
        msg["senderId"] += list(members[senders])
        msg["recipient"] += list(members[recipients])
        msg["createdAt"] += list(times)
        k += n
    n_cu = len(cu["id"])
    cu_ts = _ts(np.full(n_cu, start_ms - 86_400_000))
    tables["conversation_users"] = {
        "id": cu["id"], "role": np.full(n_cu, "MEMBER"), "isActive": np.ones(n_cu, bool),
        "isMuted": np.zeros(n_cu, bool), "joinedAt": cu_ts, "createdAt": cu_ts,
        "updatedAt": cu_ts, "userId": cu["userId"], "conversationId": cu["conversationId"]}

    m_ids = np.array(msg["id"])
    created = np.array(msg["createdAt"], np.int64)
    n_m = len(m_ids)
    is_media = rng.random(n_m) < 0.15
    att_type = rng.choice(ATTACHMENT_TYPES, n_m, p=[0.65, 0.15, 0.12, 0.08])
    mtype = np.where(is_media, [MESSAGE_TYPES[t] for t in att_type], "TEXT")
    content = np.array(_words(rng, n_m), dtype=object)
    order = np.argsort(created, kind="stable")
    tables["messages"] = {
        "id": m_ids[order], "content": content[order], "type": mtype[order],
        "status": np.full(n_m, "SENT"), "isEdited": np.zeros(n_m, bool),
        "isDeleted": np.zeros(n_m, bool), "idempotencyKey": [f"idem-{i}" for i in m_ids[order]],
        "createdAt": _ts(created[order]), "updatedAt": _ts(created[order]),
        "senderId": np.array(msg["senderId"])[order],
        "conversationId": np.array(msg["conversationId"])[order]}

    # Last message per conversation, vectorised: sort by (conversation, createdAt), take ends.
    conv_of_msg = np.searchsorted(conv_ids, np.array(msg["conversationId"]))
    by_conv = np.lexsort((created, conv_of_msg))
    ends = np.flatnonzero(np.r_[conv_of_msg[by_conv][1:] != conv_of_msg[by_conv][:-1], True])
    last = by_conv[ends]
    has = np.zeros(n_convs, bool)
    has[conv_of_msg[last]] = True
    last_ms = np.full(n_convs, 0, np.int64)
    last_ms[conv_of_msg[last]] = created[last]
    last_id = np.full(n_convs, None, object)
    last_id[conv_of_msg[last]] = m_ids[last]
    last_at_arr = pa.array(last_ms.astype("datetime64[ms]"), pa.timestamp("ms"),
                           mask=~has)
    tables["conversations"] = {
        "id": conv_ids, "type": np.where(sizes == 2, "DIRECT_MESSAGE", "GROUP_CHAT"),
        "isActive": np.ones(n_convs, bool), "allowMemberAdd": np.ones(n_convs, bool),
        "allowFileSharing": np.ones(n_convs, bool), "lastMessageAt": last_at_arr,
        "lastMessageId": list(last_id), "createdAt": _ts(conv_created),
        "updatedAt": _ts(np.where(has, last_ms, conv_created)),
        "creatorId": [cu["userId"][cu["conversationId"].index(c)] for c in conv_ids]}

    read = rng.random(n_m) < 0.82
    delivered = read | (rng.random(n_m) < 0.7)
    latency = np.where(rng.random(n_m) < 0.4, rng.uniform(0, 30_000, n_m),
                       rng.exponential(2_700_000, n_m)).astype(np.int64) + 1
    r_idx = np.flatnonzero(read)
    rec = np.array(msg["recipient"])
    tables["message_reads"] = {
        "id": [f"r{i:07d}" for i in r_idx], "readAt": _ts(created[r_idx] + latency[r_idx]),
        "createdAt": _ts(created[r_idx] + latency[r_idx]),
        "updatedAt": _ts(created[r_idx] + latency[r_idx]),
        "userId": rec[r_idx], "messageId": m_ids[r_idx]}
    parts = [(np.arange(n_m), "SENT", 0), (np.flatnonzero(delivered), "DELIVERED", 1),
             (r_idx, "READ", 2)]
    rid, rstate, rts, rmsg, rusr = [], [], [], [], []
    for idx, state, lag in parts:
        rid += [f"s{state[0]}{i:07d}" for i in idx]
        rstate += [state] * len(idx)
        rts.append(created[idx] + (latency[idx] if state == "READ" else lag))
        rmsg += list(m_ids[idx])
        rusr += list(rec[idx])
    rts_all = np.concatenate(rts)
    tables["message_receipts"] = {
        "id": rid, "state": rstate, "timestamp": _ts(rts_all), "createdAt": _ts(rts_all),
        "updatedAt": _ts(rts_all), "messageId": rmsg, "userId": rusr}

    a_idx = np.flatnonzero(is_media)
    n_a = len(a_idx)
    sizes_kb = np.clip(np.exp(rng.normal(5.5, 1.2, n_a)), 50, 8000)
    tables["attachments"] = {
        "id": [f"a{i:07d}" for i in a_idx], "filename": [f"f{i}.bin" for i in a_idx],
        "originalName": [f"zorb{i}.bin" for i in a_idx],
        "mimeType": np.full(n_a, "application/octet-stream"),
        "size": (sizes_kb * 1024).astype(np.int32),
        "url": [f"https://cdn.example.com/a/{i}" for i in a_idx], "type": att_type[a_idx],
        "createdAt": _ts(created[a_idx]), "updatedAt": _ts(created[a_idx]),
        "uploaderId": np.array(msg["senderId"])[a_idx], "messageId": m_ids[a_idx]}

    files: list[FileEntry] = []
    for table in TABLE_NAMES:
        schema = arrow_schema(table)
        cols = tables[table]
        n = len(cols["id"])
        arrays = [pa.array(cols[f.name], f.type) if f.name in cols
                  else pa.nulls(n, f.type) for f in schema]
        write_table(root, table, pa.Table.from_arrays(arrays, schema=schema), files)
    write_manifest(root, Manifest("synthgen-dataset/1", "tiny", "tiny", "x", "0", tuple(files)))
    spec = spec_to_dict(load_spec(overrides={"messages.heavy_rooms.min_messages": 300}))
    (root / "spec.json").write_text(json.dumps(spec))
    (root / "band.json").write_text(json.dumps({
        "name": "tiny", "users": n_users, "conversations": n_convs, "messages": n_m,
        "window_days": WINDOW_DAYS, "window_end": WINDOW_END.isoformat()}))
    return root


def write_table(root: Path, table: str, data: pa.Table, files: list[FileEntry] | None = None,
                partition: int = 0) -> FileEntry:
    """Write one partition file and return (and append) its manifest entry."""
    rel = partition_file(table, partition)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, path)
    entry = FileEntry(table, partition, rel, data.num_rows, path.stat().st_size,
                      sha256_file(path))
    if files is not None:
        files.append(entry)
    return entry
