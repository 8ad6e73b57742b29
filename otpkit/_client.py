"""The synchronous driver: runs provider operations over ``httpx.Client``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
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
from otpkit._rental import Rental
from otpkit._sweep import SweepReport
from otpkit._verify import verify
from otpkit.providers import Call, Operation, Pause, Provider

T = TypeVar("T")

__all__ = ["Client"]


class Client(DriverBase):
    """A synchronous client of one provider. Create it with ``otpkit.connect``.

    >>> with otpkit.connect("jesusnumber", api_key="...") as client:  # doctest: +SKIP
    ...     print(client.balance().available)
    """

    def __init__(
        self,
        provider: Provider,
        *,
        request_timeout: float = 15.0,
        call_timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        policy: RentalPolicy | None = None,
    ) -> None:
        super().__init__(
            provider, request_timeout=request_timeout, call_timeout=call_timeout, policy=policy
        )
        self._http = httpx.Client(
            timeout=http_timeout(request_timeout),
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    # -- running operations --------------------------------------------------------------------

    def run(self, operation: Operation[T]) -> T:
        """Execute a provider operation: send each call it yields, feed back the results."""
        operation = self._exchanging(operation)
        try:
            step = next(operation)
            while True:
                if isinstance(step, Pause):
                    self._pause(step)
                    step = operation.send(None)
                    continue
                try:
                    result = self._send(step)
                except OtpkitError as error:
                    step = operation.throw(error)
                else:
                    step = operation.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def _pause(self, pause: Pause) -> None:
        push = self.policy.push
        if pause.wake is not None and push is not None:
            push.wait(pause.wake, pause.seconds)
        else:
            time.sleep(pause.seconds)

    def _send(self, call: Call[T]) -> T:
        """One request, no retries (those are the operation's): the parsed reply or a typed
        error."""
        limiter = self.policy.limiter
        if limiter is not None and not limiter.acquire(self._patience(call)):
            raise self._throttled(call)
        try:
            response = self._within_budget(self._timed(call), self._reply_budget(call))
        except httpx.TransportError as error:
            raise transport_error(self.provider.name, call, error) from None
        return settle(self.provider.name, call, response, call.attempt)

    def _within_budget(self, request: httpx.Request, seconds: float) -> httpx.Response:
        """The whole reply to ``request``, or ``httpx.ReadTimeout`` once it took ``seconds``."""
        limit = time.monotonic() + seconds
        streamed = self._http.send(request, stream=True)
        try:
            body = bytearray()
            for chunk in streamed.iter_raw():
                body += chunk
                if time.monotonic() > limit:
                    raise httpx.ReadTimeout("the reply outlasted its deadline", request=request)
        finally:
            streamed.close()
        # Raw bytes under the reply's own headers: decoded (gzip...) once, when read.
        response = httpx.Response(
            streamed.status_code, headers=streamed.headers, content=bytes(body), request=request
        )
        response.read()
        return response

    # -- every provider ------------------------------------------------------------------------

    def balance(self) -> Balance:
        """The wallet balance."""
        return self.run(self.provider.balance())

    def products(self, **filters: Any) -> list[Product]:
        """Rentable products (jesusnumber filters: category, network, type, search;
        sanalnumara: category, country, search)."""
        return self.run(self.provider.products(**filters))

    def find_product(self, query: str, country: str | None = None) -> Product:
        """The best in-stock product for ``query`` (an id or a name), cheapest first."""
        return self.run(self.provider.find_product(query, country))

    def rent(self, product: Product | str, **options: Any) -> Rental:
        """Rent a number for ``product`` (a Product or its id); use it as ``with`` to always
        cancel. jesusnumber options: ``premium``, ``premium_quote_id``."""
        slot = self.policy.slots.acquire() if self.policy.slots else None
        try:
            info, row = self.run(self._renting(product, options))
        except BaseException:
            if slot is not None:
                slot.release()
            raise
        rental = Rental.model_construct(**dict(info))
        rental.bind(self, self.journal, row, self.policy.code_timeout, slot)
        if self.push is not None:
            self.push.watch(rental.id)
        return rental

    def verify(
        self,
        product: str,
        flow: Callable[[Rental], T],
        *,
        attempts: int = 3,
        attempt_timeout: float | None = None,
        country: str | Sequence[str] | None = None,
        max_price: Decimal | None = None,
    ) -> T:
        """Run ``flow(rental)`` on a fresh number per attempt until it passes; returns what
        ``flow`` returns. A ``CodeTimeoutError`` or ``NumberRejectedError`` from ``flow``
        cancels the number (refunded) and tries the next; see ``otpkit.verify``.

        >>> def sign_up(rental: otpkit.Rental) -> str:  # doctest: +SKIP
        ...     page.fill("#phone", rental.number)
        ...     return rental.wait_for_code()
        >>> client.verify("google", sign_up, country=["Turkey", "Germany"])  # doctest: +SKIP
        """
        return verify(
            self,
            product,
            flow,
            attempts=attempts,
            attempt_timeout=attempt_timeout,
            country=country,
            max_price=max_price,
        )

    def messages(self, rental: RentalInfo | str) -> list[Message]:
        """The SMS received so far by ``rental``."""
        return self.run(self.provider.messages(rental))

    def cancel(self, rental: RentalInfo | str) -> CancelOutcome:
        """Cancel / reject ``rental`` (a rental or an order id); a refusal on business grounds
        (code delivered, already cancelled, refund window over) is an outcome, not an error."""
        if isinstance(rental, Rental) and rental.bound_to(self):
            return rental.cancel()
        return self.run(self._cancelling(rental))

    # -- jesusnumber ---------------------------------------------------------------------------

    def order(self, order_id: str) -> Order:
        """One order of this account (jesusnumber)."""
        return self.run(self._jesusnumber("order()").order(order_id))

    def orders(self, page: int = 1, per_page: int = 20) -> OrdersPage:
        """One page of this account's orders, newest first (jesusnumber)."""
        return self.run(self._jesusnumber("orders()").orders(page, per_page))

    def iter_orders(self, per_page: int = 100) -> Iterator[Order]:
        """Every order of this account, newest first, page after page (jesusnumber)."""
        provider = self._jesusnumber("iter_orders()")
        page_number: int | None = 1
        while page_number is not None:
            page = self.run(provider.orders(page_number, per_page))
            yield from page.orders
            page_number = provider.next_page(page)

    # -- sanalnumara ---------------------------------------------------------------------------

    def categories(self) -> list[Category]:
        """The apps/sites numbers can be rented for (sanalnumara)."""
        return self.run(self._sanalnumara("categories()").categories())

    def services(self, category_id: str) -> list[Service]:
        """The countries offered inside a category (sanalnumara)."""
        return self.run(self._sanalnumara("services()").services(category_id))

    def service_details(self, service_id: str) -> ServiceDetails:
        """Price and stock of one service (sanalnumara)."""
        return self.run(self._sanalnumara("service_details()").service_details(service_id))

    def sweep(self, journal: RentalJournal | None = None, *, held: bool = False) -> SweepReport:
        """Cancel every rental of this account that a crashed or killed process left open
        (with ``held``, also those kept open on purpose by ``otpkit rent``)."""
        return self.run(self._sweeping(journal, held))

    def attach(self, order_id: str) -> Rental:
        """A handle on an existing rental, by order id (its details from the journal)."""
        info, row = self.run(self._attaching(order_id))
        rental = Rental.model_construct(**dict(info))
        rental.bind(self, self.journal, row, self.policy.code_timeout)
        if self.push is not None:
            self.push.watch(rental.id)
        return rental

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections."""
        self._http.close()
        for close in self.policy.closers:
            close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
