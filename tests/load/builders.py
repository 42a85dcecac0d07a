"""Small, referentially valid datasets built directly with pyarrow (no generator needed).

Every foreign key resolves and every unique constraint holds, so the phase-1 constraints
build; nulls, enums, jsonb metadata (objects, arrays, unicode, nulls) and multi-row-group
files exercise the loader's type handling.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthgen.dataset import FORMAT, FileEntry, Manifest, partition_file, sha256_file, write_manifest
from synthgen.schema import ENUMS, TABLE_NAMES, arrow_schema

T0_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
DAY_MS = 86_400_000


def _ids(prefix: str, n: int) -> pa.Array:
    return pa.array([f"{prefix}{i:07d}" for i in range(n)])


def _ts(ms: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(ms.astype("int64"), pa.int64(), mask=null).cast(pa.timestamp("ms"))


def _enum(rng: np.random.Generator, name: str, n: int) -> pa.Array:
    values = np.array(ENUMS[name], dtype=object)
    return pa.array(values[rng.integers(0, len(values), n)], pa.string())


def build_tables(n_users: int = 300, n_conversations: int = 60, n_messages: int = 6000,
                 seed: int = 7) -> dict[str, pa.Table]:
    """The seven tables as Arrow tables, plus a ``_part`` column (the partition)."""
    rng = np.random.default_rng(seed)
    parts = 4
    u = n_users
    users = {
        "id": _ids("u", u), "email": pa.array([f"user{i}@example.test" for i in range(u)]),
        "username": pa.array([f"user_{i}" for i in range(u)]),
        "firstName": pa.array([None if i % 5 == 0 else f"Zoë{i}" for i in range(u)]),
        "lastName": pa.array([None if i % 3 == 0 else "O'Brien" for i in range(u)]),
        "bio": pa.array([None] * u, pa.string()),
        "profileImageUrl": pa.array([f"https://img.test/{i}.png" for i in range(u)]),
        "isActive": pa.array(rng.random(u) < 0.9), "anonymousPostsToday": pa.array(
            rng.integers(0, 5, u).astype("int32")),
        "weeklyPushesUsed": pa.array(np.zeros(u, "int32")),
        "lastAnonymousPostDate": _ts(T0_MS + rng.integers(0, 30 * DAY_MS, u), rng.random(u) < 0.5),
        "lastWeeklyReset": _ts(np.full(u, T0_MS)), "allowDirectMessages": pa.array(
            np.ones(u, bool)), "showOnlineStatus": pa.array(rng.random(u) < 0.5),
        "profileVisibility": _enum(rng, "ProfileVisibility", u),
        "isOnline": pa.array(rng.random(u) < 0.1),
        "lastSeenAt": _ts(T0_MS + rng.integers(0, 30 * DAY_MS, u), rng.random(u) < 0.2),
        "typingIn": pa.array([None] * u, pa.string()),
        "createdAt": _ts(T0_MS + rng.integers(0, DAY_MS, u)),
        "updatedAt": _ts(T0_MS + DAY_MS + rng.integers(0, DAY_MS, u)),
        "lastLoginAt": _ts(T0_MS + rng.integers(0, 30 * DAY_MS, u), rng.random(u) < 0.3),
        "_part": pa.array(np.zeros(u, "int32")),
    }
    c = n_conversations
    conv_part = np.arange(c) % parts
    conversations = {
        "id": _ids("c", c), "name": pa.array([None if i % 2 else f"room {i}" for i in range(c)]),
        "description": pa.array([None] * c, pa.string()),
        "type": _enum(rng, "ConversationType", c), "avatarUrl": pa.array([None] * c, pa.string()),
        "isActive": pa.array(np.ones(c, bool)), "allowMemberAdd": pa.array(np.ones(c, bool)),
        "allowFileSharing": pa.array(np.ones(c, bool)),
        "maxMembers": pa.array(np.full(c, 100, "int32"), mask=np.arange(c) % 3 == 0),
        "lastMessageAt": _ts(T0_MS + 29 * DAY_MS + np.zeros(c, "int64")),
        "lastMessageId": pa.array([None] * c, pa.string()),
        "createdAt": _ts(T0_MS + DAY_MS + rng.integers(0, DAY_MS, c)),
        "updatedAt": _ts(T0_MS + 2 * DAY_MS + rng.integers(0, DAY_MS, c)),
        "creatorId": pa.array(np.array(users["id"].to_pylist(), object)[rng.integers(0, u, c)]),
        "_part": pa.array(conv_part.astype("int32")),
    }
    members = 4
    cu_conv = np.repeat(np.arange(c), members)
    cu_user = (cu_conv * 7 + np.tile(np.arange(members), c) * 13) % u
    n_cu = len(cu_conv)
    user_ids = np.array(users["id"].to_pylist(), object)
    conv_ids = np.array(conversations["id"].to_pylist(), object)
    conversation_users = {
        "id": _ids("cu", n_cu), "role": _enum(rng, "ConversationUserRole", n_cu),
        "isActive": pa.array(np.ones(n_cu, bool)), "isMuted": pa.array(np.zeros(n_cu, bool)),
        "mutedUntil": _ts(np.zeros(n_cu, "int64"), np.ones(n_cu, bool)),
        "joinedAt": _ts(T0_MS + 2 * DAY_MS + np.zeros(n_cu, "int64")),
        "leftAt": _ts(np.zeros(n_cu, "int64"), np.ones(n_cu, bool)),
        "lastReadAt": _ts(T0_MS + 3 * DAY_MS + rng.integers(0, DAY_MS, n_cu)),
        "lastReadMessageId": pa.array([None] * n_cu, pa.string()),
        "createdAt": _ts(T0_MS + 2 * DAY_MS + np.zeros(n_cu, "int64")),
        "updatedAt": _ts(T0_MS + 2 * DAY_MS + np.zeros(n_cu, "int64")),
        "userId": pa.array(user_ids[cu_user]), "conversationId": pa.array(conv_ids[cu_conv]),
        "_part": pa.array(conv_part[cu_conv].astype("int32")),
    }
    m = n_messages
    m_conv = rng.integers(0, c, m)
    m_sender = cu_user.reshape(c, members)[m_conv, rng.integers(0, members, m)]
    created = T0_MS + 3 * DAY_MS + np.sort(rng.integers(0, 25 * DAY_MS, m))
    created[m // 3: m // 3 + 10] = created[m // 3]  # ties in createdAt: the resume key needs the id too
    msg_ids = np.array([f"m{i:07d}" for i in range(m)], object)
    reply = np.where(rng.random(m) < 0.1, np.maximum(np.arange(m) - 1, 0), -1)
    metadata = np.array([None, '{"a": 1}', '{"tags": ["x", "y"], "n": null}',
                         '{"emoji": "héllo 👋", "nested": {"k": [1, 2.5, true]}}', "[]"], object)
    messages = {
        "id": pa.array(msg_ids), "content": pa.array([None if i % 11 == 0 else f"msg {i} ✓"
                                                      for i in range(m)]),
        "type": _enum(rng, "MessageType", m), "status": _enum(rng, "MessageStatus", m),
        "isEdited": pa.array(rng.random(m) < 0.05),
        "editedAt": _ts(created + 1000, rng.random(m) < 0.95),
        "isDeleted": pa.array(rng.random(m) < 0.02),
        "deletedAt": _ts(created + 2000, rng.random(m) < 0.98),
        "replyToId": pa.array(np.where(reply >= 0, msg_ids[np.maximum(reply, 0)], None)),
        "threadId": pa.array([None] * m, pa.string()),
        "metadata": pa.array(metadata[np.arange(m) % len(metadata)], pa.string()),
        "idempotencyKey": pa.array([f"idem-{i}" for i in range(m)]),
        "correlationId": pa.array([None if i % 2 else f"corr-{i}" for i in range(m)]),
        "createdAt": _ts(created), "updatedAt": _ts(created + 500),
        "senderId": pa.array(user_ids[m_sender]), "conversationId": pa.array(conv_ids[m_conv]),
        "_part": pa.array(conv_part[m_conv].astype("int32")),
    }
    m_part = conv_part[m_conv].astype("int32")
    k = m // 2
    reader = (m_sender[:k] + 1) % u
    message_reads = {
        "id": _ids("r", k), "readAt": _ts(created[:k] + 60_000),
        "createdAt": _ts(created[:k] + 60_000), "updatedAt": _ts(created[:k] + 60_000),
        "userId": pa.array(user_ids[reader]), "messageId": pa.array(msg_ids[:k]),
        "_part": pa.array(m_part[:k]),
    }
    message_receipts = {
        "id": _ids("rc", k), "state": _enum(rng, "ReceiptState", k),
        "timestamp": _ts(created[:k] + 30_000), "createdAt": _ts(created[:k] + 30_000),
        "updatedAt": _ts(created[:k] + 30_000), "messageId": pa.array(msg_ids[:k]),
        "userId": pa.array(user_ids[reader]), "_part": pa.array(m_part[:k]),
    }
    a = m // 10
    attachments = {
        "id": _ids("a", a), "filename": pa.array([f"f{i}.jpg" for i in range(a)]),
        "originalName": pa.array([f"IMG {i}.jpg" for i in range(a)]),
        "mimeType": pa.array(["image/jpeg"] * a),
        "size": pa.array(rng.integers(1, 2**31 - 1, a).astype("int32")),
        "url": pa.array([f"https://cdn.test/{i}" for i in range(a)]),
        "thumbnailUrl": pa.array([None] * a, pa.string()), "type": _enum(rng, "AttachmentType", a),
        "width": pa.array(np.full(a, 640, "int32")), "height": pa.array(np.full(a, 480, "int32")),
        "duration": pa.array(np.zeros(a, "int32"), mask=np.ones(a, bool)),
        "createdAt": _ts(created[:a]), "updatedAt": _ts(created[:a]),
        "uploaderId": pa.array(user_ids[m_sender[:a]]),
        "messageId": pa.array(np.where(np.arange(a) % 4 == 0, None, msg_ids[:a])),
        "_part": pa.array(m_part[:a]),
    }
    raw = {"users": users, "conversations": conversations,
           "conversation_users": conversation_users, "messages": messages,
           "message_reads": message_reads, "message_receipts": message_receipts,
           "attachments": attachments}
    return {t: pa.table(cols) for t, cols in raw.items()}


def write_dataset(root: Path, tables: dict[str, pa.Table], *, seed: str = "test-seed",
                  band: str = "test", row_group_rows: int = 500) -> Manifest:
    """Write hive partitions (rows sorted by createdAt within each) and the manifest."""
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for table in TABLE_NAMES:
        t = tables[table]
        for part in sorted(set(t.column("_part").to_pylist())):
            chunk = t.filter(pa.compute.equal(t.column("_part"), part))
            chunk = chunk.sort_by([("createdAt", "ascending"), ("id", "ascending")])
            chunk = chunk.drop_columns(["_part"]).select(arrow_schema(table).names)
            chunk = chunk.cast(arrow_schema(table))
            rel = partition_file(table, part)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(chunk, path, row_group_size=row_group_rows)
            entries.append(FileEntry(table, part, rel, chunk.num_rows, path.stat().st_size,
                                     sha256_file(path)))
    manifest = Manifest(FORMAT, seed, band, "spec-hash-" + seed, "0.1.0", tuple(entries))
    (root / "seed.txt").write_text(seed + "\n")
    (root / "generation.json").write_text(json.dumps({"seed": seed}) + "\n")
    write_manifest(root, manifest)
    return manifest


def make_dataset(root: Path, **kwargs: int) -> Manifest:
    """Build and write a small valid dataset."""
    return write_dataset(root, build_tables(**kwargs))
