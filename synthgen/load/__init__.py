"""Load a dataset into PostgreSQL over ADBC bulk ingest (DESIGN §8).

``load_dataset`` is the library entry point the ``run`` pipeline uses. The server, the
connection and the safety guards it relies on live in ``synthgen.pg``.
"""

from synthgen.load.loader import load_dataset as load_dataset
