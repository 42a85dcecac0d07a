"""messages and attachments of one partition.

Rows are written in ``createdAt`` order (production inserts in time order), so a loader
can reproduce realistic heap scattering and readers can prune row groups by time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthgen.generate.distributions import segment_ids, segment_positions
from synthgen.generate.ids import IdSpace, fixed_width_array, uuid_matrix
from synthgen.generate.plan import Plan
from synthgen.generate.seeding import rng
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame, Lazy
from synthgen.generate.text import Pool, gather_text
from synthgen.generate.timeline import epoch_ms
from synthgen.schema import ENUMS

ATTACHMENT_TYPES = ("IMAGE", "VIDEO", "DOCUMENT", "AUDIO")  # order of spec.media.type_mix
_MESSAGE_TYPE_OF = np.array([ENUMS["MessageType"].index(t) for t in
                             ("IMAGE", "VIDEO", "FILE", "AUDIO")], dtype=np.int8)
_ATTACHMENT_CODE = np.array([ENUMS["AttachmentType"].index(t) for t in ATTACHMENT_TYPES],
                            dtype=np.int8)
MIME = {"IMAGE": ["image/jpeg", "image/png", "image/webp"],
        "VIDEO": ["video/mp4", "video/quicktime"],
        "DOCUMENT": ["application/pdf", "text/plain",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
        "AUDIO": ["audio/mpeg", "audio/ogg", "audio/mp4"]}
EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4",
       "video/quicktime": "mov", "application/pdf": "pdf", "text/plain": "txt",
       "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
       "audio/mpeg": "mp3", "audio/ogg": "ogg", "audio/mp4": "m4a"}
_MIMES = [m for t in ATTACHMENT_TYPES for m in MIME[t]]
_METADATA = ['{"client":"ios"}', '{"client":"android"}', '{"client":"web"}',
             '{"client":"ios","media":true}', '{"client":"android","media":true}',
             '{"client":"web","media":true}']


@dataclass
class MessageRows:
    """The messages frame plus what other tables of the partition need from it."""

    frame: Frame
    order: np.ndarray
    """Row order of the output (argsort of createdAt)."""
    is_media: np.ndarray
    status_code: np.ndarray


def _reply_targets(act: Activity, share: float, r: np.random.Generator) -> np.ndarray:
    """Local index of the replied-to message (an earlier one, same conversation) or -1."""
    n = len(act.msg_pos)
    is_reply = (act.msg_pos > 0) & (r.random(n) < share)
    back = np.minimum(r.geometric(0.35, n), np.maximum(act.msg_pos, 1))
    return np.where(is_reply, np.arange(n) - back, -1)


def _thread_roots(parent: np.ndarray) -> np.ndarray:
    """Root of each reply chain by pointer jumping (log depth rounds, all vectorised)."""
    root = parent.copy()
    while True:
        has = root >= 0
        nxt = np.where(has, parent[np.maximum(root, 0)], -1)
        step = has & (nxt >= 0)
        if not step.any():
            return root
        root[step] = nxt[step]


def build_messages(plan: Plan, part: int, act: Activity) -> tuple[MessageRows, Frame]:
    """The messages and attachments frames of partition `part`."""
    spec = plan.spec
    ms, media = spec.messages, spec.media
    r = rng(plan.seed, "messages", 1_000_000 + part)
    n = len(act.msg_time)
    end_ms = epoch_ms(plan.band.window_end)
    order = np.argsort(act.msg_time, kind="stable")

    apm = media.attachments_per_message
    kind = r.choice(3, n, p=[apm.none, apm.one, apm.several])
    n_att = np.where(kind == 0, 0, np.where(kind == 1, 1,
                                            r.integers(2, apm.several_max + 1, n)))
    is_media = n_att > 0
    att_msg = segment_ids(n_att)
    att_k = segment_positions(n_att)
    mix = media.type_mix
    att_type = r.choice(4, len(att_msg), p=[mix.image, mix.video, mix.document, mix.audio])
    first_type = np.zeros(n, dtype=np.int64)
    first_type[att_msg[att_k == 0]] = att_type[att_k == 0]
    mtype = np.where(is_media, _MESSAGE_TYPE_OF[first_type], ENUMS["MessageType"].index("TEXT"))

    deleted = r.random(n) < ms.deleted_share
    edited = ~deleted & ~is_media & (r.random(n) < ms.edited_share)
    t = act.msg_time
    edited_at = np.minimum(t + r.exponential(600_000, n).astype(np.int64) + 1, end_ms - 1)
    edited_at = np.maximum(edited_at, t)
    deleted_at = np.maximum(np.minimum(t + r.exponential(7_200_000, n).astype(np.int64) + 1,
                                       end_ms - 1), t)
    updated = np.maximum.reduce([t, np.where(edited, edited_at, t),
                                 np.where(deleted, deleted_at, t)])

    cl = spec.content.length
    has_content = ~deleted & (~is_media | (r.random(n) < spec.content.caption_share))
    length = np.clip(np.rint(r.lognormal(cl.mu, cl.sigma, n)), cl.min, cl.max).astype(np.int64)
    pool = Pool(rng(plan.seed, "text", part))
    text_start = pool.starts(r, n)

    parent = _reply_targets(act, ms.reply_share, r)
    root = _thread_roots(parent)
    meta_valid = is_media | (r.random(n) < ms.metadata_share)
    meta_code = r.integers(0, 3, n) + np.where(is_media, 3, 0)
    corr_valid = r.random(n) < ms.correlation_share

    any_read = np.zeros(n, dtype=bool)
    any_read[act.pair_msg[act.read]] = True
    any_delivered = np.zeros(n, dtype=bool)
    any_delivered[act.pair_msg[act.delivered]] = True
    status_names = ENUMS["MessageStatus"]
    status = np.where(deleted, status_names.index("DELETED"),
                      np.where(any_read, status_names.index("READ"),
                               np.where(any_delivered, status_names.index("DELIVERED"),
                                        status_names.index("SENT")))).astype(np.int8)

    ids = IdSpace(plan.seed, "messages")
    users = IdSpace(plan.seed, "users")
    convs = IdSpace(plan.seed, "conversations")
    o = order
    gidx = act.msg_global
    f = Frame("messages", n)
    f.set_ids("id", ids.matrix, gidx[o])
    f.lazy["content"] = lambda i0, i1: gather_text(pool, text_start[o[i0:i1]], length[o[i0:i1]],
                                                    has_content[o[i0:i1]])
    f.enums["type"] = mtype[o].astype(np.int8)
    f.enums["status"] = status[o]
    f.numeric.update({"isEdited": edited[o], "editedAt": edited_at[o], "isDeleted": deleted[o],
                      "deletedAt": deleted_at[o], "createdAt": t[o], "updatedAt": updated[o]})
    f.valid.update({"editedAt": edited[o], "deletedAt": deleted[o]})
    f.set_ids("replyToId", ids.matrix, gidx[np.maximum(parent, 0)][o], (parent >= 0)[o])
    f.set_ids("threadId", ids.matrix, gidx[np.maximum(root, 0)][o], (root >= 0)[o])
    meta = pa.array(_METADATA)
    meta_null = pa.nulls(1, pa.string())
    meta_all = pa.concat_arrays([meta, meta_null])
    meta_idx = np.where(meta_valid, meta_code, len(_METADATA))[o]
    f.lazy["metadata"] = lambda i0, i1: meta_all.take(pa.array(meta_idx[i0:i1]))
    f.lazy["idempotencyKey"] = lambda i0, i1: _uuid(plan.seed, "idempotency", gidx[o[i0:i1]])
    f.lazy["correlationId"] = lambda i0, i1: _uuid(plan.seed, "correlation", gidx[o[i0:i1]],
                                                   corr_valid[o[i0:i1]])
    sender_user = act.member_user[act.msg_sender_slot]
    f.set_ids("senderId", users.matrix, sender_user[o])
    f.set_ids("conversationId", convs.matrix, (act.c0 + act.msg_conv)[o])

    att = _attachments(plan, part, act, att_msg, att_k, att_type, sender_user, apm.several_max)
    return MessageRows(frame=f, order=order, is_media=is_media, status_code=status), att


def _uuid(seed: str, name: str, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return fixed_width_array(uuid_matrix(seed, name, index), valid)


def _attachments(plan: Plan, part: int, act: Activity, att_msg: np.ndarray, att_k: np.ndarray,
                 att_type: np.ndarray, sender_user: np.ndarray, per_msg: int) -> Frame:
    """Attachment rows: type mix, log-normal sizes per type, dimensions, durations."""
    r = rng(plan.seed, "attachments", part)
    n = len(att_msg)
    sk = plan.spec.media.size_kb
    size_kb = np.zeros(n)
    for code, dist in enumerate((sk.image, sk.video, sk.document, sk.audio)):
        sel = att_type == code  # four types: a loop over categories, not rows
        size_kb[sel] = np.clip(r.lognormal(dist.mu, dist.sigma, int(sel.sum())), dist.min,
                               dist.max)
    mime_first = np.cumsum([0] + [len(MIME[t]) for t in ATTACHMENT_TYPES])
    mime_n = np.diff(mime_first)
    mime_idx = mime_first[att_type] + (r.random(n) * mime_n[att_type]).astype(np.int64)
    visual = (att_type == 0) | (att_type == 1)
    timed = (att_type == 1) | (att_type == 3)
    width = r.choice([640, 720, 1080, 1280, 1440, 1920, 3024, 4032], n)
    aspect = r.choice([0.5625, 0.75, 1.0, 1.3333, 1.7778], n)
    height = np.maximum(np.rint(width * aspect), 1).astype(np.int64)
    duration = np.clip(np.rint(r.lognormal(3.5, 1.0, n)), 1, 3600).astype(np.int64)
    t = act.msg_time[att_msg]
    order = np.argsort(t, kind="stable")
    gidx = act.msg_global[att_msg] * per_msg + att_k
    ids = IdSpace(plan.seed, "attachments")

    def filenames(i0: int, i1: int) -> pa.Array:
        sel = order[i0:i1]
        ext = pa.array([EXT[m] for m in _MIMES]).take(pa.array(mime_idx[sel]))
        return pc.binary_join_element_wise(
            fixed_width_array(ids.matrix(gidx[sel])), ext, ".")

    pool = Pool(r, 1 << 15)
    name_start = pool.starts(r, n)
    name_len = r.integers(4, 24, n)

    def original(i0: int, i1: int) -> pa.Array:
        sel = order[i0:i1]
        words = gather_text(pool, name_start[sel], name_len[sel])
        stem = pc.replace_substring(pc.utf8_rtrim(words, " "), " ", "-")
        ext = pa.array([EXT[m] for m in _MIMES]).take(pa.array(mime_idx[sel]))
        return pc.binary_join_element_wise(stem, ext, ".")

    def url(prefix: str, suffix: str, only: np.ndarray | None) -> Lazy:
        def build(i0: int, i1: int) -> pa.Array:
            sel = order[i0:i1]
            out = pc.binary_join_element_wise(pa.scalar(prefix),
                                              fixed_width_array(ids.matrix(gidx[sel])),
                                              pa.scalar(suffix), "")
            if only is None:
                return out
            return pc.if_else(pa.array(only[sel]), out, pa.scalar(None, pa.string()))
        return build

    f = Frame("attachments", n)
    f.set_ids("id", ids.matrix, gidx[order])
    f.lazy["filename"] = filenames
    f.lazy["originalName"] = original
    mimes = pa.array(_MIMES)
    f.lazy["mimeType"] = lambda i0, i1: mimes.take(pa.array(mime_idx[order[i0:i1]]))
    f.lazy["url"] = url("https://files.example.com/a/", "", None)
    f.lazy["thumbnailUrl"] = url("https://files.example.com/t/", ".jpg", visual)
    f.enums["type"] = _ATTACHMENT_CODE[att_type][order]
    f.numeric.update({"size": np.rint(size_kb * 1024).astype(np.int64)[order],
                      "width": width[order], "height": height[order],
                      "duration": duration[order], "createdAt": t[order],
                      "updatedAt": t[order]})
    f.valid.update({"width": visual[order], "height": visual[order],
                    "duration": timed[order]})
    f.set_ids("uploaderId", IdSpace(plan.seed, "users").matrix, sender_user[att_msg][order])
    f.set_ids("messageId", IdSpace(plan.seed, "messages").matrix,
              act.msg_global[att_msg][order])
    return f

