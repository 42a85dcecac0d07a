"""The single-column checks' own logic (the fault table shows each failing on a dataset):
closed-form shares, and the conversation rules on hand-made tables."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgen.bands import load_band
from synthgen.fidelity.columns import CAP_RULE, TYPE_RULE, conversation_rules
from synthgen.metrics import COLUMN_SHARES
from synthgen.predict import attachments_per_message_shares, message_column_shares
from synthgen.spec import load_spec


def _tables(rows: list[tuple[str, str, int, int]]) -> duckdb.DuckDBPyConnection:
    """conversations (id, type) and conv_size (cid, members, n) from (id, type, members, n)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE conversations (id VARCHAR, type VARCHAR)")
    con.execute("CREATE TABLE conv_size (cid VARCHAR, members BIGINT, n BIGINT)")
    for cid, typ, members, n in rows:
        con.execute("INSERT INTO conversations VALUES (?, ?)", [cid, typ])
        con.execute("INSERT INTO conv_size VALUES (?, ?, ?)", [cid, members, n])
    return con


GOOD = [("a", "DIRECT_MESSAGE", 2, 10), ("b", "GROUP_CHAT", 3, 5), ("c", "GROUP_CHAT", 40, 7),
        ("d", "CHANNEL", 21, 0)]


@pytest.mark.parametrize(("row", "rule"), [
    (("x", "DIRECT_MESSAGE", 3, 1), TYPE_RULE),   # three members are a group
    (("x", "GROUP_CHAT", 2, 1), TYPE_RULE),       # two are a direct conversation
    (("x", "CHANNEL", 20, 1), TYPE_RULE),         # a channel is a large group
    (("x", "CHANNEL", 2, 1), TYPE_RULE),
    (("x", "GROUP_CHAT", 5, 51), CAP_RULE),       # above the cap of 50 set below
])
def test_each_conversation_rule_fails_on_its_fault(row: tuple[str, str, int, int],
                                                   rule: str) -> None:
    spec = load_spec(overrides={"messages.per_conversation.cap": 50})
    band = load_band("ci")
    assert {c.name: c.achieved for c in conversation_rules(_tables(GOOD), spec, band)} == {
        TYPE_RULE: 0, CAP_RULE: 0}
    got = {c.name: c for c in conversation_rules(_tables([*GOOD, row]), spec, band)}
    assert got[rule].achieved == 1
    assert got[rule].examples == ("x",)
    assert got[rule].severity == "failed"
    other = next(n for n in got if n != rule)
    assert got[other].achieved == 0


@settings(max_examples=60, deadline=None)
@given(reply=st.floats(0, 1), edited=st.floats(0, 1), deleted=st.floats(0, 1),
       caption=st.floats(0, 1), meta=st.floats(0, 1), corr=st.floats(0, 1),
       messages=st.integers(1, 10**9), per_conv=st.floats(1, 1000))
def test_column_shares_are_shares_that_follow_their_parameters(
        reply: float, edited: float, deleted: float, caption: float, meta: float, corr: float,
        messages: int, per_conv: float) -> None:
    spec = load_spec(overrides={"messages.reply_share": reply, "messages.edited_share": edited,
                                "messages.deleted_share": deleted,
                                "content.caption_share": caption,
                                "messages.metadata_share": meta,
                                "messages.correlation_share": corr})
    conversations = max(1, int(messages / per_conv))
    got = message_column_shares(spec, messages, min(conversations, messages))
    assert set(got) == set(COLUMN_SHARES) - {"conversations.channel_share"}
    for share, n in got.values():
        assert 0.0 <= share <= 1.0
        assert n >= 0
    media = 1 - spec.media.attachments_per_message.none
    assert got["messages.deleted_share"][0] == deleted
    assert got["messages.correlation_share"][0] == corr
    # a share can only fall below its parameter where the generator restricts who draws it
    assert got["messages.reply_share"][0] <= reply
    assert got["messages.edited_share"][0] <= edited
    assert got["messages.caption_share"][0] <= caption
    assert got["messages.metadata_share"][0] >= meta
    assert got["messages.metadata_share"][0] >= media - 1e-12


@settings(max_examples=60, deadline=None)
@given(one=st.floats(0, 1), several_max=st.integers(2, 12), data=st.data())
def test_attachments_per_message_is_a_distribution_with_the_spec_mean(
        one: float, several_max: int, data: st.DataObject) -> None:
    from synthgen.predict import attachments_per_message_mean

    several = data.draw(st.floats(0, 1 - one))
    spec = load_spec(overrides={"media.attachments_per_message.one": one,
                                "media.attachments_per_message.several": several,
                                "media.attachments_per_message.none": 1 - one - several,
                                "media.attachments_per_message.several_max": several_max})
    shares = attachments_per_message_shares(spec)
    assert sorted(shares) == list(range(several_max + 1))
    assert sum(shares.values()) == pytest.approx(1.0)
    assert sum(k * v for k, v in shares.items()) == pytest.approx(
        attachments_per_message_mean(spec))
