"""Schema revisions, oldest first: ``0001`` snapshots, ``0002`` stat cache,
``0003`` registry (models, versions, aliases, approvals, audit log)."""
