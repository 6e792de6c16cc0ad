"""One SQLAlchemy engine per database and process, as SQLAlchemy means engines to be used.

An engine carries the dialect and the cache of compiled statements: a new engine for
every opened store compiles every statement again (about 2.5 ms for a registry write),
and sets up its connection events again. :func:`shared_engine` keeps the engine of each
database URL for the life of the process (a forked child makes its own). Closing a
store still disposes of the engine's connections, so no file or server connection
stays open between uses, and the next store gets fresh ones from the same engine.
Only the :data:`KEEP` most recently used engines are kept (each holds about a megabyte
of compiled statements); a store still open on a dropped engine keeps using it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import Engine

__all__ = ["KEEP", "shared_engine"]

#: Engines kept per process, the most recently used ones.
KEEP = 8

_ENGINES: OrderedDict[tuple[int, str], Engine] = OrderedDict()
_LOCK = threading.Lock()


def shared_engine(key: str, make: Callable[[], Engine]) -> Engine:
    """The process's engine for the database ``key`` (its URL), made by ``make`` once."""
    slot = (os.getpid(), key)
    with _LOCK:
        engine = _ENGINES.get(slot)
        if engine is None:
            engine = _ENGINES[slot] = make()
            while len(_ENGINES) > KEEP:
                _ENGINES.popitem(last=False)
        else:
            _ENGINES.move_to_end(slot)
    return engine
