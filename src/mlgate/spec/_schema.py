"""The JSON Schema of mlgate.yaml, generated from the models, for editor completion."""

from __future__ import annotations

from typing import Any

from mlgate.spec._spec import Spec

__all__ = ["SCHEMA_ID", "json_schema"]

#: Where the schema says it lives (editors only use it as a name).
SCHEMA_ID = "https://mlgate.dev/schema/mlgate.yaml.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of mlgate.yaml, with a title and description per key.

    Point an editor at it for completion and hover docs, e.g. with the YAML
    extension's ``# yaml-language-server: $schema=mlgate.schema.json`` comment.
    """
    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    # deploy's keys are alias names: anything else is a mistake an editor should flag
    schema["properties"]["deploy"]["additionalProperties"] = False
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
