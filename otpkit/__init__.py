"""otpkit: pass phone verification for real in end-to-end tests.

Rent a virtual number from an SMS-activation provider, read the code it receives, and always
cancel the rental so the balance is refunded.
"""

from otpkit._async_client import AsyncClient
from otpkit._client import Client
from otpkit._connect import connect, connect_async
from otpkit._errors import (
    AmbiguousOrderError,
    AuthenticationError,
    BudgetExceededError,
    CodeTimeoutError,
    ConfigurationError,
    InsufficientBalanceError,
    MalformedResponseError,
    NetworkError,
    OrderNotFoundError,
    OtpkitError,
    OutOfStockError,
    ProductNotFoundError,
    ProviderError,
    RateLimitError,
    RentalCancelledError,
    RentalCapError,
    RequestTimeoutError,
    ServerError,
    ValidationError,
)
from otpkit._journal import Journal, JournalEntry, default_journal_path
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
    RefundWindowWarning,
    Rental,
    RentalCleanupWarning,
)
from otpkit._settings import Settings
from otpkit._sweep import SweepReport, SweptRental
from otpkit._version import __version__

__all__ = [
    "AmbiguousOrderError",
    "AsyncClient",
    "AsyncRental",
    "AsyncRenting",
    "AuthenticationError",
    "Balance",
    "BudgetExceededError",
    "CancelOutcome",
    "Category",
    "Client",
    "CodeTimeoutError",
    "ConfigurationError",
    "InsufficientBalanceError",
    "Journal",
    "JournalEntry",
    "MalformedResponseError",
    "Message",
    "NetworkError",
    "Order",
    "OrderNotFoundError",
    "OrdersPage",
    "OtpkitError",
    "OutOfStockError",
    "PhoneNumber",
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
    "ValidationError",
    "__version__",
    "connect",
    "connect_async",
    "default_journal_path",
]
