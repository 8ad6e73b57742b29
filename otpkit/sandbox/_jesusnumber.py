"""The jesusnumber protocol: ``/api/v1``, ``X-API-Key``, ``{success, message, data}`` envelopes."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from starlette.requests import Request
from starlette.routing import Route

from otpkit.sandbox._catalogue import SHORT_TERM_SECONDS, Offer
from otpkit.sandbox._json import iso
from otpkit.sandbox._models import EndpointName
from otpkit.sandbox._numbers import digits_of
from otpkit.sandbox._pipeline import Call, Reply, provider_route
from otpkit.sandbox._sms import service_key
from otpkit.sandbox._state import Account, Refused, Rental, SandboxState

__all__ = ["routes"]

PROVIDER: Final = "jesusnumber"
MAX_PER_PAGE = 100
_CENT = Decimal("0.01")
# ``type=1`` is taken as the numeric spelling of a short-term ("str") product.
_TYPE_ALIASES = {"1": "str", "short_term": "str"}
_REFUSALS: dict[str, tuple[int, str]] = {
    "unknown_product": (404, "Product not found."),
    "out_of_stock": (400, "No numbers available for this product."),
    "insufficient_balance": (400, "Insufficient balance"),
    "unknown_order": (404, "Order not found."),
    "already_cancelled": (400, "Order already rejected."),
    "has_message": (400, "Order cannot be rejected."),
    "invalid_key": (401, "Invalid or inactive API key."),
}

Authed = Callable[[SandboxState, Call, Account], Reply]


def _key(request: Request) -> str | None:
    return request.headers.get("x-api-key", "").strip() or None


def _ok(message: str, data: object) -> Reply:
    return Reply(200, {"success": True, "message": message, "data": data})


def _fail(status: int, message: str) -> Reply:
    return Reply(status, {"success": False, "message": message, "data": None})


def _refused(refusal: Refused) -> Reply:
    return _fail(*_REFUSALS[refusal.reason])


def _invalid(field: str, message: str) -> Reply:
    """A Laravel validation failure."""
    return Reply(422, {"message": message, "errors": {field: [message]}})


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT)


def _price(amount: Decimal) -> str:
    return str(_money(amount))


def _authed(handler: Authed) -> Callable[[SandboxState, Call], Reply]:
    def checked(state: SandboxState, call: Call) -> Reply:
        account = state.account(PROVIDER, call.api_key)
        if account is None:
            return _refused(Refused("invalid_key"))
        try:
            return handler(state, call, account)
        except Refused as refusal:
            return _refused(refusal)

    return checked


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integer(fields: dict[str, Any], name: str, default: int) -> int | str:
    """The integer in ``fields[name]``, or the validation message when it is not one."""
    value = fields.get(name)
    if _blank(value):
        return default
    if isinstance(value, bool):
        return f"The {name.replace('_', ' ')} field must be an integer."
    try:
        return int(str(value).strip())
    except ValueError:
        return f"The {name.replace('_', ' ')} field must be an integer."


# -- rows ----------------------------------------------------------------------------------------


def product_row(offer: Offer) -> dict[str, Any]:
    return {
        "id": int(offer.id),
        "name": offer.name,
        "product_category": offer.category,
        "product_network": offer.network,
        "type": offer.type,
        "price": _price(offer.price),
        "stock": offer.stock,
        "country": offer.region,
    }


def order_row(rental: Rental) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": rental.id,
        "order_id": rental.id,
        "product_id": int(rental.offer.id),
        "service": service_key(rental.offer.category),
        "number": digits_of(rental.number),
        "price": _price(rental.price),
        "status": rental.provider_status,
        "type": rental.offer.type,
    }
    expires = rental.expires_at
    if expires is None:
        row["expiration"] = SHORT_TERM_SECONDS
    else:
        row["expires"] = iso(expires)
    row["created_at"] = iso(rental.created_at)
    return row


def _kind(rental: Rental) -> str:
    return "short_term" if rental.expires_at is None else "long_term"


# -- handlers ------------------------------------------------------------------------------------


@_authed
def _balance(state: SandboxState, call: Call, account: Account) -> Reply:
    return _ok(
        "Balance retrieved.",
        {
            "balance": _money(account.balance),
            "hold_balance": _money(account.held),
            "spend_balance": _money(account.spent),
            "deposit": _money(account.deposit),
        },
    )


@_authed
def _products(state: SandboxState, call: Call, account: Account) -> Reply:
    fields = call.fields
    network = _integer(fields, "network", -1)
    if isinstance(network, str):
        return _invalid("network", network)
    category = str(fields.get("category") or "").strip().casefold()
    kind = str(fields.get("type") or "").strip().casefold()
    kind = _TYPE_ALIASES.get(kind, kind)
    search = str(fields.get("search") or "").strip().casefold()
    rows = [
        product_row(offer)
        for offer in state.offers(PROVIDER)
        if (not category or category in offer.category.casefold())
        and (network == -1 or offer.network == network)
        and (not kind or offer.type.casefold() == kind)
        and (not search or search in offer.name.casefold() or search in offer.category.casefold())
    ]
    return _ok("Products retrieved.", {"products": rows, "count": len(rows)})


_BOOLEANS = (True, False, 1, 0, "1", "0", "true", "false")


@_authed
def _create_order(state: SandboxState, call: Call, account: Account) -> Reply:
    fields = call.fields
    if _blank(fields.get("product_id")):
        return _invalid("product_id", "The product id field is required.")
    premium = fields.get("premium")
    if not _blank(premium) and premium not in _BOOLEANS:
        return _invalid("premium", "The premium field must be true or false.")
    quote = fields.get("premium_quote_id")
    if not _blank(quote) and not isinstance(quote, str):
        return _invalid("premium_quote_id", "The premium quote id field must be a string.")
    rental = state.rent(PROVIDER, account.api_key, str(fields["product_id"]).strip())
    return _ok("Order completed successfully", order_row(rental))


@_authed
def _order(state: SandboxState, call: Call, account: Account) -> Reply:
    rental = state.rental(PROVIDER, account.api_key, call.path["order_id"])
    return _ok("Order retrieved.", {"kind": _kind(rental), "order": order_row(rental)})


@_authed
def _orders(state: SandboxState, call: Call, account: Account) -> Reply:
    page = _integer(call.fields, "page", 1)
    if isinstance(page, str):
        return _invalid("page", page)
    if page < 1:
        return _invalid("page", "The page field must be at least 1.")
    per_page = _integer(call.fields, "per_page", 20)
    if isinstance(per_page, str):
        return _invalid("per_page", per_page)
    if per_page < 1:
        return _invalid("per_page", "The per page field must be at least 1.")
    if per_page > MAX_PER_PAGE:
        return _invalid("per_page", f"The per page field must not be greater than {MAX_PER_PAGE}.")
    rentals = state.rentals(PROVIDER, account.api_key)
    chosen = rentals[(page - 1) * per_page : page * per_page]
    return _ok(
        "Orders retrieved.",
        {
            "orders": [order_row(r) for r in chosen],
            "pagination": {
                "current_page": page,
                "last_page": max(1, math.ceil(len(rentals) / per_page)),
                "per_page": per_page,
                "total": len(rentals),
            },
        },
    )


@_authed
def _sms(state: SandboxState, call: Call, account: Account) -> Reply:
    rental = state.rental(PROVIDER, account.api_key, call.path["order_id"])
    messages = [
        {"sms": m.text, "code": m.code, "sender": m.sender, "received_at": iso(m.received_at)}
        for m in rental.messages
    ]
    return _ok("SMS messages retrieved.", {"order_id": str(rental.id), "messages": messages})


@_authed
def _reject(state: SandboxState, call: Call, account: Account) -> Reply:
    order_id = call.fields.get("order_id")
    if _blank(order_id):
        return _invalid("order_id", "The order id field is required.")
    refunded = state.cancel(PROVIDER, account.api_key, str(order_id))
    rental = state.rental(PROVIDER, account.api_key, str(order_id))
    return _ok(
        "Order reject successfully",
        {"order_id": rental.id, "status": rental.provider_status, "refunded": _price(refunded)},
    )


def _unavailable() -> Reply:
    return _fail(400, "Service temporarily unavailable")


def routes() -> list[Route]:
    """The jesusnumber routes (``/api/v1/...``)."""

    def route(
        path: str,
        name: EndpointName,
        handler: Callable[[SandboxState, Call], Reply],
        method: str = "GET",
    ) -> Route:
        return provider_route(
            f"/api/v1{path}", name, handler, key_of=_key, refusal=_unavailable, methods=(method,)
        )

    return [
        route("/balance", "jesusnumber.balance", _balance),
        route("/products", "jesusnumber.products", _products),
        route("/orders/reject", "jesusnumber.reject", _reject, "POST"),
        route("/orders", "jesusnumber.create_order", _create_order, "POST"),
        route("/orders", "jesusnumber.orders", _orders),
        route("/orders/{order_id}", "jesusnumber.order", _order),
        route("/orders/{order_id}/sms", "jesusnumber.sms", _sms),
    ]
