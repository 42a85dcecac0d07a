"""Gate 2: EXPLAIN baselines, index apply/rollback, and the GO / NO-GO comparison (DESIGN §9).

The run pipeline uses::

    pre = baseline(dsn, schema, "pre", runs=10)
    apply_indexes(dsn, schema, "indexes/phase-2.sql")
    post = baseline(dsn, schema, "post", runs=10, param_sets=pre["param_sets"])
    report = compare(pre, post, weights=spec.workload.shares(), candidate=[...])
    # report["decision"] is "GO" or "NO-GO", with "reasons", "rule" (the arithmetic)

Modules: ``catalogue`` (query files), ``params`` (parameter sets from the data),
``explain`` (pinned, warmed EXPLAIN ANALYZE runs), ``plan`` (EXPLAIN JSON → facts),
``writes`` (Q2 / Q5 measured in rolled-back transactions), ``baseline`` (the baseline
document and its schema), ``indexes`` (apply/rollback CONCURRENTLY), ``redundancy``,
``stats`` (rank intervals, weighted geometric means), ``compare`` (the rule and decision),
``hints``, ``render`` (text).
"""

from synthgen.verify.baseline import baseline as baseline
from synthgen.verify.baseline import load as load_baseline
from synthgen.verify.baseline import save as save_baseline
from synthgen.verify.compare import compare as compare
from synthgen.verify.indexes import apply_indexes as apply_indexes
from synthgen.verify.indexes import rollback_indexes as rollback_indexes
from synthgen.verify.render import render_text as render_text

__all__ = ["apply_indexes", "baseline", "compare", "load_baseline", "render_text",
           "rollback_indexes", "save_baseline"]
