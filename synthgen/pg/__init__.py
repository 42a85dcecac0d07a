"""Everything that talks to PostgreSQL: the embedded server, connections, SQL safety, guards.

``server`` starts and stops the embedded PostgreSQL synthgen uses when no DSN is given;
``connect`` opens connections and runs statements; ``sql`` quotes identifiers and redacts
DSNs; ``guards`` refuses production and unmarked targets before any write.
"""
