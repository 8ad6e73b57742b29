"""What a client shares through the coordinator: journal, request budget, rental cap, push."""

from __future__ import annotations

from otpkit._journal import Journal, RentalJournal
from otpkit._limiter import RequestLimiter
from otpkit._push import Inbox
from otpkit._redis._connection import Coordinator
from otpkit._redis._journal import RedisJournal
from otpkit._redis._limiter import RedisRequestLimiter
from otpkit._redis._push import RedisPushInbox
from otpkit._redis._slots import RedisSlots
from otpkit._settings import Settings
from otpkit._slots import RentalCap

__all__ = ["coordinated"]

Shared = tuple[RentalJournal | None, RequestLimiter | None, RentalCap | None, Inbox | None]


def coordinated(
    settings: Settings, api_key: str, journal: RentalJournal | None, push: Inbox | str | None
) -> Shared:
    """The journal (the local one wrapped), limiter, slots and inbox, all on the coordinator
    of ``settings``; ``CoordinatorError`` if it cannot be reached now."""
    url = settings.coordinator_url()
    if url is None:
        raise ValueError("no coordinator configured")
    coordinator = Coordinator.shared(url, lease=settings.coordinator_lease)
    if isinstance(journal, Journal):
        journal = RedisJournal(coordinator, journal)
    limiter = slots = None
    if settings.rate_limit:
        limiter = RedisRequestLimiter(coordinator, api_key, settings.rate_limit)
    if settings.max_rentals:
        slots = RedisSlots(coordinator, api_key, settings.max_rentals)
    # Push is switched on as without a coordinator (a receiver's inbox URL); waiters then read
    # Redis, where the receiver, wherever it runs, publishes what the provider pushes.
    inbox = RedisPushInbox(coordinator) if isinstance(push, str) else push
    return journal, limiter, slots, inbox
