"""conversations: names, descriptions, avatars, flags, and the last message of each."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthgen.generate.ids import IdSpace, fixed_width_array
from synthgen.generate.plan import TYPE_DM, Plan
from synthgen.generate.seeding import rng
from synthgen.generate.tables.activity import Activity
from synthgen.generate.tables.frame import Frame
from synthgen.generate.text import Pool, gather_text

TEXT_POOL_BYTES = 1 << 15
"""Size of the per-partition word pool names and descriptions are sliced from (bytes)."""
NAME_CHARS = (4, 28)
"""Group name length range, characters [low, high)."""
DESCRIPTION_CHARS = (20, 200)
"""Group description length range, characters [low, high)."""
DESCRIPTION_SHARE = 0.4
"""Probability that a group has a description."""
AVATAR_SHARE = 0.5
"""Probability that a group has an avatar URL."""
MEMBER_ADD_SHARE = 0.9
"""Probability that a group lets members add members."""
FILE_SHARING_SHARE = 0.95
"""Probability that a conversation allows file sharing."""
LARGE_ROOM_MEMBERS = 20
"""A group with more members than this gets the large member limit."""
MAX_MEMBERS_SMALL, MAX_MEMBERS_LARGE = 100, 1000
"""maxMembers of a group (members) at or below / above LARGE_ROOM_MEMBERS."""


def build_conversations(plan: Plan, part: int, act: Activity) -> Frame:
    """Conversation rows; lastMessageAt/lastMessageId/updatedAt equal the last message."""
    r = rng(plan.seed, "conversations", part)
    nc = len(act.counts)
    c0 = act.c0
    ctype = plan.conv_type[c0:c0 + nc]
    group = ctype != TYPE_DM
    last_local = np.cumsum(act.counts) - 1  # messages are conversation-major in Activity
    has_msgs = act.counts > 0
    last_at = act.msg_time[np.maximum(last_local, 0)]
    last_global = act.msg_global[np.maximum(last_local, 0)]
    ids = IdSpace(plan.seed, "conversations")
    gidx = np.arange(c0, c0 + nc, dtype=np.int64)
    pool = Pool(r, TEXT_POOL_BYTES)
    name_start, name_len = pool.starts(r, nc), r.integers(*NAME_CHARS, nc)
    desc_start, desc_len = pool.starts(r, nc), r.integers(*DESCRIPTION_CHARS, nc)
    has_desc = group & (r.random(nc) < DESCRIPTION_SHARE)
    has_avatar = group & (r.random(nc) < AVATAR_SHARE)
    large = act.sizes > LARGE_ROOM_MEMBERS

    f = Frame("conversations", nc)
    f.set_ids("id", ids.matrix, gidx)

    def names(i0: int, i1: int) -> pa.Array:
        words = gather_text(pool, name_start[i0:i1], name_len[i0:i1], group[i0:i1])
        return pc.utf8_capitalize(pc.utf8_rtrim(words, " "))

    f.lazy["name"] = names
    f.lazy["description"] = lambda i0, i1: gather_text(pool, desc_start[i0:i1], desc_len[i0:i1],
                                                        has_desc[i0:i1])

    def avatars(i0: int, i1: int) -> pa.Array:
        url = pc.binary_join_element_wise(pa.scalar("https://cdn.example.com/c/"),
                                          fixed_width_array(ids.matrix(gidx[i0:i1])),
                                          pa.scalar(".png"), "")
        return pc.if_else(pa.array(has_avatar[i0:i1]), url, pa.scalar(None, pa.string()))

    f.lazy["avatarUrl"] = avatars
    f.enums["type"] = ctype.astype(np.int8)
    created = act.conv_created
    f.numeric.update({
        "isActive": r.random(nc) >= plan.spec.conversations.inactive_share,
        "allowMemberAdd": group & (r.random(nc) < MEMBER_ADD_SHARE),
        "allowFileSharing": r.random(nc) < FILE_SHARING_SHARE,
        "maxMembers": np.where(large, MAX_MEMBERS_LARGE, MAX_MEMBERS_SMALL),
        "lastMessageAt": last_at,
        "createdAt": created,
        "updatedAt": np.where(has_msgs, last_at, created),
    })
    f.valid.update({"maxMembers": group, "lastMessageAt": has_msgs})
    f.set_ids("lastMessageId", IdSpace(plan.seed, "messages").matrix, last_global, has_msgs)
    creator = act.member_user[act.member_start]
    f.set_ids("creatorId", IdSpace(plan.seed, "users").matrix, creator)
    return f
