"""MLflow's scoring protocol: ``POST /invocations`` in its four JSON forms and CSV.

Answers have MLflow's shape: ``{"predictions": [...]}``, and errors
``{"error_code": ..., "message": ...}``. A request without a Content-Type is
read as JSON (MLflow itself answers 500 there).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mlgate.deploy.validation import BadRequest, frame_from_rows, numeric_frame

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.deploy.model import ServedModel
    from mlgate.deploy.validation import Features

__all__ = ["DATA_KEYS", "error_body", "parse_invocation", "render_predictions"]

DATA_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_ACCEPTED = "application/json or text/csv (charset utf-8)"


def error_body(error: BadRequest) -> dict[str, Any]:
    """MLflow's error document."""
    return {"error_code": error.code, "message": error.message}


def _content_type(header: str | None) -> str:
    if not header:
        return "application/json"
    kind, *params = (part.strip() for part in header.split(";"))
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in {
            "utf-8",
            "utf8",
        }:
            raise BadRequest(
                f"the charset {value.strip()!r} is not supported; send {_ACCEPTED}",
                status=415,
            )
    kind = kind.lower()
    if kind not in {"application/json", "text/csv", "application/octet-stream"}:
        raise BadRequest(
            f"the Content-Type {kind!r} is not supported; send {_ACCEPTED}", status=415
        )
    return "application/json" if kind == "application/octet-stream" else kind


def parse_invocation(
    served: ServedModel, body: bytes, content_type: str | None
) -> tuple[Features, dict[str, Any]]:
    """The frame to score and the ``params`` of an ``/invocations`` request."""
    kind = _content_type(content_type)
    if kind == "text/csv":
        return _csv(body), {}
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BadRequest(
            f"the body is a JSON {type(document).__name__}; send an object with exactly one of "
            f"the input fields {', '.join(DATA_KEYS)}"
        )
    keys = [k for k in document if k != "params"]
    if len(keys) != 1 or keys[0] not in DATA_KEYS:
        unknown = [k for k in keys if k not in DATA_KEYS]
        found = (
            f"unknown field(s) {', '.join(map(repr, unknown))}"
            if unknown
            else (f"{len(keys)} input fields")
        )
        raise BadRequest(
            f"the body must have exactly one of the input fields {', '.join(DATA_KEYS)}; "
            f"found {found}"
        )
    params = document.get("params", {})
    if not isinstance(params, dict):
        raise BadRequest("'params' must be a JSON object")
    key = keys[0]
    plain = b"true" not in body and b"false" not in body
    return _frame(served, key, document[key], plain=plain), params


def _csv(body: bytes) -> pd.DataFrame:
    import io

    import pandas as pd

    try:
        return pd.read_csv(io.BytesIO(body))
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise BadRequest(f"the CSV body cannot be read: {exc}".splitlines()[0]) from None


def _records(served: ServedModel, rows: list[Any], where: str, *, plain: bool) -> Features:
    import pandas as pd

    if not rows:
        raise BadRequest(f"'{where}' has no rows to score")
    if all(isinstance(row, dict) for row in rows):
        return pd.DataFrame.from_records(rows)
    if all(isinstance(row, list) for row in rows):
        return frame_from_rows(served, rows, where=where, may_hold_bools=not plain)
    if len(served.columns) == 1 and not any(isinstance(r, dict | list) for r in rows):
        return pd.DataFrame({served.columns[0]: rows})
    raise BadRequest(f"'{where}' must be a list of row objects or a list of row lists")


def _frame(served: ServedModel, key: str, value: Any, *, plain: bool) -> Features:
    import pandas as pd

    if key == "dataframe_split":
        if not isinstance(value, dict):
            raise BadRequest("'dataframe_split' must be an object with 'columns' and 'data'")
        data = value.get("data")
        columns = value.get("columns")
        if not isinstance(data, list) or not data:
            raise BadRequest("'dataframe_split.data' must be a non-empty list of rows")
        if columns is None:
            return frame_from_rows(
                served, data, where="dataframe_split.data", may_hold_bools=not plain
            )
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise BadRequest("'dataframe_split.columns' must be a list of column names")
        if columns == list(served.columns):
            fast = numeric_frame(served, data, may_hold_bools=not plain)
            if fast is not None:
                return fast
        for index, row in enumerate(data):
            if not isinstance(row, list) or len(row) != len(columns):
                raise BadRequest(
                    f"'dataframe_split.data[{index}]' must be a list of {len(columns)} values, "
                    "one per column"
                )
        return pd.DataFrame(data, columns=columns)
    if key == "dataframe_records":
        if not isinstance(value, list):
            raise BadRequest("'dataframe_records' must be a list of row objects")
        if not all(isinstance(row, dict) for row in value):
            raise BadRequest("each item of 'dataframe_records' must be an object {column: value}")
        return _records(served, value, key, plain=plain)
    if key == "inputs" and isinstance(value, dict):
        lengths = set()
        for column, values in value.items():
            if not isinstance(values, list):
                raise BadRequest(f"'inputs.{column}' must be a list of values")
            lengths.add(len(values))
        if len(lengths) > 1:
            raise BadRequest("the columns of 'inputs' have different lengths")
        if not value or lengths == {0}:
            raise BadRequest("'inputs' has no rows to score")
        return pd.DataFrame(value)
    if not isinstance(value, list):
        raise BadRequest(f"'{key}' must be a list of rows (or, for 'inputs', an object of columns)")
    return _records(served, value, key, plain=plain)


def render_predictions(predictions: Any) -> dict[str, Any]:
    """MLflow's answer document."""
    return {"predictions": predictions.tolist() if hasattr(predictions, "tolist") else predictions}
