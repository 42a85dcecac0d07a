"""users: unique usernames and reserved-domain emails, profile completeness, presence."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthgen.generate.ids import IdSpace, fixed_width_array
from synthgen.generate.plan import Plan
from synthgen.generate.seeding import rng
from synthgen.generate.tables.frame import Frame
from synthgen.generate.text import Pool, capitalized_words, gather_text, letters_pool
from synthgen.generate.timeline import epoch_ms

_B36 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
VISIBILITY_SHARES = np.array([0.60, 0.25, 0.08, 0.07])  # PUBLIC, CONNECTIONS, CLOSE, PRIVATE


def suffix_width(n_users: int) -> int:
    """Base-36 digits needed to number every user (the unique part of a username)."""
    width = 1
    while 36**width < n_users:
        width += 1
    return width


def usernames(r: np.random.Generator, index: np.ndarray, n_users: int, mean: float, sd: float,
              lo: int, hi: int) -> pa.StringArray:
    """Usernames: a pseudo-word prefix + the user's number in base 36 (unique by design)."""
    n = len(index)
    w = suffix_width(n_users)
    length = np.clip(np.rint(r.normal(mean, sd, n)), max(lo, w + 1), max(hi, w + 1)).astype(np.int64)
    prefix_len = length - w
    letters = letters_pool()
    starts = r.integers(0, len(letters) - 64, n)
    mat = np.zeros((n, int(length.max())), dtype=np.uint8)
    cols = np.arange(mat.shape[1])
    take = cols[None, :] < prefix_len[:, None]
    src = np.minimum(starts[:, None] + cols[None, :], len(letters) - 1)
    mat[take] = letters[src][take]
    digits = index.astype(np.int64).copy()
    for j in range(w - 1, -1, -1):  # per digit position, vectorised over users
        pos = prefix_len + j
        mat[np.arange(n), pos] = _B36[digits % 36]
        digits //= 36
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(length, out=offsets[1:])
    data = mat[cols[None, :] < length[:, None]]  # row-major: each row's first `length` bytes
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def build_users(plan: Plan, part: int) -> Frame:
    """Users partition `part` (users_per_partition users each)."""
    band, spec = plan.band, plan.spec
    u0 = part * band.users_per_partition
    u1 = min(band.users, u0 + band.users_per_partition)
    n = u1 - u0
    idx = np.arange(u0, u1, dtype=np.int64)
    r = rng(plan.seed, "users", part)
    us = spec.users
    start_ms, end_ms = epoch_ms(band.window_start), epoch_ms(band.window_end)
    window_ms = end_ms - start_ms

    names = usernames(r, idx, band.users, us.username_length.mean, us.username_length.sd,
                      us.username_length.min, us.username_length.max)
    domains = pa.array([f"@{d}" for d in us.email_domains])
    emails = pc.binary_join_element_wise(
        names, domains.take(pa.array(r.integers(0, len(us.email_domains), n))), "")

    completeness = r.beta(us.profile_completeness.alpha, us.profile_completeness.beta, n)
    has = {f: r.random(n) < completeness for f in ("first", "last", "bio", "image")}
    pool = Pool(r, 1 << 16)
    bio_len = np.clip(np.rint(r.lognormal(4.0, 0.6, n)), 10, 300).astype(np.int64)
    bio_start = pool.starts(r, n)
    ids = IdSpace(plan.seed, "users")

    created = plan.user_created_ms[u0:u1]
    online = r.random(n) < us.online_share
    seen_valid = online | (r.random(n) < 0.9)
    last_seen = np.where(online, end_ms - r.integers(0, 60_000, n),
                         end_ms - (r.exponential(0.15, n) * window_ms).astype(np.int64))
    last_seen = np.maximum(last_seen, created + 1000)
    login_valid = seen_valid | (r.random(n) < 0.5)
    last_login = np.maximum(last_seen - r.integers(0, 3_600_000, n), created)
    posts = np.minimum(r.poisson(0.3, n), 10)
    anon_valid = (posts > 0) | (r.random(n) < 0.1)
    anon_date = end_ms - (r.random(n) * window_ms).astype(np.int64)
    anon_date = np.where(posts > 0, end_ms - r.integers(0, 86_400_000, n), anon_date)
    week_ms = 7 * 86_400_000
    monday = (end_ms - 4 * 86_400_000) // week_ms * week_ms + 4 * 86_400_000  # epoch was Thu
    weekly_reset = np.maximum(np.full(n, monday if monday <= end_ms else monday - week_ms),
                              created)
    typing_conv = plan.user_first_conv[u0:u1]
    typing_valid = online & (typing_conv >= 0) & (r.random(n) < 0.1)
    updated = np.maximum.reduce([created, np.where(seen_valid, last_seen, created),
                                 np.where(login_valid, last_login, created)])

    f = Frame("users", n)
    f.set_ids("id", ids.matrix, idx)
    f.lazy["email"] = lambda i0, i1: emails.slice(i0, i1 - i0)
    f.lazy["username"] = lambda i0, i1: names.slice(i0, i1 - i0)
    first = capitalized_words(r, n, has["first"])
    last = capitalized_words(r, n, has["last"])
    f.lazy["firstName"] = lambda i0, i1: first.slice(i0, i1 - i0)
    f.lazy["lastName"] = lambda i0, i1: last.slice(i0, i1 - i0)
    f.lazy["bio"] = lambda i0, i1: gather_text(pool, bio_start[i0:i1], bio_len[i0:i1],
                                                has["bio"][i0:i1])
    id_text = fixed_width_array(ids.matrix(idx))
    urls = pc.binary_join_element_wise(pa.scalar("https://cdn.example.com/u/"), id_text,
                                       pa.scalar(".jpg"), "")
    urls = pc.if_else(pa.array(has["image"]), urls, pa.scalar(None, pa.string()))
    f.lazy["profileImageUrl"] = lambda i0, i1: urls.slice(i0, i1 - i0)
    conv_ids = IdSpace(plan.seed, "conversations")
    f.set_ids("typingIn", conv_ids.matrix, np.maximum(typing_conv, 0), typing_valid)
    f.numeric.update({
        "isActive": r.random(n) >= us.inactive_share,
        "anonymousPostsToday": posts,
        "weeklyPushesUsed": np.minimum(r.poisson(1.0, n), 7),
        "lastAnonymousPostDate": anon_date,
        "lastWeeklyReset": weekly_reset,
        "allowDirectMessages": r.random(n) < 0.95,
        "showOnlineStatus": r.random(n) < 0.85,
        "isOnline": online,
        "lastSeenAt": last_seen,
        "createdAt": created,
        "updatedAt": updated,
        "lastLoginAt": last_login,
    })
    f.valid.update({"lastAnonymousPostDate": anon_valid, "lastSeenAt": seen_valid,
                    "lastLoginAt": login_valid})
    f.enums["profileVisibility"] = r.choice(4, n, p=VISIBILITY_SHARES).astype(np.int8)
    return f
