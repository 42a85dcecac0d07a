"""``synthgen run``: the stages in order, through the same library functions as the subcommands.

    spec check → generate → validate (gate 1) → load → baseline pre → apply indexes →
    baseline post → compare (gate 2) → finish (roll back / keep / tear down) → report

``stages.STAGES`` is the run as data: a tuple of stages, each a function of the run record
(``record.RunRecord``, one typed result per stage) with its reuse rule declared beside it;
``runner.run`` loops over them. A gate's NO-GO stops the run (gate 1 before anything is
loaded); the report is written either way. Outputs live in the dataset directory (names in
``synthgen.dataset``): the dataset, ``fidelity.json``, ``load.json``, ``baseline-pre.json``,
``baseline-post.json``, ``indexes-apply.json``, ``compare.json``, ``run-state.json`` and
``report.{json,md,html}``.

``resume`` skips every stage whose outputs are complete and were made with the same inputs
(``run-state.json`` records each stage's inputs; the load is complete only when the
database's own ledger says so); once a stage runs, every later stage runs too. The index
build is idempotent, so it is redone whenever the post baseline is.

After the verdict the schema keeps the data (reloading is the expensive part, and the next
index candidate needs the same data) and, by default, the new indexes are rolled back with
the file's ``.rollback.sql`` sibling: the schema is back at the app's phase-1 state, so the
next ``run --resume --indexes other.sql`` measures a true "before". ``keep`` leaves the
indexes for inspection with psql; ``teardown`` drops everything synthgen created.
"""

from synthgen.pipeline.options import Events as Events
from synthgen.pipeline.options import RunOptions as RunOptions
from synthgen.pipeline.options import RunResult as RunResult
from synthgen.pipeline.options import default_seed as default_seed
from synthgen.pipeline.record import RunRecord as RunRecord
from synthgen.pipeline.record import StageOutcome as StageOutcome
from synthgen.pipeline.runner import run as run
from synthgen.pipeline.stages import STAGE_NAMES as STAGE_NAMES
from synthgen.pipeline.stages import STAGES as STAGES
