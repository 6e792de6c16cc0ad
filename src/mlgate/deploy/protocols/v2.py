"""The Open Inference Protocol (KServe V2) REST: metadata, and inference with JSON or binary
tensors (``Inference-Header-Content-Length``), as tritonclient sends them by default.

Inputs are one tensor per column (shape ``[rows]`` or ``[rows, 1]``) or one 2-D tensor
``[rows, columns]`` in training column order. The output ``predict`` holds the predictions;
``predict_proba`` (when the model has it) the class probabilities.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate.deploy.validation import BadRequest, float_frame

if TYPE_CHECKING:
    import numpy as np

    from mlgate.deploy.model import ServedModel
    from mlgate.deploy.validation import Features

__all__ = [
    "HEADER",
    "V2Request",
    "error_body",
    "metadata",
    "parse_infer",
    "render_infer",
]

HEADER = "inference-header-content-length"
_NUMPY = {
    "BOOL": "bool",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "object",
}
_KIND_DATATYPE = {
    "integer": "INT64",
    "float": "FP64",
    "boolean": "BOOL",
    "string": "BYTES",
    "datetime": "BYTES",
    "category": "BYTES",
    "other": "BYTES",
}


@dataclass(frozen=True)
class V2Request:
    """A parsed inference request: the frame, its id, and how outputs are wanted."""

    frame: Features
    id: str | None
    outputs: tuple[str, ...]
    binary: dict[str, bool]


def error_body(error: BadRequest) -> dict[str, Any]:
    """The protocol's error document."""
    return {"error": error.message}


def metadata(served: ServedModel) -> dict[str, Any]:
    """Model metadata: inputs from the signature, outputs ``predict`` (and ``predict_proba``)."""
    inputs = []
    if served.signature is not None:
        inputs = [
            {"name": c.name, "datatype": _KIND_DATATYPE.get(c.kind, "BYTES"), "shape": [-1]}
            for c in served.signature.columns
        ]
    outputs = [{"name": "predict", "datatype": "BYTES", "shape": [-1]}]
    if served.has_proba:
        outputs.append({"name": "predict_proba", "datatype": "FP64", "shape": [-1, -1]})
    return {
        "name": served.name,
        "versions": [str(served.version)],
        "platform": "mlgate",
        "inputs": inputs,
        "outputs": outputs,
    }


def _split(body: bytes, header: str | None) -> tuple[bytes, bytes]:
    if header is None:
        return body, b""
    try:
        length = int(header)
    except ValueError:
        raise BadRequest(
            f"the Inference-Header-Content-Length {header!r} is not a number"
        ) from None
    if not 0 < length <= len(body):
        raise BadRequest(
            f"the Inference-Header-Content-Length {length} does not fit a body of {len(body)} bytes"
        )
    return body[:length], body[length:]


def _flatten(data: Any, where: str) -> list[Any]:
    if not isinstance(data, list):
        raise BadRequest(f"{where}: data must be a list")
    if any(isinstance(value, list) for value in data):
        return _flatten_nested(data)
    return data


def _flatten_nested(data: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in data:
        if isinstance(value, list):
            flat.extend(_flatten_nested(value))
        else:
            flat.append(value)
    return flat


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _check_values(values: list[Any], datatype: str, where: str) -> None:
    fits: Callable[[Any], bool]
    if datatype == "BYTES":
        fits, wanted = _is_text, "strings"
    elif datatype == "BOOL":
        fits, wanted = _is_bool, "true/false"
    elif datatype.startswith("FP"):
        fits, wanted = _is_number, "numbers"
    else:
        fits, wanted = _is_integer, "integers"
    for value in values:
        if not fits(value):
            raise BadRequest(
                f"{where}: data holds {value!r}, but datatype {datatype} needs {wanted}"
            )


def _decode_bytes(raw: bytes, count: int, where: str) -> list[str]:
    values: list[str] = []
    offset = 0
    for _ in range(count):
        if offset + 4 > len(raw):
            raise BadRequest(f"{where}: the binary BYTES data is shorter than its shape says")
        (size,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        chunk = raw[offset : offset + size]
        if len(chunk) != size:
            raise BadRequest(f"{where}: the binary BYTES data is shorter than its shape says")
        values.append(chunk.decode("utf-8", errors="replace"))
        offset += size
    return values


def _tensor(
    spec: Any, index: int, binary: bytes, offset: int
) -> tuple[str, list[int], np.ndarray[Any, Any], int]:
    import numpy as np

    where = f"inputs[{index}]"
    if not isinstance(spec, dict):
        raise BadRequest(f"{where} must be an object with name, shape, datatype and data")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest(f"{where}.name is missing or not a string")
    where = f"input '{name}'"
    shape = spec.get("shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise BadRequest(f"{where}: shape must be a non-empty list of non-negative integers")
    datatype = spec.get("datatype")
    if datatype not in _NUMPY:
        raise BadRequest(f"{where}: datatype {datatype!r} is not one of {', '.join(_NUMPY)}")
    count = math.prod(shape)
    parameters = spec.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise BadRequest(f"{where}: parameters must be an object")
    size = parameters.get("binary_data_size")
    if size is not None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise BadRequest(f"{where}: binary_data_size must be a non-negative integer")
        raw = binary[offset : offset + size]
        if len(raw) != size:
            raise BadRequest(
                f"{where}: binary_data_size is {size} but only {len(raw)} bytes follow the JSON"
            )
        offset += size
        if datatype == "BYTES":
            array = np.array(_decode_bytes(raw, count, where), dtype=object)
        else:
            dtype = np.dtype(_NUMPY[datatype])
            if size != count * dtype.itemsize:
                raise BadRequest(
                    f"{where}: {size} bytes do not hold shape {shape} of {datatype} "
                    f"({count * dtype.itemsize} bytes)"
                )
            array = np.frombuffer(raw, dtype=dtype)
    else:
        if "data" not in spec:
            raise BadRequest(f"{where}: data is missing (and no binary_data_size is given)")
        values = _flatten(spec["data"], where)
        if len(values) != count:
            raise BadRequest(
                f"{where}: data has {len(values)} values but shape {shape} needs {count}"
            )
        _check_values(values, datatype, where)
        try:
            array = np.asarray(values, dtype=_NUMPY[datatype])
        except (ValueError, OverflowError, TypeError) as exc:
            raise BadRequest(f"{where}: data does not fit datatype {datatype} ({exc})") from None
    return name, shape, array.reshape(shape), offset


def parse_infer(served: ServedModel, body: bytes, header: str | None) -> V2Request:
    """Read an ``/infer`` body (JSON, optionally followed by binary tensors)."""
    import pandas as pd

    head, binary = _split(body, header)
    try:
        document = json.loads(head)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the request is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BadRequest("the request must be a JSON object with 'inputs'")
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise BadRequest("'id' must be a string")
    inputs = document.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise BadRequest("'inputs' must be a non-empty list of tensors")
    tensors = []
    offset = 0
    for index, spec in enumerate(inputs):
        name, shape, array, offset = _tensor(spec, index, binary, offset)
        tensors.append((name, shape, array))
    if offset != len(binary):
        raise BadRequest(
            f"{len(binary) - offset} bytes follow the JSON that no input's binary_data_size covers"
        )
    columns = served.columns
    if len(tensors) == 1 and len(tensors[0][1]) == 2 and tensors[0][0] not in columns:
        name, shape, array = tensors[0]
        if columns and shape[1] != len(columns):
            raise BadRequest(
                f"input '{name}' has shape {shape}: {shape[1]} columns, but the model reads "
                f"{len(columns)} ({', '.join(columns[:6])}{', …' if len(columns) > 6 else ''})"
            )
        fast = float_frame(served, array) if columns else None
        frame: Features = (
            fast if fast is not None else pd.DataFrame(array, columns=list(columns) or None)
        )
    else:
        frame = _column_frame(served, tensors)
    outputs, binary_out = _outputs(served, document)
    return V2Request(frame=frame, id=request_id, outputs=outputs, binary=binary_out)


def _column_frame(
    served: ServedModel, tensors: list[tuple[str, list[int], np.ndarray[Any, Any]]]
) -> Features:
    """The frame of one tensor per column (shape ``[rows]`` or ``[rows, 1]``)."""
    import numpy as np
    import pandas as pd

    data: dict[str, Any] = {}
    rows = None
    for name, shape, array in tensors:
        if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
            raise BadRequest(
                f"input '{name}' has shape {shape}; a column input has shape [rows] or "
                "[rows, 1] (or send one 2-D input [rows, columns])"
            )
        if rows is not None and shape[0] != rows:
            raise BadRequest(
                f"input '{name}' has {shape[0]} rows but the inputs before it have {rows}"
            )
        if name in data:
            raise BadRequest(f"input '{name}' is given twice")
        rows = shape[0]
        data[name] = array.reshape(-1)
    if served.all_numeric and list(data) == list(served.columns):
        fast = float_frame(served, np.column_stack(list(data.values())))
        if fast is not None:
            return fast
    return pd.DataFrame(data)


def _outputs(
    served: ServedModel, document: dict[str, Any]
) -> tuple[tuple[str, ...], dict[str, bool]]:
    parameters = document.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise BadRequest("'parameters' must be an object")
    default_binary = parameters.get("binary_data_output") is True
    known = ["predict", *(["predict_proba"] if served.has_proba else [])]
    requested = document.get("outputs")
    if requested is None:
        return ("predict",), {"predict": default_binary}
    if not isinstance(requested, list):
        raise BadRequest("'outputs' must be a list of {name, parameters}")
    names: list[str] = []
    binary: dict[str, bool] = {}
    for index, spec in enumerate(requested):
        name = spec.get("name") if isinstance(spec, dict) else None
        if name not in known:
            raise BadRequest(
                f"outputs[{index}] asks for {name!r}; the model's outputs are {', '.join(known)}"
            )
        names.append(name)
        params = spec.get("parameters") or {}
        binary[name] = (
            bool(params.get("binary_data", default_binary))
            if isinstance(params, dict)
            else default_binary
        )
    return tuple(names), binary


def _datatype(array: np.ndarray[Any, Any]) -> tuple[str, np.ndarray[Any, Any]]:
    kind = array.dtype.kind
    if kind == "b":
        return "BOOL", array
    if kind in "iu":
        name = f"{'U' if kind == 'u' else ''}INT{array.dtype.itemsize * 8}"
        return name, array
    if kind == "f":
        return f"FP{array.dtype.itemsize * 8}", array
    return "BYTES", array.astype(str).astype(object)


def render_infer(
    served: ServedModel,
    request_id: str,
    results: dict[str, np.ndarray[Any, Any]],
    binary: dict[str, bool],
) -> tuple[bytes, int | None]:
    """The response body and, when some output is binary, the JSON part's length."""
    outputs = []
    chunks: list[bytes] = []
    for name, array in results.items():
        datatype, array = _datatype(array)
        entry: dict[str, Any] = {"name": name, "shape": list(array.shape), "datatype": datatype}
        if binary.get(name):
            if datatype == "BYTES":
                raw = b"".join(
                    struct.pack("<I", len(b)) + b for b in (str(v).encode() for v in array.flat)
                )
            else:
                raw = array.tobytes()
            entry["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        else:
            entry["data"] = array.reshape(-1).tolist()
        outputs.append(entry)
    document = {
        "model_name": served.name,
        "model_version": str(served.version),
        "id": request_id,
        "outputs": outputs,
    }
    head = json.dumps(document, separators=(",", ":")).encode()
    if not chunks:
        return head, None
    return head + b"".join(chunks), len(head)
