"""Generation (DESIGN §3–§6): seed + spec + band → a plan → table builders → Parquet.

``seeding`` and ``ids`` make every value a function of the seed; ``distributions`` and
``timeline`` hold the samplers; ``plan`` fixes the global structure (who is in which
conversation, how many messages each holds); ``tables/`` builds one table family per module;
``write`` turns Arrow batches into partition files; ``feasibility`` says before anything is
written what the band can and cannot achieve; ``driver`` maps the partitions over workers.
"""

from synthgen.generate.driver import generate_dataset as generate_dataset
from synthgen.generate.driver import resolve as resolve
