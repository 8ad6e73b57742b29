"""``Sandbox``: drives a running sandbox through its control API, in-process or not."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

import httpx

from otpkit._errors import ConfigurationError
from otpkit.sandbox._control import PREFIX
from otpkit.sandbox._delivery import DelayProfile, DeliveryModel, DeliveryRule
from otpkit.sandbox._errors import SandboxError
from otpkit.sandbox._models import (
    PROVIDERS,
    Delivery,
    EndpointName,
    FaultKind,
    FaultSpec,
    Ledger,
    OrderLedger,
    ProviderName,
    Stats,
)
from otpkit.sandbox._state import DEMO_KEYS

__all__ = ["Sandbox", "attach"]


class Sandbox:
    """A handle on a running sandbox: its URL, its demo keys and every control method.

    Both providers are served from ``base_url``: jesusnumber under ``/api/v1``, sanalnumara
    under ``/api``; the app under test sends its SMS to the same origin, through Twilio's
    ``/2010-04-01/Accounts/{sid}/Messages.json`` or a plain ``POST /_sandbox/sms``. Get one
    from ``run()`` or ``attach()``; it is safe to share between threads.
    """

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self._base_url + PREFIX, timeout=timeout, trust_env=False
        )

    def __repr__(self) -> str:
        return f"Sandbox({self._base_url!r})"

    @property
    def base_url(self) -> str:
        """Origin of both simulated providers, e.g. ``http://127.0.0.1:54321``."""
        return self._base_url

    def api_key(self, provider: ProviderName) -> str:
        """The demo key of ``provider`` (a shared account: prefer ``new_api_key`` in tests)."""
        return DEMO_KEYS[_provider(provider)]

    def new_api_key(
        self,
        provider: ProviderName,
        *,
        balance: Decimal | int | float | str | None = None,
        api_key: str | None = None,
        auto_deliver: bool = True,
    ) -> str:
        """A fresh isolated account (default balance: 50.00 / 100, like the demo accounts).

        ``api_key`` chooses its key (a recognisable canary for a secrets audit, say);
        ``auto_deliver=False``: its orders never get the automatic SMS (``set_auto_deliver``),
        for tests whose app texts the number itself.
        """
        body = {
            "provider": _provider(provider),
            "balance": _decimal(balance),
            "api_key": api_key,
            "auto_deliver": auto_deliver,
        }
        return str(self._call("POST", "/keys", body)["api_key"])

    def deliver(
        self,
        order_id: str | int,
        text: str | None = None,
        *,
        provider: ProviderName,
        delay: float = 0.0,
        sender: str | None = None,
        code: str | None = None,
    ) -> Delivery:
        """Send an SMS to an order now or after ``delay`` sandbox seconds.

        Without ``text`` the service's usual message is made around ``code`` (a random 6-digit
        one when None). A delivery to a cancelled order is ignored (``status="ignored"``).
        """
        body = {
            "provider": _provider(provider),
            "order_id": str(order_id),
            "text": text,
            "delay": delay,
            "sender": sender,
            "code": code,
        }
        return Delivery.model_validate(self._call("POST", "/deliver", body))

    def deliver_to_number(
        self,
        number: str,
        text: str | None = None,
        *,
        delay: float = 0.0,
        sender: str | None = None,
        code: str | None = None,
    ) -> Delivery:
        """Like ``deliver``, to the latest order of ``number`` (either provider, ``+`` optional)."""
        body = {"number": number, "text": text, "delay": delay, "sender": sender, "code": code}
        return Delivery.model_validate(self._call("POST", "/deliver-to-number", body))

    def set_auto_deliver(self, delay: float | None) -> None:
        """Give every new order a realistic SMS ``delay`` seconds after it is made; None: off.

        It stands in for the app under test, so an order that was already texted by then (by
        the app through the SMS gateway, the demo site or ``deliver``) gets nothing more, nor
        does an order of an account made with ``new_api_key(..., auto_deliver=False)``.
        """
        self._call("POST", "/auto-deliver", {"delay": delay})

    def advance_clock(self, seconds: float) -> datetime:
        """Move sandbox time forward (refund windows, scheduled SMS, throttle windows)."""
        return _moment(self._call("POST", "/clock/advance", {"seconds": seconds})["now"])

    @contextmanager
    def clock_running_fast(self, step: float, *, every: float = 0.25) -> Iterator[None]:
        """Inside the ``with`` block, sandbox time moves ``step`` seconds further every
        ``every`` real seconds: throttle and refund windows pass quickly."""
        stop = threading.Event()

        def advance() -> None:
            while not stop.wait(every):
                self.advance_clock(step)

        ticker = threading.Thread(target=advance, name="sandbox-clock", daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()

    def now(self) -> datetime:
        """The sandbox's current time (UTC, whole seconds)."""
        return _moment(self._call("GET", "/clock")["now"])

    def inject_fault(
        self,
        kind: FaultKind,
        *,
        count: int = 1,
        endpoint: EndpointName | None = None,
        seconds: float | None = None,
        api_key: str | None = None,
        message: str | None = None,
    ) -> None:
        """Make the next ``count`` matching requests fail as ``kind``.

        ``endpoint`` limits it to one endpoint, ``api_key`` to one account's requests,
        ``seconds`` is the delay of a ``"slow"`` fault (a ``"drip"`` fault's pause between the
        bytes of its reply, default 0.5), ``message`` what a ``"refuse_cancel"``
        refusal says. See ``FAULT_KINDS`` and ``ENDPOINTS``.
        """
        body = {
            "kind": kind,
            "count": count,
            "endpoint": endpoint,
            "seconds": seconds,
            "api_key": api_key,
            "message": message,
        }
        self._call("POST", "/faults", body)

    def pending_faults(self) -> list[FaultSpec]:
        """Faults armed and not used up yet."""
        rows = self._call("GET", "/faults")["faults"]
        return [FaultSpec.model_validate(row) for row in rows]

    def clear_faults(self) -> None:
        """Disarm every pending fault."""
        self._call("DELETE", "/faults")

    def set_throttle(self, limit: int | None) -> None:
        """Requests allowed per API key (or client IP) per sliding minute; None: unlimited."""
        self._call("POST", "/throttle", {"limit": limit})

    def set_callback_url(self, api_key: str, url: str | None) -> None:
        """Push jesusnumber SMS arrivals of ``api_key``'s orders to ``url``; None: stop."""
        self._call("POST", "/callback-url", {"api_key": api_key, "url": url})

    def set_stock(self, provider: ProviderName, product_id: str | int, stock: int) -> None:
        """Set the stock of a jesusnumber product or a sanalnumara service."""
        body = {"provider": _provider(provider), "product_id": str(product_id), "stock": stock}
        self._call("POST", "/stock", body)

    def delivery(self) -> DeliveryModel:
        """The delivery model new rentals follow (dead and refused rates, delay profile)."""
        return DeliveryModel.model_validate(self._call("GET", "/delivery"))

    def set_delivery(
        self,
        *,
        dead_rate: float | None = None,
        refused_rate: float | None = None,
        profile: DelayProfile | None = None,
        overrides: Mapping[str, DeliveryRule] | None = None,
    ) -> DeliveryModel:
        """Change the delivery model for rentals made from now on; None keeps a field.

        ``overrides`` (keyed ``provider[/product[/country]]``, e.g.
        ``{"sanalnumara/google/Turkey": DeliveryRule(dead_rate=0.6)}``) replaces all earlier
        overrides. Returns the model now in force; ``reset()`` restores the starting one.
        """
        body: dict[str, Any] = {
            "dead_rate": dead_rate,
            "refused_rate": refused_rate,
            "profile": profile,
            "overrides": None
            if overrides is None
            else {key: rule.model_dump(mode="json") for key, rule in overrides.items()},
        }
        return DeliveryModel.model_validate(self._call("POST", "/delivery", body))

    def mark_number(
        self, number: str, *, dead: bool | None = None, refused: bool | None = None
    ) -> OrderLedger:
        """Make the rented ``number`` dead (it receives nothing more) or refused by the demo
        site, or neither again; None keeps that part. Returns its order."""
        body = {"number": number, "dead": dead, "refused": refused}
        return OrderLedger.model_validate(self._call("POST", "/mark-number", body))

    def deviate(
        self,
        *,
        missing_routes: Sequence[EndpointName] = (),
        dropped_fields: Mapping[EndpointName, Sequence[str]] | None = None,
    ) -> None:
        """Play a deployment that differs from the assumed one, until ``clear_faults``:
        ``missing_routes`` answer 404 as unknown routes, ``dropped_fields`` (per endpoint) are
        left out of every object of the replies."""
        fields = {e: list(f) for e, f in (dropped_fields or {}).items()}
        self._call(
            "POST",
            "/deviations",
            {"missing_routes": list(missing_routes), "dropped_fields": fields},
        )

    def rename_product(self, provider: ProviderName, product_id: str | int, name: str) -> None:
        """Rename a jesusnumber product or a sanalnumara service (its country name)."""
        body = {"provider": _provider(provider), "product_id": str(product_id), "name": name}
        self._call("POST", "/product-name", body)

    def ledger(self, api_key: str) -> Ledger:
        """Money and orders of one account."""
        return Ledger.model_validate(self._call("GET", f"/ledger/{api_key}"))

    def stats(self) -> Stats:
        """Request counters of the provider routes."""
        return Stats.model_validate(self._call("GET", "/stats"))

    def reset(self) -> None:
        """Back to the starting state for everyone: orders, extra keys, clock, faults, counters."""
        self._call("POST", "/reset")

    def close(self) -> None:
        """Close this handle (a sandbox from ``run()`` stops when its block ends)."""
        self._http.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise SandboxError(
                f"the sandbox at {self._base_url} is unreachable: {error}"
            ) from error
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.is_success and payload is not None:
            return payload
        said = payload.get("error") if isinstance(payload, dict) else None
        said = said or f"HTTP {response.status_code}"
        if response.status_code == 422:
            detail = payload.get("detail") if isinstance(payload, dict) else None
            raise ConfigurationError(f"sandbox {method} {path}: {said}" + _details(detail))
        raise SandboxError(f"sandbox {method} {path}: {said}")


def attach(base_url: str, *, timeout: float = 10.0) -> Sandbox:
    """A ``Sandbox`` for one already running at ``base_url`` (e.g. started by another process)."""
    sandbox = Sandbox(base_url, timeout=timeout)
    try:
        info = sandbox._call("GET", "/info")
    except SandboxError:
        sandbox.close()
        raise
    if not isinstance(info, dict) or info.get("sandbox") != "otpkit":
        sandbox.close()
        raise SandboxError(f"{base_url} is not an otpkit sandbox")
    return sandbox


def _provider(provider: str) -> ProviderName:
    for known in PROVIDERS:
        if provider == known:
            return known
    raise ConfigurationError(f"unknown provider {provider!r}; one of {', '.join(PROVIDERS)}")


def _decimal(value: Decimal | int | float | str | None) -> str | None:
    # Through str() so 0.1 stays 0.1 rather than a binary approximation.
    return None if value is None else str(Decimal(str(value)))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _details(detail: object) -> str:
    if not isinstance(detail, list):
        return ""
    parts = []
    for item in detail:
        if isinstance(item, dict):
            where = ".".join(str(p) for p in item.get("loc", ()))
            parts.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", "")))
    return f" ({'; '.join(parts)})" if parts else ""
