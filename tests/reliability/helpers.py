"""Accounts, what a user's test does with a rental, and the money audit of the fault matrix.

Each test account is a fresh sandbox API key with its own rental journal, and faults are armed
for that key only, so cases running side by side (the sync and the async client) never see each
other's faults.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeVar

import otpkit
import otpkit.sandbox
from otpkit.sandbox import IN_STOCK, STEP_ENDPOINTS, FaultKind, ProviderName, Sandbox

T = TypeVar("T")

Role = Literal["create", "poll", "cancel"]
PROVIDERS: tuple[ProviderName, ...] = ("jesusnumber", "sanalnumara")

CODE = "482910"

#: One request may take this long; a "slow" fault holds its reply back longer than that.
REQUEST_TIMEOUT = 2.0
SLOW = 2.5
#: Short budgets, so that every retry ends well inside a test.
SETTINGS: dict[str, float] = {
    "call_timeout": 4.0,
    "request_timeout": REQUEST_TIMEOUT,
    "timeout": 10,
}


def settings(**overrides: float) -> otpkit.Settings:
    return otpkit.Settings(**{**SETTINGS, **overrides})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Audit:
    """The sandbox's ledger of one account, read as money a user could lose."""

    ledger: otpkit.sandbox.Ledger

    @property
    def unrefunded(self) -> list[otpkit.sandbox.OrderLedger]:
        """Orders that never received an SMS and still hold money."""
        return [o for o in self.ledger.orders if o.messages == 0 and o.charged > o.refunded]

    @property
    def lost(self) -> Decimal:
        """Charged for orders that delivered no code, less what was refunded for them."""
        return sum((o.charged - o.refunded for o in self.unrefunded), Decimal(0))

    def assert_money_safe(self, price: Decimal) -> None:
        ledger = self.ledger
        assert ledger.double_charges == 0, ledger.orders
        assert ledger.double_refunds == 0, ledger.orders
        assert ledger.charged == len(ledger.orders) * price, ledger.orders
        assert self.lost == 0, f"charged and never refunded: {self.unrefunded}"
        assert ledger.open_rentals == 0, ledger.orders


@dataclass(frozen=True)
class Account:
    """A fresh sandbox account of ``provider`` and the journal its clients write to."""

    sandbox: Sandbox
    provider: ProviderName
    key: str
    product: otpkit.Product
    journal: Path

    @classmethod
    def open(cls, sandbox: Sandbox, provider: ProviderName, folder: Path) -> Account:
        key = sandbox.new_api_key(provider)
        name, country = IN_STOCK[provider]
        with otpkit.connect(
            provider, api_key=key, base_url=sandbox.base_url, settings=settings(), journal=False
        ) as client:
            product = client.find_product(name, country=country)
        return cls(sandbox, provider, key, product, folder / f"journal-{key}.sqlite3")

    @property
    def price(self) -> Decimal:
        assert self.product.price is not None
        return self.product.price

    def connect(self, **options: object) -> otpkit.Client:
        return otpkit.connect(
            self.provider,
            api_key=self.key,
            base_url=self.sandbox.base_url,
            settings=settings(),
            journal=self.journal,
            **options,  # type: ignore[arg-type]
        )

    def connect_async(self, **options: object) -> otpkit.AsyncClient:
        return otpkit.connect_async(
            self.provider,
            api_key=self.key,
            base_url=self.sandbox.base_url,
            settings=settings(),
            journal=self.journal,
            **options,  # type: ignore[arg-type]
        )

    def arm(self, kind: FaultKind, role: Role, count: int = 1) -> None:
        """The next ``count`` requests of this account to ``role``'s endpoint fail as ``kind``."""
        self.sandbox.inject_fault(
            kind,
            count=count,
            endpoint=STEP_ENDPOINTS[self.provider][role],
            seconds=SLOW if kind == "slow" else None,
            api_key=self.key,
        )

    def deliver(self, order_id: str, *, delay: float = 0.0) -> otpkit.sandbox.Delivery:
        return self.sandbox.deliver(order_id, provider=self.provider, code=CODE, delay=delay)

    def journal_entries(self) -> list[otpkit.JournalEntry]:
        return otpkit.Journal(self.journal).entries() if self.journal.exists() else []

    def unsettled(self) -> list[otpkit.JournalEntry]:
        """Journaled rentals this run could not settle: what the sweep is for."""
        return [e for e in self.journal_entries() if e.state not in ("closed", "failed")]

    def sweep_later(self) -> otpkit.SweepReport:
        """Sweep as a later run does (the rentals' owner is then gone)."""
        later = otpkit.Journal(self.journal, run_id="later")
        with otpkit.connect(
            self.provider,
            api_key=self.key,
            base_url=self.sandbox.base_url,
            settings=settings(),
            journal=later,
        ) as client:
            return client.sweep()

    def audit(self) -> Audit:
        return Audit(self.sandbox.ledger(self.key))


@dataclass
class Story:
    """What a user's test saw: the numbers it got, codes, typed errors, cancel outcomes."""

    rented: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    errors: list[otpkit.OtpkitError] = field(default_factory=list)
    outcomes: list[otpkit.CancelOutcome | None] = field(default_factory=list)

    def error_types(self) -> list[type[otpkit.OtpkitError]]:
        return [type(e) for e in self.errors]


#: How many requests in a row a fault hits: a 500 storm is short and cheap to retry through;
#: the others cost a timeout or a reconnect each.
REPEATS: dict[str, int] = {"500": 2}


def fault_on_each_step(account: Account, kind: FaultKind, roles: Collection[Role]) -> Story:
    """Three rentals, sync: an order meeting the fault, a cancel meeting it, polls meeting it.

    The first two are tests that needed no code (so they must be refunded). The third waits
    for a code while its polls fail; it is rented first, so that it is no longer new (and
    polled at once) by the time its code is asked for.
    """
    story = Story()
    with account.connect() as client:
        try:
            with client.rent(account.product) as waiting:
                story.rented.append(waiting.id)
                if "create" in roles:
                    account.arm(kind, "create")
                    try:
                        with client.rent(account.product) as rental:
                            story.rented.append(rental.id)
                        story.outcomes.append(rental.outcome)
                    except otpkit.OtpkitError as error:
                        story.errors.append(error)
                with client.rent(account.product) as rental:
                    story.rented.append(rental.id)
                    if "cancel" in roles:
                        account.arm(kind, "cancel", count=REPEATS.get(kind, 1))
                story.outcomes.append(rental.outcome)
                if "poll" in roles:
                    account.arm(kind, "poll", count=REPEATS.get(kind, 1))
                account.deliver(waiting.id)
                story.codes.append(waiting.wait_for_code(timeout=8))
        except otpkit.OtpkitError as error:
            story.errors.append(error)
    return story


async def fault_on_each_step_async(
    account: Account, kind: FaultKind, roles: Collection[Role]
) -> Story:
    """``fault_on_each_step`` with the async client."""
    story = Story()
    async with account.connect_async() as client:
        try:
            async with client.rent(account.product) as waiting:
                story.rented.append(waiting.id)
                if "create" in roles:
                    account.arm(kind, "create")
                    try:
                        async with client.rent(account.product) as rental:
                            story.rented.append(rental.id)
                        story.outcomes.append(rental.outcome)
                    except otpkit.OtpkitError as error:
                        story.errors.append(error)
                async with client.rent(account.product) as rental:
                    story.rented.append(rental.id)
                    if "cancel" in roles:
                        account.arm(kind, "cancel", count=REPEATS.get(kind, 1))
                story.outcomes.append(rental.outcome)
                if "poll" in roles:
                    account.arm(kind, "poll", count=REPEATS.get(kind, 1))
                account.deliver(waiting.id)
                story.codes.append(await waiting.wait_for_code(timeout=8))
        except otpkit.OtpkitError as error:
            story.errors.append(error)
    return story


def in_new_loop(scenario: Callable[[], Awaitable[T]]) -> Callable[[], T]:
    """``scenario`` as a plain call that runs it on an event loop of its own."""

    def run() -> T:
        async def main() -> T:
            return await scenario()

        return asyncio.run(main())

    return run


def concurrently(*scenarios: Callable[[], T]) -> list[T]:
    """Run ``scenarios`` at the same time, each on its own thread; their results in order."""
    with ThreadPoolExecutor(max_workers=len(scenarios)) as pool:
        running = [pool.submit(scenario) for scenario in scenarios]
        return [future.result() for future in running]
