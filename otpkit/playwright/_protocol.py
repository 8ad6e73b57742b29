"""The steps a flow asks its runner to perform, and how they bind to Playwright objects.

Flows (see ``_flows``) are generators: they yield a :class:`Call` or :class:`FetchCode` and get
the result sent back. The sync and async runners differ only in whether they ``await`` that
result, so every decision lives in one place. Sync and async Playwright share method names and
``Locator.locator`` / ``Page.locator`` are plain (non-async) in both, which is what lets
:func:`bind` be shared too.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

T = TypeVar("T")

RefKind = Literal["root", "page", "tag", "selector", "locator"]


@dataclass(frozen=True)
class Ref:
    """An object to call a method on: the target's root element, its page, an element tagged by
    the page script, a user selector (relative to the target) or a user Locator."""

    kind: RefKind
    value: object = None


ROOT = Ref("root")
PAGE = Ref("page")


def tag(value: str) -> Ref:
    return Ref("tag", value)


@dataclass(frozen=True)
class Call:
    """``ref.method(*args, **kwargs)`` (``method`` may be dotted: ``keyboard.press``); awaited
    by the async runner."""

    ref: Ref
    method: str
    args: tuple[object, ...] = ()
    kwargs: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchCode:
    """Ask the user's ``otp()`` callable for the code (awaited if it returns an awaitable)."""


Step = Call | FetchCode
Flow = Generator[Step, Any, T]

TAG_ATTRIBUTE = "data-otpkit"


@dataclass(frozen=True)
class Surface:
    """What refs resolve against. ``root`` is a Locator of the element the page script starts
    from (``:root`` for a page), ``scope`` is where user selectors and tags are looked up."""

    root: Any
    page: Any
    scope: Any


def bind(surface: Surface, call: Call) -> Callable[[], Any]:
    """The bound method for ``call``; calling it does the work (or returns the coroutine)."""
    ref = call.ref
    target: Any
    if ref.kind == "root":
        target = surface.root
    elif ref.kind == "page":
        target = surface.page
    elif ref.kind == "tag":
        target = surface.root if ref.value == "@root" else _tagged(surface.scope, str(ref.value))
    elif ref.kind == "selector":
        target = surface.scope.locator(ref.value)
    else:
        target = ref.value
    # Dotted names reach objects hanging off the target ("keyboard.press" on the page).
    for name in call.method.split("."):
        target = getattr(target, name)
    method = target

    def run() -> Any:
        return method(*call.args, **call.kwargs)

    return run


def _tagged(scope: Any, value: str) -> Any:
    """The element the page script tagged; "frame|...|element" enters each iframe on the way."""
    *frames, element = value.split("|")
    for frame in frames:
        scope = scope.frame_locator(f'[{TAG_ATTRIBUTE}="{frame}"]')
    return scope.locator(f'[{TAG_ATTRIBUTE}="{element}"]')
