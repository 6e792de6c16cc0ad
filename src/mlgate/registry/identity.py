"""Who is acting: ``MLGATE_USER`` if set (CI), else the operating-system user.

Every registry write records this actor. The server adds token-based identity
later; on one machine, the OS account is the identity.
"""

from __future__ import annotations

import getpass
import os

from mlgate.config import Settings
from mlgate.errors import ConfigError

__all__ = ["current_actor"]


def current_actor(settings: Settings) -> str:
    """The actor recorded for writes made with ``settings``."""
    if settings.user:
        return settings.user
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no USER/LOGNAME and no passwd entry (some containers)
        name = ""
    if not name.strip():
        raise ConfigError(
            f"cannot tell who you are: the operating system has no user name for uid {os.getuid()}",
            hint="Set MLGATE_USER to your name.",
        )
    return name.strip()
