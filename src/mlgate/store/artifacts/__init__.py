"""Content-addressed artifact store: bytes named by their BLAKE3 hash.

``cas.ArtifactStore`` hashes, verifies and writes atomically over a narrow
``base.Blobs`` interface with one implementation per backend: ``local`` (a
folder), ``remote`` (any fsspec URL) and ``memory`` (for tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgate.store.artifacts.cas import ArtifactStore

__all__ = ["open_artifacts"]

#: URL protocol → package that provides it, for the "pip install" hint.
_EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure"}


def open_artifacts(url: str) -> ArtifactStore:
    """The artifact store at ``url``: a folder, ``memory://``, or any fsspec URL."""
    from pathlib import Path

    from mlgate.errors import ConfigError
    from mlgate.store.artifacts.cas import ArtifactStore

    if "://" not in url or url.startswith("file://"):
        from mlgate.store.artifacts.local import LocalBlobs

        return ArtifactStore(LocalBlobs(Path(url.removeprefix("file://")).expanduser().resolve()))
    protocol = url.split("://", 1)[0].lower()
    if protocol == "memory":
        from mlgate.store.artifacts.memory import MemoryBlobs

        return ArtifactStore(MemoryBlobs(url))
    import fsspec
    from fsspec.registry import known_implementations

    from mlgate.store.artifacts.remote import RemoteBlobs

    if protocol not in known_implementations and protocol not in fsspec.available_protocols():
        raise ConfigError(
            f"the artifact store URL {url!r} uses the unknown protocol {protocol!r}",
            hint="Use a folder, or a URL such as s3://bucket/prefix (MLGATE_STORE).",
        )
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        extra = _EXTRAS.get(protocol)
        hint = (
            f"pip install 'mlgate[{extra}]'"
            if extra == "s3"
            else f"install {exc.name or 'its driver'}"
        )
        raise ConfigError(
            f"the artifact store URL {url!r} needs a driver that is not installed",
            hint=f"Run: {hint}",
        ) from None
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"the artifact store URL {url!r} is malformed: {exc}") from None
    return ArtifactStore(RemoteBlobs(url, fs, str(root)))
