"""Everything that talks to PostgreSQL: the embedded server, connections, SQL safety, guards.

``server`` starts and stops the embedded PostgreSQL synthgen uses when no DSN is given;
``target`` resolves the DSN (no DSN means that server) and asks the server who it is;
``connect`` opens sessions (transactional, autocommit or read-only), runs statements and
turns driver errors into one scrubbed line; ``sql`` quotes identifiers, redacts DSNs and
scrubs passwords from text; ``marker`` owns the ``_synthgen`` bookkeeping schema and its
marker; ``guards`` refuses production and unmarked targets before any write.
"""
