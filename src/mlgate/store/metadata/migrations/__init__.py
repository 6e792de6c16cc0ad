"""The one Alembic history of the metadata schema (``env.py`` and ``versions/``).

mlgate runs it itself when it opens a database (see ``migrate.py``); no
``alembic.ini`` is needed. A new revision is a new file in ``versions/`` whose
``down_revision`` is the current head, and :data:`HEAD` names it.

This package imports nothing, so code that only needs to know the head revision
(``peek.py``, which reads SQLite without SQLAlchemy) stays light.
"""

__all__ = ["HEAD"]

#: The newest revision in ``versions/`` (a test keeps it equal to Alembic's head).
HEAD = "0005"
