"""The values otpkit hands to users: balances, products, rentals, messages, cancel outcomes."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Balance",
    "CancelOutcome",
    "Category",
    "Message",
    "Order",
    "OrdersPage",
    "Product",
    "RentalInfo",
    "Service",
    "ServiceDetails",
]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class Balance(_Value):
    """Wallet balance. ``available`` is what can be spent; the rest only where the provider says."""

    available: Decimal
    held: Decimal | None = None
    spent: Decimal | None = None
    deposit: Decimal | None = None


class Product(_Value):
    """Something that can be rented: a service (app) with, where known, a country, price and stock.

    For sanalnumara a product is an (app, country) pair: ``name``/``category`` is the app,
    ``country`` the service name and ``id`` the service id.
    """

    id: str
    name: str
    price: Decimal | None = None
    stock: int | None = None
    category: str | None = None
    country: str | None = None
    provider: str = ""
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class Message(_Value):
    """One SMS received by a rented number; ``code`` is the verification code found in it."""

    text: str
    code: str | None = None
    sender: str | None = None
    received_at: datetime | None = None


class CancelOutcome(_Value):
    """What cancelling a rental achieved: whether the money came back, and why (not)."""

    refunded: bool
    detail: str


class RentalInfo(_Value):
    """A rented number: what the provider handed out, and when.

    ``number`` is E.164 (``"+16095170503"``). ``rented_at`` is this machine's clock at the moment
    the order was confirmed; ``refund_deadline`` is when a cancel stops refunding (None: no limit
    known).
    """

    id: str
    number: str
    national_number: str
    country_code: int
    product_id: str
    price: Decimal | None = None
    provider: str
    service: str | None = None
    rented_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    refund_deadline: datetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class Order(_Value):
    """An order as the provider's order list or order lookup shows it (jesusnumber)."""

    id: str
    number: str | None = None
    product_id: str | None = None
    status: str | None = None
    kind: str | None = None
    price: Decimal | None = None
    created_at: datetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class OrdersPage(_Value):
    """One page of the provider's order list."""

    orders: list[Order]
    current_page: int
    last_page: int
    per_page: int
    total: int


class Category(_Value):
    """A sanalnumara category: an app or site (Google, Discord, ...)."""

    id: str
    name: str


class Service(_Value):
    """A sanalnumara service: a country inside a category."""

    id: str
    name: str
    category_id: str


class ServiceDetails(_Value):
    """Price and stock of a sanalnumara service."""

    id: str
    price: Decimal | None
    stock: int | None
