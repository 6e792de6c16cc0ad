"""The pipeline: one run of the loop, snapshot → check data → train → evaluate → gate →
register → deploy, with cached stages, a state machine and a project lock.

``run.py`` holds the state machine, ``stages.py`` what each stage does,
``cache.py`` the fingerprints, ``lock.py`` the one-run-at-a-time lock and
``records.py`` the run bookkeeping (stale runs, heartbeats).
"""
