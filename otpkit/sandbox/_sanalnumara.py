"""The sanalnumara protocol: a PHP script with the key in the path and bare JSON replies.

Business errors are HTTP 200 ``{"success": false, "title": "Hata", "message": ...}`` in Turkish.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from starlette.requests import Request
from starlette.routing import Route

from otpkit.sandbox._json import plain
from otpkit.sandbox._models import EndpointName
from otpkit.sandbox._pipeline import Call, Reply, provider_route
from otpkit.sandbox._state import Account, Refused, SandboxState

__all__ = ["LATE_CANCEL_MESSAGE", "routes"]

PROVIDER: Final = "sanalnumara"
LATE_CANCEL_MESSAGE = "Numara iptal edildi, 10 dakika geçtiği için iade yapılmadı"
_MESSAGES: dict[str, str] = {
    "invalid_key": "Geçersiz API anahtarı",
    "unknown_product": "Servis bulunamadı",
    "out_of_stock": "Stokta numara yok",
    "insufficient_balance": "Yetersiz bakiye",
    "unknown_order": "Numara bulunamadı",
    "already_cancelled": "Numara zaten iptal edilmiş",
    "has_message": "Mesaj alınmış numara iptal edilemez",
}
_STATUS = {"pending": 0, "received": 1, "cancelled": -1}

Authed = Callable[[SandboxState, Call, Account], Reply]


def _key(request: Request) -> str | None:
    key = request.path_params.get("api_key")
    return str(key) if key else None


def _hata(message: str) -> Reply:
    return Reply(200, {"success": False, "title": "Hata", "message": message})


def _done(message: str = "") -> Reply:
    return Reply(200, {"success": True, "title": "", "message": message})


def _authed(handler: Authed) -> Callable[[SandboxState, Call], Reply]:
    def checked(state: SandboxState, call: Call) -> Reply:
        account = state.account(PROVIDER, call.api_key)
        if account is None:
            return _hata(_MESSAGES["invalid_key"])
        try:
            return handler(state, call, account)
        except Refused as refusal:
            return _hata(_MESSAGES[refusal.reason])

    return checked


def _same_id(raw: str) -> str:
    """``"012"`` and ``"12"`` name the same row, as they do for PHP's integer casts."""
    text = raw.strip()
    return str(int(text)) if text.isdigit() else text


# -- catalogue (no key) --------------------------------------------------------------------------


def _categories(state: SandboxState, call: Call) -> Reply:
    return Reply(200, [{"id": c.id, "name": c.name} for c in state.categories()])


def _services(state: SandboxState, call: Call) -> Reply:
    wanted = _same_id(call.path["category_id"])
    rows = [
        {"id": o.id, "name": o.name, "category": o.category_id}
        for o in state.offers(PROVIDER)
        if o.category_id == wanted
    ]
    return Reply(200, rows)


def _service_details(state: SandboxState, call: Call) -> Reply:
    offer = state.offer(PROVIDER, _same_id(call.path["service_id"]))
    if offer is None:
        return _hata(_MESSAGES["unknown_product"])
    return Reply(200, {"id": offer.id, "price": str(plain(offer.price)), "stock": offer.stock})


# -- account (key in the path) -------------------------------------------------------------------


@_authed
def _balance(state: SandboxState, call: Call, account: Account) -> Reply:
    return Reply(200, {"balance": plain(account.balance)})


@_authed
def _get_number(state: SandboxState, call: Call, account: Account) -> Reply:
    rental = state.rent(PROVIDER, account.api_key, _same_id(call.path["service_id"]))
    return Reply(
        200,
        {
            "success": True,
            "title": "",
            "message": "",
            "number_id": rental.id,
            "number": rental.number,
        },
    )


@_authed
def _get_message(state: SandboxState, call: Call, account: Account) -> Reply:
    rental = state.rental(PROVIDER, account.api_key, call.path["number_id"])
    code = None
    if rental.status == "received":
        # The panel shows what it extracted; without a code it shows the whole text.
        code = rental.last_code or rental.messages[-1].text
    return Reply(200, {"code": code, "id": str(rental.id), "status": _STATUS[rental.status]})


@_authed
def _cancel(state: SandboxState, call: Call, account: Account) -> Reply:
    refunded = state.cancel(PROVIDER, account.api_key, call.path["number_id"])
    return _done() if refunded else _done(LATE_CANCEL_MESSAGE)


def _unavailable() -> Reply:
    return _hata("Service temporarily unavailable")


def routes() -> list[Route]:
    """The sanalnumara routes (``/api/...``)."""

    def route(
        path: str, name: EndpointName, handler: Callable[[SandboxState, Call], Reply]
    ) -> Route:
        return provider_route(f"/api{path}", name, handler, key_of=_key, refusal=_unavailable)

    return [
        route("/getCategories", "sanalnumara.categories", _categories),
        route("/getServices/{category_id}", "sanalnumara.services", _services),
        route("/getServiceDetails/{service_id}", "sanalnumara.service_details", _service_details),
        route("/{api_key}/getBalance", "sanalnumara.balance", _balance),
        route("/{api_key}/getNumber/{service_id}", "sanalnumara.get_number", _get_number),
        route("/{api_key}/getMessage/{number_id}", "sanalnumara.get_message", _get_message),
        route("/{api_key}/cancelNumber/{number_id}", "sanalnumara.cancel", _cancel),
    ]
