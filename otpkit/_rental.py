"""Rented numbers as handles: wait for the code, and always cancel.

``Rental`` (sync) and ``AsyncRental`` (async) are the same ``RentalInfo`` data bound to a client.
As context managers they cancel on every exit: normal, exception, timeout, Ctrl-C, and SIGTERM
(turned into ``SystemExit`` when no other handler is installed). A cancel that still fails after
retries is left in the journal for ``otpkit sweep`` and reported as a warning, never raised over
the test's own outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import signal
import threading
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Generator
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict

from pydantic import PrivateAttr
from typing_extensions import Unpack

from otpkit._cancelling import cancelling, unconfirmed
from otpkit._errors import (
    CodeTimeoutError,
    ConfigurationError,
    NumberRejectedError,
    OtpkitError,
    RefundWindowWarning,
    RentalCleanupWarning,
)
from otpkit._models import CancelOutcome, Message, RentalInfo
from otpkit._slots import Slot
from otpkit._timeline import Timeline, TimelineEvent, Verdict
from otpkit._waiting import CodeWait, MessageFilter, message_key, schedule_for, waiting
from otpkit.providers import Operation
from otpkit.providers._base import now

if TYPE_CHECKING:
    from otpkit._async_client import AsyncClient
    from otpkit._client import Client
    from otpkit._journal import RentalJournal

__all__ = ["AsyncRental", "AsyncRenting", "PhoneNumber", "Rental"]

#: The outcome of a rental whose code was received: the provider keeps the payment.
RECEIVED_CODE = CancelOutcome(
    refunded=False, detail="a code was received, so the rental is used and paid for (no refund)"
)

#: A warning is given when a rental is used this close to the end of its refund window.
REFUND_WARNING_MARGIN = timedelta(seconds=60)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def install_sigterm_handler() -> None:
    """Make SIGTERM unwind the stack (so rentals cancel) unless someone else handles it."""
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _terminate)
    except (ValueError, OSError):  # pragma: no cover  (no signals on this platform/thread)
        pass


class WaitFilters(TypedDict, total=False):
    """Which messages a wait accepts: from ``sender``, containing ``contains`` (both
    case-insensitive), matching ``pattern`` (a regex), and with ``new=True`` only messages newer
    than those an earlier wait returned (a "resend code" flow)."""

    sender: str | None
    contains: str | None
    pattern: str | re.Pattern[str] | None
    new: bool


class _RentalCore(RentalInfo):
    """What both handles share: journal bookkeeping, wait state and warnings; no I/O."""

    _client: Client | AsyncClient = PrivateAttr()

    _journal: RentalJournal | None = PrivateAttr(default=None)
    _row: int | None = PrivateAttr(default=None)
    _outcome: CancelOutcome | None = PrivateAttr(default=None)
    _consumed: Counter[tuple[str, str | None, str | None]] = PrivateAttr(default_factory=Counter)
    _default_timeout: float = PrivateAttr(default=120.0)
    _slot: Slot | None = PrivateAttr(default=None)
    _code_received: bool = PrivateAttr(default=False)
    _timeline: Timeline = PrivateAttr(default_factory=Timeline)
    _verdict: Verdict | None = PrivateAttr(default=None)

    @property
    def timeline(self) -> tuple[TimelineEvent, ...]:
        """This rental's story so far: rented, polls, pushes, SMS, code, cancel and money."""
        return self._timeline.events

    @property
    def verdict(self) -> Verdict | None:
        """Why this number failed, if it did: its last wait's verdict, or ``number_rejected``
        (None while its last wait received a code)."""
        return self._verdict

    def _bound(self) -> None:
        price = "price unknown" if self.price is None else f"charged {self.price}"
        # No number here: reports mask it, and the record beside the timeline holds it.
        what = self.service or self.product_id
        self._timeline.add("rented", f"{what} from {self.provider} (order {self.id}), {price}")
        install_sigterm_handler()

    @property
    def journal_row(self) -> int | None:
        """This rental's row in the journal, if it is journaled."""
        return self._row

    def bound_to(self, client: object) -> bool:
        """Whether this rental belongs to ``client``."""
        return getattr(self, "_client", None) is client

    @property
    def outcome(self) -> CancelOutcome | None:
        """How the rental was cancelled, once it was."""
        return self._outcome

    @property
    def refund_seconds_left(self) -> float | None:
        """Seconds until a cancel stops refunding (None: no window known)."""
        if self.refund_deadline is None:
            return None
        return (self.refund_deadline - now()).total_seconds()

    def _warn_if_refund_window_closing(self) -> None:
        left = self.refund_seconds_left
        if left is not None and left < REFUND_WARNING_MARGIN.total_seconds():
            state = f"ends in {left:.0f} s" if left > 0 else "has ended"
            warnings.warn(
                f"the refund window of {self.number} ({self.provider} {self.id}) {state}: "
                "cancel soon or it will not be refunded",
                RefundWindowWarning,
                stacklevel=4,
            )

    def _waiting(
        self, timeout: float | None, need_code: bool, filters: WaitFilters
    ) -> Operation[Message]:
        """The wait as an operation for the client to run (filters checked up front)."""
        self._warn_if_refund_window_closing()
        pattern, new = filters.get("pattern"), filters.get("new", False)
        only = MessageFilter(
            sender=filters.get("sender"),
            contains=filters.get("contains"),
            pattern=re.compile(pattern) if isinstance(pattern, str) else pattern,
        )
        provider = self._client.provider
        only.check_against(provider)
        timeout = self._default_timeout if timeout is None else _checked_timeout(timeout)
        pushed = self._client.push is not None
        schedule_first = schedule_for(pushed).first
        # The schedule starts with the wait; only a number rented just now (or a code just
        # asked to be resent) gets a moment before the first poll: its SMS cannot be there yet.
        age = (now() - self.rented_at).total_seconds()
        wait = CodeWait(
            rental=self,
            timeout=timeout,
            only=only,
            need_code=need_code,
            baseline=Counter(self._consumed) if new else Counter(),
            pushed=pushed,
            first_pause=schedule_first if new else max(0.0, schedule_first - age),
            timeline=self._timeline,
        )
        what = "a code" if need_code else "an SMS"
        shown = f" ({only})" if str(only) else ""
        how = "pushed, polled as a safety net" if pushed else "polled"
        self._timeline.add("wait", f"waiting up to {timeout:g} s for {what}{shown}, {how}")
        return self._noting_timeout(
            waiting(provider, wait, lambda messages: self._found(messages, wait))
        )

    def _noting_timeout(self, wait: Operation[Message]) -> Operation[Message]:
        # The journal learns which numbers deliver: a wait that times out is a failure.
        try:
            return (yield from wait)
        except CodeTimeoutError as error:
            self._verdict = error.verdict
            self._timeline.add("gave_up", f"{error.verdict}: {error}")
            self._note_failure(f"no code after {error.waited:.1f} s")
            raise

    def _note_failure(self, detail: str) -> None:
        if self._journal is not None and self._row is not None:
            self._journal.failure(self._row, detail)

    def reject_number(self, reason: str) -> NoReturn:
        """Say the app under test refused this number ("this number can't be used"): raises
        ``NumberRejectedError``, which ``verify`` (and the pytest plugin) answer by cancelling
        the number (refunded: no SMS came) and going on with a fresh one.

        >>> if page.get_by_text("can't receive SMS").is_visible():  # doctest: +SKIP
        ...     rental.reject_number("app says: can't receive SMS")
        """
        self._note_failure(f"rejected: {reason}")
        self._verdict = Verdict.NUMBER_REJECTED
        self._timeline.add("rejected", reason)
        raise NumberRejectedError(
            f"the app refused {self.number} ({self.provider} order {self.id}): {reason}",
            number=self.number,
            reason=reason,
        )

    def _limit_waits(self, timeout: float | None) -> None:
        """Make ``timeout`` the default of this rental's waits (None keeps the client's)."""
        if timeout is not None:
            self._default_timeout = _checked_timeout(timeout)

    def _found(self, messages: list[Message], wait: CodeWait) -> Message | None:
        found = wait.choose(messages)
        if found is not None:
            # Everything seen up to the returned message is "old" for a later ``new=True`` wait.
            self._consumed = Counter(message_key(m) for m in messages)
            if found.code is not None:
                # Only what the provider's own SMS endpoint shows counts (never a push alone).
                self._code_received = True
                self._verdict = None
                self._timeline.add("code", f"code {found.code} after {wait.polls} poll(s)")
                if self._journal is not None and self._row is not None:
                    self._journal.code_received(self._row)
        return found

    def _cancelling(self) -> Operation[CancelOutcome]:
        """The cancel as an operation: none is sent once a code was received (both providers
        refuse then, and the payment stands); the journal is told either way."""
        return cancelling(
            self._client.provider,
            self,
            journal=self._journal,
            row=self._row,
            settled=RECEIVED_CODE if self._code_received else None,
        )

    def _release_slot(self) -> None:
        if self._slot is not None:
            self._slot.release()
            self._slot = None

    def _settled(self, outcome: CancelOutcome) -> CancelOutcome:
        self._release_slot()
        self._outcome = outcome
        if self._code_received:
            self._timeline.add("kept", f"paid {self.price}: {outcome.detail}")
        elif outcome.refunded:
            self._timeline.add("cancelled", f"refunded {self.price}: {outcome.detail}")
        else:
            self._timeline.add("cancelled", f"not refunded: {outcome.detail}")
        return outcome

    def _cancel_failed(self, error: BaseException) -> None:
        self._release_slot()
        self._timeline.add("cancel_failed", f"{error}; left for `otpkit sweep`")
        # A cancel sent without a reply may have landed: the sweep asks the provider which.
        what = (
            "the cancel got no reply in time (it may have landed)"
            if unconfirmed(error)
            else "could not cancel"
        )
        warnings.warn(
            f"{what}: {self.number} ({self.provider} {self.id}): {error}; "
            "it is left in the journal for `otpkit sweep`, which checks with the provider",
            RentalCleanupWarning,
            stacklevel=4,
        )


#: The longest wait otpkit takes as a deadline: longer ones are no deadline anyone meant.
MAX_TIMEOUT = 86_400.0


def _checked_timeout(timeout: float) -> float:
    # inf would never end (and nan ends at a moment nobody chose): a deadline is a number.
    usable = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    try:
        seconds = float(timeout) if usable else math.nan
    except OverflowError:  # an int too large for a float
        seconds = math.inf
    if not (0 <= seconds <= MAX_TIMEOUT):  # false for nan too
        raise ConfigurationError(
            f"timeout must be a finite number of seconds from 0 to {MAX_TIMEOUT:g} (a day), "
            f"got {timeout!r}"
        )
    return seconds


def _code_of(message: Message) -> str:
    assert message.code is not None  # need_code waits only return messages with a code
    return message.code


class Rental(_RentalCore):
    """A rented number (sync). ``with client.rent(product) as rental:`` always cancels it."""

    _client: Client = PrivateAttr()

    def bind(
        self,
        client: Client,
        journal: RentalJournal | None,
        row: int | None,
        timeout: float,
        slot: Slot | None = None,
    ) -> Rental:
        """Attach the rental to its client, journal row and rental slot."""
        self._client, self._journal, self._row = client, journal, row
        self._default_timeout, self._slot = timeout, slot
        self._bound()
        return self

    def messages(self) -> list[Message]:
        """The SMS received so far."""
        return self._client.messages(self)

    def wait_for_message(
        self, timeout: float | None = None, **filters: Unpack[WaitFilters]
    ) -> Message:
        """Wait for an SMS (the newest that counts; see ``WaitFilters``)."""
        return self._client.run(self._waiting(timeout, False, filters))

    def wait_for_code(self, timeout: float | None = None, **filters: Unpack[WaitFilters]) -> str:
        """Wait for the verification code; raises ``CodeTimeoutError`` at the deadline.

        >>> with client.rent(client.find_product("whatsapp")) as rental:  # doctest: +SKIP
        ...     page.fill("#phone", rental.number)
        ...     page.fill("#code", rental.wait_for_code(timeout=60))
        """
        return _code_of(self._client.run(self._waiting(timeout, True, filters)))

    def cancel(self) -> CancelOutcome:
        """Cancel / reject the rental (once; later calls return the same outcome). A cancel
        that fails is journaled for ``otpkit sweep``, warned about, and raised."""
        if self._outcome is not None:
            return self._outcome
        try:
            outcome = self._client.run(self._cancelling())
        except OtpkitError as error:
            self._cancel_failed(error)
            raise
        return self._settled(outcome)

    def release(self) -> None:
        """Cancel the rental, never raising: a failure is warned and left for the sweep
        (what a fixture's teardown wants)."""
        with contextlib.suppress(OtpkitError):
            self.cancel()

    def __enter__(self) -> Rental:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A failure was journaled and warned in cancel(); the test's own outcome stands.
        self.release()


class AsyncRental(_RentalCore):
    """A rented number (async). ``async with client.rent(product) as rental:`` always cancels."""

    _client: AsyncClient = PrivateAttr()

    def bind(
        self,
        client: AsyncClient,
        journal: RentalJournal | None,
        row: int | None,
        timeout: float,
        slot: Slot | None = None,
    ) -> AsyncRental:
        """Attach the rental to its client, journal row and rental slot."""
        self._client, self._journal, self._row = client, journal, row
        self._default_timeout, self._slot = timeout, slot
        self._bound()
        return self

    async def messages(self) -> list[Message]:
        """The SMS received so far."""
        return await self._client.messages(self)

    async def wait_for_message(
        self, timeout: float | None = None, **filters: Unpack[WaitFilters]
    ) -> Message:
        """Wait for an SMS (the newest that counts; see ``WaitFilters``)."""
        return await self._client.run(self._waiting(timeout, False, filters))

    async def wait_for_code(
        self, timeout: float | None = None, **filters: Unpack[WaitFilters]
    ) -> str:
        """Wait for the verification code; raises ``CodeTimeoutError`` at the deadline."""
        return _code_of(await self._client.run(self._waiting(timeout, True, filters)))

    async def cancel(self) -> CancelOutcome:
        """Cancel / reject the rental (once; later calls return the same outcome)."""
        if self._outcome is not None:
            return self._outcome
        try:
            outcome = await self._client.run(self._cancelling())
        except OtpkitError as error:
            # Releasing the rental slot may be file-lock or Redis I/O: off the event loop.
            await asyncio.to_thread(self._release_slot)
            self._cancel_failed(error)
            raise
        await asyncio.to_thread(self._release_slot)
        return self._settled(outcome)

    async def __aenter__(self) -> AsyncRental:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._outcome is None:
            # Shielded: a cancelled task (a timeout, Ctrl-C) must still get its refund, so the
            # cancel is finished before the cancellation goes on.
            cancelling = asyncio.ensure_future(self.cancel())
            try:
                await asyncio.shield(cancelling)
            except asyncio.CancelledError:
                await asyncio.wait([cancelling])
                if not cancelling.cancelled():
                    cancelling.exception()  # seen: a failure was journaled and warned in cancel()
                raise
            except OtpkitError:
                pass  # journaled and warned in cancel(); the test's own outcome stands


class AsyncRenting(Awaitable[AsyncRental]):
    """What ``AsyncClient.rent`` returns: ``await`` it, or use it as ``async with``."""

    def __init__(self, start: Callable[[], Awaitable[AsyncRental]]) -> None:
        self._start = start
        self._rental: AsyncRental | None = None

    def __await__(self) -> Generator[Any, None, AsyncRental]:
        return self._start().__await__()

    async def __aenter__(self) -> AsyncRental:
        self._rental = await self._start()
        return self._rental

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._rental is not None:
            await self._rental.__aexit__(exc_type, exc, tb)


class PhoneNumber(str):
    """A rented number that *is* its E.164 string, so it can be typed anywhere a str goes.

    >>> page.fill("#phone", phone_number)  # doctest: +SKIP
    >>> phone_number.national, phone_number.country_code, phone_number.rental.id  # doctest: +SKIP
    """

    rental: Rental | AsyncRental

    def __new__(cls, rental: Rental | AsyncRental) -> PhoneNumber:
        number = super().__new__(cls, rental.number)
        number.rental = rental
        return number

    @property
    def national(self) -> str:
        """The national significant number (no country code, no trunk prefix)."""
        return self.rental.national_number

    @property
    def country_code(self) -> int:
        """The country calling code (1, 44, 90...)."""
        return self.rental.country_code
