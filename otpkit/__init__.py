"""otpkit: pass phone verification for real in end-to-end tests.

Rent a virtual number from an SMS-activation provider, read the code it receives, and always
cancel the rental so the balance is refunded.

>>> import otpkit
>>> with otpkit.connect("jesusnumber", api_key="...") as client:  # doctest: +SKIP
...     with client.rent(client.find_product("whatsapp")) as rental:
...         print(rental.number, rental.wait_for_code())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from otpkit._errors import (
    AmbiguousOrderError,
    AuthenticationError,
    BudgetExceededError,
    CodeTimeoutError,
    ConfigurationError,
    CoordinatorError,
    CoordinatorWarning,
    FillError,
    InsufficientBalanceError,
    JournalError,
    MalformedResponseError,
    NetworkError,
    NumberRejectedError,
    OrderNotFoundError,
    OtpkitError,
    OutOfStockError,
    PriceLimitError,
    ProductNotFoundError,
    ProviderError,
    RateLimitError,
    RefundWindowWarning,
    RentalCancelledError,
    RentalCapError,
    RentalCleanupWarning,
    RequestTimeoutError,
    ServerError,
    ValidationError,
    VerificationFailedError,
)

# Shown as ``otpkit.CodeTimeoutError`` in tracebacks and reports, the name users import
# (as httpx does for its own public names).
for _name, _value in list(globals().items()):
    if isinstance(_value, type) and issubclass(_value, (OtpkitError, Warning)):
        _value.__module__ = "otpkit"

if TYPE_CHECKING:
    from otpkit import playwright, providers, sandbox, webhook
    from otpkit._async_client import (
        AsyncClient,
    )
    from otpkit._client import (
        Client,
    )
    from otpkit._connect import (
        connect,
        connect_async,
        connect_many,
        connect_many_async,
    )
    from otpkit._extract import (
        extract_code,
    )
    from otpkit._journal import (
        Journal,
        JournalEntry,
        default_journal_path,
    )
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
    from otpkit._rental import (
        AsyncRental,
        AsyncRenting,
        PhoneNumber,
        Rental,
    )
    from otpkit._rotation import (
        Attempt,
    )
    from otpkit._settings import (
        Settings,
    )
    from otpkit._sweep import (
        SweepReport,
        SweptRental,
    )
    from otpkit._timeline import (
        TimelineEvent,
        Verdict,
        verdict_of,
    )
    from otpkit._verify import (
        verify,
        verify_async,
    )
    from otpkit._version import (
        __version__,
    )

# Everything but the errors is imported on first use: `import otpkit` stays cheap for
# the pytest plugin, which is loaded in every run whether or not a test rents a number.
_LAZY = {
    "Attempt": "otpkit._rotation",
    "AsyncClient": "otpkit._async_client",
    "AsyncRental": "otpkit._rental",
    "AsyncRenting": "otpkit._rental",
    "Balance": "otpkit._models",
    "CancelOutcome": "otpkit._models",
    "Category": "otpkit._models",
    "Client": "otpkit._client",
    "Journal": "otpkit._journal",
    "JournalEntry": "otpkit._journal",
    "Message": "otpkit._models",
    "Order": "otpkit._models",
    "OrdersPage": "otpkit._models",
    "PhoneNumber": "otpkit._rental",
    "Product": "otpkit._models",
    "Rental": "otpkit._rental",
    "RentalInfo": "otpkit._models",
    "Service": "otpkit._models",
    "ServiceDetails": "otpkit._models",
    "Settings": "otpkit._settings",
    "SweepReport": "otpkit._sweep",
    "SweptRental": "otpkit._sweep",
    "TimelineEvent": "otpkit._timeline",
    "Verdict": "otpkit._timeline",
    "__version__": "otpkit._version",
    "connect": "otpkit._connect",
    "connect_async": "otpkit._connect",
    "connect_many": "otpkit._connect",
    "connect_many_async": "otpkit._connect",
    "default_journal_path": "otpkit._journal",
    "extract_code": "otpkit._extract",
    "verdict_of": "otpkit._timeline",
    "verify": "otpkit._verify",
    "verify_async": "otpkit._verify",
}
_SUBMODULES = ("playwright", "providers", "sandbox", "webhook")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"otpkit.{name}")
    else:
        raise AttributeError(f"module 'otpkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AmbiguousOrderError",
    "AsyncClient",
    "AsyncRental",
    "AsyncRenting",
    "Attempt",
    "AuthenticationError",
    "Balance",
    "BudgetExceededError",
    "CancelOutcome",
    "Category",
    "Client",
    "CodeTimeoutError",
    "ConfigurationError",
    "CoordinatorError",
    "CoordinatorWarning",
    "FillError",
    "InsufficientBalanceError",
    "Journal",
    "JournalEntry",
    "JournalError",
    "MalformedResponseError",
    "Message",
    "NetworkError",
    "NumberRejectedError",
    "Order",
    "OrderNotFoundError",
    "OrdersPage",
    "OtpkitError",
    "OutOfStockError",
    "PhoneNumber",
    "PriceLimitError",
    "Product",
    "ProductNotFoundError",
    "ProviderError",
    "RateLimitError",
    "RefundWindowWarning",
    "Rental",
    "RentalCancelledError",
    "RentalCapError",
    "RentalCleanupWarning",
    "RentalInfo",
    "RequestTimeoutError",
    "ServerError",
    "Service",
    "ServiceDetails",
    "Settings",
    "SweepReport",
    "SweptRental",
    "TimelineEvent",
    "ValidationError",
    "Verdict",
    "VerificationFailedError",
    "__version__",
    "connect",
    "connect_async",
    "connect_many",
    "connect_many_async",
    "default_journal_path",
    "extract_code",
    "playwright",
    "providers",
    "sandbox",
    "verdict_of",
    "verify",
    "verify_async",
    "webhook",
]
