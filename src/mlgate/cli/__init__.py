"""The ``mlgate`` command line: a thin layer over the Python API (see ``app.py``)."""
