"""The decisions of a verification with rotation, with no I/O: which offer next, what to record.

``verify`` (sync) and ``verify_async`` are thin loops that rent, call the user's ``flow`` and
tell a ``Rotation`` what happened; everything they decide comes from here, so the two never
differ. The rules:

- the offers (every client's product, per allowed country) are ordered by expected cost per
  delivered code (see ``otpkit._delivery_stats``), cheapest first with no history. Prices of
  different providers are in different currencies and never converted: each counts relative
  to the cheapest offer of its own provider, so across providers it is the delivery rate that
  decides, and ties keep the order the providers and countries were given in;
- an offer that cannot be rented (out of stock, insufficient balance, over ``max_price``, no
  such product there) is skipped for the rest of the verification; it uses no attempt;
- a number that fails (``CodeTimeoutError``, ``NumberRejectedError`` from the flow) uses an
  attempt and moves on to the next offer, round the list;
- at the end: ``VerificationFailedError`` listing every attempt, or, when no number could be
  rented at all, the last refusal itself (with one offer, what ``client.rent`` would raise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from otpkit._delivery_stats import delivery_stats, expected_cost
from otpkit._errors import (
    CodeTimeoutError,
    ConfigurationError,
    NumberRejectedError,
    OtpkitError,
    OutOfStockError,
    PriceLimitError,
    ProductNotFoundError,
    VerificationFailedError,
)
from otpkit._journal import RentalJournal
from otpkit._models import CancelOutcome, Product, RentalInfo
from otpkit._renting import check_price
from otpkit._timeline import Verdict, verdict_of
from otpkit.providers import Operation, Provider

__all__ = ["Attempt", "Choice", "Rotation", "countries_of", "offering"]

C = TypeVar("C")  # a Client or an AsyncClient: the rotation never calls it

#: Failures of a number: rotation cancels it and goes on with the next.
ROTATES = (CodeTimeoutError, NumberRejectedError)


@dataclass(frozen=True)
class Attempt:
    """One try of ``verify``: the number (None when the offer could not be rented at all),
    where it came from, how long it took, why it was dropped (None: it verified) and whether
    its money came back (None: nothing was charged, or not known); ``verdict``: why it failed."""

    provider: str
    product: str
    country: str | None
    number: str | None
    seconds: float
    dropped: str | None
    refunded: bool | None
    verdict: Verdict | None = None

    @property
    def verified(self) -> bool:
        """Whether this attempt's number passed the verification."""
        return self.number is not None and self.dropped is None

    def __str__(self) -> str:
        where = f"{self.provider} {self.product}" + (f" {self.country}" if self.country else "")
        if self.number is None:
            return f"{where}: not rented: {self.dropped}"
        refund = {True: "refunded", False: "not refunded", None: "refund unknown"}[self.refunded]
        return (
            f"{self.number} ({where}) {self.seconds:.1f} s: {self.dropped or 'verified'}; {refund}"
        )


@dataclass(frozen=True)
class Choice(Generic[C]):
    """An offer to rent from: a client and one of its products."""

    client: C
    product: Product
    rate: float

    @property
    def where(self) -> str:
        return self.product.country or ""


def countries_of(country: str | Sequence[str] | None) -> list[str | None]:
    """The countries to try, in order (``[None]``: wherever the provider's best offer is)."""
    if country is None:
        return [None]
    if isinstance(country, str):
        return [country]
    return list(country) or [None]


def offering(
    provider: Provider,
    query: str,
    countries: Sequence[str | None],
    max_price: Decimal | None,
) -> Operation[list[Product | OtpkitError]]:
    """The product for ``query`` in each country, or why there is none to rent there."""
    found: list[Product | OtpkitError] = []
    for country in countries:
        try:
            product = yield from provider.find_product(query, country)
            check_price(product, max_price)
        except (ProductNotFoundError, OutOfStockError, PriceLimitError) as refused:
            found.append(refused)
        else:
            found.append(product)
    return found


def why_dropped(error: OtpkitError) -> str:
    """How a failed number is described in an ``Attempt`` and the journal."""
    if isinstance(error, NumberRejectedError):
        return f"rejected: {error.reason or error}"
    if isinstance(error, CodeTimeoutError):
        return f"no code after {error.waited:.1f} s"
    return str(error)


class Rotation(Generic[C]):
    """Which offer to rent from next, and what each attempt came to (see the module)."""

    def __init__(self, attempts: int) -> None:
        if attempts < 1:
            raise ConfigurationError(f"verify needs at least 1 attempt, not {attempts}")
        self.attempts = attempts
        self.tried: list[Attempt] = []
        self._offers: list[tuple[C, Product, RentalJournal | None, str]] = []
        self._choices: list[Choice[C]] | None = None
        self._next = 0
        self._refusal: OtpkitError | None = None

    # -- what there is to rent -----------------------------------------------------------------

    def offer(
        self,
        client: C,
        found: Sequence[Product | OtpkitError],
        *,
        journal: RentalJournal | None,
        base_url: str,
    ) -> None:
        """Add ``client``'s products (from ``offering``); refusals are recorded as skipped.
        ``journal`` holds the history the order is learned from (rentals at ``base_url``)."""
        for item in found:
            if isinstance(item, Product):
                same = (item.provider, base_url, item.id)
                if all((p.provider, url, p.id) != same for _, p, _, url in self._offers):
                    self._offers.append((client, item, journal, base_url))
            else:
                self._skip(item, provider=getattr(item, "provider", ""), product="", country=None)

    def _order(self) -> list[Choice[C]]:
        rates = self._learned_rates() if len(self._offers) > 1 else {}
        choices = [
            Choice(client, product, rates.get(id(product), 0.5))
            for client, product, _, _ in self._offers
        ]
        cheapest: dict[str, Decimal] = {}
        for choice in choices:
            price = choice.product.price
            name = choice.product.provider
            if price is not None and price > 0 and (name not in cheapest or price < cheapest[name]):
                cheapest[name] = price

        def relative_cost(choice: Choice[C]) -> float:
            price, base = choice.product.price, cheapest.get(choice.product.provider)
            relative = price / base if price is not None and base else None
            return expected_cost(relative, choice.rate)

        return sorted(choices, key=relative_cost)  # stable: ties keep the given order

    def _learned_rates(self) -> dict[int, float]:
        """Each offer's smoothed delivery rate, from its own journal's rentals of it."""
        journals = {id(j): j for _, _, j, _ in self._offers if j is not None}
        learned = {key: delivery_stats(journal.entries()) for key, journal in journals.items()}
        rates: dict[int, float] = {}
        for _, product, journal, base_url in self._offers:
            stats = learned.get(id(journal), {}).get((product.provider, base_url, product.id))
            if stats is not None:
                rates[id(product)] = stats.rate
        return rates

    @property
    def choices(self) -> list[Choice[C]]:
        """The offers still in play, in the order they are tried."""
        if self._choices is None:
            self._choices = self._order()
        return self._choices

    # -- the loop's questions and reports ------------------------------------------------------

    def next_choice(self) -> Choice[C] | None:
        """The offer to rent the next number from; None when the verification is over."""
        rented = sum(1 for attempt in self.tried if attempt.number is not None)
        if rented >= self.attempts or not self.choices:
            return None
        self._next %= len(self.choices)
        return self.choices[self._next]

    def refused(self, choice: Choice[C], error: OtpkitError) -> None:
        """Renting from ``choice`` was refused: skip it from now on (no attempt used)."""
        self.choices.remove(choice)
        product = choice.product
        self._skip(error, provider=product.provider, product=product.id, country=product.country)

    def _skip(
        self, error: OtpkitError, *, provider: str, product: str, country: str | None
    ) -> None:
        self._refusal = error
        self.tried.append(
            Attempt(provider, product, country, None, 0.0, str(error), None, verdict_of(error))
        )

    def record(
        self,
        choice: Choice[C],
        rental: RentalInfo,
        seconds: float,
        failure: OtpkitError | None,
        outcome: CancelOutcome | None,
    ) -> Attempt:
        """A number was tried: ``failure`` is why it was dropped (None: it verified)."""
        attempt = Attempt(
            provider=rental.provider,
            product=rental.product_id,
            country=choice.product.country,
            number=rental.number,
            seconds=seconds,
            dropped=None if failure is None else why_dropped(failure),
            refunded=None if outcome is None else outcome.refunded,
            verdict=None if failure is None else verdict_of(failure),
        )
        self.tried.append(attempt)
        if failure is not None:
            self._next += 1  # a dead number moves on to the next offer
        return attempt

    def failure(self) -> OtpkitError:
        """The error that ends a verification without a verified number."""
        rented = [attempt for attempt in self.tried if attempt.number is not None]
        if not rented:
            if self._refusal is not None:
                return self._refusal
            return ConfigurationError("verify was given no client to rent from")
        lines = "\n".join(f"  {n}. {attempt}" for n, attempt in enumerate(self.tried, 1))
        noun = "number" if len(rented) == 1 else "numbers"
        refunded = sum(1 for attempt in rented if attempt.refunded)
        return VerificationFailedError(
            f"no verification after {len(rented)} {noun} ({refunded} refunded):\n{lines}",
            attempts=self.tried,
            waited=sum(attempt.seconds for attempt in self.tried),
            verdict=self.tried[-1].verdict,
        )
