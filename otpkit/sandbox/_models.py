"""Public value types of the sandbox: names, ledgers, statistics, deliveries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ENDPOINTS",
    "FAULT_KINDS",
    "PROVIDERS",
    "Delivery",
    "EndpointName",
    "FaultKind",
    "FaultSpec",
    "Ledger",
    "OrderLedger",
    "OrderStatus",
    "ProviderName",
    "Stats",
]

ProviderName = Literal["jesusnumber", "sanalnumara"]

EndpointName = Literal[
    "jesusnumber.balance",
    "jesusnumber.products",
    "jesusnumber.create_order",
    "jesusnumber.order",
    "jesusnumber.orders",
    "jesusnumber.sms",
    "jesusnumber.reject",
    "sanalnumara.categories",
    "sanalnumara.services",
    "sanalnumara.service_details",
    "sanalnumara.balance",
    "sanalnumara.get_number",
    "sanalnumara.get_message",
    "sanalnumara.cancel",
]

FaultKind = Literal[
    "500", "non_json", "truncated_json", "drop", "slow", "refuse_cancel", "429", "drip"
]

#: Unified status of a rental: ``pending`` (holding money, no SMS yet), ``received`` (at least
#: one SMS arrived; no refund possible any more) or ``cancelled`` (rejected / cancelled).
OrderStatus = Literal["pending", "received", "cancelled"]

PROVIDERS: tuple[ProviderName, ...] = get_args(ProviderName)
ENDPOINTS: tuple[EndpointName, ...] = get_args(EndpointName)
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)

#: Which endpoint plays each step of a rental, per provider (to aim a fault at one step).
STEP_ENDPOINTS: dict[ProviderName, dict[str, EndpointName]] = {
    "jesusnumber": {
        "create": "jesusnumber.create_order",
        "poll": "jesusnumber.sms",
        "cancel": "jesusnumber.reject",
    },
    "sanalnumara": {
        "create": "sanalnumara.get_number",
        "poll": "sanalnumara.get_message",
        "cancel": "sanalnumara.cancel",
    },
}
#: A product (name, country) that the sandbox's catalogue of each provider has in stock.
IN_STOCK: dict[ProviderName, tuple[str, str | None]] = {
    "jesusnumber": ("whatsapp", None),
    "sanalnumara": ("google", "Germany"),
}


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrderLedger(_Value):
    """Money and state of one rental. ``charges``/``refunds`` count money movements (0 or 1)."""

    order_id: str
    product_id: str
    number: str
    price: Decimal
    status: OrderStatus
    provider_status: str
    charged: Decimal
    refunded: Decimal
    charges: int
    refunds: int
    messages: int
    created_at: datetime
    cancelled_at: datetime | None = None
    #: The number never receives any SMS (the delivery model's ``dead_rate``, or marked so).
    dead: bool = False
    #: The demo site refuses the number ("This number can't receive SMS").
    refused: bool = False


class Ledger(_Value):
    """Audit of one API key's account.

    ``spent`` is ``charged - refunded``. ``open_rentals`` counts orders still ``pending``:
    neither cancelled nor with an SMS, so still holding money that a cancel would refund (for
    sanalnumara: only within its 10-minute window). ``held`` is jesusnumber's hold balance (0
    for sanalnumara). ``double_charges``/``double_refunds`` count extra movements on one order;
    the rules make them impossible, so anything but 0 is a sandbox bug.
    """

    provider: ProviderName
    api_key: str
    deposit: Decimal
    balance: Decimal
    held: Decimal
    charged: Decimal
    refunded: Decimal
    spent: Decimal
    open_rentals: int
    orders_by_status: dict[str, int]
    double_charges: int
    double_refunds: int
    orders: list[OrderLedger]


class Stats(_Value):
    """Requests seen on the provider routes (control routes are not counted).

    Keys of ``by_key`` are API keys, or ``ip:<address>`` for keyless catalogue requests. Keys of
    ``by_status`` are HTTP statuses, or ``"dropped"`` for replies cut by a ``drop`` fault.
    """

    requests: int
    by_key: dict[str, int]
    by_endpoint: dict[str, int]
    by_status: dict[str, int]
    throttled: int
    throttled_by_key: dict[str, int]
    faults: dict[str, int]
    webhooks_sent: int
    webhooks_failed: int


class Delivery(_Value):
    """An SMS handed to the sandbox: ``delivered`` now, ``scheduled`` for ``due_at``,
    ``ignored`` (the order was already cancelled) or ``lost`` (the number is dead: nothing
    sent to it ever arrives, and the provider's API shows no SMS)."""

    provider: ProviderName
    order_id: str
    number: str
    text: str
    code: str | None
    sender: str
    status: Literal["delivered", "scheduled", "ignored", "lost"]
    due_at: datetime


class FaultSpec(_Value):
    """A pending fault: hits the next ``count`` matching requests."""

    kind: FaultKind
    count: int
    endpoint: EndpointName | None = None
    seconds: float | None = None
    api_key: str | None = None
    #: What a ``refuse_cancel`` fault's refusal says (default: the provider's "unavailable").
    message: str | None = None
