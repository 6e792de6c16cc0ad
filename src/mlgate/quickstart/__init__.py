"""``mlgate quickstart``: the whole loop on real data (Seattle's weather), narrated."""

from __future__ import annotations

from mlgate.quickstart._story import QuickstartResult, quickstart

__all__ = ["QuickstartResult", "quickstart"]
