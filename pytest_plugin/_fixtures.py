"""The fixtures: ``phone_number``, ``otp``, ``rent_phone_number``, ``otp_client``, ``otp_sandbox``.

A thin skin over ``otpkit``: a fixture rents with a client, hands out a ``PhoneNumber``, and its
teardown cancels the rental whatever the test did (failed, errored, timed out, interrupted).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from pytest_plugin._session import OtpSession

if TYPE_CHECKING:
    import otpkit
    import otpkit.sandbox

__all__ = [
    "MARKER_KEYS",
    "Otp",
    "attempt_timeout_of",
    "attempts_of",
    "check_marker",
    "otp",
    "otp_client",
    "otp_sandbox",
    "otp_session",
    "phone_number",
    "rent_phone_number",
]

_SESSION = pytest.StashKey["OtpSession"]()


def session_of(config: pytest.Config) -> OtpSession | None:
    """The run's otpkit session in this process, if a fixture created it."""
    return config.stash.get(_SESSION, None)


@pytest.fixture(scope="session")
def otp_session(request: pytest.FixtureRequest) -> Iterator[OtpSession]:
    """The run's otpkit state in this process: settings, shared run, one client per provider."""
    session = OtpSession(request.config)
    request.config.stash[_SESSION] = session
    yield session
    session.close()


@pytest.fixture(scope="session")
def otp_client(otp_session: OtpSession) -> otpkit.Client:
    """A client of the configured provider, for direct use (``otp_client.balance()``...)."""
    return otp_session.client(None)


@pytest.fixture(scope="session")
def otp_sandbox(otp_session: OtpSession) -> otpkit.sandbox.Sandbox:
    """The run's sandbox (``--otp-sandbox``): ``base_url``, ``deliver_to_number``, ``ledger``...

    Its URL is also in ``OTPKIT_SANDBOX_URL``, for the app the tests start.
    """
    return otp_session.sandbox()


class Otp:
    """The code of one rented number: ``otp()`` waits for it and returns it.

    ``otp.wait(timeout)`` is the same; ``otp.message()`` returns the whole SMS; in async tests
    ``await otp.wait_async()`` / ``await otp.message_async()`` wait without blocking the loop.
    ``new=True`` waits for a code newer than the last one returned (a "resend" flow).
    """

    def __init__(self, phone_number: otpkit.PhoneNumber, timeout: float | None) -> None:
        self.phone_number = phone_number
        self.timeout = timeout

    @property
    def rental(self) -> otpkit.Rental:
        return self.phone_number.rental  # type: ignore[return-value]

    def __call__(self, timeout: float | None = None, **filters: Any) -> str:
        return self.wait(timeout, **filters)

    def wait(self, timeout: float | None = None, **filters: Any) -> str:
        """Wait for the code (``sender``, ``contains``, ``pattern``, ``new`` filter it)."""
        return self.rental.wait_for_code(self.timeout if timeout is None else timeout, **filters)

    def message(self, timeout: float | None = None, **filters: Any) -> otpkit.Message:
        """Wait for the SMS and return it whole."""
        return self.rental.wait_for_message(self.timeout if timeout is None else timeout, **filters)

    async def wait_async(self, timeout: float | None = None, **filters: Any) -> str:
        """``wait`` for async tests."""
        return await asyncio.to_thread(self.wait, timeout, **filters)

    async def message_async(self, timeout: float | None = None, **filters: Any) -> otpkit.Message:
        """``message`` for async tests."""
        return await asyncio.to_thread(self.message, timeout, **filters)

    def reject_number(self, reason: str) -> NoReturn:
        """Say the app under test refused this number ("this number can't be used").

        Raises ``otpkit.NumberRejectedError``: with ``@pytest.mark.otp(attempts=N)`` the test
        starts over on a fresh number (this one is cancelled, so refunded); else it fails.
        """
        # The rental's own: its timeline and the journal learn of it, its verdict is told.
        self.rental.reject_number(reason)

    def __repr__(self) -> str:
        return f"<Otp for {self.phone_number}>"


#: What ``@pytest.mark.otp(...)`` takes; anything else is a mistake worth saying at once.
MARKER_KEYS = (
    "provider",
    "product",
    "country",
    "timeout",
    "sandbox_sms",
    "attempts",
    "attempt_timeout",
)


def check_marker(item: pytest.Item) -> None:
    """Refuse, at collection, an ``otp`` marker with arguments it does not take."""
    for marker in item.iter_markers("otp"):
        unknown = sorted(set(marker.kwargs) - set(MARKER_KEYS))
        if marker.args or unknown:
            what = ", ".join(unknown) if unknown else "positional arguments"
            raise pytest.UsageError(
                f"@pytest.mark.otp does not take {what} (in {item.nodeid}); "
                f"it takes: {', '.join(MARKER_KEYS)}"
            )
        attempts = marker.kwargs.get("attempts", 1)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise pytest.UsageError(
                f"@pytest.mark.otp(attempts=...) takes a whole number >= 1, got {attempts!r} "
                f"(in {item.nodeid})"
            )
        per_attempt = marker.kwargs.get("attempt_timeout")
        if per_attempt is not None and (
            isinstance(per_attempt, bool)
            or not isinstance(per_attempt, (int, float))
            or per_attempt <= 0
        ):
            raise pytest.UsageError(
                f"@pytest.mark.otp(attempt_timeout=...) takes seconds > 0 (in {item.nodeid})"
            )


def _marked(node: pytest.Item) -> dict[str, Any]:
    marker = node.get_closest_marker("otp")
    return dict(marker.kwargs) if marker is not None else {}


def _marker(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _marked(request.node)


def attempts_of(item: pytest.Item) -> int:
    """How many numbers ``item`` may go through: its marker, else the run's setting."""
    marked = _marked(item).get("attempts")
    if marked is not None:
        return int(marked)
    session = session_of(item.config)
    return session.settings.attempts if session is not None else 1


def attempt_timeout_of(item: pytest.Item) -> float | None:
    """Seconds ``otp()`` waits on each number of ``item``'s rotation (None: its timeout)."""
    marked = _marked(item).get("attempt_timeout")
    if marked is not None:
        return float(marked)
    session = session_of(item.config)
    return session.settings.attempt_timeout if session is not None else None


@pytest.fixture
def rent_phone_number(
    request: pytest.FixtureRequest, otp_session: OtpSession
) -> Iterator[Callable[..., otpkit.PhoneNumber]]:
    """A factory for tests that need several numbers; every one is cancelled at teardown.

    ``rent_phone_number(product=None, *, provider=None, country=None)``; unset arguments come
    from ``@pytest.mark.otp(...)``, then from the options. With ``sandbox_sms=False`` in the
    marker the sandbox sends these numbers no stand-in SMS: the app under test texts them.
    """
    marked = _marker(request)
    sandbox_sms = marked.get("sandbox_sms", True)
    if not isinstance(sandbox_sms, bool):
        pytest.fail("otpkit: @pytest.mark.otp(sandbox_sms=...) takes True or False", pytrace=False)
    rented: list[otpkit.PhoneNumber] = []

    def rent(
        product: str | None = None, *, provider: str | None = None, country: str | None = None
    ) -> otpkit.PhoneNumber:
        number = otp_session.rent(
            product or marked.get("product"),
            provider=provider or marked.get("provider"),
            country=country or marked.get("country"),
            sandbox_sms=sandbox_sms,
        )
        rented.append(number)
        request.node.stash.setdefault(RENTED, []).append(number)
        return number

    yield rent
    for number in reversed(rented):
        otp_session.release(number)


#: The numbers a test rented, for its failure report.
RENTED = pytest.StashKey[list["otpkit.PhoneNumber"]]()


@pytest.fixture
def phone_number(rent_phone_number: Callable[..., otpkit.PhoneNumber]) -> otpkit.PhoneNumber:
    """A number rented for this test (an E.164 ``str``); cancelled at teardown, always."""
    return rent_phone_number()


@pytest.fixture
def otp(request: pytest.FixtureRequest, phone_number: otpkit.PhoneNumber) -> Otp:
    """Waits for the SMS code of ``phone_number``: ``page.fill("#code", otp())``.

    While the test rotates (``attempts`` > 1), ``otp()`` waits ``attempt_timeout`` seconds.
    """
    timeout = _marker(request).get("timeout")
    if attempts_of(request.node) > 1:
        timeout = attempt_timeout_of(request.node) or timeout
    return Otp(phone_number, float(timeout) if timeout is not None else None)
