"""Is a new index redundant with one the schema already had?

B-tree indexes are read in either direction, so ``(a, b DESC)`` gives nothing that ``(a, b)``
does not (a backward scan), and an index whose keys are a leading prefix of an existing
index's keys serves no lookup the longer one cannot. Verdicts for a new index N against an
existing valid index E on the same table (both B-tree, same partial predicate):

- ``redundant``: N's key columns equal E's or lead them, in the same order, N is not
  UNIQUE, and N's INCLUDE columns are all in E. Directions: all the same, or all reversed
  (a backward scan), or mixed; a mixed difference such as ``(a, b DESC)`` vs ``(a, b)`` only
  matters to an ORDER BY spanning several values of ``a`` with mixed directions, and the hot
  queries fix the leading column by equality, so it is reported as redundant *with that
  caveat spelled out*;
- ``covering-variant``: same keys as E (directions as above) plus INCLUDE columns E lacks:
  it helps only through index-only scans, and keeping both wastes one of them;
- ``supersedes``: E's keys are a strict prefix of N's: E becomes redundant if N is kept;
- ``new``: none of the above.
"""

from __future__ import annotations

from typing import Any


def _compatible(n_keys: list[dict[str, Any]], e_keys: list[dict[str, Any]]) -> str | None:
    """'same', 'reversed' or 'mixed' (directions) when n_keys lead e_keys; else None."""
    if len(n_keys) > len(e_keys) or not n_keys:
        return None
    if any(a["column"] != b["column"] for a, b in zip(n_keys, e_keys, strict=False)):
        return None
    flips = {a["desc"] != b["desc"] for a, b in zip(n_keys, e_keys, strict=False)}
    if flips == {False}:
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
        scan = {"reversed": "a backward scan", "same": "a forward scan",
                "mixed": "a forward or backward scan once the leading column is fixed by "
                         "equality, as in the hot queries (the directions differ only where an "
                         "ORDER BY spans several leading-column values)"}.get(direction or "", "")
        if direction and not new["unique"] and set(new["include"]) <= e_cols:
            same = len(new["keys"]) == len(e["keys"])
            return {**out, "verdict": "redundant", "existing": e["name"],
                    "why": (f"{e['name']} {_cols(e)} already provides this order by {scan}"
                            if same else f"its keys lead {e['name']} {_cols(e)}, which serves the "
                                         f"same lookups by {scan}")}
        extra = sorted(set(new["include"]) - e_cols)
        if direction and len(new["keys"]) == len(e["keys"]) and extra:
            out = {**out, "verdict": "covering-variant", "existing": e["name"],
                   "why": (f"same keys as {e['name']} {_cols(e)} plus INCLUDE ({', '.join(extra)}): "
                           "useful only for index-only scans; keeping both wastes one")}
        elif out["verdict"] == "new" and _compatible(e["keys"], new["keys"]) and \
                len(e["keys"]) < len(new["keys"]):
            out = {**out, "verdict": "supersedes", "existing": e["name"],
                   "why": f"extends {e['name']} {_cols(e)}, which becomes redundant if this is kept"}
    return out


def new_indexes(pre: list[dict[str, Any]], post: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verdicts for the indexes present after but not before (by name)."""
    before = {i["name"] for i in pre}
    return [judge(i, pre) for i in post if i["name"] not in before]
