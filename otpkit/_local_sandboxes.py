"""The sandboxes this process serves (``otpkit.sandbox.run``), so that a client renting from one
journals its rentals as a sandbox's: they hold no money, and the sweep closes what they left
once the sandbox is gone instead of asking for an API key nobody has."""

from __future__ import annotations

__all__ = ["served_here", "started", "stopped"]

_SERVING: set[str] = set()


def _key(base_url: str) -> str:
    return base_url.rstrip("/")


def started(base_url: str) -> None:
    _SERVING.add(_key(base_url))


def stopped(base_url: str) -> None:
    _SERVING.discard(_key(base_url))


def served_here(base_url: str) -> bool:
    """Whether a sandbox of this process serves ``base_url`` now."""
    return _key(base_url) in _SERVING
