"""``mlgate deploy export``: a self-contained bundle for platforms mlgate does not run itself.

The bundle holds the model artifact (as stored, hash-checked), ``model.json``
(name, version, flavor, digest, signature), ``requirements.txt`` pinned from the
version's lineage (else from this environment), ``entrypoint.py`` which
registers the artifact in a fresh project inside the bundle and runs the same
server (``mlgate serve``), and a ``Dockerfile``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.config import Settings
from mlgate.errors import ConflictError

__all__ = ["Bundle", "export_bundle"]

#: Distributions the server needs besides mlgate, pinned in requirements.txt.
_SERVING = (
    "numpy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "skops",
    "scipy",
    "joblib",
    "threadpoolctl",
    "starlette",
    "uvicorn",
    "uvloop",  # with httptools: the serve extra, pinned when installed
    "httptools",
    "prometheus-client",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "pydantic-settings",
    "typer",
    "rich",
    "blake3",
    "fsspec",
    "ruamel-yaml",
)

_ENTRYPOINT = '''"""Run the exported model with mlgate's server (from mlgate deploy export)."""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    meta = json.loads((HERE / "model.json").read_text())
    project = Path(os.environ.get("MLGATE_PROJECT", HERE / "project"))
    project.mkdir(parents=True, exist_ok=True)
    (project / ".mlgate").mkdir(exist_ok=True)
    os.environ["MLGATE_PROJECT"] = str(project)
    from mlgate.config import Settings
    from mlgate.registry.versions import models, register_version
    from mlgate.store.stores import open_stores

    settings = Settings.load(project=project)
    if not any(m.name == meta["name"] for m in models(settings=settings)):
        with open_stores(settings) as stores:
            digest = stores.artifacts.put_bytes((HERE / meta["file"]).read_bytes())
        assert digest == meta["artifact"], "the model file does not match its digest"
        register_version(
            meta["name"], artifact=digest, flavor=meta["flavor"], signature=meta["signature"],
            alias=meta["alias"], description=f"exported v{meta['version']}", settings=settings,
        )
    from mlgate.cli.app import main as mlgate

    host = os.environ.get("MLGATE_HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8080")
    sys.exit(mlgate(["serve", meta["name"], "--alias", meta["alias"], "--host", host,
                     "--port", port]))


if __name__ == "__main__":
    main()
'''

_DOCKERFILE = """FROM python:{python}-slim
WORKDIR /model
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Inside a container the server must listen on every interface; put it behind your proxy.
ENV MLGATE_HOST=0.0.0.0 PORT=8080
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["python", "entrypoint.py"]
"""


@dataclass(frozen=True)
class Bundle:
    """What was exported, and where."""

    folder: Path
    model: str
    version: int
    files: tuple[str, ...]
    pinned_from: str


def _pins(lineage: dict[str, Any] | None) -> tuple[list[str], str]:
    from mlgate._version import __version__
    from mlgate.train.lineage import installed_packages

    source = "lineage"
    packages = list((lineage or {}).get("packages") or [])
    if not packages:
        packages, source = list(installed_packages()), "this environment"
    wanted = {name.replace("_", "-") for name in _SERVING}
    pins = sorted(p for p in packages if p.split("==")[0].replace("_", "-") in wanted)
    return [f"mlgate=={__version__}", *pins], source


def export_bundle(
    name: str,
    folder: Path,
    *,
    alias: str = "production",
    version: int | None = None,
    force: bool = False,
    settings: Settings | None = None,
) -> Bundle:
    """Write the bundle of ``name`` (the version behind ``alias``, or ``version``) to ``folder``;
    ConflictError if ``folder`` exists and is not empty, unless ``force``."""
    import platform

    from mlgate.registry.session import Session
    from mlgate.registry.versions import resolve

    if folder.exists() and any(folder.iterdir()) and not force:
        raise ConflictError(
            f"the folder {folder} is not empty", hint="Pick an empty folder, or pass --force."
        )
    with Session.open(settings) as session:
        _, record = resolve(session, name, version=version, alias=None if version else alias)
        data = session.stores.artifacts.get_bytes(record.artifact)
        lineage: dict[str, Any] | None = None
        if record.run_id:
            run = session.stores.metadata.get_run(record.run_id)
            digest = run.summary.get("lineage") if run is not None else None
            if digest and session.stores.artifacts.has(digest):
                lineage = json.loads(session.stores.artifacts.get_bytes(digest))
    pins, source = _pins(lineage)
    python = ".".join(((lineage or {}).get("python") or platform.python_version()).split(".")[:2])
    suffix = "skops" if record.flavor == "sklearn" else "bin"
    files = {
        f"model.{suffix}": data,
        "model.json": json.dumps(
            {
                "name": name,
                "version": record.version,
                "alias": alias,
                "flavor": record.flavor,
                "artifact": record.artifact,
                "file": f"model.{suffix}",
                "signature": record.signature,
            },
            indent=2,
        ).encode(),
        "requirements.txt": ("\n".join(pins) + "\n").encode(),
        "entrypoint.py": _ENTRYPOINT.encode(),
        "Dockerfile": _DOCKERFILE.format(python=python).encode(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for file, content in files.items():
        temp = folder / f".{file}.tmp"
        temp.write_bytes(content)
        temp.replace(folder / file)
    return Bundle(folder, name, record.version, tuple(sorted(files)), source)
