"""What the sync and the async client share that involves no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from otpkit._cancelling import cancelling
from otpkit._errors import ConfigurationError, RateLimitError
from otpkit._exchange import LIMITER_PATIENCE, exchanging
from otpkit._journal import RentalJournal
from otpkit._limiter import RequestLimiter
from otpkit._models import CancelOutcome, Product, RentalInfo
from otpkit._push import Inbox
from otpkit._redact import MASK
from otpkit._renting import renting
from otpkit._slots import RentalCap
from otpkit._sweep import SweepReport, attaching, sweeping
from otpkit._version import __version__
from otpkit.providers import Call, JesusNumber, Operation, Provider, SanalNumara

P = TypeVar("P", bound=Provider)
T = TypeVar("T")

USER_AGENT = f"otpkit/{__version__}"


@dataclass(frozen=True)
class RentalPolicy:
    """How a client rents: where rentals are journaled, the spend cap, push, default wait."""

    journal: RentalJournal | None = None
    budget: Decimal | None = None
    #: Products above this price (or with none known) are refused before renting.
    max_price: Decimal | None = None
    push: Inbox | None = None
    code_timeout: float = 120.0
    limiter: RequestLimiter | None = None
    slots: RentalCap | None = None
    #: What closing the client closes too: what ``connect`` opened for it (a push inbox).
    closers: tuple[Callable[[], None], ...] = ()


class DriverBase:
    """Holds the provider protocol, timeouts and rental policy; knows nothing of sockets."""

    def __init__(
        self,
        provider: Provider,
        *,
        request_timeout: float,
        call_timeout: float,
        policy: RentalPolicy | None = None,
    ) -> None:
        self.provider = provider
        self.request_timeout = request_timeout
        self.call_timeout = call_timeout
        self.policy = policy or RentalPolicy()

    @property
    def journal(self) -> RentalJournal | None:
        """The rental journal, if rentals are journaled."""
        return self.policy.journal

    @property
    def push(self) -> Inbox | None:
        """The push inbox SMS are delivered to, if push delivery is on."""
        return self.policy.push

    def _exchanging(self, operation: Operation[T]) -> Operation[T]:
        """``operation`` with this client's retries and timeouts around each of its calls."""
        return exchanging(
            operation, call_timeout=self.call_timeout, request_timeout=self.request_timeout
        )

    def _timed(self, call: Call[Any]) -> httpx.Request:
        """The call's request, told how long its reply may take."""
        timeout = http_timeout(call.timeout if call.timeout is not None else self.request_timeout)
        call.request.extensions = {**call.request.extensions, "timeout": timeout.as_dict()}
        return call.request

    def _reply_budget(self, call: Call[Any]) -> float:
        """Seconds the whole reply may take: httpx's timeouts bound each read, so a provider
        dripping its body a byte at a time would otherwise never be cut off."""
        return call.timeout if call.timeout is not None else self.request_timeout

    def _patience(self, call: Call[Any]) -> float:
        return call.patience if call.patience is not None else LIMITER_PATIENCE

    def _throttled(self, call: Call[Any]) -> RateLimitError:
        return RateLimitError(
            f"{call.endpoint}: the shared request budget for the key stayed used "
            f"up for {self._patience(call):g} s",
            provider=self.provider.name,
            endpoint=call.endpoint,
        )

    def _cancelling(self, rental: RentalInfo | str) -> Operation[CancelOutcome]:
        """Cancel ``rental`` (bound or by id), closing its journal row if it has one."""
        return cancelling(self.provider, rental, journal=self.journal)

    def _attaching(self, order_id: str) -> Operation[tuple[RentalInfo, int | None]]:
        return attaching(self.provider, self.journal, order_id)

    def _sweeping(self, journal: RentalJournal | None, held: bool) -> Operation[SweepReport]:
        return sweeping(self.provider, journal or self.journal, held=held)

    def _renting(
        self, product: Product | str, options: dict[str, Any]
    ) -> Operation[tuple[RentalInfo, int | None]]:
        return renting(
            self.provider,
            product,
            journal=self.policy.journal,
            budget=self.policy.budget,
            options=options,
            max_price=self.policy.max_price,
        )

    @property
    def base_url(self) -> str:
        """The provider's base URL this client talks to."""
        return self.provider.base_url

    @property
    def provider_name(self) -> str:
        """The provider's name (``"jesusnumber"``, ``"sanalnumara"``)."""
        return self.provider.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.provider.name} {self.provider.base_url} key={MASK}>"

    def _only(self, kind: type[P], what: str) -> P:
        if not isinstance(self.provider, kind):
            raise ConfigurationError(
                f"{what} is a {kind.name} endpoint; this client talks to {self.provider.name}"
            )
        return self.provider

    def _jesusnumber(self, what: str) -> JesusNumber:
        return self._only(JesusNumber, what)

    def _sanalnumara(self, what: str) -> SanalNumara:
        return self._only(SanalNumara, what)


def http_timeout(request_timeout: float) -> httpx.Timeout:
    """The per-request timeout: connecting gets less, since a dead host should fail fast."""
    return httpx.Timeout(request_timeout, connect=min(request_timeout, 5.0))
