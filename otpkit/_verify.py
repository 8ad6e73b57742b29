"""``verify`` and ``verify_async``: pass a verification although numbers fail.

Thin loops over a ``Rotation`` (which decides everything, without I/O): rent from the offer it
names, run the user's ``flow`` on the rental, always cancel, report back. ``flow`` is the
user's code (sync or async), so it cannot run inside an operation; these loops are the only
place that calls it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from otpkit._errors import InsufficientBalanceError, OtpkitError, OutOfStockError, PriceLimitError
from otpkit._rotation import ROTATES, Rotation, countries_of, offering

if TYPE_CHECKING:
    from otpkit._async_client import AsyncClient
    from otpkit._client import Client
    from otpkit._rental import AsyncRental, Rental

__all__ = ["verify", "verify_async"]

T = TypeVar("T")

#: Refusals of an order that say "not here": the rotation skips that offer.
REFUSED = (OutOfStockError, InsufficientBalanceError, PriceLimitError)

Country = str | Sequence[str] | None


def verify(
    clients: Client | Sequence[Client],
    product: str,
    flow: Callable[[Rental], T],
    *,
    attempts: int = 3,
    attempt_timeout: float | None = None,
    country: Country = None,
    max_price: Decimal | None = None,
) -> T:
    """Run ``flow(rental)`` on a fresh number until it passes; returns what ``flow`` returns.

    ``CodeTimeoutError`` or ``NumberRejectedError`` (``rental.reject_number``) from ``flow``
    cancels that number (refunded: no SMS came) and tries the next, up to ``attempts``
    numbers; any other error is raised at once (the rental still cancelled). ``clients`` (one
    per provider) and ``country`` (a list) are fallbacks: out of stock, insufficient balance,
    over ``max_price`` or a failed number moves on to the next offer, ordered by what the
    journal learned (cheapest per delivered code first). ``attempt_timeout`` is the default
    timeout of each attempt's ``rental.wait_for_code()``. Raises ``VerificationFailedError``
    (its ``attempts`` say how each went) when every attempt failed.

    >>> code = otpkit.verify(  # doctest: +SKIP
    ...     [jesusnumber, sanalnumara], "google", sign_up, attempts=3, attempt_timeout=60
    ... )
    """
    rotation: Rotation[Client] = Rotation(attempts)
    for client in _listed(clients):
        found = client.run(offering(client.provider, product, countries_of(country), max_price))
        rotation.offer(client, found, journal=client.journal, base_url=client.base_url)
    while (choice := rotation.next_choice()) is not None:
        started = time.monotonic()
        try:
            rental = choice.client.rent(choice.product)
        except REFUSED as refused:
            rotation.refused(choice, refused)
            continue
        rental._limit_waits(attempt_timeout)
        failure: OtpkitError | None = None
        with rental:
            try:
                result = flow(rental)
            except ROTATES as error:
                failure = error
        rotation.record(choice, rental, time.monotonic() - started, failure, rental.outcome)
        if failure is None:
            return result
    raise rotation.failure()


async def verify_async(
    clients: AsyncClient | Sequence[AsyncClient],
    product: str,
    flow: Callable[[AsyncRental], Awaitable[T]],
    *,
    attempts: int = 3,
    attempt_timeout: float | None = None,
    country: Country = None,
    max_price: Decimal | None = None,
) -> T:
    """``verify`` for async clients and an async ``flow``; the same rules."""
    rotation: Rotation[AsyncClient] = Rotation(attempts)
    for client in _listed(clients):
        operation = offering(client.provider, product, countries_of(country), max_price)
        found = await client.run(operation)
        rotation.offer(client, found, journal=client.journal, base_url=client.base_url)
    while (choice := rotation.next_choice()) is not None:
        started = time.monotonic()
        try:
            rental = await choice.client.rent(choice.product)
        except REFUSED as refused:
            rotation.refused(choice, refused)
            continue
        rental._limit_waits(attempt_timeout)
        failure: OtpkitError | None = None
        async with rental:
            try:
                result = await flow(rental)
            except ROTATES as error:
                failure = error
        rotation.record(choice, rental, time.monotonic() - started, failure, rental.outcome)
        if failure is None:
            return result
    raise rotation.failure()


C = TypeVar("C")


def _listed(clients: C | Sequence[C]) -> list[C]:
    return list(clients) if isinstance(clients, Sequence) else [clients]
