"""The asynchronous driver: runs the same provider operations over ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

import httpx

from otpkit._driver import (
    USER_AGENT,
    DriverBase,
    RentalPolicy,
    http_timeout,
)
from otpkit._errors import OtpkitError
from otpkit._exchange import settle, transport_error
from otpkit._journal import RentalJournal
from otpkit._models import (
    Balance,
    CancelOutcome,
    Category,
    Message,
    Order,
    OrdersPage,
    Product,
    RentalInfo,
    Service,
    ServiceDetails,
)
from otpkit._rental import AsyncRental, AsyncRenting
from otpkit._sweep import SweepReport
from otpkit._verify import verify_async
from otpkit.providers import Call, Operation, Pause, Provider

T = TypeVar("T")

__all__ = ["AsyncClient"]


@dataclass(frozen=True)
class _Done:
    value: Any


def _advance(operation: Operation[Any], sent: Any) -> Call[Any] | Pause | _Done:
    # StopIteration cannot cross a thread's future, so the end is a value here.
    try:
        if isinstance(sent, OtpkitError):
            return operation.throw(sent)
        return operation.send(sent)
    except StopIteration as done:
        return _Done(done.value)


async def _resume(operation: Operation[Any], sent: Any) -> Call[Any] | Pause | _Done:
    """Run the operation's next stretch in a worker thread (a first ``send(None)`` starts it)."""
    return await asyncio.to_thread(_advance, operation, sent)


class AsyncClient(DriverBase):
    """An asynchronous client of one provider. Create it with ``otpkit.connect_async``.

    >>> async with otpkit.connect_async("jesusnumber", api_key="...") as client:  # doctest: +SKIP
    ...     print((await client.balance()).available)
    """

    def __init__(
        self,
        provider: Provider,
        *,
        request_timeout: float = 15.0,
        call_timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RentalPolicy | None = None,
    ) -> None:
        super().__init__(
            provider, request_timeout=request_timeout, call_timeout=call_timeout, policy=policy
        )
        self._http = httpx.AsyncClient(
            timeout=http_timeout(request_timeout),
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    # -- running operations --------------------------------------------------------------------

    async def run(self, operation: Operation[T]) -> T:
        """Execute a provider operation: send each call it yields, feed back the results.

        The operation's own steps run in a worker thread: what it does between requests
        (journal and coordinator writes) never blocks the event loop.
        """
        operation = self._exchanging(operation)
        step = await _resume(operation, None)
        while not isinstance(step, _Done):
            if isinstance(step, Pause):
                await self._pause(step)
                step = await _resume(operation, None)
                continue
            try:
                result = await self._send(step)
            except OtpkitError as error:
                step = await _resume(operation, error)
            else:
                step = await _resume(operation, result)
        return step.value  # type: ignore[no-any-return]

    async def _pause(self, pause: Pause) -> None:
        push = self.policy.push
        if pause.wake is not None and push is not None:
            await push.wait_async(pause.wake, pause.seconds)
        else:
            await asyncio.sleep(pause.seconds)

    async def _send(self, call: Call[T]) -> T:
        """One request, no retries (those are the operation's)."""
        limiter = self.policy.limiter
        if limiter is not None and not await limiter.acquire_async(self._patience(call)):
            raise self._throttled(call)
        request = self._timed(call)
        try:
            try:
                # httpx's timeouts bound each read; this bounds the whole reply.
                response = await asyncio.wait_for(
                    self._http.send(request), self._reply_budget(call)
                )
            except asyncio.TimeoutError:
                raise httpx.ReadTimeout(
                    "the reply outlasted its deadline", request=request
                ) from None
        except httpx.TransportError as error:
            raise transport_error(self.provider.name, call, error) from None
        return settle(self.provider.name, call, response, call.attempt)

    # -- every provider ------------------------------------------------------------------------

    async def balance(self) -> Balance:
        """The wallet balance."""
        return await self.run(self.provider.balance())

    async def products(self, **filters: Any) -> list[Product]:
        """Rentable products (same filters as ``Client.products``)."""
        return await self.run(self.provider.products(**filters))

    async def find_product(self, query: str, country: str | None = None) -> Product:
        """The best in-stock product for ``query`` (an id or a name), cheapest first."""
        return await self.run(self.provider.find_product(query, country))

    def rent(self, product: Product | str, **options: Any) -> AsyncRenting:
        """Rent a number for ``product`` (same options as ``Client.rent``).

        ``await`` it for an ``AsyncRental``, or ``async with`` it to cancel on every exit.
        """

        async def start() -> AsyncRental:
            slots = self.policy.slots
            slot = await slots.acquire_async() if slots else None
            try:
                info, row = await self.run(self._renting(product, options))
            except BaseException:
                if slot is not None:
                    slot.release()
                raise
            rental = AsyncRental.model_construct(**dict(info))
            rental.bind(self, self.journal, row, self.policy.code_timeout, slot)
            if self.push is not None:
                await self.push.watch_async(rental.id)
            return rental

        return AsyncRenting(start)

    async def verify(
        self,
        product: str,
        flow: Callable[[AsyncRental], Awaitable[T]],
        *,
        attempts: int = 3,
        attempt_timeout: float | None = None,
        country: str | Sequence[str] | None = None,
        max_price: Decimal | None = None,
    ) -> T:
        """``Client.verify`` with an async ``flow``: the same rotation rules."""
        return await verify_async(
            self,
            product,
            flow,
            attempts=attempts,
            attempt_timeout=attempt_timeout,
            country=country,
            max_price=max_price,
        )

    async def messages(self, rental: RentalInfo | str) -> list[Message]:
        """The SMS received so far by ``rental``."""
        return await self.run(self.provider.messages(rental))

    async def cancel(self, rental: RentalInfo | str) -> CancelOutcome:
        """Cancel / reject ``rental`` (a rental or an order id); a refusal on business grounds
        (code delivered, already cancelled, refund window over) is an outcome, not an error."""
        if isinstance(rental, AsyncRental) and rental.bound_to(self):
            return await rental.cancel()
        return await self.run(self._cancelling(rental))

    # -- jesusnumber ---------------------------------------------------------------------------

    async def order(self, order_id: str) -> Order:
        """One order of this account (jesusnumber)."""
        return await self.run(self._jesusnumber("order()").order(order_id))

    async def orders(self, page: int = 1, per_page: int = 20) -> OrdersPage:
        """One page of this account's orders, newest first (jesusnumber)."""
        return await self.run(self._jesusnumber("orders()").orders(page, per_page))

    async def iter_orders(self, per_page: int = 100) -> AsyncIterator[Order]:
        """Every order of this account, newest first, page after page (jesusnumber)."""
        provider = self._jesusnumber("iter_orders()")
        page_number: int | None = 1
        while page_number is not None:
            page = await self.run(provider.orders(page_number, per_page))
            for order in page.orders:
                yield order
            page_number = provider.next_page(page)

    # -- sanalnumara ---------------------------------------------------------------------------

    async def categories(self) -> list[Category]:
        """The apps/sites numbers can be rented for (sanalnumara)."""
        return await self.run(self._sanalnumara("categories()").categories())

    async def services(self, category_id: str) -> list[Service]:
        """The countries offered inside a category (sanalnumara)."""
        return await self.run(self._sanalnumara("services()").services(category_id))

    async def service_details(self, service_id: str) -> ServiceDetails:
        """Price and stock of one service (sanalnumara)."""
        return await self.run(self._sanalnumara("service_details()").service_details(service_id))

    async def sweep(
        self, journal: RentalJournal | None = None, *, held: bool = False
    ) -> SweepReport:
        """Cancel every rental of this account that a crashed or killed process left open
        (with ``held``, also those kept open on purpose by ``otpkit rent``)."""
        return await self.run(self._sweeping(journal, held))

    async def attach(self, order_id: str) -> AsyncRental:
        """A handle on an existing rental, by order id (its details from the journal)."""
        info, row = await self.run(self._attaching(order_id))
        rental = AsyncRental.model_construct(**dict(info))
        rental.bind(self, self.journal, row, self.policy.code_timeout)
        if self.push is not None:
            await self.push.watch_async(rental.id)
        return rental

    # -- lifetime ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()
        for close in self.policy.closers:
            close()

    async def close(self) -> None:
        """Same as ``aclose``."""
        await self.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
