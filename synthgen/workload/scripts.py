"""pgbench scripts, one per transaction type, generated from the query catalogue.

Each script draws its parameters from the draw tables (``draw``) with pgbench's seeded
``random`` and one ``\\gset`` lookup, then runs the app's statement with them as bound
parameters (``-M prepared``). Statements come from the query catalogue (``synthgen/queries``:
reads Q1, Q1b, Q3, Q4, Q6; writes Q2 message insert and Q5 receipt upsert, the receipt for
the conversation's latest message); ``$n`` becomes ``:name`` for a drawn value or a
server-side expression for a value made fresh per write. MR (marking a conversation read:
the member's ``lastReadAt``/``lastReadMessageId``) is synthgen's own; it is not in the
spec's mix and runs only when ``--mix MR=w`` asks for it.

Every row a write adds carries synthgen's marker (``MARKER_KEY_PREFIX`` in
``messages.idempotencyKey``, ``MARKER_ID_PREFIX`` in the ids), which is how ``cleanup``
finds exactly those rows afterwards. ``DRAW`` is the draw alone, timed to show what
drawing costs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from synthgen.errors import InputError
from synthgen.pg.sql import quote_ident
from synthgen.verify.catalogue import Query
from synthgen.workload.draw import helper_table

MARKER_ID_PREFIX = "sgwl-"
"""Prefix of the id of every row the workload inserts (not a cuid: cuids start with 'c')."""
MARKER_KEY_PREFIX = "synthgen-workload:"
"""Prefix of every ``idempotencyKey`` the workload's message inserts use."""
READS = ("Q1", "Q1b", "Q3", "Q4", "Q6")
WRITES = ("Q2", "Q5", "MR")
TYPES = (*READS, *WRITES)
"""Every transaction type the mix may name (the spec's ``workload`` keys, plus MR)."""
DRAW = "DRAW"

_PLACEHOLDER = re.compile(r"\$(\d+)\b")
_CONV_VARS = ("conversation_id", "member_id", "message_id")


@dataclass(frozen=True, slots=True)
class Script:
    """One transaction type's pgbench script."""

    name: str
    text: str
    writes: bool


def _draw_conversation(schema: str) -> str:
    conv, member = helper_table(schema, "conv"), helper_table(schema, "member")
    return ("\\set wl_r random(0, :conv_total - 1)\n"
            "\\set wl_u random(0, 1000000000)\n"
            f"SELECT d.cid AS conversation_id, m.uid AS member_id, d.last_msg AS message_id "
            f"FROM {conv} AS d JOIN {member} AS m ON m.pos = d.moff + :wl_u % d.nm "
            "WHERE d.hi > :wl_r ORDER BY d.hi LIMIT 1 \\gset\n")


def _draw_user(schema: str) -> str:
    return ("\\set wl_ru random(0, :user_total - 1)\n"
            f"SELECT uid AS user_id FROM {helper_table(schema, 'user')} "
            "WHERE hi > :wl_ru ORDER BY hi LIMIT 1 \\gset\n")


def _one_line(sql: str) -> str:
    """pgbench ends an SQL command at the first unquoted ``;`` (or newline-free end)."""
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return " ".join(ln.strip() for ln in lines if ln.strip()).rstrip(";") + ";\n"


_PARAM_EXPR = {
    "conversation_id": ":conversation_id", "member_id": ":member_id",
    "message_id": ":message_id", "user_id": ":user_id",
    # values the app makes fresh per request: made by the server, carrying the marker
    "new_id": f"('{MARKER_ID_PREFIX}' || gen_random_uuid()::text)",
    "idempotency_key": f"('{MARKER_KEY_PREFIX}' || gen_random_uuid()::text)",
    "content": "'synthgen workload message: a short chat line of ordinary length'",
    "receipt_state": "(CASE WHEN :wl_st = 0 THEN 'DELIVERED' ELSE 'READ' END)",
}


def read_script(query: Query, schema: str) -> Script:
    """A catalogue statement (read or write) with its parameters drawn at production skew.

    Drawn ids become pgbench variables (bound parameters under ``-M prepared``); the fresh
    values of a write (new id, idempotencyKey) become server-side expressions carrying
    synthgen's marker, so cleanup can find every row the statement adds.
    """
    unknown = [p for p in query.params if p not in _PARAM_EXPR]
    if unknown:
        raise InputError(f"{query.path}: the workload cannot supply parameter(s) {unknown}")
    body = _PLACEHOLDER.sub(lambda m: _PARAM_EXPR[query.params[int(m.group(1)) - 1]],
                            query.sql(schema))
    draws = ""
    if any(p in _CONV_VARS for p in query.params):
        draws += _draw_conversation(schema)
    if "user_id" in query.params:
        draws += _draw_user(schema)
    if "receipt_state" in query.params:
        draws += "\\set wl_st random(0, 1)\n"
    writes = query.name in WRITES or getattr(query, "kind", "read") == "write"
    if writes and "new_id" not in query.params and "idempotency_key" not in query.params \
            and query.name != "MR":
        raise InputError(f"{query.path}: a write the workload replays must take new_id or "
                         "idempotency_key, so its rows carry synthgen's marker")
    return Script(query.name, draws + _one_line(body), writes=writes)


def own_scripts(schema: str) -> dict[str, Script]:
    """Transactions the catalogue does not hold: MR (mark a conversation read)."""
    s = quote_ident(schema)
    now = "localtimestamp(3)"
    mr = (f"UPDATE {s}.\"conversation_users\" SET \"lastReadAt\" = {now}, "
          f"\"lastReadMessageId\" = :message_id, \"updatedAt\" = {now} "
          "WHERE \"conversationId\" = :conversation_id AND \"userId\" = :member_id;\n")
    return {"MR": Script("MR", _draw_conversation(schema) + mr, writes=True)}


def draw_script(schema: str) -> Script:
    """The draws of the busiest script shape alone (conversation + member, then a user)."""
    return Script(DRAW, _draw_conversation(schema) + _draw_user(schema), writes=False)


def build_scripts(catalogue: list[Query], schema: str, names: list[str]) -> list[Script]:
    """The scripts of ``names`` (in that order: pgbench numbers them 0, 1, ...)."""
    by_name = {q.name: q for q in catalogue}
    own = own_scripts(schema)  # what the catalogue has no statement for (MR)
    return [read_script(by_name[name], schema) if name in by_name else own[name]
            for name in names]


def catalogue_script(schema: str, name: str) -> Script:
    """One transaction type's script from the built-in catalogue (or synthgen's own)."""
    from synthgen.verify.catalogue import load_catalogue

    return build_scripts(load_catalogue(), schema, [name])[0]
