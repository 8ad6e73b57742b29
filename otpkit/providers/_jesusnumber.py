"""jesusnumber: ``X-API-Key`` header, ``/api/v1/...`` routes, ``{success, message, data}`` envelope.

Only ``/api/v1/balance`` is documented by path; the other routes are assumptions kept in
``JesusNumberRoutes`` so a deployment that differs can override them in one place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from otpkit._errors import AmbiguousOrderError, ConfigurationError, ProviderError
from otpkit._extract import choose_code
from otpkit._models import (
    Balance,
    CancelOutcome,
    Message,
    Order,
    OrdersPage,
    Product,
    RentalInfo,
)
from otpkit._phone import parse_number
from otpkit.providers._base import (
    NOT_CANCELLABLE_AFTER_CODE,
    REFUNDED_BY_LOST_ATTEMPT,
    Call,
    Operation,
    OrderClaims,
    Provider,
    Recovery,
    RentalRef,
    now,
    refuse_unknown_options,
    rental_id,
    single,
)
from otpkit.providers._parsing import (
    as_datetime,
    as_decimal,
    as_int,
    as_text,
    decode_json,
    first,
    malformed,
    mentions,
    path_value,
    refusal_error,
)

__all__ = ["JesusNumber", "JesusNumberFields", "JesusNumberRoutes"]

#: The most orders one page may hold (documented maximum of ``per_page``).
MAX_PER_PAGE = 100
#: How many of the newest orders are searched for an order whose reply was lost.
LOST_ORDER_SEARCH = 50
_CLOSED_STATUSES = ("rejected", "cancelled", "canceled", "refunded", "expired")

_ALREADY_REJECTED = ("already rejected", "already cancelled", "already canceled")
_HAS_SMS = ("cannot be rejected", "can not be rejected", "already received", "sms received")


@dataclass(frozen=True)
class JesusNumberRoutes:
    """Route templates; ``{order_id}`` is filled in. Override for a deployment that differs."""

    balance: str = "/api/v1/balance"
    products: str = "/api/v1/products"
    orders: str = "/api/v1/orders"
    order: str = "/api/v1/orders/{order_id}"
    sms: str = "/api/v1/orders/{order_id}/sms"
    reject: str = "/api/v1/orders/reject"


@dataclass(frozen=True)
class JesusNumberFields:
    """Where each value is read in a row, first name present wins. Product and order rows are
    not documented: these are assumptions, and a deployment that differs adds its own names
    (``with_aliases``, or ``OTPKIT_JESUSNUMBER_FIELDS``)."""

    balance: tuple[str, ...] = ("balance", "available_balance", "available")
    product_id: tuple[str, ...] = ("id", "product_id")
    product_name: tuple[str, ...] = ("name", "product_name", "title", "product_category")
    price: tuple[str, ...] = ("price", "cost", "amount")
    stock: tuple[str, ...] = ("stock", "available", "quantity", "count")
    category: tuple[str, ...] = ("product_category", "category")
    country: tuple[str, ...] = ("country", "country_code")
    order_id: tuple[str, ...] = ("order_id", "id")
    number: tuple[str, ...] = ("number", "phone_number", "phone")
    order_product_id: tuple[str, ...] = ("product_id",)
    status: tuple[str, ...] = ("status",)
    created_at: tuple[str, ...] = ("created_at",)

    def with_aliases(self, aliases: Mapping[str, Any]) -> JesusNumberFields:
        """These fields with ``aliases`` (``{"product_name": ["label"]}``) tried first."""
        unknown = sorted(set(aliases) - set(self.__dataclass_fields__))
        if unknown:
            known = ", ".join(self.__dataclass_fields__)
            raise ConfigurationError(f"unknown jesusnumber field {unknown[0]!r}; one of: {known}")
        changes = {}
        for name, extra in aliases.items():
            names = (extra,) if isinstance(extra, str) else tuple(str(n) for n in extra)
            changes[name] = names + tuple(n for n in getattr(self, name) if n not in names)
        return dataclasses.replace(self, **changes)


@dataclass(repr=False)
class JesusNumber(Provider):
    """The jesusnumber protocol (sans-IO)."""

    name: ClassVar[str] = "jesusnumber"
    default_base_url: ClassVar[str | None] = "https://www.jesusnumber.com"

    routes: JesusNumberRoutes = field(default_factory=JesusNumberRoutes)
    fields: JesusNumberFields = field(default_factory=JesusNumberFields)
    #: How far the provider's clock may lag ours when matching a lost order by creation time.
    clock_skew: timedelta = timedelta(seconds=120)

    # -- requests ------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Request:
        return httpx.Request(
            method,
            self.url(route),
            params={k: v for k, v in (params or {}).items() if v is not None},
            json=json,
            headers={"X-API-Key": self.api_key, "Accept": "application/json"},
        )

    def _data(self, response: httpx.Response, endpoint: str) -> Any:
        """The envelope's ``data`` of a successful reply, or the typed error of a refusal."""
        status = response.status_code
        if status == 429 or status >= 500:
            payload = _json_or_none(response)
            raise refusal_error(
                self.name, endpoint, status, _message(payload), response=response, payload=payload
            )
        payload = decode_json(response, self.name, endpoint)
        if not isinstance(payload, Mapping):
            raise malformed(self.name, endpoint, "the reply is not a JSON object", status)
        if status >= 400 or payload.get("success") is False:
            raise refusal_error(
                self.name, endpoint, status, _message(payload), response=response, payload=payload
            )
        if "success" in payload and not isinstance(payload["success"], bool):
            raise malformed(
                self.name, endpoint, f"'success' is {payload['success']!r}, not a boolean", status
            )
        if payload.get("success") is not True and "data" not in payload:
            raise malformed(self.name, endpoint, "no 'success' or 'data' in the envelope", status)
        return payload.get("data")

    def _rows(self, response: httpx.Response, endpoint: str, key: str) -> list[Any]:
        """``data.<key>``: the list an endpoint exists for (see ``_list_in``)."""
        return self._list_in(self._data(response, endpoint), endpoint, key)

    def _list_in(self, data: Any, endpoint: str, key: str) -> list[Any]:
        """``data[key]``. Missing, null or of another type is a ``MalformedResponseError``,
        never an empty result: a wrong route or a changed shape must not read as "nothing yet".
        """
        if not isinstance(data, Mapping):
            kind = "null" if data is None else type(data).__name__
            raise malformed(
                self.name, endpoint, f"'data' is {kind}, not an object with '{key}'", 200
            )
        rows = data.get(key)
        if not isinstance(rows, list):
            kind = "missing" if rows is None else f"a {type(rows).__name__}"
            raise malformed(self.name, endpoint, f"'data.{key}' is {kind}, not a list", 200)
        return rows

    def _object(self, response: httpx.Response, endpoint: str) -> Mapping[str, Any]:
        data = self._data(response, endpoint)
        if not isinstance(data, Mapping):
            raise malformed(self.name, endpoint, "'data' is not an object", response.status_code)
        return data

    # -- intents -------------------------------------------------------------------------------

    def balance(self) -> Operation[Balance]:
        endpoint = "jesusnumber.balance"

        def parse(response: httpx.Response, _attempt: int) -> Balance:
            data = self._object(response, endpoint)
            available = as_decimal(first(data, *self.fields.balance))
            if available is None:
                raise malformed(self.name, endpoint, "no numeric 'balance'", response.status_code)
            return Balance(
                available=available,
                held=as_decimal(data.get("hold_balance")),
                spent=as_decimal(data.get("spend_balance")),
                deposit=as_decimal(data.get("deposit")),
            )

        return single(Call(endpoint, self._request("GET", self.routes.balance), parse))

    def products(
        self,
        *,
        category: str | None = None,
        network: int | None = None,
        type: str | int | None = None,  # the provider's own parameter name
        search: str | None = None,
        **unknown: Any,
    ) -> Operation[list[Product]]:
        refuse_unknown_options(self.name, "products()", unknown)
        endpoint = "jesusnumber.products"
        params = {"category": category, "network": network, "type": type, "search": search}

        def parse(response: httpx.Response, _attempt: int) -> list[Product]:
            rows = self._rows(response, endpoint, "products")
            return [self._product(row, endpoint) for row in rows]

        request = self._request("GET", self.routes.products, params=params)
        return single(Call(endpoint, request, parse))

    def _product(self, row: Any, endpoint: str) -> Product:
        # A product that cannot be identified cannot be rented: the catalogue is unusable.
        if not isinstance(row, Mapping):
            raise malformed(
                self.name, endpoint, f"a product row is a {type(row).__name__}, not an object"
            )
        fields = self.fields
        product_id = as_text(first(row, *fields.product_id))
        name = as_text(first(row, *fields.product_name))
        if product_id is None or name is None:
            raise malformed(self.name, endpoint, "a product row has no id or no name")
        return Product(
            id=product_id,
            name=name,
            price=as_decimal(first(row, *fields.price)),
            stock=as_int(first(row, *fields.stock)),
            category=as_text(first(row, *fields.category)),
            country=as_text(first(row, *fields.country)),
            provider=self.name,
            raw=dict(row),
        )

    def rent(
        self,
        product: Product | str,
        *,
        premium: bool = False,
        premium_quote_id: str | None = None,
        **unknown: Any,
    ) -> Operation[RentalInfo]:
        refuse_unknown_options(self.name, "rent()", unknown)
        endpoint = "jesusnumber.create_order"
        product_id = product.id if isinstance(product, Product) else str(product)
        body: dict[str, Any] = {"product_id": product_id}
        if premium:
            body["premium"] = True
        if premium_quote_id is not None:
            body["premium_quote_id"] = premium_quote_id
        price = product.price if isinstance(product, Product) else None

        def parse(response: httpx.Response, _attempt: int) -> RentalInfo:
            data = _unwrap_order(self._object(response, endpoint))
            return self.rental_from_row(data, endpoint, product_id=product_id, price=price)

        request = self._request("POST", self.routes.orders, json=body)
        return single(Call(endpoint, request, parse, creates_order=True, product_id=product_id))

    def rental_from_row(
        self,
        row: Mapping[str, Any],
        endpoint: str,
        *,
        product_id: str | None = None,
        price: Any = None,
    ) -> RentalInfo:
        """A ``RentalInfo`` from an order row (a create reply, or an order found in the list)."""
        order_id = as_text(first(row, *self.fields.order_id))
        raw_number = as_text(first(row, *self.fields.number))
        if order_id is None or raw_number is None:
            raise malformed(self.name, endpoint, "the order has no id or no number")
        parsed = parse_number(raw_number)
        if parsed is None:
            raise malformed(self.name, endpoint, f"{raw_number!r} is not a phone number")
        return RentalInfo(
            id=order_id,
            number=parsed.e164,
            national_number=parsed.national,
            country_code=parsed.country_code,
            product_id=as_text(first(row, *self.fields.order_product_id)) or product_id or "",
            price=as_decimal(first(row, *self.fields.price)) or as_decimal(price),
            provider=self.name,
            service=as_text(first(row, "service", "product_name")),
            rented_at=now(),
            raw=dict(row),
        )

    def recover_lost_order(
        self, lost: AmbiguousOrderError, claims: OrderClaims
    ) -> Operation[Recovery]:
        """Find the order a lost reply was for in the newest orders, and adopt it."""
        page = yield from self.orders(1, LOST_ORDER_SEARCH)
        since = (lost.sent_at or now()) - self.clock_skew
        # Oldest first: a client sharing the account may have ordered the same product just
        # after us, and its order is the newer one.
        for order in reversed(page.orders):
            if order.product_id != lost.product_id or _is_closed(order):
                continue
            if order.created_at is None:
                raise lost  # without creation times nothing can be proven
            if order.created_at >= since and claims.claim(order.id):
                return self.rental_from_row(
                    order.raw, "jesusnumber.orders", product_id=lost.product_id
                )
        if lost.may_still_be_placed:
            # A timed-out request may still become an order after this list was read: placing
            # another now could charge twice. The journal keeps it for the sweep to find.
            raise lost
        return None

    def order(self, order_id: str) -> Operation[Order]:
        """One order of this account, by id."""
        endpoint = "jesusnumber.order"

        def parse(response: httpx.Response, _attempt: int) -> Order:
            data = self._object(response, endpoint)
            return self._order(_unwrap_order(data), endpoint, kind=as_text(data.get("kind")))

        route = self.routes.order.format(order_id=path_value(order_id))
        return single(Call(endpoint, self._request("GET", route), parse))

    def orders(self, page: int = 1, per_page: int = 20) -> Operation[OrdersPage]:
        """One page of this account's orders, newest first (``per_page`` at most 100)."""
        endpoint = "jesusnumber.orders"
        per_page = max(1, min(per_page, MAX_PER_PAGE))

        def parse(response: httpx.Response, _attempt: int) -> OrdersPage:
            data = self._data(response, endpoint)
            orders = [self._order(row, endpoint) for row in self._list_in(data, endpoint, "orders")]
            paging = data.get("pagination")
            paging = paging if isinstance(paging, Mapping) else {}
            return OrdersPage(
                orders=orders,
                current_page=as_int(paging.get("current_page")) or page,
                last_page=as_int(paging.get("last_page")) or page,
                per_page=as_int(paging.get("per_page")) or per_page,
                total=as_int(paging.get("total")) or len(orders),
            )

        params = {"page": page, "per_page": per_page}
        return single(
            Call(endpoint, self._request("GET", self.routes.orders, params=params), parse)
        )

    @staticmethod
    def next_page(page: OrdersPage) -> int | None:
        """The page after ``page``, or None when it was the last."""
        if page.current_page >= page.last_page or not page.orders:
            return None
        return page.current_page + 1

    def _order(self, row: Any, endpoint: str, kind: str | None = None) -> Order:
        if not isinstance(row, Mapping):
            raise malformed(
                self.name, endpoint, f"an order row is a {type(row).__name__}, not an object"
            )
        fields = self.fields
        order_id = as_text(first(row, *fields.order_id))
        if order_id is None:
            raise malformed(self.name, endpoint, "an order has no id")
        raw_number = as_text(first(row, *fields.number))
        parsed = parse_number(raw_number) if raw_number else None
        return Order(
            id=order_id,
            number=parsed.e164 if parsed else raw_number,
            product_id=as_text(first(row, *fields.order_product_id)),
            status=as_text(first(row, *fields.status)),
            kind=kind or as_text(first(row, "kind", "type")),
            price=as_decimal(first(row, *fields.price)),
            created_at=as_datetime(first(row, *fields.created_at)),
            raw=dict(row),
        )

    def messages(self, rental: RentalRef) -> Operation[list[Message]]:
        endpoint = "jesusnumber.sms"
        order_id = rental_id(rental)

        def parse(response: httpx.Response, _attempt: int) -> list[Message]:
            rows = self._rows(response, endpoint, "messages")
            return [m for m in (_message_from(row, endpoint) for row in rows) if m is not None]

        route = self.routes.sms.format(order_id=path_value(order_id))
        return single(Call(endpoint, self._request("GET", route), parse))

    def cancel(self, rental: RentalRef) -> Operation[CancelOutcome]:
        endpoint = "jesusnumber.reject"
        order_id = rental_id(rental)

        def parse(response: httpx.Response, attempt: int) -> CancelOutcome:
            try:
                self._data(response, endpoint)
            except ProviderError as error:
                said = error.provider_message
                if mentions(said, _ALREADY_REJECTED):
                    if attempt > 1:
                        return REFUNDED_BY_LOST_ATTEMPT
                    return CancelOutcome(refunded=False, detail="the order was already rejected")
                if mentions(said, _HAS_SMS):
                    return NOT_CANCELLABLE_AFTER_CODE
                raise
            return CancelOutcome(refunded=True, detail="order rejected and refunded")

        request = self._request("POST", self.routes.reject, json={"order_id": order_id})
        return single(Call(endpoint, request, parse))


def _is_closed(order: Order) -> bool:
    return (order.status or "").casefold() in _CLOSED_STATUSES


def _unwrap_order(data: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = data.get("order")
    return inner if isinstance(inner, Mapping) else data


def _message(payload: Any) -> str | None:
    return as_text(payload.get("message")) if isinstance(payload, Mapping) else None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def _message_from(row: Any, endpoint: str) -> Message | None:
    if not isinstance(row, Mapping):
        raise malformed(
            JesusNumber.name, endpoint, f"an SMS row is a {type(row).__name__}, not an object"
        )
    text = as_text(first(row, "sms", "text", "message", "body")) or ""
    code = choose_code(as_text(row.get("code")), text)
    if not text and code is None:
        return None
    return Message(
        text=text,
        code=code,
        sender=as_text(first(row, "sender", "from")),
        received_at=as_datetime(first(row, "received_at", "created_at")),
    )
