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
from synthgen.generate.timeline import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, epoch_ms
from synthgen.names import person_names

_B36 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
VISIBILITY_SHARES = np.array([0.60, 0.25, 0.08, 0.07])
"""Shares of profileVisibility PUBLIC, CONNECTIONS, CLOSE, PRIVATE."""
PREFIX_SLACK = 64
"""Username prefixes start at least this many bytes before the end of the letters pool."""
BIO_POOL_BYTES = 1 << 16
"""Size of the per-partition word pool bios are sliced from (bytes)."""
BIO_LOG_MU, BIO_LOG_SIGMA = 4.0, 0.6
"""Log-normal parameters of bio length (characters; median e^4 ≈ 55)."""
BIO_CHARS = (10, 300)
"""Clip range of bio length, characters."""
LAST_SEEN_SHARE = 0.9
"""Probability that an offline user has a lastSeenAt."""
LAST_SEEN_MEAN = 0.15
"""Mean time since an offline user was last seen, as a fraction of the window (exponential)."""
LAST_LOGIN_SHARE = 0.5
"""Probability that a user never seen still has a lastLoginAt."""
CREATED_TO_SEEN_MS = 1000
"""A user is seen at least this long (ms) after the account was created."""
POSTS_PER_DAY_MEAN, POSTS_PER_DAY_MAX = 0.3, 10
"""anonymousPostsToday: Poisson mean, and the daily limit."""
ANON_DATE_SHARE = 0.1
"""Probability that a user without posts today has a lastAnonymousPostDate."""
PUSHES_PER_WEEK_MEAN, PUSHES_PER_WEEK_MAX = 1.0, 7
"""weeklyPushesUsed: Poisson mean, and the weekly limit."""
TYPING_SHARE = 0.1
"""Probability that an online user is typing in their first conversation."""
DIRECT_MESSAGES_SHARE = 0.95
"""Probability that a user allows direct messages."""
SHOW_ONLINE_SHARE = 0.85
"""Probability that a user shows their online status."""


def suffix_width(n_users: int) -> int:
    """Base-36 digits needed to number every user (the unique part of a username)."""
    width = 1
    while 36**width < n_users:
        width += 1
    return width


def usernames(r: np.random.Generator, index: np.ndarray, n_users: int, mean: float, sd: float,
              lo: int, hi: int) -> pa.StringArray:
    """Usernames: a pseudo-word prefix + the user's number in base 36 (unique by design).

    A short one can spell a real name by chance (prefix "l" + number "ee" is "lee"); such a
    username starts with "_" instead of its first letter, so none is a listed person name
    (``synthgen.names``, the list gate 1's PII check judges by) and each stays unique.
    """
    n = len(index)
    w = suffix_width(n_users)
    length = np.clip(np.rint(r.normal(mean, sd, n)), max(lo, w + 1), max(hi, w + 1)).astype(np.int64)
    prefix_len = length - w
    letters = letters_pool()
    starts = r.integers(0, len(letters) - PREFIX_SLACK, n)
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
    out = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))
    named = pc.is_in(out, value_set=pa.array(sorted(person_names())))
    if pc.any(named).as_py():
        out = pc.if_else(named, pc.binary_join_element_wise(
            "_", pc.utf8_slice_codeunits(out, 1), ""), out)
    return out


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
    pool = Pool(r, BIO_POOL_BYTES)
    bio_len = np.clip(np.rint(r.lognormal(BIO_LOG_MU, BIO_LOG_SIGMA, n)), *BIO_CHARS).astype(np.int64)
    bio_start = pool.starts(r, n)
    ids = IdSpace(plan.seed, "users")

    created = plan.user_created_ms[u0:u1]
    online = r.random(n) < us.online_share
    seen_valid = online | (r.random(n) < LAST_SEEN_SHARE)
    last_seen = np.where(online, end_ms - r.integers(0, MS_PER_MINUTE, n),
                         end_ms - (r.exponential(LAST_SEEN_MEAN, n) * window_ms).astype(np.int64))
    last_seen = np.maximum(last_seen, created + CREATED_TO_SEEN_MS)
    login_valid = seen_valid | (r.random(n) < LAST_LOGIN_SHARE)
    last_login = np.maximum(last_seen - r.integers(0, MS_PER_HOUR, n), created)
    posts = np.minimum(r.poisson(POSTS_PER_DAY_MEAN, n), POSTS_PER_DAY_MAX)
    anon_valid = (posts > 0) | (r.random(n) < ANON_DATE_SHARE)
    anon_date = end_ms - (r.random(n) * window_ms).astype(np.int64)
    anon_date = np.where(posts > 0, end_ms - r.integers(0, MS_PER_DAY, n), anon_date)
    week_ms = 7 * MS_PER_DAY
    monday = (end_ms - 4 * MS_PER_DAY) // week_ms * week_ms + 4 * MS_PER_DAY  # epoch was Thu
    weekly_reset = np.maximum(np.full(n, monday if monday <= end_ms else monday - week_ms),
                              created)
    typing_conv = plan.user_first_conv[u0:u1]
    typing_valid = online & (typing_conv >= 0) & (r.random(n) < TYPING_SHARE)
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
        "weeklyPushesUsed": np.minimum(r.poisson(PUSHES_PER_WEEK_MEAN, n), PUSHES_PER_WEEK_MAX),
        "lastAnonymousPostDate": anon_date,
        "lastWeeklyReset": weekly_reset,
        "allowDirectMessages": r.random(n) < DIRECT_MESSAGES_SHARE,
        "showOnlineStatus": r.random(n) < SHOW_ONLINE_SHARE,
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
