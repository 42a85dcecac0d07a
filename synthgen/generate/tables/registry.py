"""Which builder makes each table, from what: adding a table is one line in BUILDERS.

A dataset has two kinds of partition. A users partition is a slice of the users table; a
conversation partition is a slice of conversations with everything hanging off them, all
built from one ``Activity`` (and the messages from one set of draws). Each builder draws
from its own random streams, so the order builders run in never changes a value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from synthgen.generate.plan import Plan
from synthgen.generate.tables.activity import Activity, build_activity
from synthgen.generate.tables.attachments import build_attachments
from synthgen.generate.tables.conversation_users import build_conversation_users
from synthgen.generate.tables.conversations import build_conversations
from synthgen.generate.tables.frame import Frame
from synthgen.generate.tables.message_reads import build_message_reads
from synthgen.generate.tables.message_receipts import build_message_receipts
from synthgen.generate.tables.messages import MessageRows, build_messages
from synthgen.generate.tables.users import build_users
from synthgen.spec_model import Spec

PartitionKind = Literal["users", "conversations"]
"""A users partition (users_per_partition users) or a conversation partition."""


class PartitionInputs:
    """What the builders of one partition share, each computed at most once, on first use."""

    def __init__(self, plan: Plan, part: int) -> None:
        self.plan = plan
        self.part = part

    @functools.cached_property
    def activity(self) -> Activity:
        """Times, senders, recipients and reads of the partition's conversations."""
        return build_activity(self.plan, self.part)

    @functools.cached_property
    def messages(self) -> MessageRows:
        """The messages frame and the attachment draws made with it."""
        return build_messages(self.plan, self.part, self.activity)


def _always(spec: Spec) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Builder:
    """One table: the partitions it lives in, how to build it, and whether the spec wants it."""

    table: str
    kind: PartitionKind
    build: Callable[[PartitionInputs], Frame]
    wanted: Callable[[Spec], bool] = _always


BUILDERS: tuple[Builder, ...] = (
    Builder("users", "users", lambda p: build_users(p.plan, p.part)),
    Builder("conversations", "conversations",
            lambda p: build_conversations(p.plan, p.part, p.activity)),
    Builder("conversation_users", "conversations",
            lambda p: build_conversation_users(p.plan, p.part, p.activity)),
    Builder("messages", "conversations", lambda p: p.messages.frame),
    Builder("message_reads", "conversations",
            lambda p: build_message_reads(p.plan, p.activity),
            lambda s: s.tables.message_reads),
    Builder("message_receipts", "conversations",
            lambda p: build_message_receipts(p.plan, p.activity),
            lambda s: s.tables.message_receipts),
    Builder("attachments", "conversations",
            lambda p: build_attachments(p.plan, p.part, p.activity, p.messages),
            lambda s: s.tables.attachments),
)
"""Every table, in schema order."""


def builders(kind: PartitionKind, spec: Spec) -> tuple[Builder, ...]:
    """The builders a partition of this kind runs under this spec."""
    return tuple(b for b in BUILDERS if b.kind == kind and b.wanted(spec))
