"""The model registry: the governance record of the loop.

Versions (immutable, numbered per model), aliases with every move recorded,
promotion policies, approvals tied to the evidence they accepted, rollback, a
hash-chained audit log, and events for hooks and webhooks::

    import mlgate.registry as registry

    registry.register_version("churn", model, metrics=..., verdict="pass", alias="candidate")
    registry.promote("churn", 7, to="production", reason="better recall")
    registry.approve("churn", 7, to="production", reason="drop on EU accepted")
    registry.rollback("churn", alias="production")
    model = registry.load_model("churn", alias="production")
    assert registry.verify_audit().ok

    with registry.Session.open() as session:  # keep the database open across calls
        registry.promote("churn", 8, to="staging", session=session)

Names resolve on first use, so ``import mlgate.registry`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlgate.registry.aliases import Promotion as Promotion
    from mlgate.registry.aliases import history as history
    from mlgate.registry.aliases import promote as promote
    from mlgate.registry.aliases import rollback as rollback
    from mlgate.registry.approvals import Decision as Decision
    from mlgate.registry.approvals import approve as approve
    from mlgate.registry.approvals import reject as reject
    from mlgate.registry.audit import AuditReport as AuditReport
    from mlgate.registry.audit import verify_audit as verify_audit
    from mlgate.registry.events import Event as Event
    from mlgate.registry.events import on as on
    from mlgate.registry.load import load_model as load_model
    from mlgate.registry.session import Session as Session
    from mlgate.registry.versions import ModelDetails as ModelDetails
    from mlgate.registry.versions import ModelSummary as ModelSummary
    from mlgate.registry.versions import Registered as Registered
    from mlgate.registry.versions import models as models
    from mlgate.registry.versions import register_version as register_version
    from mlgate.registry.versions import show as show

__all__ = [
    "AuditReport",
    "Decision",
    "Event",
    "ModelDetails",
    "ModelSummary",
    "Promotion",
    "Registered",
    "Session",
    "approve",
    "history",
    "load_model",
    "models",
    "on",
    "promote",
    "register_version",
    "reject",
    "rollback",
    "show",
    "verify_audit",
]

_LAZY: dict[str, str] = {
    "Promotion": "aliases",
    "history": "aliases",
    "promote": "aliases",
    "rollback": "aliases",
    "Decision": "approvals",
    "approve": "approvals",
    "reject": "approvals",
    "AuditReport": "audit",
    "verify_audit": "audit",
    "Event": "events",
    "on": "events",
    "Session": "session",
    "ModelDetails": "versions",
    "ModelSummary": "versions",
    "Registered": "versions",
    "load_model": "load",
    "models": "versions",
    "register_version": "versions",
    "show": "versions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlgate.registry' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mlgate.registry.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
