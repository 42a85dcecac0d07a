"""Load a dataset into PostgreSQL over ADBC bulk ingest (DESIGN §8).

``load_dataset`` is the library entry point the ``run`` pipeline uses; ``embedded`` manages
the PostgreSQL server synthgen starts when no DSN is given.
"""

from synthgen.load.embedded import ensure_server as ensure_server
from synthgen.load.loader import load_dataset as load_dataset
