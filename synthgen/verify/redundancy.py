"""Is a new index redundant with one the schema already had?

B-tree indexes are read in either direction, so ``(a, b DESC)`` gives nothing that ``(a, b)``
does not (a backward scan), and an index whose keys are a leading prefix of an existing
index's keys serves no lookup the longer one cannot. Verdicts for a new index N against an
existing valid index E on the same table (both B-tree, same partial predicate):

- ``redundant``: N's key columns equal E's or lead them, in the same order, N is not
  UNIQUE, N's INCLUDE columns are all in E, and — the leading column being fixed by equality
  in every hot query — the directions of the remaining keys are all the same as E's (a
  forward scan) or all reversed (a backward scan): ``(a, b DESC)`` is redundant with
  ``(a, b)``. **Mixed directions are not**: ``(a, b DESC, c)`` next to ``(a, b, c)`` — with
  ``a`` fixed, the order ``(b DESC, c)`` is neither ``(b, c)`` forward nor ``(b DESC, c DESC)``
  backward. When the leading direction differs too, the explanation says that the verdict
  holds for equality on the leading column (an ORDER BY over several of its values differs);
- ``covering-variant``: same keys as E (directions as above) plus INCLUDE columns E lacks:
  it helps only through index-only scans, and keeping both wastes one of them;
- ``supersedes``: E's keys are a strict prefix of N's: E becomes redundant if N is kept;
- ``new``: none of the above.
"""

from __future__ import annotations

from typing import Any


def _compatible(n_keys: list[dict[str, Any]], e_keys: list[dict[str, Any]]) -> str | None:
    """'same', 'reversed' or 'mixed' when n_keys lead e_keys (same columns); else None.

    The directions compared are those *after the first key*: the hot queries fix the leading
    column by equality, and with it fixed only the rest of the order matters. ``(a, b DESC)``
    vs ``(a, b)`` is therefore 'reversed' (a backward scan), ``(a, b DESC, c)`` vs
    ``(a, b, c)`` 'mixed'.

    >>> k = lambda *cs: [{"column": c.split()[0], "desc": c.endswith("DESC")} for c in cs]
    >>> _compatible(k("a", "b DESC"), k("a", "b")), _compatible(k("a", "b DESC", "c"), k("a", "b", "c"))
    ('reversed', 'mixed')
    """
    if len(n_keys) > len(e_keys) or not n_keys:
        return None
    if any(a["column"] != b["column"] for a, b in zip(n_keys, e_keys, strict=False)):
        return None
    # a one-key index is an order on that key alone: compare its own direction
    tail = 1 if len(n_keys) > 1 else 0
    flips = {a["desc"] != b["desc"] for a, b in zip(n_keys[tail:], e_keys[tail:], strict=False)}
    if flips <= {False}:
        return "same"
    return "reversed" if flips == {True} else "mixed"


def _cols(idx: dict[str, Any]) -> str:
    keys = ", ".join(f'"{k["column"]}"' + (" DESC" if k["desc"] else "") for k in idx["keys"])
    included = ", ".join('"' + c + '"' for c in idx["include"])
    inc = f" INCLUDE ({included})" if included else ""
    return f"({keys}){inc}"


def judge(new: dict[str, Any], existing: list[dict[str, Any]]) -> dict[str, Any]:
    """The verdict for one new index against the indexes that were there before."""
    peers = [e for e in existing if e["table"] == new["table"] and e["valid"]
             and e["method"] == new["method"] == "btree" and e["predicate"] == new["predicate"]]
    out = {"index": new["name"], "table": new["table"], "columns": _cols(new),
           "size_bytes": new["size_bytes"], "verdict": "new", "existing": None, "why": ""}
    # best match first: same/reversed directions before mixed, equal length before prefix
    peers.sort(key=lambda e: (_compatible(new["keys"], e["keys"]) == "mixed",
                              len(e["keys"]) - len(new["keys"]), e["name"]))
    for e in peers:
        direction = _compatible(new["keys"], e["keys"])
        e_cols = {k["column"] for k in e["keys"]} | set(e["include"])
        scan = {"reversed": "a backward scan", "same": "a forward scan"}.get(direction or "", "")
        if direction in ("same", "reversed") and not new["unique"] and set(new["include"]) <= e_cols:
            same = len(new["keys"]) == len(e["keys"])
            if new["keys"][0]["desc"] != e["keys"][0]["desc"] and len(new["keys"]) > 1:
                scan += (f" once {new['keys'][0]['column']} is fixed by equality, as in the hot "
                         "queries (an ORDER BY spanning several of its values would differ)")
            return {**out, "verdict": "redundant", "existing": e["name"],
                    "why": (f"{e['name']} {_cols(e)} already provides this order by {scan}"
                            if same else f"its keys lead {e['name']} {_cols(e)}, which serves the "
                                         f"same lookups by {scan}")}
        extra = sorted(set(new["include"]) - e_cols)
        if direction in ("same", "reversed") and len(new["keys"]) == len(e["keys"]) and extra:
            out = {**out, "verdict": "covering-variant", "existing": e["name"],
                   "why": (f"same keys as {e['name']} {_cols(e)} plus INCLUDE ({', '.join(extra)}): "
                           "useful only for index-only scans; keeping both wastes one")}
        elif out["verdict"] == "new" and _compatible(e["keys"], new["keys"]) in (
                "same", "reversed") and len(e["keys"]) < len(new["keys"]):
            out = {**out, "verdict": "supersedes", "existing": e["name"],
                   "why": f"extends {e['name']} {_cols(e)}, which becomes redundant if this is kept"}
    return out


def new_indexes(pre: list[dict[str, Any]], post: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verdicts for the indexes present after but not before (by name)."""
    before = {i["name"] for i in pre}
    return [judge(i, pre) for i in post if i["name"] not in before]
