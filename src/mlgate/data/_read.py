"""Where a table file stops being readable: the line of a bad CSV row, the byte size and
footer of a broken Parquet file, for error messages that point at the problem."""

from __future__ import annotations

import re

__all__ = ["read_error_place"]

_ROW = re.compile(r"Expected (\d+) columns, got (\d+): (.*)$", re.S)


def read_error_place(kind: str, data: bytes, message: str) -> str:
    """A short phrase such as ``"line 4 has 4 fields, the header 3"`` (or ``""``).

    >>> read_error_place("csv", b"a,b\\n1,2\\n1,2,3\\n", "Expected 2 columns, got 3: 1,2,3")
    'line 3 has 3 fields where the header has 2'
    >>> read_error_place("parquet", b"PAR1xxxx", "magic bytes not found in footer")
    'the file is 8 bytes and does not end with a Parquet footer (truncated?)'
    """
    if kind == "csv":
        match = _ROW.search(message)
        if match is None:
            return ""
        expected, got, row = match.groups()
        at = data.find(row.strip().encode())
        if at < 0:
            return f"a row has {got} fields where the header has {expected}"
        line = data.count(b"\n", 0, at) + 1
        return f"line {line} has {got} fields where the header has {expected}"
    if not data.endswith(b"PAR1") or "footer" in message:
        return (
            f"the file is {len(data):,} bytes and does not end with a Parquet footer (truncated?)"
        )
    return f"the file is {len(data):,} bytes"
