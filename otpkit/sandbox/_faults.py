"""Injected failures: which of the next requests misbehave, and how."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from otpkit.sandbox._models import ENDPOINTS, FAULT_KINDS, EndpointName, FaultKind, FaultSpec

__all__ = ["CANCEL_ENDPOINTS", "ERROR_PAGE", "HTML_PAGE", "Faults"]

#: The only endpoints a ``refuse_cancel`` fault can hit.
CANCEL_ENDPOINTS: frozenset[str] = frozenset({"jesusnumber.reject", "sanalnumara.cancel"})

ERROR_PAGE = (
    b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    b"<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
HTML_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Just a moment...'
    b"</title></head><body><h1>Checking your browser before accessing the site.</h1><p>This "
    b"process is automatic. Your browser will redirect to your requested content shortly.</p>"
    b"</body></html>"
)


@dataclass
class _Fault:
    kind: FaultKind
    count: int
    endpoint: str | None
    seconds: float | None
    api_key: str | None
    message: str | None = None

    def matches(self, endpoint: str, identity: str) -> bool:
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        if self.kind == "refuse_cancel" and endpoint not in CANCEL_ENDPOINTS:
            return False
        return self.api_key is None or self.api_key == identity


class Faults:
    """A first-in, first-out list of armed faults, each good for ``count`` requests; and a
    deployment that differs from the assumed one (``deviate``) until cleared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Fault] = []
        self._missing_routes: frozenset[str] = frozenset()
        self._dropped_fields: dict[str, frozenset[str]] = {}

    def deviate(
        self, missing_routes: Iterable[str] = (), dropped_fields: Mapping[str, Iterable[str]] = {}
    ) -> None:
        """Answer ``missing_routes`` as an unknown route (a 404 from the framework, as a
        deployment where it is named otherwise would), and leave ``dropped_fields`` (per
        endpoint) out of every object of the replies: what ``otpkit doctor`` must notice."""
        for endpoint in (*missing_routes, *dropped_fields):
            if endpoint not in ENDPOINTS:
                raise ValueError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
        with self._lock:
            self._missing_routes = frozenset(missing_routes)
            self._dropped_fields = {e: frozenset(f) for e, f in dropped_fields.items()}

    def route_missing(self, endpoint: str) -> bool:
        return endpoint in self._missing_routes

    def without_dropped_fields(self, endpoint: str, body: object) -> object:
        dropped = self._dropped_fields.get(endpoint)
        return body if not dropped else _without(body, dropped)

    def inject(
        self,
        kind: FaultKind,
        *,
        count: int = 1,
        endpoint: EndpointName | None = None,
        seconds: float | None = None,
        api_key: str | None = None,
        message: str | None = None,
    ) -> None:
        """Arm ``kind`` for the next ``count`` requests matching ``endpoint`` and ``api_key``
        (``message``: what a ``refuse_cancel`` refusal says)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {', '.join(ENDPOINTS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if kind == "slow" and (seconds is None or seconds < 0):
            raise ValueError("a 'slow' fault needs seconds >= 0")
        if kind == "refuse_cancel" and endpoint is not None and endpoint not in CANCEL_ENDPOINTS:
            raise ValueError(
                "'refuse_cancel' only applies to jesusnumber.reject/sanalnumara.cancel"
            )
        with self._lock:
            self._armed.append(_Fault(kind, count, endpoint, seconds, api_key, message))

    def take(self, endpoint: str, identity: str) -> FaultSpec | None:
        """Use up one hit of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._armed:
                if fault.matches(endpoint, identity):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._armed.remove(fault)
                    return _spec(fault, count=1)
        return None

    def pending(self) -> list[FaultSpec]:
        with self._lock:
            return [_spec(f, count=f.count) for f in self._armed]

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._missing_routes, self._dropped_fields = frozenset(), {}


def _without(body: object, dropped: frozenset[str]) -> object:
    if isinstance(body, dict):
        return {k: _without(v, dropped) for k, v in body.items() if k not in dropped}
    if isinstance(body, list):
        return [_without(item, dropped) for item in body]
    return body


def _spec(fault: _Fault, *, count: int) -> FaultSpec:
    return FaultSpec.model_validate(
        {
            "kind": fault.kind,
            "count": count,
            "endpoint": fault.endpoint,
            "seconds": fault.seconds,
            "api_key": fault.api_key,
            "message": fault.message,
        }
    )
