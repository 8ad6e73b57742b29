"""The one exception tree of otpkit.

Every failure a user can meet is one of these; none of their messages ever contains an API key.

    OtpkitError
    ├── ConfigurationError            missing/invalid provider, key, base URL, browser
    ├── BudgetExceededError           a rental would push net spend over the budget
    ├── PriceLimitError               a product costs more than ``max_price`` (or has no price)
    ├── RentalCapError                no rental slot freed up in time (also a TimeoutError)
    ├── CodeTimeoutError              no code before the deadline (also a built-in TimeoutError)
    │   └── VerificationFailedError   every attempt of a rotation failed (lists them)
    ├── NumberRejectedError           the app under test refused the number: try another one
    ├── CoordinatorError              the Redis coordinator (OTPKIT_COORDINATOR) failed or is away
    ├── JournalError                  the rental journal could not be written (disk, I/O, lock)
    ├── FillError                     a page did not take the phone number or code it was given
    └── ProviderError                 the provider answered (or failed to) in a way we cannot use
        ├── AuthenticationError       invalid or inactive API key
        ├── InsufficientBalanceError  not enough money for the order
        ├── OutOfStockError           no numbers for that product
        ├── ProductNotFoundError      unknown product / service, or no catalogue match
        ├── OrderNotFoundError        unknown order / number id
        ├── RentalCancelledError      the provider reports the rental as cancelled
        ├── RateLimitError            HTTP 429; ``retry_after`` seconds when the provider said
        ├── ValidationError           HTTP 422 with per-field ``errors``
        ├── MalformedResponseError    not JSON, truncated, or an unexpected shape
        ├── AmbiguousOrderError       an order request whose reply was lost: it may have charged
        ├── ServerError               HTTP 5xx
        └── NetworkError              connection failed or dropped
            └── RequestTimeoutError   no reply within the client timeout (also a TimeoutError)

The warnings, all ``UserWarning``: ``CoordinatorWarning`` (a rental went on without the
coordinator), ``RentalCleanupWarning`` (a cancel failed; the sweep will retry it) and
``RefundWindowWarning`` (a rental is used close to the end of its refund window).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from typing_extensions import Unpack

from otpkit._redact import redact
from otpkit._verdict import Verdict

if TYPE_CHECKING:
    from otpkit._rotation import Attempt

__all__ = [
    "AmbiguousOrderError",
    "AuthenticationError",
    "BudgetExceededError",
    "CodeTimeoutError",
    "ConfigurationError",
    "CoordinatorError",
    "CoordinatorWarning",
    "FillError",
    "InsufficientBalanceError",
    "JournalError",
    "MalformedResponseError",
    "NetworkError",
    "NumberRejectedError",
    "OrderNotFoundError",
    "OtpkitError",
    "OutOfStockError",
    "PriceLimitError",
    "ProductNotFoundError",
    "ProviderError",
    "RateLimitError",
    "RefundWindowWarning",
    "RentalCancelledError",
    "RentalCapError",
    "RentalCleanupWarning",
    "RequestTimeoutError",
    "ServerError",
    "ValidationError",
    "VerificationFailedError",
]


class OtpkitError(Exception):
    """Base class of every error raised by otpkit. Its message never shows a registered API key."""

    def __init__(self, message: str = "") -> None:
        # Redacting here covers every error, including provider replies that echo the key.
        super().__init__(redact(message))


class ConfigurationError(OtpkitError):
    """The configuration is missing or invalid (provider, API key, base URL, browser...)."""


class BudgetExceededError(OtpkitError):
    """Renting would push the net spend (charged minus refunded) over the configured budget."""

    def __init__(self, message: str, *, budget: Decimal, spent: Decimal, price: Decimal) -> None:
        super().__init__(message)
        self.budget = budget
        self.spent = spent
        self.price = price


class PriceLimitError(OtpkitError):
    """A product costs more than the ``max_price`` cap, or its price is unknown (a cap that
    lets an unknown price through caps nothing): refused before renting, nothing spent."""

    def __init__(
        self, message: str, *, product: str, price: Decimal | None, max_price: Decimal
    ) -> None:
        super().__init__(message)
        self.product = product
        self.price = price
        self.max_price = max_price


class RentalCapError(OtpkitError, TimeoutError):
    """No slot under the cap on open rentals freed up in time."""


class CodeTimeoutError(OtpkitError, TimeoutError):
    """No code arrived before the deadline.

    ``polls`` counts the SMS checks, ``requests`` the HTTP requests they took (retries
    included), and ``problems`` how many of those failed, by kind (``"answered 500"``...).
    ``verdict`` says why (``otpkit.Verdict``: never_sent, filters_mismatch, provider_errors).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        rental_id: str = "",
        number: str = "",
        waited: float = 0.0,
        polls: int = 0,
        requests: int = 0,
        problems: Mapping[str, int] | None = None,
        verdict: Verdict | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.rental_id = rental_id
        self.number = number
        self.waited = waited
        self.polls = polls
        self.requests = requests
        self.problems = dict(problems or {})
        self.verdict = verdict


class VerificationFailedError(CodeTimeoutError):
    """Every attempt of a verification with rotation failed; ``attempts`` says how each went
    (number, provider, how long, why it was dropped, the refund); ``verdict`` is the last one's."""

    def __init__(
        self,
        message: str,
        *,
        attempts: Sequence[Attempt] = (),
        waited: float = 0.0,
        verdict: Verdict | None = None,
    ) -> None:
        super().__init__(message, waited=waited, verdict=verdict)
        self.attempts = list(attempts)


class NumberRejectedError(OtpkitError):
    """The app under test refused the rented number ("this number can't be used"): rotation
    cancels it (refunded: no SMS came) and goes on with a fresh one."""

    verdict = Verdict.NUMBER_REJECTED

    def __init__(self, message: str, *, number: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.number = number
        self.reason = reason


class CoordinatorError(OtpkitError):
    """The Redis coordinator could not be used: unreachable, gone mid-run, or misconfigured.

    Raised before anything is rented or charged; rentals already made go on without it (see
    ``CoordinatorWarning``) and stay in the local journal, so none is ever lost.
    """


class JournalError(OtpkitError):
    """The rental journal could not be read or written: disk full, an I/O error, or its lock
    held by another process for longer than the journal waits.

    Raised before ordering, it refuses the rental before any money moves; raised once the
    order was placed, the order has already been cancelled (the message says how it went).
    """


class FillError(OtpkitError):
    """A phone or code field was found but did not end up holding what was typed.

    ``shown`` is what the widget holds (value, dial code, chosen country), ``wanted`` what it
    should have held, so the message says at once why a sign-up would fail.
    """

    def __init__(self, message: str, *, shown: str = "", wanted: str = "") -> None:
        super().__init__(message)
        self.shown = shown
        self.wanted = wanted


class CoordinatorWarning(UserWarning):
    """The coordinator went away: requests went out unthrottled or a record stayed local."""


class RentalCleanupWarning(UserWarning):
    """A rental could not be cancelled; it is left in the journal for ``otpkit sweep``."""


class RefundWindowWarning(UserWarning):
    """A rental is close to (or past) the end of its refund window."""


class _ProviderContext(TypedDict, total=False):
    provider: str
    status: int | None
    provider_message: str | None
    endpoint: str


class ProviderError(OtpkitError):
    """The provider refused a request or answered in a way otpkit cannot use.

    ``provider`` names the provider, ``status`` is the HTTP status (None when no reply came),
    ``provider_message`` is what the provider said, and ``endpoint`` which call it was.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        provider_message: str | None = None,
        endpoint: str = "",
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.provider_message = redact(provider_message) if provider_message else provider_message
        self.endpoint = endpoint


class AuthenticationError(ProviderError):
    """The API key is invalid or inactive."""


class InsufficientBalanceError(ProviderError):
    """The account has not enough balance for the order."""

    verdict = Verdict.NO_BALANCE


class OutOfStockError(ProviderError):
    """No numbers are available for the product."""

    verdict = Verdict.OUT_OF_STOCK


class ProductNotFoundError(ProviderError):
    """The product or service does not exist, or nothing in the catalogue matched a search."""

    def __init__(
        self, message: str, *, suggestions: Sequence[str] = (), **kwargs: Unpack[_ProviderContext]
    ) -> None:
        super().__init__(message, **kwargs)
        self.suggestions = list(suggestions)


class OrderNotFoundError(ProviderError):
    """The order / number id is unknown to the provider (or not owned by this key)."""


class RentalCancelledError(ProviderError):
    """The provider reports the rental as cancelled, so no code will ever arrive."""


class RateLimitError(ProviderError):
    """The provider throttled the request (HTTP 429)."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, **kwargs: Unpack[_ProviderContext]
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ValidationError(ProviderError):
    """The provider rejected the request's fields (HTTP 422)."""

    def __init__(
        self,
        message: str,
        *,
        errors: Mapping[str, Sequence[str]] | None = None,
        **kwargs: Unpack[_ProviderContext],
    ) -> None:
        super().__init__(message, **kwargs)
        self.errors = {field: list(msgs) for field, msgs in (errors or {}).items()}


class MalformedResponseError(ProviderError):
    """The reply was not JSON, was truncated, or had an unexpected shape.

    ``transient`` is True when the body could not be read at all (cut off, an HTML error page
    from a proxy): such a read is worth repeating, an unexpected shape is not.
    """

    transient: bool = False


class AmbiguousOrderError(ProviderError):
    """An order request got no usable reply: the provider may or may not have charged for it.

    Never retried blindly. ``product_id`` and ``sent_at`` say what was asked and when, so the
    caller can reconcile against the provider's order list. ``may_still_be_placed`` is True
    when the request timed out: the provider may still be working on it, so an order list
    read now cannot prove that no order was placed.
    """

    may_still_be_placed: bool = False

    def __init__(
        self,
        message: str,
        *,
        product_id: str = "",
        sent_at: datetime | None = None,
        **kwargs: Unpack[_ProviderContext],
    ) -> None:
        super().__init__(message, **kwargs)
        self.product_id = product_id
        self.sent_at = sent_at


class ServerError(ProviderError):
    """The provider failed with an HTTP 5xx."""


class NetworkError(ProviderError):
    """The connection to the provider failed or dropped before a reply arrived."""


class RequestTimeoutError(NetworkError, TimeoutError):
    """The provider did not reply within the client timeout."""
