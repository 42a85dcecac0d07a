"""Generation (DESIGN §3–§6): seed + spec + band → a plan → table builders → Parquet.

- ``seeding``: seed string → one independent random stream per (purpose, partition).
- ``ids``: cuid- and uuid-shaped ids, a pure function of (seed, table, row index).
- ``distributions``: the samplers (heavy-tailed counts, log-normals, group sizes, gaps).
- ``timeline``: calendar intensity and the time warp (diurnal, weekly, seasonal rhythm).
- ``text``: the synthetic vocabulary and vectorised text slicing.
- ``plan``: resolve band + spec and fix the global structure (who is in which conversation,
  how many messages each holds, which partition it falls in).
- ``feasibility``: what the plan achieves against each target, and how big the data will be.
- ``check``: ``spec_check()``, the one library call behind ``spec check``, ``run`` and
  ``generate``.
- ``tables/``: one module per table (``users``, ``conversations``, ``conversation_users``,
  ``messages``, ``message_reads``, ``message_receipts``, ``attachments``), built from a
  partition's ``activity`` (times, senders, recipients, reads) into a ``frame``;
  ``registry`` says which builder makes which table.
- ``write``: Arrow batches → partition Parquet files with fixed row groups.
- ``output``: where a dataset goes: a local path or a filesystem URL (s3://, gs://, ...).
- ``resume``: the per-partition records an interrupted run leaves, and what ``--resume`` keeps.
- ``driver``: ``generate_dataset()`` maps the partitions over worker processes (or Dask).
- ``--cluster`` maps the partitions onto Dask through ``synthgen.cluster`` (shared with load).
"""

from synthgen.generate.check import SpecCheck as SpecCheck
from synthgen.generate.check import spec_check as spec_check
from synthgen.generate.driver import generate_dataset as generate_dataset
from synthgen.generate.plan import resolve as resolve
