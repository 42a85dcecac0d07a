"""attachments: type mix, log-normal sizes per type, MIME types, file names, dimensions.

Which messages carry attachments, how many and of which type is drawn with the messages
(it decides the message type); this module turns those draws into rows, in time order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthgen.generate.ids import IdSpace, fixed_width_array
from synthgen.generate.plan import Plan
from synthgen.generate.seeding import rng
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame, Lazy
from synthgen.generate.tables.messages import ATTACHMENT_TYPES, MessageRows
from synthgen.generate.text import Pool, gather_text
from synthgen.schema import ENUMS

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

WIDTHS_PX = (640, 720, 1080, 1280, 1440, 1920, 3024, 4032)
"""Image and video widths (pixels), drawn uniformly."""
ASPECTS = (0.5625, 0.75, 1.0, 1.3333, 1.7778)
"""Height / width ratios, drawn uniformly."""
DURATION_LOG_MU, DURATION_LOG_SIGMA = 3.5, 1.0
"""Log-normal parameters of video and audio durations (seconds; median e^3.5 ≈ 33 s)."""
DURATION_S = (1, 3600)
"""Clip range of durations, seconds."""
NAME_POOL_BYTES = 1 << 15
"""Size of the per-partition word pool original file names are sliced from (bytes)."""
NAME_CHARS = (4, 24)
"""Original file name stem length range, characters [low, high)."""
BYTES_PER_KB = 1024
"""size_kb → the size column (bytes)."""


def build_attachments(plan: Plan, part: int, act: Activity, msgs: MessageRows) -> Frame:
    """The attachments rows of partition `part`, from the draws made with its messages."""
    att_msg, att_k, att_type = msgs.att_msg, msgs.att_k, msgs.att_type
    per_msg = plan.spec.media.attachments_per_message.several_max
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
    width = r.choice(WIDTHS_PX, n)
    aspect = r.choice(ASPECTS, n)
    height = np.maximum(np.rint(width * aspect), 1).astype(np.int64)
    duration = np.rint(r.lognormal(DURATION_LOG_MU, DURATION_LOG_SIGMA, n))
    duration = np.clip(duration, *DURATION_S).astype(np.int64)
    t = act.msg_time[att_msg]
    order = np.argsort(t, kind="stable")
    gidx = act.msg_global[att_msg] * per_msg + att_k
    ids = IdSpace(plan.seed, "attachments")

    def filenames(i0: int, i1: int) -> pa.Array:
        sel = order[i0:i1]
        ext = pa.array([EXT[m] for m in _MIMES]).take(pa.array(mime_idx[sel]))
        return pc.binary_join_element_wise(
            fixed_width_array(ids.matrix(gidx[sel])), ext, ".")

    pool = Pool(r, NAME_POOL_BYTES)
    name_start = pool.starts(r, n)
    name_len = r.integers(*NAME_CHARS, n)

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
    f.numeric.update({"size": np.rint(size_kb * BYTES_PER_KB).astype(np.int64)[order],
                      "width": width[order], "height": height[order],
                      "duration": duration[order], "createdAt": t[order],
                      "updatedAt": t[order]})
    f.valid.update({"width": visual[order], "height": visual[order],
                    "duration": timed[order]})
    f.set_ids("uploaderId", IdSpace(plan.seed, "users").matrix, msgs.sender_user[att_msg][order])
    f.set_ids("messageId", IdSpace(plan.seed, "messages").matrix,
              act.msg_global[att_msg][order])
    return f

