"""JSON bodies as the providers write them: money as number tokens such as ``50.00``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal

__all__ = ["dumps", "iso", "plain"]


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and never in exponent form (``100``, ``97.5``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def iso(moment: datetime) -> str:
    """``2026-11-27T12:00:00Z``: UTC, whole seconds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def dumps(value: object) -> bytes:
    """Encode ``value``; a ``Decimal`` is written as a number with exactly its own digits.

    The standard encoder would turn ``Decimal("50.00")`` into ``50.0`` (through float) or a
    string, while the real APIs send ``50.00``.
    """
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode()


def _encode(value: object, out: list[str]) -> None:
    if isinstance(value, Decimal):
        out.append(format(value, "f"))
    elif value is None or isinstance(value, (str, int, float, bool)):
        out.append(json.dumps(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")
