"""synthgen: production-shaped synthetic data for a chat application's PostgreSQL database."""

from synthgen.errors import SynthgenError as SynthgenError

__version__ = "0.1.0"
