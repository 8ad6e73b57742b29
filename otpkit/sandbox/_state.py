"""Accounts, rentals and the money rules of both providers. Pure: no I/O, the clock is injected.

Every public method takes ``lock`` (re-entrant), so a caller may also hold it around several
calls and the rendering of their results to make them one atomic step.
"""

from __future__ import annotations

import dataclasses
import random
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from otpkit.sandbox._catalogue import (
    Category,
    Offer,
    jesusnumber_products,
    sanalnumara_categories,
    sanalnumara_services,
)
from otpkit.sandbox._delivery import DeliveryModel, Fate, sample_delay
from otpkit.sandbox._models import (
    PROVIDERS,
    Delivery,
    Ledger,
    OrderLedger,
    OrderStatus,
    ProviderName,
)
from otpkit.sandbox._numbers import NumberFactory, digits_of
from otpkit.sandbox._sms import extract_code, new_code, sender_for, service_key, text_for

__all__ = [
    "DEMO_KEYS",
    "REFUND_WINDOW",
    "STARTING_BALANCE",
    "Account",
    "Refused",
    "Rental",
    "SandboxState",
    "Sms",
    "WebhookEvent",
]

DEMO_KEYS: dict[ProviderName, str] = {
    "jesusnumber": "jn_demo_key_0001",
    "sanalnumara": "sn_demo_key_0001",
}
STARTING_BALANCE: dict[ProviderName, Decimal] = {
    "jesusnumber": Decimal("50.00"),
    "sanalnumara": Decimal("100"),
}
#: sanalnumara refunds a cancel only this soon after renting; jesusnumber has no limit.
REFUND_WINDOW = timedelta(minutes=10)

_KEY_PREFIX: dict[ProviderName, str] = {"jesusnumber": "jn_test_", "sanalnumara": "sn_test_"}
_CENT = Decimal("0.01")

Reason = Literal[
    "invalid_key",
    "unknown_product",
    "out_of_stock",
    "insufficient_balance",
    "unknown_order",
    "already_cancelled",
    "has_message",
    "not_rented",
]


class Refused(Exception):
    """A request the provider turns down; each protocol words ``reason`` its own way."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


@dataclass
class Account:
    """One API key's wallet. ``held``/``spent`` are jesusnumber's hold and spend balances."""

    provider: ProviderName
    api_key: str
    deposit: Decimal
    balance: Decimal
    held: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)
    callback_url: str | None = None
    #: False: this account's orders never get the automatic SMS (its app texts them).
    auto_deliver: bool = True


@dataclass
class Sms:
    text: str
    code: str | None
    sender: str
    received_at: datetime


@dataclass
class Rental:
    """An order (jesusnumber) or a rented number (sanalnumara)."""

    provider: ProviderName
    id: int
    api_key: str
    offer: Offer
    number: str
    price: Decimal
    created_at: datetime
    status: OrderStatus = "pending"
    messages: list[Sms] = field(default_factory=list)
    charges: int = 0
    refunds: int = 0
    refunded: Decimal = Decimal(0)
    cancelled_at: datetime | None = None
    fate: Fate = field(default_factory=Fate)

    @property
    def expires_at(self) -> datetime | None:
        """Absolute end of a long-term rental (None for short-term ones)."""
        lifetime = self.offer.lifetime
        return None if lifetime is None else self.created_at + lifetime

    @property
    def provider_status(self) -> str:
        """The status word the provider itself uses."""
        if self.provider == "jesusnumber":
            return {"pending": "pending", "received": "received", "cancelled": "rejected"}[
                self.status
            ]
        return {"pending": "0", "received": "1", "cancelled": "-1"}[self.status]

    @property
    def last_code(self) -> str | None:
        for sms in reversed(self.messages):
            if sms.code is not None:
                return sms.code
        return None


@dataclass(frozen=True)
class WebhookEvent:
    """A push the server should POST to ``url``."""

    url: str
    payload: dict[str, Any]


@dataclass
class _Pending:
    due: datetime
    provider: ProviderName
    order_id: int
    text: str
    code: str | None
    sender: str
    # Auto-delivery stands in for the app under test; when something else (the demo site, a
    # test's own deliver) texted the order first, a second, different code would only confuse.
    automatic: bool = False


@dataclass(frozen=True)
class _Policy:
    holds: bool  # money sits in ``held`` until an SMS or a refund
    refund_window: timedelta | None
    cents: bool  # amounts are kept to two decimals


_POLICIES: dict[ProviderName, _Policy] = {
    "jesusnumber": _Policy(holds=True, refund_window=None, cents=True),
    "sanalnumara": _Policy(holds=False, refund_window=REFUND_WINDOW, cents=False),
}


class SandboxState:
    """Everything the two simulated providers know, for all accounts."""

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        seed: int | None = None,
        auto_deliver: float | None = None,
        delivery: DeliveryModel | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self._now = now
        self._seed = seed
        self._initial_auto_deliver = auto_deliver
        self._initial_delivery = delivery or DeliveryModel()
        self.reset()

    def reset(self) -> None:
        """Back to the starting catalogue, the demo accounts only, no orders."""
        with self.lock:
            self._rng = random.Random(self._seed)
            # Fates and delays have generators of their own: turning the delivery model on
            # leaves a seed's numbers, ids and codes as they were.
            self._fates = random.Random(None if self._seed is None else f"fates-{self._seed}")
            self._delays = random.Random(None if self._seed is None else f"delays-{self._seed}")
            self._numbers = NumberFactory(self._rng)
            self.auto_deliver = self._initial_auto_deliver
            self._offers: dict[ProviderName, dict[str, Offer]] = {
                "jesusnumber": {o.id: o for o in jesusnumber_products()},
                "sanalnumara": {o.id: o for o in sanalnumara_services()},
            }
            self._categories = sanalnumara_categories()
            self._accounts: dict[str, Account] = {}
            self._rentals: dict[tuple[ProviderName, int], Rental] = {}
            self._by_number: dict[str, tuple[ProviderName, int]] = {}
            self._pending: list[_Pending] = []
            self._outbox: list[WebhookEvent] = []
            # Ids look like a busy production database's, not like a fresh one's.
            self._next_id: dict[ProviderName, int] = {
                "jesusnumber": self._rng.randint(140_000, 480_000),
                "sanalnumara": self._rng.randint(1_000, 90_000),
            }
            for provider in PROVIDERS:
                self.create_account(provider, api_key=DEMO_KEYS[provider])
            self.delivery = self._initial_delivery

    # -- delivery model ------------------------------------------------------------------------

    @property
    def delivery(self) -> DeliveryModel:
        """How new rentals' numbers behave (rentals already made keep their fate)."""
        with self.lock:
            return self._delivery

    @delivery.setter
    def delivery(self, model: DeliveryModel) -> None:
        with self.lock:
            model.check({p: self._offers[p].values() for p in PROVIDERS})
            self._delivery = model

    def mark_number(
        self, number: str, *, dead: bool | None = None, refused: bool | None = None
    ) -> OrderLedger:
        """Change the fate of the latest rental of ``number`` (None: keep that part)."""
        with self.lock:
            rental = self._by_number_rental(number)
            if dead is not None:
                rental.fate.dead = dead
            if refused is not None:
                rental.fate.refused = refused
            return self._order_ledger(rental)

    def number_refused(self, number: str) -> bool:
        """Whether the demo site refuses ``number`` (False for a number nobody rented)."""
        with self.lock:
            found = self._by_number.get(digits_of(number))
            return found is not None and self._rentals[found].fate.refused

    def _app_delay(self, rental: Rental, fast: float) -> float:
        profile = self._delivery.rule_for(rental.provider, rental.offer).profile or "fast"
        return sample_delay(profile, self._delays, fast=fast)

    # -- accounts ------------------------------------------------------------------------------

    def create_account(
        self,
        provider: ProviderName,
        balance: Decimal | None = None,
        *,
        api_key: str | None = None,
        auto_deliver: bool = True,
    ) -> Account:
        """A new isolated account (a fresh random key unless ``api_key`` is given);
        ``auto_deliver=False`` spares its orders the automatic SMS."""
        amount = STARTING_BALANCE[provider] if balance is None else balance
        if amount < 0:
            raise ValueError("a balance cannot be negative")
        amount = self._money(provider, amount)
        with self.lock:
            key = api_key or _KEY_PREFIX[provider] + secrets.token_hex(10)
            account = Account(
                provider, key, deposit=amount, balance=amount, auto_deliver=auto_deliver
            )
            self._accounts[key] = account
            return account

    def account(self, provider: ProviderName, api_key: str | None) -> Account | None:
        """The account of ``api_key`` at ``provider``, or None."""
        with self.lock:
            account = self._accounts.get(api_key or "")
            return account if account is not None and account.provider == provider else None

    def set_callback_url(self, api_key: str, url: str | None) -> None:
        """Where SMS arrivals of this (jesusnumber) account are pushed; None stops pushing."""
        with self.lock:
            account = self._accounts.get(api_key)
            if account is None:
                raise Refused("invalid_key")
            account.callback_url = url

    # -- catalogue -----------------------------------------------------------------------------

    def offers(self, provider: ProviderName) -> list[Offer]:
        """Snapshots of the provider's offers, in catalogue order."""
        with self.lock:
            return [dataclasses.replace(o) for o in self._offers[provider].values()]

    def offer(self, provider: ProviderName, offer_id: str) -> Offer | None:
        with self.lock:
            found = self._offers[provider].get(offer_id)
            return None if found is None else dataclasses.replace(found)

    def categories(self) -> list[Category]:
        return list(self._categories)

    def set_stock(self, provider: ProviderName, offer_id: str, stock: int) -> None:
        if stock < 0:
            raise ValueError("stock cannot be negative")
        with self.lock:
            offer = self._offers[provider].get(offer_id)
            if offer is None:
                raise Refused("unknown_product")
            offer.stock = stock

    def rename(self, provider: ProviderName, offer_id: str, name: str) -> None:
        """Rename a jesusnumber product or a sanalnumara service (a country), as a catalogue
        sync upstream may: provider text is whatever the provider says."""
        with self.lock:
            offer = self._offers[provider].get(offer_id)
            if offer is None:
                raise Refused("unknown_product")
            offer.name = name

    # -- rentals -------------------------------------------------------------------------------

    def rent(self, provider: ProviderName, api_key: str, offer_id: str) -> Rental:
        """Charge for one number of ``offer_id`` and hand it out."""
        with self.lock:
            self.settle()
            account = self._account_of(provider, api_key)
            offer = self._offers[provider].get(offer_id)
            if offer is None:
                raise Refused("unknown_product")
            if offer.stock <= 0:
                raise Refused("out_of_stock")
            if account.balance < offer.price:
                raise Refused("insufficient_balance")
            now = self._now()
            rental = Rental(
                provider=provider,
                id=self._next_id[provider],
                api_key=api_key,
                offer=offer,
                number=self._numbers.new(offer.region),
                price=offer.price,
                created_at=now,
                fate=Fate.draw(self._delivery.rule_for(provider, offer), self._fates),
            )
            self._next_id[provider] += 1
            offer.stock -= 1
            account.balance -= offer.price
            if _POLICIES[provider].holds:
                account.held += offer.price
            rental.charges += 1
            self._rentals[(provider, rental.id)] = rental
            self._by_number[digits_of(rental.number)] = (provider, rental.id)
            # The stand-in plays the app under test, which texts nothing to a number it refuses.
            if self.auto_deliver is not None and account.auto_deliver and not rental.fate.refused:
                delay = self._app_delay(rental, self.auto_deliver)
                self._schedule(rental, None, None, None, delay, automatic=True)
            return rental

    def rental(self, provider: ProviderName, api_key: str, order_id: str | int) -> Rental:
        """One rental of this account; another account's is as unknown as a missing one."""
        with self.lock:
            self.settle()
            rental = self._find(provider, order_id)
            if rental is None or rental.api_key != api_key:
                raise Refused("unknown_order")
            return rental

    def rentals(self, provider: ProviderName, api_key: str) -> list[Rental]:
        """This account's rentals, newest first."""
        with self.lock:
            self.settle()
            mine = [r for r in self._rentals.values() if r.api_key == api_key]
            return sorted(mine, key=lambda r: r.id, reverse=True)

    def cancel(self, provider: ProviderName, api_key: str, order_id: str | int) -> Decimal:
        """Cancel a rental; returns the amount refunded (0 outside sanalnumara's window)."""
        with self.lock:
            rental = self.rental(provider, api_key, order_id)
            if rental.status == "cancelled":
                raise Refused("already_cancelled")
            if rental.status == "received":
                raise Refused("has_message")
            now = self._now()
            window = _POLICIES[provider].refund_window
            rental.status = "cancelled"
            rental.cancelled_at = now
            # An unused number goes back to the pool.
            rental.offer.stock += 1
            if window is not None and now - rental.created_at > window:
                return Decimal(0)
            return self._refund(rental)

    def _refund(self, rental: Rental) -> Decimal:
        if rental.refunds:
            return Decimal(0)
        account = self._accounts[rental.api_key]
        account.balance += rental.price
        if _POLICIES[rental.provider].holds:
            account.held -= rental.price
        rental.refunds += 1
        rental.refunded += rental.price
        return rental.price

    # -- SMS delivery --------------------------------------------------------------------------

    def deliver(
        self,
        provider: ProviderName,
        order_id: str | int,
        text: str | None = None,
        *,
        code: str | None = None,
        sender: str | None = None,
        delay: float = 0.0,
    ) -> Delivery:
        """Hand an SMS to a rental now or ``delay`` sandbox seconds from now.

        Without ``text`` the service's usual message is made around ``code`` (random when
        None); with ``text`` and no ``code`` the code is what the provider would extract.
        """
        with self.lock:
            self.settle()
            rental = self._find(provider, order_id)
            if rental is None:
                raise Refused("unknown_order")
            return self._schedule(rental, text, code, sender, delay)

    def deliver_to_number(
        self,
        number: str,
        text: str | None = None,
        *,
        code: str | None = None,
        sender: str | None = None,
        delay: float = 0.0,
    ) -> Delivery:
        """Like ``deliver`` for the latest rental of ``number`` (with or without ``+``)."""
        with self.lock:
            rental = self._by_number_rental(number)
            return self.deliver(
                rental.provider, rental.id, text, code=code, sender=sender, delay=delay
            )

    def text_from_app(self, number: str, text: str, *, code: str, sender: str) -> Delivery:
        """An SMS the app (the demo site) sends to ``number``: as late as the profile says."""
        with self.lock:
            rental = self._by_number_rental(number)
            delay = self._app_delay(rental, 0.0)
            return self.deliver(
                rental.provider, rental.id, text, code=code, sender=sender, delay=delay
            )

    def _by_number_rental(self, number: str) -> Rental:
        found = self._by_number.get(digits_of(number))
        if found is None:
            raise Refused("unknown_order")
        return self._rentals[found]

    def _schedule(
        self,
        rental: Rental,
        text: str | None,
        code: str | None,
        sender: str | None,
        delay: float,
        *,
        automatic: bool = False,
    ) -> Delivery:
        if delay < 0:
            raise ValueError("a delay cannot be negative")
        app = rental.offer.category
        if text is None:
            code = code if code is not None else new_code(self._rng)
            text = text_for(app, code, app)
        elif code is None:
            code = extract_code(text)
        pending = _Pending(
            due=self._now() + timedelta(seconds=delay),
            provider=rental.provider,
            order_id=rental.id,
            text=text,
            code=code,
            sender=sender or sender_for(app, app),
            automatic=automatic,
        )
        status: Literal["delivered", "scheduled", "ignored", "lost"]
        if rental.fate.dead and rental.status != "cancelled":
            status = "lost"
        elif delay > 0:
            self._pending.append(pending)
            status = "scheduled"
        else:
            status = "delivered" if self._apply(pending) else "ignored"
        return Delivery(
            provider=rental.provider,
            order_id=str(rental.id),
            number=rental.number,
            text=pending.text,
            code=pending.code,
            sender=pending.sender,
            status=status,
            due_at=pending.due,
        )

    def _apply(self, pending: _Pending) -> bool:
        rental = self._rentals[(pending.provider, pending.order_id)]
        # A dead number receives nothing, even an SMS scheduled before it was marked dead.
        if rental.status == "cancelled" or rental.fate.dead:
            return False
        if pending.automatic and rental.messages:
            return False
        rental.messages.append(Sms(pending.text, pending.code, pending.sender, pending.due))
        account = self._accounts[rental.api_key]
        if rental.status == "pending":
            rental.status = "received"
            if _POLICIES[rental.provider].holds:
                account.held -= rental.price
                account.spent += rental.price
        if rental.provider == "jesusnumber" and account.callback_url:
            self._outbox.append(
                WebhookEvent(
                    account.callback_url,
                    {
                        "event": "incoming_message",
                        "message": {
                            "order_id": rental.id,
                            "number": digits_of(rental.number),
                            "service": service_key(rental.offer.category),
                            "sender": pending.sender,
                            "sms": pending.text,
                            "type": rental.offer.type,
                        },
                    },
                )
            )
        return True

    def settle(self) -> None:
        """Apply every scheduled delivery that is due (in due order)."""
        with self.lock:
            if not self._pending:
                return
            now = self._now()
            due = sorted((p for p in self._pending if p.due <= now), key=lambda p: p.due)
            if not due:
                return
            self._pending = [p for p in self._pending if p.due > now]
            for pending in due:
                self._apply(pending)

    def next_due(self) -> datetime | None:
        """When the earliest scheduled delivery is due, or None."""
        with self.lock:
            return min((p.due for p in self._pending), default=None)

    def drain_webhooks(self) -> list[WebhookEvent]:
        """The pushes produced since the last call."""
        with self.lock:
            events, self._outbox = self._outbox, []
            return events

    # -- audit ---------------------------------------------------------------------------------

    def ledger(self, api_key: str) -> Ledger:
        """The money and rentals of one account."""
        with self.lock:
            self.settle()
            account = self._accounts.get(api_key)
            if account is None:
                raise Refused("invalid_key")
            rentals = sorted(
                (r for r in self._rentals.values() if r.api_key == api_key), key=lambda r: r.id
            )
            by_status = {"pending": 0, "received": 0, "cancelled": 0}
            for rental in rentals:
                by_status[rental.status] += 1
            charged = sum((r.price * r.charges for r in rentals), Decimal(0))
            refunded = sum((r.refunded for r in rentals), Decimal(0))
            return Ledger(
                provider=account.provider,
                api_key=api_key,
                deposit=account.deposit,
                balance=account.balance,
                held=self._money(account.provider, account.held),
                charged=self._money(account.provider, charged),
                refunded=self._money(account.provider, refunded),
                spent=self._money(account.provider, charged - refunded),
                open_rentals=by_status["pending"],
                orders_by_status=by_status,
                double_charges=sum(max(0, r.charges - 1) for r in rentals),
                double_refunds=sum(max(0, r.refunds - 1) for r in rentals),
                orders=[self._order_ledger(r) for r in rentals],
            )

    # -- helpers -------------------------------------------------------------------------------

    def _account_of(self, provider: ProviderName, api_key: str) -> Account:
        account = self.account(provider, api_key)
        if account is None:
            raise Refused("invalid_key")
        return account

    def _find(self, provider: ProviderName, order_id: str | int) -> Rental | None:
        try:
            number = int(str(order_id).strip())
        except ValueError:
            return None
        return self._rentals.get((provider, number))

    def _order_ledger(self, rental: Rental) -> OrderLedger:
        return OrderLedger(
            order_id=str(rental.id),
            product_id=rental.offer.id,
            number=rental.number,
            price=rental.price,
            status=rental.status,
            provider_status=rental.provider_status,
            charged=self._money(rental.provider, rental.price * rental.charges),
            refunded=self._money(rental.provider, rental.refunded),
            charges=rental.charges,
            refunds=rental.refunds,
            messages=len(rental.messages),
            created_at=rental.created_at,
            cancelled_at=rental.cancelled_at,
            dead=rental.fate.dead,
            refused=rental.fate.refused,
        )

    @staticmethod
    def _money(provider: ProviderName, amount: Decimal) -> Decimal:
        return amount.quantize(_CENT) if _POLICIES[provider].cents else amount
