"""One module per table, each building a partition's ``Frame``; ``activity`` is the numeric
skeleton the conversation-side tables share, ``registry`` maps each table to its builder."""
