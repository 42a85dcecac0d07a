"""One module per table family; each builds a Frame of partition-level columns."""
