"""``POST /v2/models/{name}/feedback``: delayed labels sent to the model server.

The body is one label, ``{"request_id": "…", "label": 1, "row": 0}`` (``row`` is the row
of a batch request, default 0), or several, ``{"labels": [{…}, {…}]}``. A body that is
not JSON is a 400; a missing or malformed field is a 422 that names it (``labels[2].label
is missing``). Nothing is stored unless every label is valid.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from mlgate.deploy.validation import BadRequest

if TYPE_CHECKING:
    from mlgate.store.metadata.base_loop import LabelRow

__all__ = ["parse_feedback"]

_FIELDS = ("request_id", "label", "row")
_EXAMPLE = 'send {"request_id": "…", "label": …, "row": 0} or {"labels": [{…}, …]}'


def _invalid(message: str) -> BadRequest:
    return BadRequest(message, status=422, code="INVALID_PARAMETER_VALUE")


def _label(item: Any, where: str) -> LabelRow:
    from mlgate.store.metadata.base_loop import LabelRow

    if not isinstance(item, dict):
        raise _invalid(f"{where or 'the body'} must be an object with request_id and label")
    unknown = [key for key in item if key not in _FIELDS]
    if unknown:
        raise _invalid(f"{where}{unknown[0]} is not a field; the fields are request_id, label, row")
    request_id = item.get("request_id")
    if request_id is None:
        raise _invalid(f"{where}request_id is missing; {_EXAMPLE}")
    if not isinstance(request_id, str) or not request_id.strip():
        raise _invalid(f"{where}request_id must be a non-empty string (the X-Request-ID)")
    if "label" not in item or item["label"] is None:
        raise _invalid(f"{where}label is missing; {_EXAMPLE}")
    value = item["label"]
    if not isinstance(value, str | int | float) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        raise _invalid(f"{where}label must be a string, a number or a boolean")
    row = item.get("row", 0)
    if isinstance(row, bool) or not isinstance(row, int) or row < 0:
        raise _invalid(f"{where}row must be a whole number ≥ 0 (the row of a batch request)")
    return LabelRow(request_id.strip(), row, value)


def parse_feedback(body: bytes) -> list[LabelRow]:
    """The labels of a feedback body; :class:`BadRequest` (400, 422) naming what is wrong."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not JSON: {exc}; {_EXAMPLE}") from None
    if isinstance(document, dict) and "labels" in document:
        extra = [key for key in document if key != "labels"]
        if extra:
            raise _invalid(f"{extra[0]} is not a field next to labels; put it inside each label")
        items = document["labels"]
        if not isinstance(items, list) or not items:
            raise _invalid("labels must be a non-empty list of {request_id, label, row}")
        return [_label(item, f"labels[{i}].") for i, item in enumerate(items)]
    return [_label(document, "")]
