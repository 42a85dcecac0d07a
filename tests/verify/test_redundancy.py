"""New-index verdicts against the indexes that were there before."""

from __future__ import annotations

import pytest

from synthgen.verify.redundancy import judge, new_indexes
from tests.verify.fakes import index

OLD = [index("m_conv_created", "messages", "conversationId", "createdAt"),
       index("cu_user_active", "conversation_users", "userId", "isActive"),
       index("c_updated", "conversations", "updatedAt"),
       index("m_sender", "messages", "senderId")]


@pytest.mark.parametrize(("new", "verdict", "existing"), [
    # the phase-2 three
    (index("n", "messages", "conversationId", "createdAt DESC"), "redundant", "m_conv_created"),
    (index("n", "conversations", "updatedAt DESC"), "redundant", "c_updated"),
    (index("n", "conversation_users", "userId", "isActive", include=("conversationId",)),
     "covering-variant", "cu_user_active"),
    # exact duplicate, all reversed, leading prefix
    (index("n", "messages", "conversationId", "createdAt"), "redundant", "m_conv_created"),
    (index("n", "messages", "conversationId DESC", "createdAt DESC"), "redundant", "m_conv_created"),
    (index("n", "messages", "conversationId"), "redundant", "m_conv_created"),
    # not redundant
    (index("n", "messages", "createdAt"), "new", None),
    (index("n", "messages", "conversationId", "createdAt", unique=True), "new", None),
    (index("n", "users", "conversationId", "createdAt"), "new", None),
    (index("n", "messages", "senderId", "createdAt"), "supersedes", "m_sender"),
    # mixed directions: with the first column fixed, (b DESC, c) is neither (b, c) forward
    # nor (b DESC, c DESC) backward; but (a, b) is served by either of these read backward,
    # so the old one becomes redundant ("supersedes")
    (index("n", "messages", "conversationId", "createdAt DESC", "id"), "supersedes",
     "m_conv_created"),
    (index("n", "messages", "conversationId", "createdAt DESC", "id DESC"), "supersedes",
     "m_conv_created"),
])
def test_judge(new: dict, verdict: str, existing: str | None) -> None:
    j = judge(new, OLD)
    assert (j["verdict"], j["existing"]) == (verdict, existing)


def test_backward_scan_is_named_in_the_explanation() -> None:
    j = judge(index("n", "conversations", "updatedAt DESC"), OLD)
    assert "backward scan" in j["why"]


def test_partial_and_invalid_indexes_do_not_count() -> None:
    partial = {**index("p", "conversations", "updatedAt"), "predicate": "(\"isActive\")"}
    invalid = {**index("v", "conversations", "updatedAt"), "valid": False}
    assert judge(index("n", "conversations", "updatedAt DESC"), [partial, invalid])["verdict"] == "new"


def test_only_new_names_are_judged() -> None:
    post = [*OLD, index("n", "conversations", "updatedAt DESC")]
    assert [j["index"] for j in new_indexes(OLD, post)] == ["n"]


def test_mixed_direction_is_not_redundant_with_same_columns() -> None:
    old = [index("abc", "t", "a", "b", "c")]
    assert judge(index("n", "t", "a", "b DESC", "c"), old)["verdict"] == "new"
    assert judge(index("n", "t", "a DESC", "b DESC", "c DESC"), old)["verdict"] == "redundant"
    assert judge(index("n", "t", "a", "b"), old)["verdict"] == "redundant"
    # the converse: (a, b, c) does not make a new (a, b DESC, c) redundant, nor (a, c, b)
    assert judge(index("n", "t", "a", "c", "b"), old)["verdict"] == "new"


def test_leading_direction_alone_differs_is_redundant_with_caveat() -> None:
    j = judge(index("n", "t", "a DESC", "b"), [index("ab", "t", "a", "b")])
    assert j["verdict"] == "redundant"
    assert "fixed by equality" in j["why"]
