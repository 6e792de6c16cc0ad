"""Schema revisions, oldest first: ``0001`` snapshots, ``0002`` stat cache."""
