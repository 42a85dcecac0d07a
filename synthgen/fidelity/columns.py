"""Gate 1 on single columns: how often a message's optional columns and flags are set, how
many large groups are channels, and the rules of the spec's structure (type by size, the
message cap, the band's window).

The planner keeps a null fraction per column, and the app's queries filter on these columns
(``"deletedAt" IS NULL`` in every timeline, threads by ``replyToId``): a generator that
deletes a tenth of the messages instead of 1%, or never writes a reply, changes the plans a
candidate index is judged on while every shape metric stays in its band. Six message shares
(names in ``synthgen.metrics.COLUMN_SHARES``):

- ``messages.reply_share``, ``.deleted_share``, ``.edited_share``, ``.metadata_share``,
  ``.correlation_share``: over all messages, counted on the integrity pass over messages
  (``PASS_AGGREGATES``: no scan of their own);
- ``messages.caption_share``: media messages with content / media messages, from
  ``content_len`` (``prepare``).

Targets are the closed forms of ``synthgen.predict.message_column_shares`` (the spec and the
band's totals alone); each message draws its own flags, so the allowance is binomial over
the messages the share is of, and the declared band is the spec's
``tolerance.column_share_rel`` (x ``--tolerance``), widened to NOISE_SIGMAS sd. The report
shows the spec's parameter beside the target where the two differ (an edit is drawn only for
a text message that is not deleted, so ``edited_share`` 0.03 means 2.5% of all messages).

``conversations.channel_share``: CHANNEL among the large groups (at least
``large_group.min_members`` members), drawn per large group with ``channel_share``: binomial
over the band's large groups (ci has 20, so only a gross drift shows there; dev 400).

Three integrity rules come from the spec's structure:

- ``conversations.type_matches_size``: a conversation of 2 members is a DIRECT_MESSAGE and
  every other one a GROUP_CHAT or, when large, a CHANNEL (the plan types by size class);
- ``conversations.within_message_cap``: no conversation holds more than
  ``per_conversation.cap`` messages;
- ``messages.created_in_window``: every message is sent inside the band's window
  [window_start, window_end). The calendar checks compare shares of the traffic, so a window
  ten times too long (or messages dated in the future) keeps every one of them in band while
  every "last 7 days" query sees a tenth of the rows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from synthgen.fidelity.check import DISTRIBUTION, Check, example_ids, integrity_check
from synthgen.fidelity.noise import binomial_sd
from synthgen.fidelity.tolerance import NOISE_SIGMAS, Tolerance, deviation, severity
from synthgen.metrics import COLUMN_SHARES
from synthgen.predict import message_column_shares

if TYPE_CHECKING:
    import duckdb

    from synthgen.bands import Band
    from synthgen.fidelity.inputs import DatasetInputs
    from synthgen.spec_model import Spec

PASS_AGGREGATES: dict[str, str] = {
    "col_messages": "count(*)",
    "col_replies": 'count(t."replyToId")',
    "col_deleted": 'count(*) FILTER (WHERE t."isDeleted")',
    "col_edited": 'count(*) FILTER (WHERE t."isEdited")',
    "col_metadata": "count(t.metadata)",
    "col_correlated": 'count(t."correlationId")',
}
"""What the integrity pass over messages counts on its way (alias t = messages)."""

_COUNTED = {"messages.reply_share": "col_replies", "messages.deleted_share": "col_deleted",
            "messages.edited_share": "col_edited", "messages.metadata_share": "col_metadata",
            "messages.correlation_share": "col_correlated"}

CHANNEL_SHARE = "conversations.channel_share"

HOW: dict[str, str] = {
    "messages.reply_share": "the spec's {:g}, but a conversation's first message replies to "
                            "none: x (messages - conversations) / messages",
    "messages.deleted_share": "the spec's {:g}",
    "messages.edited_share": "the spec's {:g} of the text messages that are not deleted: "
                             "x (1 - deleted_share) x (1 - media ratio)",
    "messages.metadata_share": "every media message and the spec's {:g} of the text ones",
    "messages.correlation_share": "the spec's {:g}",
    "messages.caption_share": "the spec's {:g} of media messages that are not deleted "
                              "(a deleted message has no content): x (1 - deleted_share)",
    CHANNEL_SHARE: "the spec's {:g} of the large groups",
}
"""How each target follows from the spec's parameter (the report's detail)."""

WINDOW_RULE = "messages.created_in_window"
TYPE_RULE = "conversations.type_matches_size"
CAP_RULE = "conversations.within_message_cap"


def spec_parameter(metric: str, spec: Spec) -> float:
    """The spec's own parameter behind a share (the report's spec column).

    >>> from synthgen.spec_model import Spec
    >>> spec_parameter("messages.caption_share", Spec()), spec_parameter(
    ...     "messages.edited_share", Spec())
    (0.3, 0.03)
    """
    if metric == "messages.caption_share":
        return float(spec.content.caption_share)
    if metric == CHANNEL_SHARE:
        return float(spec.conversations.channel_share)
    return float(getattr(spec.messages, metric.removeprefix("messages.")))


def measure(con: duckdb.DuckDBPyConnection, counted: dict[str, int]
            ) -> dict[str, tuple[float, int]]:
    """metric -> (achieved share, messages it is a share of); ``counted`` is the messages
    pass's PASS_AGGREGATES values."""
    n = int(counted["col_messages"])
    out = {m: (int(counted[k]) / n if n else math.nan, n) for m, k in _COUNTED.items()}
    row = con.execute("SELECT coalesce(sum(k) FILTER (WHERE media), 0), "
                      "coalesce(sum(k) FILTER (WHERE media AND chars > 0), 0) "
                      "FROM content_len").fetchone()
    assert row is not None
    media, captioned = int(row[0]), int(row[1])
    out["messages.caption_share"] = (captioned / media if media else math.nan, media)
    return out


def _large(spec: Spec, band: Band) -> int:
    """Members from which a conversation is a large group (the band's users cap sizes)."""
    return min(spec.conversations.large_group.min_members, band.users)


def measure_channels(con: duckdb.DuckDBPyConnection, spec: Spec, band: Band
                     ) -> tuple[float, int]:
    """(CHANNEL share of the large groups, large groups) from conversations and conv_size."""
    row = con.execute(f"""
        SELECT count(*) FILTER (WHERE c.type = 'CHANNEL'), count(*)
        FROM conversations c JOIN conv_size s ON s.cid = c.id
        WHERE s.members >= {_large(spec, band)}""").fetchone()
    assert row is not None
    channels, large = int(row[0]), int(row[1])
    return (channels / large if large else math.nan, large)


def column_share_checks(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs, tol: Tolerance,
                        counted: dict[str, int] | None,
                        override: dict[str, float] | None = None) -> list[Check]:
    """The six column shares, judged (none when the messages pass did not run).
    ``override`` (a targets override, ``validate --against``) replaces a target by name: the
    closed form then shows in the spec column, and the band stays the spec's."""
    if counted is None or "col_messages" not in counted:
        return []
    spec, band = inputs.spec, inputs.band
    want = message_column_shares(spec, band.messages, band.conversations)
    declared = float(spec.tolerance.column_share_rel)
    mix = spec.conversations.size_mix
    want[CHANNEL_SHARE] = (spec.conversations.channel_share,
                           int(round(mix.large_group * band.conversations)))
    measured = measure(con, counted) | {CHANNEL_SHARE: measure_channels(con, spec, band)}
    out = []
    for metric, (achieved, n) in measured.items():
        target, trials = want[metric]
        rel = binomial_sd(target, trials)
        band_rel = max(declared * tol.scale, NOISE_SIGMAS * rel)
        param = spec_parameter(metric, spec)
        notes = [f"{COLUMN_SHARES[metric]}: {HOW[metric].format(param)}",
                 f"band: declared {declared:.0%} x {tol.scale:g}, at least {NOISE_SIGMAS:g} sd "
                 f"(binomial over n={trials:,})"]
        source, shown = "spec", param
        if override is not None and metric in override:
            source, shown, target = "override", target, float(override[metric])
            notes.insert(0, "target from the override; spec column = the closed form")
        dev = deviation(target, achieved)
        out.append(Check(name=metric, kind=DISTRIBUTION, target=target,
                         achieved=achieved if math.isfinite(achieved) else None,
                         severity=severity(dev, band_rel), deviation=dev, band=band_rel,
                         source=source, spec_target=shown, n=n, detail="; ".join(notes)))
    return out


def window_check(con: duckdb.DuckDBPyConnection, band: Band) -> Check:
    """Every message is sent inside the band's window (from ``msg``)."""
    start, end = band.window_start.isoformat(), band.window_end.isoformat()
    outside = f"created < TIMESTAMP '{start}' OR created >= TIMESTAMP '{end}'"
    row = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {outside}) FROM msg").fetchone()
    assert row is not None
    n, bad = int(row[0]), int(row[1])
    ex = example_ids(con, f"SELECT id FROM msg WHERE {outside} ORDER BY id") if bad else []
    return integrity_check(WINDOW_RULE, bad, ex, n=n,
                           detail=f"messages sent outside the band's window [{start}, {end})")


def conversation_rules(con: duckdb.DuckDBPyConnection, spec: Spec, band: Band) -> list[Check]:
    """Type follows size, and no conversation above the message cap (conversations,
    ``conv_size``)."""
    large, cap = _large(spec, band), int(spec.messages.per_conversation.cap)
    base = "FROM conversations c JOIN conv_size s ON s.cid = c.id"
    wrong_type = f"""NOT coalesce(CASE c.type
        WHEN 'DIRECT_MESSAGE' THEN s.members = 2
        WHEN 'GROUP_CHAT' THEN s.members <> 2
        WHEN 'CHANNEL' THEN s.members >= {large} END, TRUE)"""
    over_cap = f"s.n > {cap}"
    row = con.execute(f"SELECT count(*) FILTER (WHERE {wrong_type}), "
                      f"count(*) FILTER (WHERE {over_cap}), count(*) {base}").fetchone()
    assert row is not None
    bad_type, bad_cap, n = int(row[0]), int(row[1]), int(row[2])

    def examples(pred: str, bad: int) -> list[str]:
        return example_ids(con, f"SELECT c.id {base} WHERE {pred} ORDER BY c.id") if bad else []

    return [integrity_check(TYPE_RULE, bad_type, examples(wrong_type, bad_type), n=n,
                            detail="conversations whose type does not follow their members: "
                                   f"2 -> DIRECT_MESSAGE, else GROUP_CHAT, or CHANNEL from "
                                   f"{large} members"),
            integrity_check(CAP_RULE, bad_cap, examples(over_cap, bad_cap), n=n,
                            detail=f"conversations with more than the spec's cap of {cap:,} "
                                   "messages")]
