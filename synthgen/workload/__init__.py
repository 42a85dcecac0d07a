"""The app's workload replayed with many clients through pgbench, at production skew.

``mix`` turns the spec's ``workload`` weights into pgbench weights; ``draw`` builds the
skewed parameter tables from the loaded data; ``scripts`` writes one pgbench script per
transaction type; ``driver`` finds and runs pgbench; ``pglog`` parses its per-transaction
logs into percentiles (and merges several drivers' logs); ``serverstats`` snapshots the
server's counters; ``cleanup`` removes what the writes added; ``skew`` checks the heavy rooms got their share
of the inserts; ``runner`` runs it all;
``render`` prints the table per client level.
"""

from synthgen.workload.cleanup import clean_schema as clean_schema
from synthgen.workload.mix import Mix as Mix
from synthgen.workload.mix import make_mix as make_mix
from synthgen.workload.mix import parse_override as parse_override
from synthgen.workload.mix import spec_weights as spec_weights
from synthgen.workload.runner import WorkloadOptions as WorkloadOptions
from synthgen.workload.runner import run_workload as run_workload
