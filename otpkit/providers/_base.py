"""The sans-IO contract every provider implements.

A provider never touches a socket. Each intent (``balance``, ``rent``...) is an *operation*: a
generator that yields ``Call`` objects (an ``httpx.Request`` plus the function that reads its
reply) and receives each call's parsed result, or has the call's typed error thrown into it.
Its return value is the operation's result. An operation may also yield a ``Pause``: the
driver waits (or, for a ``wake`` order, until a push for it arrives), then resumes it. The sync
and the async driver run the same operations, so multi-request logic (walking a catalogue,
reconciling a lost order, waiting for a code, cancelling, sweeping) and every retry policy exist
once: ``retried`` runs a tenacity policy *inside* an operation, its sleeps becoming pauses.
"""

from __future__ import annotations

import abc
import difflib
import sys
import types
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, ClassVar, Generic, TypeVar

import httpx
import tenacity

from otpkit._errors import (
    AmbiguousOrderError,
    ConfigurationError,
    MalformedResponseError,
    NetworkError,
    OtpkitError,
    OutOfStockError,
    ProductNotFoundError,
    RateLimitError,
    RequestTimeoutError,
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
    #: The monotonic time by which the whole exchange, retries included, must be over (the
    #: deadline of the wait it serves); None: only the client's own call timeout applies.
    deadline: float | None = None
    #: Where the exchange's requests and failures are counted (a wait's error reports them).
    tally: RequestTally | None = None
    #: Set per send by the exchange policy: the attempt's number, how long its reply may take,
    #: how long it may queue for the shared request budget.
    attempt: int = 1
    timeout: float | None = None
    patience: float | None = None

    def __repr__(self) -> str:
        # The request's URL may hold the key (sanalnumara puts it in the path).
        return f"<Call {self.endpoint} {self.request.method} {redact(str(self.request.url))}>"


@dataclass(frozen=True)
class Pause:
    """Not an exchange: the driver waits ``seconds``, then resumes the operation with None.

    With ``wake`` (an order id) a driver that has a push inbox ends the pause early when an SMS
    for that order is pushed. A push only wakes: what it says is never taken as a result.
    """

    seconds: float
    wake: str | None = None


@dataclass
class RequestTally:
    """Requests sent for one purpose (a wait) and what went wrong with them."""

    requests: int = 0
    problems: dict[str, int] = field(default_factory=dict)

    def count(self, error: BaseException | None) -> None:
        """One request sent; ``error`` is how it failed (None: it was answered usably)."""
        self.requests += 1
        if error is not None:
            what = problem_label(error)
            self.problems[what] = self.problems.get(what, 0) + 1

    def describe(self) -> str:
        """``"12 requests, 11 answered 500"``."""
        noun = "request" if self.requests == 1 else "requests"
        parts = [f"{self.requests} {noun}"]
        parts += [f"{n} {what}" for what, n in sorted(self.problems.items(), key=_most_first)]
        return ", ".join(parts)


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def problem_label(error: BaseException) -> str:
    """How a failed request is counted in a ``RequestTally``."""
    status = getattr(error, "status", None)
    if isinstance(error, RateLimitError):
        return "answered 429"
    if isinstance(error, RequestTimeoutError):
        return "timed out"
    if isinstance(error, NetworkError):
        return "lost the connection"
    if isinstance(error, MalformedResponseError):
        return "unreadable" if error.transient else "of an unexpected shape"
    if status is not None:
        return f"answered {status}"
    return type(error).__name__


def relay(operation: Operation[T], handle: Callable[[Call[Any]], Operation[Any]]) -> Operation[T]:
    """Run ``operation``, turning each call it yields into the operation ``handle(call)``;
    pauses pass through. The one step-forwarding loop: retries and deadlines are built on it."""
    try:
        step = next(operation)
        while True:
            if isinstance(step, Pause):
                yield step
                step = operation.send(None)
                continue
            try:
                result = yield from handle(step)
            except OtpkitError as error:
                step = operation.throw(error)
            else:
                step = operation.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def within(
    operation: Operation[T], deadline: float | None, tally: RequestTally | None = None
) -> Operation[T]:
    """``operation`` with every call bound to ``deadline`` and counted in ``tally``."""
    return relay(operation, lambda call: single(replace(call, deadline=deadline, tally=tally)))


class _OperationRetrying(tenacity.Retrying):
    """tenacity's iterator with its state kept on the object, not per thread: the async driver
    runs an operation's steps in worker threads, one stretch at a time."""

    def __init__(self, **policy: Any) -> None:
        super().__init__(**policy)
        self._local = types.SimpleNamespace()  # type: ignore[assignment]


def retried(
    attempt: Callable[[int], Operation[T]], *, wake: str | None = None, **policy: Any
) -> Operation[T]:
    """Run ``attempt(n)`` (a fresh operation per attempt) under a tenacity ``policy``
    (``retry``, ``wait``, ``stop``, ``reraise``...), its sleeps yielded as ``Pause`` steps
    (woken by pushes for ``wake``), so a retry policy is written once for both drivers."""
    sleeps: list[float] = []
    for manager in _OperationRetrying(sleep=sleeps.append, **policy):
        if sleeps:
            yield Pause(sleeps.pop(), wake=wake)
        state = manager.retry_state
        try:
            result = yield from attempt(state.attempt_number)
        except Exception:  # judged by the policy; GeneratorExit and the like pass through
            state.set_exception(sys.exc_info())  # type: ignore[arg-type]
        else:
            state.set_result(result)
    outcome = state.outcome
    assert outcome is not None
    return outcome.result()  # type: ignore[no-any-return]


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
    #: Whether the SMS replies say who sent the SMS (else a ``sender=`` filter can never match).
    reports_sender: ClassVar[bool] = True

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
    products: Sequence[Product],
    query: str,
    country: str | None,
    *,
    provider: str = "",
    names: Iterable[str] | None = None,
) -> Product:
    """Pick the product for ``query``.

    An exact id or case-insensitive name match wins over a substring match; among the winners
    only those in stock count, cheapest first, ties by catalogue order. No match raises
    ``ProductNotFoundError`` naming close names (among ``names``, by default the products'
    names); matches all out of stock raise ``OutOfStockError``.
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
        pool = [p.name for p in products] if names is None else list(names)
        known = {name.casefold(): name for name in pool}
        folded = difflib.get_close_matches(wanted, sorted(known), n=5, cutoff=0.5)
        close = [known[name] for name in folded]
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
