"""The one Alembic history of the metadata schema (``env.py`` and ``versions/``).

mlgate runs it itself when it opens a database (see ``migrate.py``); no
``alembic.ini`` is needed. A new revision is a new file in ``versions/`` whose
``down_revision`` is the current head, and ``migrate.HEAD`` names it.
"""
