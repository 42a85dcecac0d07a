"""Row-level integrity checks: any failure is NO-GO. Counts and a few offending ids, no values.

Per table, one aggregate query checks keys and enum values, and one checks every foreign key
and semantic rule (a single join to the shared ``msg`` table serves them all); offending ids
are fetched only when a check fails. The per-conversation ``conv_stats`` of ``prepare``
answers the ordering and last-message checks. File-level checks live in ``files``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synthgen.ddl import FOREIGN_KEYS, UNIQUE, ForeignKey
from synthgen.fidelity.check import MAX_EXAMPLES, Check, example_ids, integrity_check
from synthgen.fidelity.inputs import missing_tables
from synthgen.fidelity.pii import sql_str
from synthgen.generate.tables.messages import MESSAGE_TYPE_OF
from synthgen.schema import ENUMS, TABLE_NAMES, TABLES, Column

if TYPE_CHECKING:
    import duckdb
    import numpy as np


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


NUMPY_KEY_MAX_ROWS = 20_000_000
"""Up to this many rows, key hashes are sorted in memory (8 bytes a row per key, one key at a
time: 160 MB at most, beside DuckDB's own limit); beyond it DuckDB counts distinct hashes
(slower, but within its memory limit, spilling to disk)."""


def _repeats(h: np.ndarray) -> int:
    """Values of a hash column that repeat an earlier one (sorts it in place)."""
    import numpy as np

    h.sort()  # numpy releases the GIL: DuckDB runs the next statement meanwhile
    return int(np.count_nonzero(h[1:] == h[:-1]))


@contextmanager
def _distinct_shortfall(con: duckdb.DuckDBPyConnection, table: str,
                        keys: list[tuple[str, ...]], total: int
                        ) -> Iterator[Callable[[], list[int]]]:
    """Per key: rows minus distinct 64-bit hashes of the key (0 = certainly unique), from the
    callable the context yields; statements run inside the context overlap the last sort.

    DuckDB hashes a key on all cores; numpy's in-place sort of 64-bit integers (one core) is
    a fraction of the cost of a hash aggregate over strings, and it runs in a thread while
    DuckDB fetches the next key. At most two columns of hashes are alive (8 bytes a row
    each): the one sorting and the one just fetched.
    """
    exprs = [f"hash({', '.join(q(c) for c in k)})" for k in keys]
    if total > NUMPY_KEY_MAX_ROWS:
        row = con.execute(f"SELECT {', '.join(f'count(DISTINCT {e})' for e in exprs)} "
                          f"FROM {q(table)}").fetchone()
        assert row is not None
        counted = [total - int(v) for v in row]
        yield lambda: counted
        return
    import numpy as np

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: list[Future[int]] = []
        for e in exprs:
            h = np.asarray(con.execute(f"SELECT {e} AS k FROM {q(table)}").fetchnumpy()["k"])
            if pending:
                pending[-1].result()  # the previous column is sorted and freed
            pending.append(pool.submit(_repeats, h))
            del h
        yield lambda: [f.result() for f in pending]


def key_checks(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[Check], bool]:
    """Primary key, unique keys and enum values of one table, and whether its ids hash apart.

    Uniqueness is screened on 64-bit hashes of each key; only when the screen finds a
    repeated hash is the exact count taken on the key itself, so a hash collision can never
    fail a valid dataset (and a real duplicate always repeats its hash). The second value is
    True when no two ids share a hash: then a hash finds at most one parent row. The enum
    counts run while the last key's hashes sort.
    """
    keys: list[tuple[str, ...]] = [("id",), *(k for k in UNIQUE[table] if "id" not in k)]
    enums = [c for c in TABLES[table] if c.enum]

    def outside(c: Column) -> str:
        return f"{q(c.name)} NOT IN ({', '.join(repr(v) for v in ENUMS[c.enum or ''])})"

    counted = con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()  # file metadata
    assert counted is not None
    total = int(counted[0])
    bad_enums: list[int] = []
    with _distinct_shortfall(con, table, keys, total) as shortfall:
        if enums:
            counts = ", ".join(f"count(*) FILTER (WHERE {outside(c)})" for c in enums)
            row = con.execute(f"SELECT {counts} FROM {q(table)}").fetchone()
            assert row is not None
            bad_enums = [int(v) for v in row]
        shortfalls = shortfall()
    out = []
    for key, short in zip(keys, shortfalls, strict=True):
        dups, ex = 0, []
        if short:
            cols = ", ".join(q(c) for c in key)
            groups = f"SELECT min(id) AS id, count(*) AS k FROM {q(table)} GROUP BY {cols} " \
                     "HAVING count(*) > 1"
            exact = con.execute(f"SELECT sum(k - 1) FROM ({groups})").fetchone()
            dups = int(exact[0] or 0) if exact else 0
            ex = example_ids(con, f"SELECT id FROM ({groups}) ORDER BY id") if dups else []
        label = "pk" if key == ("id",) else "unique"
        out.append(integrity_check(f"{label}.{table}.{'_'.join(key)}", dups, ex, n=total,
                                   detail=f"rows duplicating ({', '.join(key)})"))
    for c, bad in zip(enums, bad_enums, strict=True):
        ex = example_ids(con, f"SELECT id FROM {q(table)} WHERE {outside(c)} ORDER BY id"
                       ) if bad else []
        out.append(integrity_check(f"enum.{table}.{c.name}", bad, ex, n=total,
                                   detail=f"values outside {c.enum}"))
    return out, shortfalls[0] == 0


HASHED_PARENTS = ("users", "conversations")
"""Tables whose ids must hash apart for membership and sender rules to compare hashes."""


@dataclass(slots=True)
class Refs:
    """How a rule names a row's user, its message's conversation and sender, and membership.

    By value (the ids themselves), or by 64-bit hash: membership is a join on (conversation,
    user); on hashes it is an integer join, half the CPU of the same join on id strings.
    Exact whenever users and conversations each hash apart (``run_integrity`` checks that
    first, else compares ids) and the foreign keys hold; when a foreign key fails, the
    dataset is NO-GO by that check, which always compares the ids themselves.
    """

    hashed: bool
    joined: bool = False
    """Membership as a LEFT JOIN to the distinct (conversation, user) pairs (``members_join``)
    instead of an EXISTS subquery: in a chunked pass DuckDB materialised the subquery's
    join and spilled (dev halves: 5.0 CPU-s each against 2.8-3.2 joined)."""
    columns: list[str] = field(default_factory=list)
    """Columns of the checked row whose hash a rule used (computed once in the scan)."""
    member_of: tuple[str, str] | None = None
    """The (conversation, user) expressions the joined membership is keyed on."""

    def col(self, column: str) -> str:
        """Column of the checked row (alias t), or its hash."""
        if not self.hashed:
            return f"t.{q(column)}"
        if column not in self.columns:
            self.columns.append(column)
        return f"t.{q('_h_' + column)}"

    def msg(self, part: str) -> str:
        """The row's message (alias m): its conversation ``c`` or sender ``s``."""
        return f"m.h{part}" if self.hashed else f"m.{part}id"

    def member(self, conv: str, user: str) -> str:
        """True when ``user`` is a member of ``conv`` (both NULL-safe: NULL is no member)."""
        c, u = ("hc", "hu") if self.hashed else ("cid", "uid")
        if not self.joined:
            return f"EXISTS (SELECT 1 FROM mem WHERE mem.{c} = {conv} AND mem.{u} = {user})"
        if self.member_of not in (None, (conv, user)):
            raise ValueError("one joined membership per pass")
        self.member_of = (conv, user)
        return f"mm.{c} IS NOT NULL"

    def members_join(self) -> str:
        """The LEFT JOIN a joined membership needs ('' when no rule used one)."""
        if self.member_of is None:
            return ""
        conv, user = self.member_of
        c, u = ("hc", "hu") if self.hashed else ("cid", "uid")
        return (f"LEFT JOIN (SELECT DISTINCT {c}, {u} FROM mem) mm "
                f"ON mm.{c} = {conv} AND mm.{u} = {user}")


Rule = Callable[[Refs], str]


MSG = "msg"
STATUS_RANK = ("CASE {0} WHEN 'SENT' THEN 0 WHEN 'DELIVERED' THEN 1 WHEN 'READ' THEN 2 "
               "ELSE 3 END")
"""A message status or receipt state as a rank (SENT < DELIVERED < READ; DELETED above all)."""
MSG_BY_VALUE = ('(SELECT id, "conversationId" AS cid, "senderId" AS sid, "createdAt" AS created, '
                f"type, {STATUS_RANK.format('status')} AS status_rank, part, "
                'file_row_number AS row_number, hash("conversationId") AS hc FROM messages)')
"""A row's message: the shared table, or (rules by value) the ids as stored (and ``hc``, as
``msg`` has it, for pass aggregates)."""

ATTACHMENT_COLUMNS = """NOT coalesce(CASE t.type
    WHEN 'IMAGE' THEN t."mimeType" LIKE 'image/%' AND t.width > 0 AND t.height > 0
                      AND t.duration IS NULL
    WHEN 'VIDEO' THEN t."mimeType" LIKE 'video/%' AND t.width > 0 AND t.height > 0
                      AND t.duration > 0
    WHEN 'AUDIO' THEN t."mimeType" LIKE 'audio/%' AND t.width IS NULL AND t.height IS NULL
                      AND t.duration > 0
    WHEN 'DOCUMENT' THEN (t."mimeType" LIKE 'application/%' OR t."mimeType" LIKE 'text/%')
                         AND t.width IS NULL AND t.height IS NULL AND t.duration IS NULL
    ELSE TRUE END, FALSE)"""
"""An attachment's columns fit its kind (DESIGN section 3: width and height for images and
videos, a duration for audio and video, the MIME type consistent with the type). A type
outside the enum is the enum check's."""

SEMANTIC: dict[str, dict[str, tuple[Rule, str]]] = {
    "messages": {
        "sender_is_member": (
            lambda r: f"NOT {r.member(r.col('conversationId'), r.col('senderId'))}",
            "messages whose sender is not a member of the conversation"),
        "status_matches_deletion": (
            lambda r: ('(t.status = \'DELETED\') <> (t."deletedAt" IS NOT NULL) '
                       'OR t."isDeleted" IS DISTINCT FROM (t."deletedAt" IS NOT NULL)'),
            "messages whose status DELETED, isDeleted and deletedAt disagree"),
        "edit_matches_time": (
            lambda r: ('t."isEdited" IS DISTINCT FROM (t."editedAt" IS NOT NULL) '
                       'OR t."editedAt" < t."createdAt"'),
            "messages whose isEdited and editedAt disagree, or edited before they were sent")},
    "message_reads": {
        "reader_is_member": (lambda r: f"NOT {r.member(r.msg('c'), r.col('userId'))}",
                             "reads by a user who is not a member"),
        "reader_not_sender": (lambda r: f"{r.col('userId')} = {r.msg('s')}",
                              "reads by the message's sender"),
        "read_after_message": (lambda r: 't."readAt" < m.created', "readAt before the message")},
    "message_receipts": {
        "recipient_is_member": (lambda r: f"NOT {r.member(r.msg('c'), r.col('userId'))}",
                                "receipts for a user who is not a member"),
        "recipient_not_sender": (lambda r: f"{r.col('userId')} = {r.msg('s')}",
                                 "receipts for the sender"),
        "receipt_after_message": (lambda r: 't."timestamp" < m.created',
                                  "receipt timestamp before the message"),
        "status_reflects_receipts": (
            lambda r: f"m.status_rank < {STATUS_RANK.format('t.state')}",
            "receipts in a state above their message's status (a message not deleted shows "
            "its receipts' highest state)")},
    "attachments": {
        "attachment_on_media_message": (lambda r: "m.type = 'TEXT'",
                                        "attachments on TEXT messages"),
        "columns_match_type": (lambda r: ATTACHMENT_COLUMNS,
                               "attachments whose MIME type, dimensions or duration do not "
                               "fit their type (image/video: width and height; audio/video: "
                               "duration; the MIME type's major type is the kind's)")},
}
"""Rules beyond keys: name -> (violation predicate over alias t, and m = the row's message from
the shared ``msg`` table, written through ``Refs``; detail). Rules over m only count rows whose
message exists: an orphan fails its foreign key instead."""

BACKED: dict[str, dict[str, tuple[str, str, str]]] = {
    "message_receipts": {
        "status_reached_by_a_receipt": (
            "m.status_rank IN (1, 2)",
            f"{STATUS_RANK.format('t.state')} >= m.status_rank",
            "messages DELIVERED or READ with no receipt in that state (a message not deleted "
            "shows its receipts' highest state)")},
    "attachments": {
        "media_message_has_its_attachment": (
            f"m.type IN ({', '.join(sorted(sql_str(t) for t in set(MESSAGE_TYPE_OF.values())))})",
            "CASE t.type " + " ".join(f"WHEN {sql_str(a)} THEN {sql_str(m)}"
                                      for a, m in MESSAGE_TYPE_OF.items()) + " END = m.type",
            "media messages (IMAGE, VIDEO, FILE, AUDIO) with no attachment of their type (a "
            "media message's type is that of its first attachment)")},
}
"""Rules over messages that a table's rows must back: name -> (the messages it covers, over
m; what one row t must show of its message m; detail). A violation is a covered message no
row backs; no row-level rule can see one. The receipts' rule is ``status_reflects_receipts``
seen from the message's side (a READ message whose recipient never read it is as wrong as a
receipt above its message); the attachments' is ``attachment_on_media_message`` seen from
the message's side (an IMAGE message without an image).

The joined pass answers it at the cost of a bitmap: each chunk marks the messages its rows
back (``bitstring_agg`` over the message's stored position, one bit a message), so a message
backed by several rows counts once; backed messages are the set bits, summed over chunks.
A count(DISTINCT message) in the pass cost dev +1.9 CPU-s, an anti-join 3.3; the bitmap
+0.2-0.7. When a row lies away from its message's chunk (``_joined_pass``), the chunks'
bitmaps are incomplete, and the rule is counted by an anti-join over all messages."""


def relation_checks(con: duckdb.DuckDBPyConnection, table: str,
                    extra: dict[str, str] | None = None, *, hashed: bool = False
                    ) -> tuple[list[Check], dict[str, int]]:
    """Every foreign key of a table resolves, plus its semantic rules, in one pass.

    A table with a ``messageId`` is LEFT JOINed to ``msg`` once: a missing ``m.id`` is an
    orphan, and the rules about the message read its other columns from the same join.
    Foreign keys always compare the ids themselves; ``hashed`` lets membership and sender
    rules compare hashes (see ``Refs``). ``extra`` aggregates (name -> SQL over t and m)
    ride along; their values are returned.
    """
    preds: dict[str, tuple[str, str]] = {}
    sparse: list[Check] = []
    join = ""
    parents: list[str] = []
    to_parents: dict[str, tuple[str, str]] = {}
    joins_messages = any(fk.table == table and fk.column == "messageId" for fk in FOREIGN_KEYS)
    chunks: list[Chunk] = message_chunks(con) if joins_messages else [(None, None)]
    refs = Refs(hashed, joined=len(chunks) > 1)
    for i, fk in enumerate(FOREIGN_KEYS):
        if fk.table != table:
            continue
        col = f"t.{q(fk.column)}"
        if fk.ref_table == "messages" and fk.column != "messageId":
            sparse.append(_sparse_reference(con, fk))
            continue
        if fk.column == "messageId":
            join = f'LEFT JOIN {MSG if hashed else MSG_BY_VALUE} m ON m.id = t."messageId"'
            pred = f"{col} IS NOT NULL AND m.id IS NULL"
        else:
            p = f"p{i}"  # distinct ids: one row at most per key, whatever the parent holds
            parents.append(f"LEFT JOIN (SELECT DISTINCT id FROM {q(fk.ref_table)}) {p} "
                           f"ON {p}.id = {col}")
            pred = f"{col} IS NOT NULL AND {p}.id IS NULL"
            to_parents[f"fk.{table}.{fk.column}"] = (pred, f"{fk.column} values with no "
                                                           f"{fk.ref_table} row")
            continue
        preds[f"fk.{table}.{fk.column}"] = (pred, f"{fk.column} values with no {fk.ref_table} row")
    for name, (rule, detail) in SEMANTIC.get(table, {}).items():
        pred = rule(refs)
        preds[f"{table}.{name}"] = (f"m.id IS NOT NULL AND {pred}" if join else pred, detail)
    extra = extra or {}
    if not join:  # one pass: the parents' joins are small
        preds = to_parents | preds
    if not preds and not extra:
        return sparse, {}
    source = q(table)
    if refs.columns:
        hashes = ", ".join(f"hash({q(c)}) AS {q('_h_' + c)}" for c in refs.columns)
        source = f"(SELECT *, {hashes} FROM {q(table)})"
    if join:
        out, values = _joined_pass(con, source, MSG if hashed else MSG_BY_VALUE, preds, extra,
                                   chunks, refs.members_join(),
                                   {f"{table}.{n}": r for n, r in BACKED.get(table, {}).items()})
    else:
        out, values = _pass(con, " ".join([f"{source} t", *parents]), preds, extra)
    if join and to_parents:
        # Beside the join to msg (out of memory, spilling), a further join keyed on id
        # strings ran DuckDB out of its 700MB on staging (82M reads against 100M messages,
        # whether NOT EXISTS, a LEFT JOIN or keyed on hashes); alone it is a small join.
        out = _pass(con, " ".join([f"{q(table)} t", *parents]), to_parents, {})[0] + out
    return sparse + out, values


def _pass(con: duckdb.DuckDBPyConnection, from_: str, preds: dict[str, tuple[str, str]],
          extra: dict[str, str]) -> tuple[list[Check], dict[str, int]]:
    """One scan counting each predicate's violations (with examples) and the extra aggregates."""
    aggs = [f"count(*) FILTER (WHERE {p})" for p, _ in preds.values()] + list(extra.values())
    row = con.execute(f"SELECT {', '.join(aggs)} FROM {from_}").fetchone()
    assert row is not None
    out = []
    for (name, (pred, detail)), bad in zip(preds.items(), row, strict=False):
        ex = example_ids(con, f"SELECT t.id FROM {from_} WHERE {pred} ORDER BY t.id") if bad else []
        out.append(integrity_check(name, int(bad), ex, detail=detail))
    values = dict(zip(extra, (int(v or 0) for v in row[len(preds):]), strict=True))
    return out, values


CHUNK_MESSAGES = 1_000_000
"""Messages per chunk of the joins to ``msg``. A child row (read, receipt, attachment, reply)
is written in its message's conversation partition, so each chunk of consecutive partitions
is joined to that chunk's messages only: the hash table DuckDB builds stays one chunk's
messages whatever the band (staging's receipts pass, 277M receipts against all 100M messages
at once, ran out of 700MB), and small enough to probe fast: on dev (5M messages, references
dictionary-encoded) chunks of 1M cost the receipts pass 3.4-3.6 CPU-s against 4.2-4.3 for
one join, the reads pass 1.8 against 2.3 (0.25M and 0.5M chunks: no better)."""

Chunk = tuple[int | None, int | None]
"""A range of partitions, both ends included; None = unbounded."""


def message_chunks(con: duckdb.DuckDBPyConnection) -> list[Chunk]:
    """Consecutive partition ranges holding at most CHUNK_MESSAGES messages each (a bigger
    partition is a chunk alone); together they cover every partition number, so any child
    row falls in exactly one chunk, wherever it was written."""
    rows = con.execute("SELECT part, count(*) FROM msg GROUP BY part ORDER BY part").fetchall()
    if sum(int(n) for _, n in rows) <= CHUNK_MESSAGES or any(p is None for p, _ in rows):
        return [(None, None)]
    starts: list[int] = []
    held = 0
    for part, n in rows:
        if not starts or held + int(n) > CHUNK_MESSAGES:
            starts.append(int(part))
            held = 0
        held += int(n)
    return [(None if i == 0 else lo, starts[i + 1] - 1 if i + 1 < len(starts) else None)
            for i, lo in enumerate(starts)]


def _in_chunk(chunk: Chunk) -> str:
    lo, hi = chunk
    terms = ([] if lo is None else [f"part >= {int(lo)}"]) + \
            ([] if hi is None else [f"part <= {int(hi)}"])
    return " AND ".join(terms) or "true"


UNRESOLVED = 't."messageId" IS NOT NULL AND m.id IS NULL'
"""A row whose message is not among the messages it was joined to."""


def _gather_cross_rows(con: duckdb.DuckDBPyConnection, selects: list[str]) -> None:
    """Temp table ``cross_rows``: the (part, file_row_number) each SELECT yields, i.e. the rows
    their chunk did not resolve, to be looked up among all messages."""
    con.execute("CREATE OR REPLACE TEMP TABLE cross_rows (part INTEGER, file_row_number BIGINT)")
    for sql in selects:
        con.execute(f"INSERT INTO cross_rows {sql}")


def _is_cross_row(alias: str) -> str:
    """SQL: the row ``alias`` (a table read with its part and file_row_number) is in cross_rows."""
    return (f"EXISTS (SELECT 1 FROM cross_rows x WHERE x.part = {alias}.part "
            f"AND x.file_row_number = {alias}.file_row_number)")


def _joined_pass(con: duckdb.DuckDBPyConnection, source: str, msg: str,
                 preds: dict[str, tuple[str, str]], extra: dict[str, str],
                 chunks: list[Chunk], members: str = "",
                 backed: dict[str, tuple[str, str, str]] | None = None
                 ) -> tuple[list[Check], dict[str, int]]:
    """``_pass`` over ``source t LEFT JOIN msg m ON m.id = t.messageId``, chunk by chunk.

    Each chunk's rows are joined to the chunk's messages. A row whose message lies in another
    chunk (none, in a dataset synthgen wrote) looks like an orphan there; such rows are then
    joined to all messages, and each aggregate is corrected by what they add when joined to
    all messages minus what they added as orphans. The aggregates must therefore be sums of
    per-row terms (counts): ``preds`` are, and ``extra`` must be (checked).

    One chunk (a band of at most CHUNK_MESSAGES messages) is the plain join: wrapping both
    sides in ``SELECT * … WHERE true`` made DuckDB materialise the join for the membership
    subquery (receipts 5.6 → 12.5 CPU-s). Several chunks filter both sides, so their
    membership rule is the ``members`` join (``Refs.joined``), which does not get
    materialised. Joining on the 64-bit hash of the id (with a count of pairs whose ids
    differ, for exactness) was measured and dropped: 7.6 CPU-s against 5.4 on the id strings.

    ``backed`` rules (``BACKED``, keyed by check name) ride along as one bitmap each.
    """
    for name, sql in extra.items():
        if not sql.lstrip().lower().startswith(("count(", "sum(")):
            raise ValueError(f"pass aggregate {name!r} is not a count or sum: {sql}")
    aggs = [f"count(*) FILTER (WHERE {p})" for p, _ in preds.values()] + list(extra.values())
    whole = len(chunks) == 1

    def joined(rows: str, messages: str) -> str:
        return f"{rows} t LEFT JOIN {messages} m ON m.id = t.\"messageId\" {members}".rstrip()

    backed = backed or {}
    layout = _Layout.of(con, msg, [cover for cover, _, _ in backed.values()]) if backed else None
    marked: list[list[int]] = []  # per chunk: messages each backed rule's rows back

    def run(from_: str, chunk: Chunk | None = None) -> list[int]:
        bits = [] if chunk is None or layout is None else [
            layout.marked(chunk, f"m.id IS NOT NULL AND {cover} AND {shows}")
            for cover, shows, _ in backed.values()]
        row = con.execute(f"SELECT {', '.join([*aggs, *bits])}, "
                          f"count(*) FILTER (WHERE {UNRESOLVED}) FROM {from_}").fetchone()
        assert row is not None
        values = [int(v or 0) for v in row]
        if bits:
            marked.append(values[len(aggs):-1])
        return values[:len(aggs)] + values[-1:]

    froms = ([joined(source, msg)] if whole else
             [joined(f"(SELECT * FROM {source} WHERE {_in_chunk(c)})",
                     f"(SELECT * FROM {msg} WHERE {_in_chunk(c)})") for c in chunks])
    counts = [run(f, c) for f, c in zip(froms, chunks, strict=True)]
    totals = [sum(col) for col in zip(*counts, strict=True)][:-1]
    cross = [] if whole else [f for f, c in zip(froms, counts, strict=True) if c[-1]]
    # sources of examples: (FROM clause, rows it must exclude, counts per aggregate)
    sources: list[tuple[str, str, list[int]]] = [
        (f, "true" if whole else f"NOT ({UNRESOLVED})", c)
        for f, c in zip(froms, counts, strict=True)]
    if cross:
        _gather_cross_rows(con, [f"SELECT t.part, t.file_row_number FROM {f} WHERE {UNRESOLVED}"
                                 for f in cross])
        rows = f"(SELECT * FROM {source} s WHERE {_is_cross_row('s')})"
        as_orphans = run(joined(rows, f"(SELECT * FROM {msg} WHERE false)"))
        everywhere = joined(rows, msg)
        resolved = run(everywhere)
        totals = [t - a + b for t, a, b in zip(totals, as_orphans, resolved, strict=False)]
        sources.append((everywhere, "true", resolved))
    out = []
    for i, (name, (pred, detail)) in enumerate(preds.items()):
        bad = totals[i]
        ex: list[str] = []
        if bad:
            for from_, keep, c in sources:
                if c[i]:
                    ex += example_ids(con, f"SELECT t.id FROM {from_} WHERE ({pred}) AND {keep} "
                                         "ORDER BY t.id")
            ex = sorted(ex)[:MAX_EXAMPLES]
        out.append(integrity_check(name, bad, ex, detail=detail))
    for k, (name, (cover, shows, detail)) in enumerate(backed.items()):
        unbacked = (f"FROM {msg} m WHERE {cover} AND NOT EXISTS (SELECT 1 FROM {source} t "
                    f"WHERE t.\"messageId\" = m.id AND {shows})")
        if layout is not None and not cross:
            bad = layout.covered[k] - sum(row[k] for row in marked)
        else:  # rows away from their message's chunk: the bitmaps miss what those back
            row = con.execute(f"SELECT count(*) {unbacked}").fetchone()
            bad = int(row[0]) if row else 0
        ex = example_ids(con, f"SELECT m.id {unbacked} ORDER BY m.id") if bad else []
        out.append(integrity_check(name, bad, ex, detail=detail))
    values = dict(zip(extra, totals[len(preds):], strict=True))
    return out, values


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the messages are stored, as bitmap positions: partition x stride + row number."""

    first: int
    last: int
    """Lowest and highest partition number."""
    stride: int
    """Positions per partition: its largest row number + 1."""
    covered: list[int]
    """Messages each backed rule covers."""

    MAX_SPARSENESS = 4
    """Positions per message beyond which a bitmap is not worth its memory (partition
    numbers far apart): the rules are then counted by anti-join."""

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, msg: str, covers: list[str]
           ) -> _Layout | None:
        """The layout of ``msg`` and the messages each cover predicate selects; None when
        messages have no partition number or their positions are too sparse."""
        cols = ", ".join(f"count(*) FILTER (WHERE {c})" for c in covers)
        row = con.execute(f"SELECT min(part), max(part), max(row_number) + 1, count(*), {cols} "
                          f"FROM {msg} m").fetchone()
        if row is None or row[0] is None or row[2] is None:
            return None
        first, last, stride, n = (int(v) for v in row[:4])
        if (last - first + 1) * stride > cls.MAX_SPARSENESS * n + (1 << 20):
            return None
        return cls(first, last, stride, [int(v) for v in row[4:]])

    def marked(self, chunk: Chunk, pred: str) -> str:
        """SQL aggregate: the chunk's messages (alias m) that some row satisfying ``pred``
        joins, each once."""
        lo, hi = chunk
        low = (self.first if lo is None else lo) * self.stride
        high = ((self.last if hi is None else hi) + 1) * self.stride - 1
        return (f"coalesce(bit_count(bitstring_agg(m.part::BIGINT * {self.stride} "
                f"+ m.row_number, {low}, {high}) FILTER (WHERE {pred})), 0)")


def _sparse_reference(con: duckdb.DuckDBPyConnection, fk: ForeignKey) -> Check:
    """A nullable reference to another message (replyToId: 5% of dev's messages set it)
    checked on the rows that set it: inside the table's main pass the anti-join was built on
    every row (dev: 1.0 CPU-s and the gate's peak memory, +480 MB; alone 0.3 s and nothing).
    Chunk by chunk like the joined passes (a reply is in its conversation's partition); the
    rows a chunk does not resolve are looked up among all messages."""
    col = q(fk.column)
    chunks = message_chunks(con)

    def rows(where: str) -> str:
        return (f"(SELECT id, {col}, part, file_row_number FROM {q(fk.table)} r "
                f"WHERE {col} IS NOT NULL AND {where}) t")

    def missing(messages: str) -> str:
        return f"NOT EXISTS (SELECT 1 FROM {messages} p WHERE p.id = t.{col})"

    froms = ([(rows("true"), missing("msg"))] if len(chunks) == 1 else
             [(rows(_in_chunk(c)), missing(f"(SELECT id FROM msg WHERE {_in_chunk(c)})"))
              for c in chunks])
    def count(from_: str, pred: str) -> int:
        row = con.execute(f"SELECT count(*) FROM {from_} WHERE {pred}").fetchone()
        return int(row[0]) if row else 0

    counts = [count(f, p) for f, p in froms]
    bad = sum(counts)
    from_, pred = froms[0]
    if len(chunks) > 1 and bad:  # what the chunks left unresolved, among all messages
        _gather_cross_rows(con, [f"SELECT t.part, t.file_row_number FROM {f} WHERE {p}"
                                 for (f, p), n in zip(froms, counts, strict=True) if n])
        from_, pred = rows(_is_cross_row("r")), missing("msg")
        bad = count(from_, pred)
    ex = example_ids(con, f"SELECT t.id FROM {from_} WHERE {pred} ORDER BY t.id") if bad else []
    return integrity_check(f"fk.{fk.table}.{fk.column}", bad, ex,
                           detail=f"{fk.column} values with no {fk.ref_table} row")


def conversation_checks(con: duckdb.DuckDBPyConnection) -> list[Check]:
    """Strictly increasing createdAt per conversation; last message fields match."""
    row = con.execute("SELECT sum(order_violations) FROM conv_stats").fetchone()
    assert row is not None
    order_bad = int(row[0] or 0)
    order_ex = example_ids(con, """
        SELECT id FROM (
            SELECT id, "createdAt" <= lag("createdAt") OVER (
                PARTITION BY "conversationId" ORDER BY part, file_row_number) AS bad
            FROM messages) WHERE bad ORDER BY id""") if order_bad else []
    last_pred = """
        CASE WHEN s.n IS NULL
             THEN c."lastMessageAt" IS NOT NULL OR c."lastMessageId" IS NOT NULL
                  OR c."updatedAt" <> c."createdAt"
             ELSE c."lastMessageAt" IS DISTINCT FROM s.last_at
                  OR c."lastMessageId" IS DISTINCT FROM s.last_id
                  OR c."updatedAt" <> s.last_at END"""
    base = "FROM conversations c LEFT JOIN conv_stats s ON s.cid = c.id"
    row = con.execute(f"SELECT count(*) FILTER (WHERE {last_pred}) {base}").fetchone()
    assert row is not None
    last_bad = int(row[0])
    last_ex = example_ids(con, f"SELECT c.id {base} WHERE {last_pred} ORDER BY c.id") \
        if last_bad else []
    return [
        integrity_check("messages.created_at_strictly_increasing", order_bad, order_ex,
                        detail="messages whose createdAt is not after the previous message of "
                               "their conversation (ms precision, stored order)"),
        integrity_check("conversations.last_message_matches", last_bad, last_ex,
                        detail="conversations whose lastMessageAt/lastMessageId/updatedAt do "
                               "not match their last message (no messages: nulls, updatedAt = "
                               "createdAt)")]


READ_PAIRS: dict[str, dict[str, str]] = {
    "message_reads": {
        "read_pairs": "count(*)",
        "read_pairs_hash": 'sum(hash(t."messageId", t."userId")::HUGEINT)'},
    "message_receipts": {
        "read_pairs": "count(*) FILTER (WHERE t.state = 'READ')",
        "read_pairs_hash": ("sum(hash(t.\"messageId\", t.\"userId\")::HUGEINT) "
                            "FILTER (WHERE t.state = 'READ')")},
}
"""A read and a READ receipt are one event seen by two tables: the (message, user) pairs of
the reads and of the READ receipts are the same set. Each table's pass counts its pairs and
sums their 64-bit hashes (exact HUGEINT sums, in any order): equal counts and sums mean equal
sets but for a 2^-64 chance, at the cost of one hash a row; only when they differ are the
pairs matched one by one, for the exact count and examples."""

READS_MATCH_RECEIPTS = "message_reads.match_read_receipts"


def reads_match_receipts(con: duckdb.DuckDBPyConnection, reads: dict[str, int],
                         receipts: dict[str, int]) -> Check:
    """Reads without a READ receipt for the same (message, user), and READ receipts without a
    read, from the READ_PAIRS aggregates of the two passes."""
    detail = "reads and READ receipts that do not pair up by (message, user)"
    keys = ("read_pairs", "read_pairs_hash")
    if all(reads[k] == receipts[k] for k in keys):
        return integrity_check(READS_MATCH_RECEIPTS, 0, [], detail=detail)
    unpaired = {
        "message_reads": """FROM message_reads t WHERE NOT EXISTS (SELECT 1 FROM message_receipts r
                            WHERE r.state = 'READ' AND r."messageId" = t."messageId"
                            AND r."userId" = t."userId")""",
        "message_receipts": """FROM message_receipts t WHERE t.state = 'READ' AND NOT EXISTS (
                               SELECT 1 FROM message_reads r WHERE r."messageId" = t."messageId"
                               AND r."userId" = t."userId")"""}
    bad = 0
    examples: list[str] = []
    for table, from_ in unpaired.items():
        row = con.execute(f"SELECT count(*) {from_}").fetchone()
        n = int(row[0]) if row else 0
        bad += n
        if n:
            examples += [f"{table}:{x}" for x in example_ids(con, f"SELECT t.id {from_} ORDER BY t.id")]
    # Every pair matched, yet the sets differ: a pair repeats in one table (its unique key
    # fails too); still not the same events.
    bad = bad or max(1, abs(reads["read_pairs"] - receipts["read_pairs"]))
    return integrity_check(READS_MATCH_RECEIPTS, bad, examples[:MAX_EXAMPLES], detail=detail)


def run_integrity(con: duckdb.DuckDBPyConnection, prepared: bool,
                  extra: dict[str, dict[str, str]] | None = None
                  ) -> tuple[list[Check], dict[str, dict[str, int]]]:
    """Every row-level integrity check over the tables DuckDB can see (file-level checks are
    ``synthgen.fidelity.files``; a table they reject has no view here). ``extra`` adds
    aggregates to a table's relation pass (see ``relation_checks``); returns the checks and
    those values by table.

    ``prepared`` says the shared tables of ``synthgen.fidelity.prepare`` exist (they need
    conversations, conversation_users and messages).
    """
    out: list[Check] = []
    values: dict[str, dict[str, int]] = {}
    absent = missing_tables(con)
    apart: dict[str, bool] = {}
    for table in TABLE_NAMES:
        if table not in absent:
            checks, apart[table] = key_checks(con, table)
            out += checks
    hashed = prepared and all(apart.get(t, False) for t in HASHED_PARENTS)
    for table in TABLE_NAMES:
        needs = {table, *(fk.ref_table for fk in FOREIGN_KEYS if fk.table == table)}
        # From messages on, the passes join the shared msg / mem tables.
        uses_shared = TABLE_NAMES.index(table) >= TABLE_NAMES.index("messages")
        if needs & set(absent) or (uses_shared and not prepared):
            continue  # a file check already failed for the missing table
        checks, values[table] = relation_checks(
            con, table, (extra or {}).get(table, {}) | READ_PAIRS.get(table, {}), hashed=hashed)
        out += checks
    if prepared:
        out += conversation_checks(con)
    if all(t in values for t in READ_PAIRS):
        out.append(reads_match_receipts(con, *(values[t] for t in READ_PAIRS)))
    return out, values
