"""``otpkit doctor``: first contact with a real deployment, without spending anything.

For each configured provider it sends the read-only requests (key, balance, catalogue, orders,
one order's detail and SMS) and, for jesusnumber, a reject of an order id that cannot exist;
it never orders. Each route and each row field otpkit assumes is checked against what the
deployment answered, and one that does not hold comes with the exact override to set. The
requests are the provider's own sans-IO ``Call``s, so what is checked is what a run would send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import httpx

from otpkit._connect import _provider
from otpkit._errors import AuthenticationError, OtpkitError
from otpkit._redact import redact
from otpkit._settings import Settings
from otpkit._trace import Trace, TracingTransport
from otpkit.providers import JesusNumber, Provider, SanalNumara
from otpkit.providers._base import Call
from otpkit.providers._jesusnumber import JesusNumberFields

__all__ = ["Check", "configured_providers", "doctor"]

T = TypeVar("T")

#: An order id no deployment hands out: the reject probe must find nothing to reject.
_NO_SUCH_ORDER = "0"


@dataclass(frozen=True)
class Check:
    """One assumption and whether it held (None: not tried), with the override if it did not."""

    provider: str
    what: str
    held: bool | None
    detail: str
    fix: str | None = None


class _Stop(Exception):
    """Nothing more can be checked for this provider (unreachable, key refused)."""


def configured_providers(settings: Settings) -> list[str]:
    """The providers with a key: ``OTPKIT_PROVIDER`` and each ``OTPKIT_<PROVIDER>_API_KEY``."""
    names = settings.providers()
    names += [n for n in ("jesusnumber", "sanalnumara") if getattr(settings, f"{n}_api_key")]
    return list(dict.fromkeys(names))


def doctor(
    settings: Settings,
    providers: list[str],
    *,
    trace: Trace | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[Check]:
    """Every check for each of ``providers`` (a provider that cannot be set up is one check)."""
    checks: list[Check] = []
    for name in providers:
        try:
            protocol = _provider(name, None, None, settings)
        except OtpkitError as error:
            checks.append(Check(name, "configuration", False, redact(str(error))))
            continue
        traced = TracingTransport(trace, transport) if trace is not None else transport
        with httpx.Client(timeout=settings.request_timeout, transport=traced) as http:
            session = _Session(protocol, http, settings, checks)
            try:
                if isinstance(protocol, JesusNumber):
                    session.jesusnumber(protocol)
                elif isinstance(protocol, SanalNumara):
                    session.sanalnumara(protocol)
            except _Stop:
                pass
    return checks


class _Session:
    def __init__(
        self, provider: Provider, http: httpx.Client, settings: Settings, checks: list[Check]
    ) -> None:
        self.provider, self.http, self.settings, self.checks = provider, http, settings, checks
        self.name = provider.name

    def note(self, what: str, held: bool | None, detail: str, fix: str | None = None) -> None:
        self.checks.append(Check(self.name, what, held, redact(detail), fix))

    # -- one exchange ----------------------------------------------------------------------------

    def call(self, route: str, call: Call[T], *, documented: bool) -> tuple[T | None, Any]:
        """Send ``call``; note whether its route held. Returns the parsed value (None when it
        was refused) and the reply's JSON."""
        request = call.request
        shown = f"{request.method} {redact(request.url.path)}"
        kind = "documented" if documented else "assumed"
        try:
            response = self.http.send(request)
        except httpx.HTTPError as error:
            self.note("connection", False, f"{self.provider.base_url}: {error}")
            raise _Stop from None
        payload = _json(response)
        if _unknown_route(response, payload):
            self.note(
                f"route {route}",
                False,
                f"{shown} ({kind}): HTTP {response.status_code}, not an answer of the API",
                self.route_fix(route),
            )
            return None, None
        try:
            value = call.parse(response, 1)
        except AuthenticationError as error:
            self.note(f"route {route}", True, f"{shown} ({kind})")
            self.note("key", False, str(error), f"set OTPKIT_{self.name.upper()}_API_KEY")
            raise _Stop from None
        except OtpkitError as error:
            self.note(f"route {route}", True, f"{shown} ({kind}): answered {error}")
            return None, payload
        self.note(f"route {route}", True, f"{shown} ({kind})")
        return value, payload

    def route_fix(self, route: str) -> str:
        current = dict(getattr(self.settings, f"{self.name}_routes", None) or {})
        current[route] = "<the path your deployment uses>"
        kind = type(getattr(self.provider, "routes", None)).__name__
        return (
            f"set OTPKIT_{self.name.upper()}_ROUTES='{json.dumps(current)}' "
            f'(in code: routes={kind}({route}="..."))'
        )

    def fields_of(self, what: str, rows: list[Any], wanted: Mapping[str, tuple[str, ...]]) -> None:
        """Note, for each field, which of its names the rows carry."""
        row = next((r for r in rows if isinstance(r, Mapping)), None)
        if row is None:
            self.note(f"{what} fields", None, f"no {what} to look at")
            return
        known = {n for names in wanted.values() for n in names}
        others = sorted(set(row) - known) or sorted(row)
        for field_name, names in wanted.items():
            found = next((n for n in names if row.get(n) is not None), None)
            if found is not None:
                self.note(f"field {field_name}", True, f"{what}: read from {found!r}")
                continue
            alias = {field_name: ["<one of: " + ", ".join(others) + ">"]}
            self.note(
                f"field {field_name}",
                False,
                f"{what} have none of {', '.join(names)}; they have {', '.join(sorted(row))}",
                f"set OTPKIT_JESUSNUMBER_FIELDS='{json.dumps(alias)}' (in code: "
                f"fields=JesusNumberFields().with_aliases({alias!r}))"
                if isinstance(self.provider, JesusNumber)
                else "a documented field is missing: the deployment differs from its "
                "documentation (attach the --trace file to a bug report)",
            )

    # -- per provider --------------------------------------------------------------------------

    def jesusnumber(self, provider: JesusNumber) -> None:
        the = provider.fields
        balance, _ = self.call("balance", _only(provider.balance()), documented=True)
        if balance is not None:
            self.note("key", True, "accepted")
            self.note("balance", True, f"{balance.available} available")
        products, payload = self.call("products", _only(provider.products()), documented=False)
        if products is not None:
            self.note("products", True, f"{len(products)} products")
            self.fields_of("product rows", _rows(payload, "products"), _wanted(the, _PRODUCT))
        page, payload = self.call("orders", _only(provider.orders(1, 5)), documented=False)
        order_rows = _rows(payload, "orders")
        if page is not None:
            self.note("orders", True, f"{page.total} orders")
            self.fields_of("order rows", order_rows, _wanted(the, _ORDER))
        self.note(
            "route create order",
            None,
            f"POST {provider.routes.orders}: not tried, it would place an order",
        )
        newest = page.orders[0] if page is not None and page.orders else None
        if newest is not None:
            order, payload = self.call("order", _only(provider.order(newest.id)), documented=False)
            if order is not None:
                data = payload.get("data") if isinstance(payload, Mapping) else None
                inner = data.get("order") if isinstance(data, Mapping) else None
                self.fields_of("order detail", [inner], _wanted(the, _ORDER))
            self.call("sms", _only(provider.messages(newest.id)), documented=False)
        else:
            self.note("route order", None, "no order yet: one order's detail and SMS not tried")
        self.reject_probe(provider)

    def reject_probe(self, provider: JesusNumber) -> None:
        """A reject of an order that cannot exist: the route answers "not found", nothing moves."""
        call = _only(provider.cancel(_NO_SUCH_ORDER))
        shown = f"POST {provider.routes.reject}"
        try:
            response = self.http.send(call.request)
        except httpx.HTTPError as error:
            self.note("route reject", False, f"{shown}: {error}")
            return
        payload = _json(response)
        if _unknown_route(response, payload) or not isinstance(payload, Mapping):
            self.note(
                "route reject",
                False,
                f"{shown} (assumed): HTTP {response.status_code}, not an answer of the API",
                self.route_fix("reject"),
            )
            return
        said = payload.get("message")
        self.note("route reject", True, f"{shown} (assumed; an unknown order: {said!r})")

    def sanalnumara(self, provider: SanalNumara) -> None:
        balance, _ = self.call("balance", _only(provider.balance()), documented=True)
        if balance is not None:
            self.note("key", True, "accepted")
            self.note("balance", True, f"{balance.available} available")
        categories, payload = self.call("categories", _only(provider.categories()), documented=True)
        if not categories:
            return
        self.fields_of("categories", _rows(payload), {"id": ("id",), "name": ("name",)})
        first = categories[0]
        services, payload = self.call(
            "services", _only(provider.services(first.id)), documented=True
        )
        rows = _rows(payload)
        self.fields_of(
            "services", rows, {"id": ("id",), "name": ("name",), "category": ("category",)}
        )
        if not services:
            return
        details, payload = self.call(
            "service_details", _only(provider.service_details(services[0].id)), documented=True
        )
        if details is not None:
            wanted = {"price": ("price",), "stock": ("stock",)}
            self.fields_of("service details", [payload], wanted)


_PRODUCT = ("product_id", "product_name", "price", "stock")
_ORDER = ("order_id", "number", "order_product_id", "status", "created_at")


def _wanted(names: JesusNumberFields, which: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    everything = {f.name: getattr(names, f.name) for f in fields(names)}
    return {name: everything[name] for name in which}


def _only(operation: Any) -> Call[Any]:
    """The single request of a one-exchange operation (what doctor sends and reads itself)."""
    step = next(operation)
    assert isinstance(step, Call), "a read of one exchange"
    return step


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def _unknown_route(response: httpx.Response, payload: Any) -> bool:
    """A 404 or 405 that is the web server's or framework's, not the API's own refusal (the
    API always answers in its envelope: ``success`` or a list)."""
    if response.status_code not in (404, 405):
        return False
    return not (isinstance(payload, Mapping) and "success" in payload)


def _rows(payload: Any, key: str | None = None) -> list[Any]:
    data = payload.get("data") if key and isinstance(payload, Mapping) else payload
    rows = data.get(key) if key and isinstance(data, Mapping) else data
    return rows if isinstance(rows, list) else []
