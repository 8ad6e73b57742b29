"""The sans-IO contract every provider implements.

A provider never touches a socket. Each intent (``balance``, ``rent``...) is an *operation*: a
generator that yields ``Call`` objects (an ``httpx.Request`` plus the function that reads its
reply) and receives each call's parsed result, or has the call's typed error thrown into it.
Its return value is the operation's result. An operation may also yield a ``Pause``: the
driver waits, then resumes it. The sync and the async driver run the same operations, so
multi-request logic (walking a catalogue, reconciling a lost order) exists once.
"""

from __future__ import annotations

import abc
import difflib
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, Generic, TypeVar

import httpx

from otpkit._errors import (
    AmbiguousOrderError,
    ConfigurationError,
    OutOfStockError,
    ProductNotFoundError,
)
from otpkit._models import Balance, CancelOutcome, Message, Product, RentalInfo
from otpkit._redact import MASK, Secret, redact, register_secret
from otpkit.providers._parsing import path_value

T = TypeVar("T")
R = TypeVar("R")

#: A provider intent: yields calls (or pauses), receives their results, returns the outcome.
Operation = Generator["Call[Any] | Pause", Any, T]


@dataclass(frozen=True, repr=False)
class Call(Generic[T]):
    """One HTTP exchange: the request to send and how to read its reply.

    ``parse(response, attempt)`` turns the reply into a value or raises a typed error; ``attempt``
    counts sends of this same request (a cancel retried after a lost reply reads "already
    cancelled" differently from a first attempt). ``creates_order`` marks a request that may
    charge money: it is never blindly retried once it may have reached the provider.
    """

    endpoint: str
    request: httpx.Request
    parse: Callable[[httpx.Response, int], T]
    creates_order: bool = False
    product_id: str = ""

    def __repr__(self) -> str:
        # The request's URL may hold the key (sanalnumara puts it in the path).
        return f"<Call {self.endpoint} {self.request.method} {redact(str(self.request.url))}>"


@dataclass(frozen=True)
class Pause:
    """Not an exchange: the driver waits ``seconds``, then resumes the operation with None."""

    seconds: float


def _nothing_known(_order_id: str) -> bool:
    return False


@dataclass(frozen=True)
class OrderClaims:
    """What the journal knows of the account's orders, for finding one whose reply was lost.

    ``claim(id)`` adopts an order for the lost rental unless another rental owns it (atomic);
    ``known(id)`` tells an order some rental already owns. ``before`` and ``after`` are the
    nearest order ids the account got for requests sent before / after the lost one: a
    provider that hands out ids in sequence gave the lost order an id between them.
    """

    claim: Callable[[str], bool]
    known: Callable[[str], bool] = _nothing_known
    before: str | None = None
    after: str | None = None


#: What looking for a lost order achieved: the order adopted (it is ours to use), the outcome
#: of cancelling it (found, but not usable as a rental), or None: proven never placed.
Recovery = RentalInfo | CancelOutcome | None


def single(call: Call[T]) -> Operation[T]:
    """An operation made of one call."""
    result: T = yield call
    return result


def now() -> datetime:
    """The current UTC time (one place, so tests and the rental timeline agree)."""
    return datetime.now(timezone.utc)


RentalRef = RentalInfo | str

#: A cancel retried after its reply was lost meets "already cancelled": the first attempt did it.
REFUNDED_BY_LOST_ATTEMPT = CancelOutcome(
    refunded=True, detail="cancelled and refunded by an earlier attempt whose reply was lost"
)
#: The provider refuses to cancel because a code was delivered: the rental is paid for.
NOT_CANCELLABLE_AFTER_CODE = CancelOutcome(
    refunded=False, detail="a code was already delivered, so it cannot be cancelled (no refund)"
)


def rental_id(rental: RentalRef) -> str:
    """The provider's id of a rental given as a ``RentalInfo`` or as a bare id."""
    return rental.id if isinstance(rental, RentalInfo) else str(rental)


@dataclass
class Provider(abc.ABC):
    """Protocol of one SMS-activation provider: builds requests, reads replies.

    Subclasses set ``name`` and ``default_base_url`` and implement the abstract operations.
    """

    name: ClassVar[str]
    default_base_url: ClassVar[str | None] = None

    api_key: str = field(repr=False)
    base_url: str = ""

    def __post_init__(self) -> None:
        register_secret(self.api_key)
        register_secret(path_value(self.api_key))  # as it appears in a URL path
        self.api_key = Secret(self.api_key)
        self.base_url = self.base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} key={MASK}>"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` under this provider's base URL."""
        return f"{self.base_url}{path}"

    # -- intents every provider supports -------------------------------------------------------

    @abc.abstractmethod
    def balance(self) -> Operation[Balance]:
        """The wallet balance."""

    @abc.abstractmethod
    def products(self, **filters: Any) -> Operation[list[Product]]:
        """The rentable products, narrowed by provider-specific filters."""

    @abc.abstractmethod
    def rent(self, product: Product | str, **options: Any) -> Operation[RentalInfo]:
        """Order a number for ``product`` (a Product or its id)."""

    @abc.abstractmethod
    def messages(self, rental: RentalRef) -> Operation[list[Message]]:
        """The SMS received so far by ``rental``."""

    @abc.abstractmethod
    def cancel(self, rental: RentalRef) -> Operation[CancelOutcome]:
        """Cancel / reject ``rental``; a refusal on business grounds is an outcome, not an error."""

    #: How long after a timed-out order request the provider is assumed to have finished it.
    lost_order_grace: ClassVar[float] = 5.0

    def finds_lost_orders_below_later_ones(self) -> bool:
        """Whether a lost order is looked for below a later order's id (no order list, but
        ids in sequence): renting then orders again before looking."""
        return False

    def recover_lost_order(
        self, lost: AmbiguousOrderError, claims: OrderClaims
    ) -> Operation[Recovery]:
        """After an order's reply was lost: the order if it can be found and claimed (see
        ``Recovery``). A provider that cannot find it lets ``lost`` stand."""
        raise lost
        yield  # pragma: no cover  (makes this an operation)

    def candidates(self, query: str, country: str | None) -> Operation[list[Product]]:
        """Products that could match ``query``; providers narrow the catalogue walk here."""
        return (yield from self.products())

    def find_product(self, query: str, country: str | None = None) -> Operation[Product]:
        """The best product for ``query`` (see ``choose_product``)."""
        products = yield from self.candidates(query, country)
        return choose_product(products, query, country, provider=self.name)


def refuse_unknown_options(provider: str, what: str, unknown: dict[str, Any]) -> None:
    """Raise a clear ``ConfigurationError`` for keyword options ``what`` does not take."""
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ConfigurationError(f"{provider} {what} does not take: {names}")


def _matches_country(product: Product, country: str | None) -> bool:
    if country is None or product.country is None:
        return True
    return product.country.casefold() == country.casefold()


def choose_product(
    products: Sequence[Product], query: str, country: str | None, *, provider: str = ""
) -> Product:
    """Pick the product for ``query``.

    An exact id or case-insensitive name match wins over a substring match; among the winners
    only those in stock count, cheapest first, ties by catalogue order. No match raises
    ``ProductNotFoundError`` naming close names; matches all out of stock raise
    ``OutOfStockError``.
    """
    wanted = query.strip().casefold()
    in_country = [p for p in products if _matches_country(p, country)]
    exact = [p for p in in_country if p.id == query.strip() or p.name.casefold() == wanted]
    partial = [
        p
        for p in in_country
        if wanted and (wanted in p.name.casefold() or wanted in (p.category or "").casefold())
    ]
    matches = exact or partial
    where = f" in {country}" if country else ""
    if not matches:
        names = {p.name.casefold(): p.name for p in products}
        folded = difflib.get_close_matches(wanted, sorted(names), n=5, cutoff=0.5)
        close = [names[name] for name in folded]
        hint = f"; close names: {', '.join(close)}" if close else ""
        raise ProductNotFoundError(
            f"no {provider} product matches {query!r}{where}{hint}",
            suggestions=close,
            provider=provider,
            endpoint=f"{provider}.find_product",
        )
    available = [p for p in matches if p.stock is None or p.stock > 0]
    if not available:
        listed = ", ".join(_label(p) for p in matches[:5])
        raise OutOfStockError(
            f"every {provider} product matching {query!r}{where} is out of stock ({listed})",
            provider=provider,
            endpoint=f"{provider}.find_product",
        )
    return min(enumerate(available), key=_price_then_position)[1]


def _price_then_position(item: tuple[int, Product]) -> tuple[int, Any, int]:
    position, product = item
    # Unknown prices sort after known ones: a known cheap price is the safer bet for a budget.
    if product.price is None:
        return (1, 0, position)
    return (0, product.price, position)


def _label(product: Product) -> str:
    return f"{product.name} ({product.country})" if product.country else product.name


def unique(items: Iterable[R]) -> list[R]:
    """``items`` without repeats, in first-seen order."""
    seen: list[R] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
