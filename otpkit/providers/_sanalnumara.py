"""sanalnumara: a white-label script; the base URL is the customer's domain, the key is in the path.

Its *categories* are apps (Google, Discord...), the *services* inside a category are countries,
and price and stock come only from ``getServiceDetails``. A product is therefore an
(app, country) pair whose id is the service id. Replies are bare JSON; business errors come as
``{"success": false, "message": "<Turkish text>"}``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from otpkit._errors import (
    AmbiguousOrderError,
    OrderNotFoundError,
    ProviderError,
    RentalCancelledError,
)
from otpkit._extract import choose_code
from otpkit._models import (
    Balance,
    CancelOutcome,
    Category,
    Message,
    Product,
    RentalInfo,
    Service,
    ServiceDetails,
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
    choose_product,
    now,
    refuse_unknown_options,
    rental_id,
    single,
)
from otpkit.providers._parsing import (
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

__all__ = ["SanalNumara", "SanalNumaraRoutes"]

_HAS_CODE = ("mesaj alınmış", "iptal edilemez", "cannot be cancelled", "message received")
_ALREADY_CANCELLED = ("zaten iptal", "already cancelled", "already canceled")
_NOT_REFUNDED = ("iade yapılmadı", "iade edilmedi", "no refund", "not refunded", "without refund")


@dataclass(frozen=True)
class SanalNumaraRoutes:
    """Route templates; ``{api_key}``, ``{category_id}``, ``{service_id}``, ``{number_id}``."""

    categories: str = "/api/getCategories"
    services: str = "/api/getServices/{category_id}"
    service_details: str = "/api/getServiceDetails/{service_id}"
    balance: str = "/api/{api_key}/getBalance"
    get_number: str = "/api/{api_key}/getNumber/{service_id}"
    get_message: str = "/api/{api_key}/getMessage/{number_id}"
    cancel: str = "/api/{api_key}/cancelNumber/{number_id}"


@dataclass(repr=False)
class SanalNumara(Provider):
    """The sanalnumara protocol (sans-IO). Catalogue walks are cached per client."""

    name: ClassVar[str] = "sanalnumara"
    default_base_url: ClassVar[str | None] = None
    #: ``getMessage`` answers with the code (and at most its text), never the sender.
    reports_sender: ClassVar[bool] = False
    #: A cancel within this long after renting refunds; a later one cancels without refund.
    refund_window: ClassVar[timedelta] = timedelta(minutes=10)
    #: How long fetched prices and stock are reused before asking again.
    details_ttl: ClassVar[float] = 30.0
    #: How many number ids that turn out not to be the lost order a search for it asks about
    #: before giving up (each is one getMessage request); 0 turns the search off.
    lost_order_probe: ClassVar[int] = 20

    routes: SanalNumaraRoutes = field(default_factory=SanalNumaraRoutes)
    _categories: list[Category] | None = field(default=None, init=False)
    _services: dict[str, list[Service]] = field(default_factory=dict, init=False)
    _details: dict[str, tuple[float, ServiceDetails]] = field(default_factory=dict, init=False)

    def _request(self, route: str, **values: str) -> httpx.Request:
        escaped = {name: path_value(value) for name, value in values.items()}
        path = route.format(api_key=path_value(self.api_key), **escaped)
        return httpx.Request("GET", self.url(path), headers={"Accept": "application/json"})

    def _payload(self, response: httpx.Response, endpoint: str) -> Any:
        """The reply's JSON, or the typed error of a throttle, failure or ``success: false``."""
        status = response.status_code
        if status == 429 or status >= 500:
            raise refusal_error(self.name, endpoint, status, None, response=response)
        payload = decode_json(response, self.name, endpoint)
        if isinstance(payload, Mapping) and (payload.get("success") is False or status >= 400):
            said = as_text(first(payload, "message", "title", "error"))
            raise refusal_error(
                self.name, endpoint, status, said, response=response, payload=payload
            )
        if status >= 400:
            raise refusal_error(self.name, endpoint, status, None, response=response)
        return payload

    def _object(self, response: httpx.Response, endpoint: str) -> Mapping[str, Any]:
        payload = self._payload(response, endpoint)
        if not isinstance(payload, Mapping):
            raise malformed(self.name, endpoint, "the reply is not a JSON object", 200)
        return payload

    def _list(self, response: httpx.Response, endpoint: str) -> list[Any]:
        payload = self._payload(response, endpoint)
        if isinstance(payload, Mapping):
            payload = first(payload, "data", "categories", "services")
        if not isinstance(payload, list):
            raise malformed(self.name, endpoint, "the reply is not a JSON list", 200)
        return payload

    # -- catalogue -----------------------------------------------------------------------------

    def categories(self) -> Operation[list[Category]]:
        """The apps/sites numbers can be rented for (``getCategories``)."""
        endpoint = "sanalnumara.categories"

        def parse(response: httpx.Response, _attempt: int) -> list[Category]:
            rows = self._list(response, endpoint)
            found = []
            for row in rows:
                cid, name = _id_and_name(row, self.name, endpoint, "category")
                found.append(Category(id=cid, name=name))
            return found

        categories = yield from single(Call(endpoint, self._request(self.routes.categories), parse))
        self._categories = categories
        return categories

    def services(self, category_id: str) -> Operation[list[Service]]:
        """The countries offered for one category (``getServices``)."""
        endpoint = "sanalnumara.services"
        category_id = str(category_id)

        def parse(response: httpx.Response, _attempt: int) -> list[Service]:
            rows = self._list(response, endpoint)
            found = []
            for row in rows:
                sid, name = _id_and_name(row, self.name, endpoint, "service")
                owner = as_text(first(row, "category", "category_id")) or category_id
                found.append(Service(id=sid, name=name, category_id=owner))
            return found

        request = self._request(self.routes.services, category_id=category_id)
        services = yield from single(Call(endpoint, request, parse))
        self._services[category_id] = services
        return services

    def service_details(self, service_id: str) -> Operation[ServiceDetails]:
        """Price and stock of one service (``getServiceDetails``)."""
        endpoint = "sanalnumara.service_details"
        service_id = str(service_id)

        def parse(response: httpx.Response, _attempt: int) -> ServiceDetails:
            row = self._object(response, endpoint)
            return ServiceDetails(
                id=as_text(row.get("id")) or service_id,
                price=as_decimal(row.get("price")),
                stock=as_int(row.get("stock")),
            )

        request = self._request(self.routes.service_details, service_id=service_id)
        details = yield from single(Call(endpoint, request, parse))
        self._details[service_id] = (time.monotonic(), details)
        return details

    def _cached_categories(self) -> Operation[list[Category]]:
        if self._categories is not None:
            return self._categories
        return (yield from self.categories())

    def _cached_services(self, category_id: str) -> Operation[list[Service]]:
        if category_id in self._services:
            return self._services[category_id]
        return (yield from self.services(category_id))

    def _fresh_details(self, service_id: str) -> Operation[ServiceDetails]:
        cached = self._details.get(service_id)
        if cached is not None and time.monotonic() - cached[0] < self.details_ttl:
            return cached[1]
        return (yield from self.service_details(service_id))

    def products(
        self,
        *,
        category: str | None = None,
        country: str | None = None,
        search: str | None = None,
        **unknown: Any,
    ) -> Operation[list[Product]]:
        """Walk categories → services → details (cached) into (app, country) products.

        ``category`` matches a category id or name, ``country`` a service name (both exact,
        case-insensitive), ``search`` a substring of either.
        """
        refuse_unknown_options(self.name, "products()", unknown)
        categories = yield from self._cached_categories()
        chosen = [c for c in categories if _category_wanted(c, category)]
        return (yield from self._products_of(chosen, country, search))

    def _products_of(
        self,
        categories: list[Category],
        country: str | None,
        search: str | None,
        service_id: str | None = None,
    ) -> Operation[list[Product]]:
        products = []
        for cat in categories:
            services = yield from self._cached_services(cat.id)
            for service in services:
                if country is not None and service.name.casefold() != country.casefold():
                    continue
                if search and not _mentions_text(search, cat.name, service.name):
                    continue
                if service_id is not None and service.id != service_id:
                    continue
                details = yield from self._fresh_details(service.id)
                products.append(
                    Product(
                        id=service.id,
                        name=cat.name,
                        price=details.price,
                        stock=details.stock,
                        category=cat.name,
                        country=service.name,
                        provider=self.name,
                        raw={"category_id": cat.id, "service_id": service.id},
                    )
                )
        return products

    def find_product(self, query: str, country: str | None = None) -> Operation[Product]:
        products = yield from self.candidates(query, country)
        categories = yield from self._cached_categories()
        # A query naming no category walked nothing: suggest from the category list, the only
        # names fetched. (A named one without the country: its name is no useful suggestion.)
        names = None if _named(categories, query) else [c.name for c in categories]
        return choose_product(products, query, country, provider=self.name, names=names)

    def candidates(self, query: str, country: str | None) -> Operation[list[Product]]:
        # Details cost one request per country per app and the catalogue routes carry no key
        # (throttled per client address): only the categories the query names are walked, and
        # only their services in ``country``. A query naming no category fetches nothing more,
        # unless it may be a service id (the documented ids are numbers): then the services
        # lists are read to find it, and only its details fetched.
        categories = yield from self._cached_categories()
        service_id = query.strip()
        exact = [c for c in categories if c.name.casefold() == service_id.casefold()]
        if not exact and service_id.isdigit():  # an exact id beats a substring of a name
            for cat in categories:
                services = yield from self._cached_services(cat.id)
                if any(service.id == service_id for service in services):
                    return (yield from self._products_of([cat], country, None, service_id))
        named = _named(categories, query)
        return (yield from self._products_of(named, country, None)) if named else []

    # -- account -------------------------------------------------------------------------------

    def balance(self) -> Operation[Balance]:
        endpoint = "sanalnumara.balance"

        def parse(response: httpx.Response, _attempt: int) -> Balance:
            available = as_decimal(self._object(response, endpoint).get("balance"))
            if available is None:
                raise malformed(self.name, endpoint, "no numeric 'balance'", 200)
            return Balance(available=available)

        return single(Call(endpoint, self._request(self.routes.balance), parse))

    def rent(self, product: Product | str, **unknown: Any) -> Operation[RentalInfo]:
        refuse_unknown_options(self.name, "rent()", unknown)
        endpoint = "sanalnumara.get_number"
        service_id = product.id if isinstance(product, Product) else str(product)

        def parse(response: httpx.Response, _attempt: int) -> RentalInfo:
            row = self._object(response, endpoint)
            number_id = as_text(first(row, "number_id", "id"))
            raw_number = as_text(first(row, "number", "phone"))
            if number_id is None or raw_number is None:
                raise malformed(self.name, endpoint, "no 'number_id' or 'number'", 200)
            parsed = parse_number(raw_number)
            if parsed is None:
                raise malformed(self.name, endpoint, f"{raw_number!r} is not a phone number", 200)
            rented_at = now()
            return RentalInfo(
                id=number_id,
                number=parsed.e164,
                national_number=parsed.national,
                country_code=parsed.country_code,
                product_id=service_id,
                price=product.price if isinstance(product, Product) else None,
                provider=self.name,
                service=product.name if isinstance(product, Product) else None,
                rented_at=rented_at,
                refund_deadline=rented_at + self.refund_window,
                raw=dict(row),
            )

        request = self._request(self.routes.get_number, service_id=service_id)
        return single(Call(endpoint, request, parse, creates_order=True, product_id=service_id))

    def messages(self, rental: RentalRef) -> Operation[list[Message]]:
        endpoint = "sanalnumara.get_message"
        number_id = rental_id(rental)

        def parse(response: httpx.Response, _attempt: int) -> list[Message]:
            row = self._object(response, endpoint)
            status = as_int(row.get("status"))
            if status == 0:
                return []
            if status == -1:
                raise RentalCancelledError(
                    f"{endpoint}: number {number_id} is cancelled; no code will arrive",
                    provider=self.name,
                    status=response.status_code,
                    endpoint=endpoint,
                )
            if status != 1:
                raise malformed(self.name, endpoint, f"unknown status {row.get('status')!r}", 200)
            # The documented reply carries only the code; some deployments add the text.
            text = as_text(first(row, "sms", "message", "text"))
            code = choose_code(as_text(row.get("code")), text)
            if code is None and text is None:
                raise malformed(self.name, endpoint, "status 1 without a code", 200)
            return [Message(text=text or code or "", code=code)]

        request = self._request(self.routes.get_message, number_id=number_id)
        return single(Call(endpoint, request, parse))

    def cancel(self, rental: RentalRef) -> Operation[CancelOutcome]:
        endpoint = "sanalnumara.cancel"
        number_id = rental_id(rental)
        deadline = rental.refund_deadline if isinstance(rental, RentalInfo) else None

        def parse(response: httpx.Response, attempt: int) -> CancelOutcome:
            in_window = deadline is None or now() <= deadline
            try:
                row = self._object(response, endpoint)
            except ProviderError as error:
                said = error.provider_message
                if mentions(said, _HAS_CODE):
                    return NOT_CANCELLABLE_AFTER_CODE
                if mentions(said, _ALREADY_CANCELLED):
                    if attempt > 1 and in_window:
                        return REFUNDED_BY_LOST_ATTEMPT
                    return CancelOutcome(refunded=False, detail="the number was already cancelled")
                raise
            said = as_text(first(row, "message", "title"))
            if not in_window or mentions(said, _NOT_REFUNDED):
                return CancelOutcome(
                    refunded=False,
                    detail="cancelled after the 10-minute refund window: no refund",
                )
            return CancelOutcome(refunded=True, detail="number cancelled and refunded")

        request = self._request(self.routes.cancel, number_id=number_id)
        return single(Call(endpoint, request, parse))

    def finds_lost_orders_below_later_ones(self) -> bool:
        return self.lost_order_probe > 0

    def recover_lost_order(
        self, lost: AmbiguousOrderError, claims: OrderClaims
    ) -> Operation[Recovery]:
        """Find an order whose ``getNumber`` reply was lost, and cancel it.

        sanalnumara lists no orders, but its number ids are handed out in sequence (a database
        row id, as the documented ``"number_id": 75`` suggests) and ``getMessage`` answers
        only for the account's own numbers. So the lost order is the pending number of ours
        that no rental knows, with an id between ``claims.before`` and ``claims.after``. Its
        phone number is unknown, so it cannot be used: it is cancelled (a refund, inside the
        10-minute window). When every id between the bounds (down to 1 without ``before``)
        was asked, None says that no order was placed. Only sound when every rental of the
        key is in the journal (one machine, or one coordinator): another user's live number
        would look lost too.
        """
        candidates = _ids_between(claims.before, claims.after)
        if candidates is None or self.lost_order_probe <= 0:
            raise lost
        misses = 0
        for candidate in candidates:
            number_id = str(candidate)
            if claims.known(number_id):
                continue  # another rental's number: no need to ask
            if misses >= self.lost_order_probe:
                raise lost
            try:
                messages = yield from self.messages(number_id)
            except (OrderNotFoundError, RentalCancelledError):
                messages = None  # not ours, not yet handed out, or settled already
            if messages == [] and claims.claim(number_id):
                return (yield from self.cancel(number_id))
            misses += 1
        if claims.after is None:
            raise lost  # pragma: no cover  (counting up from an earlier id never ends here)
        # Every id below a later order (and above an earlier one) was asked: none is lost.
        return None


def _ids_between(before: str | None, after: str | None) -> Iterable[int] | None:
    """Candidate ids for an order placed after ``before`` and before ``after``, nearest first;
    None without a numeric bound to start from."""
    low = int(before) if before is not None and before.isdigit() else None
    high = int(after) if after is not None and after.isdigit() else None
    if high is not None:
        return range(high - 1, low or 0, -1)
    if low is not None:
        return itertools.count(low + 1)
    return None


def _id_and_name(row: Any, provider: str, endpoint: str, what: str) -> tuple[str, str]:
    # A row that cannot be identified makes the list unusable: saying so beats skipping it.
    if not isinstance(row, Mapping):
        raise malformed(
            provider, endpoint, f"a {what} row is a {type(row).__name__}, not an object"
        )
    row_id, name = as_text(row.get("id")), as_text(row.get("name"))
    if row_id is None or name is None:
        raise malformed(provider, endpoint, f"a {what} row has no id or no name")
    return row_id, name


def _named(categories: list[Category], query: str) -> list[Category]:
    """The categories ``query`` names: exactly (case-insensitive), else as a substring."""
    wanted = query.strip().casefold()
    exact = [c for c in categories if c.name.casefold() == wanted]
    return exact or [c for c in categories if wanted and wanted in c.name.casefold()]


def _category_wanted(category: Category, wanted: str | None) -> bool:
    return wanted is None or wanted.casefold() in (category.id, category.name.casefold())


def _mentions_text(needle: str, *texts: str) -> bool:
    folded = needle.casefold()
    return any(folded in text.casefold() for text in texts)
