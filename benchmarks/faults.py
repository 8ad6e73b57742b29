"""Money audit under faults: does any fault cost a user money, or charge or refund twice?

Run: ``python benchmarks/faults.py [--rentals 200] [--workers 4]``

Everything is real: ``otpkit.sandbox.run(throttle=None)`` serves both providers over loopback
HTTP, clients come from ``otpkit.connect`` / ``otpkit.connect_async``, faults are injected by
the sandbox (``inject_fault``, ``set_throttle``), and the money is the sandbox's own ledger.

The rentals are spread evenly over the fault kinds and the two providers. Each (fault,
provider) row runs on ``--workers`` threads, half of them using the sync client and half the
async one; each worker has its own sandbox account and rental journal, so the faults it arms
(for its key only) hit its own requests. A rental is what a user's test does: rent, maybe wait
for a code, leave the ``with`` block (which cancels). Per fault:

- ``500``, ``non_json``, ``truncated_json``, ``drop``, ``slow`` (a reply held back past the
  client's request timeout): one request in the rental's life fails that way, in turn the
  order (the test then needs no code), a poll (the test waits for a code that is on its way)
  and the cancel (no code needed).
- ``429``: a throttle of 3 requests per sandbox minute per key, with the sandbox clock moved
  20x faster than real time so that windows slide within a call's budget; every third rental
  waits for a code.
- ``refuse_cancel``: the provider refuses the cancel once (every other rental) or always.
- ``sms_never``: the test waits 1 s for a code that never comes.
- ``sms_late``: the code is sent 2 s after renting; the test gives up after 1 s.

After each row a later run's sweep (``client.sweep()`` with the same journal under another run
id) settles what the run left open. The columns:

- ``rentals``: rentals attempted; ``orders``: orders the provider charged for;
- ``codes``: codes the tests received; ``typed``: ``otpkit`` errors the tests saw (expected:
  timeouts, rate limits, ambiguous orders), ``untyped``: any other exception (must be 0);
- ``refunded``: orders refunded in the end; ``left``: rentals the run left in its journal for
  the sweep; ``swept``: of those, refunded by the sweep;
- ``2x chg`` / ``2x ref``: extra charges / refunds of one order (the ledger's doubles);
- ``lost``: money lost = charged for orders that never delivered a code, less refunded for
  them. Target: 0.00 everywhere, and no doubles.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from _common import BenchSettings, Target, print_targets

import otpkit
import otpkit.sandbox
from otpkit.sandbox import IN_STOCK, STEP_ENDPOINTS, FaultKind, ProviderName, Sandbox

Role = Literal["create", "poll", "cancel"]
Code = Literal["now", "late", "never"]

PROVIDERS: tuple[ProviderName, ...] = ("jesusnumber", "sanalnumara")
EXCHANGE_FAULTS: tuple[FaultKind, ...] = ("500", "non_json", "truncated_json", "drop", "slow")
FAULTS: tuple[str, ...] = (*EXCHANGE_FAULTS, "429", "refuse_cancel", "sms_never", "sms_late")
ROLES: tuple[Role, ...] = ("create", "poll", "cancel")
CODE = "482910"
REQUEST_TIMEOUT = 1.0
SLOW = 1.6  # seconds a "slow" reply is held back: past REQUEST_TIMEOUT
THROTTLE = 3  # requests per sandbox minute per key, in the 429 row
CLOCK_STEP = 5.0  # sandbox seconds added every 0.25 s during the 429 row (20x real time)


def settings() -> otpkit.Settings:
    return BenchSettings(call_timeout=4.0, request_timeout=REQUEST_TIMEOUT, timeout=10.0)


@dataclass(frozen=True)
class Plan:
    """What one rental meets: an exchange fault on ``role``, the code's fate, cancel refusals."""

    fault: str
    role: Role | None = None
    code: Code | None = None
    refusals: int = 0


def plan(fault: str, index: int) -> Plan:
    if fault in EXCHANGE_FAULTS:
        role = ROLES[index % len(ROLES)]
        return Plan(fault, role=role, code="now" if role == "poll" else None)
    if fault == "429":
        return Plan(fault, code="now" if index % 3 == 0 else None)
    if fault == "refuse_cancel":
        return Plan(fault, refusals=1 if index % 2 == 0 else 10)
    return Plan(fault, code="never" if fault == "sms_never" else "late")


@dataclass
class Tally:
    """What the tests of one worker saw."""

    rentals: int = 0
    codes: int = 0
    typed: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Worker:
    """One thread's account, journal, client kind and rentals."""

    sandbox: Sandbox
    provider: ProviderName
    key: str
    product: otpkit.Product
    journal: Path
    asynchronous: bool
    plans: tuple[Plan, ...]

    def arm(self, kind: FaultKind, role: Role, count: int = 1) -> None:
        self.sandbox.inject_fault(
            kind,
            count=count,
            endpoint=STEP_ENDPOINTS[self.provider][role],
            seconds=SLOW if kind == "slow" else None,
            api_key=self.key,
        )

    def before_order(self, step: Plan) -> None:
        if step.role == "create":
            self.arm(step.fault, "create")  # type: ignore[arg-type]

    def before_leaving(self, step: Plan) -> None:
        if step.role == "cancel":
            self.arm(step.fault, "cancel", count=2 if step.fault == "500" else 1)  # type: ignore[arg-type]
        if step.refusals:
            self.sandbox.inject_fault("refuse_cancel", count=step.refusals, api_key=self.key)

    def before_waiting(self, step: Plan, order_id: str) -> float:
        """Arm poll faults and send the code as planned; returns how long the test waits."""
        if step.role == "poll":
            self.arm(step.fault, "poll", count=2 if step.fault == "500" else 1)  # type: ignore[arg-type]
        if step.code == "now":
            self.sandbox.deliver(order_id, provider=self.provider, code=CODE)
            return 8.0
        if step.code == "late":
            self.sandbox.deliver(order_id, provider=self.provider, code=CODE, delay=2.0)
        return 1.0

    def run(self) -> Tally:
        if self.asynchronous:
            return asyncio.run(self._run_async())
        tally = Tally()
        with otpkit.connect(
            self.provider,
            api_key=self.key,
            base_url=self.sandbox.base_url,
            settings=settings(),
            journal=self.journal,
        ) as client:
            for step in self.plans:
                tally.rentals += 1
                try:
                    self.before_order(step)
                    with client.rent(self.product) as rental:
                        if step.code is not None:
                            wait = self.before_waiting(step, rental.id)
                            tally.codes += rental.wait_for_code(timeout=wait) == CODE
                        self.before_leaving(step)
                except otpkit.OtpkitError as error:
                    tally.typed[type(error).__name__] += 1
                except Exception as error:  # what must never happen: counted, shown
                    tally.untyped.append(repr(error))
        return tally

    async def _run_async(self) -> Tally:
        tally = Tally()
        async with otpkit.connect_async(
            self.provider,
            api_key=self.key,
            base_url=self.sandbox.base_url,
            settings=settings(),
            journal=self.journal,
        ) as client:
            for step in self.plans:
                tally.rentals += 1
                try:
                    self.before_order(step)
                    async with client.rent(self.product) as rental:
                        if step.code is not None:
                            wait = self.before_waiting(step, rental.id)
                            tally.codes += await rental.wait_for_code(timeout=wait) == CODE
                        self.before_leaving(step)
                except otpkit.OtpkitError as error:
                    tally.typed[type(error).__name__] += 1
                except Exception as error:
                    tally.untyped.append(repr(error))
        return tally


@dataclass
class Row:
    """The audit of one (fault, provider) row."""

    fault: str
    provider: str
    rentals: int = 0
    orders: int = 0
    codes: int = 0
    typed: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)
    refunded: int = 0
    left: int = 0
    swept: int = 0
    reported: int = 0  # lost replies the sweep could not find by id, reported for a check
    double_charges: int = 0
    double_refunds: int = 0
    lost: Decimal = Decimal(0)
    orphans: int = 0  # unrefunded orders no journal row knows the id of
    throttled: int = 0  # requests the sandbox answered with a 429

    def add(self, worker: Worker, tally: Tally) -> None:
        self.rentals += tally.rentals
        self.codes += tally.codes
        self.typed += tally.typed
        self.untyped += tally.untyped
        journal = otpkit.Journal(worker.journal)
        self.left += sum(e.state not in ("closed", "failed") for e in journal.entries())
        later = otpkit.Journal(worker.journal, run_id="later")
        with otpkit.connect(
            worker.provider,
            api_key=worker.key,
            base_url=worker.sandbox.base_url,
            settings=settings(),
            journal=later,
        ) as client:
            report = client.sweep()
        self.swept += len(report.refunded)
        self.reported += len(report.problems)
        known = {e.order_id for e in journal.entries()}
        ledger = worker.sandbox.ledger(worker.key)
        self.throttled += worker.sandbox.stats().throttled_by_key.get(worker.key, 0)
        self.orders += len(ledger.orders)
        self.refunded += sum(o.refunds > 0 for o in ledger.orders)
        self.double_charges += ledger.double_charges
        self.double_refunds += ledger.double_refunds
        for order in ledger.orders:
            if order.messages == 0 and order.charged > order.refunded:
                self.lost += order.charged - order.refunded
                self.orphans += order.order_id not in known


def open_worker(
    sandbox: Sandbox,
    provider: ProviderName,
    folder: Path,
    asynchronous: bool,
    plans: Sequence[Plan],
) -> Worker:
    key = sandbox.new_api_key(provider, balance=10_000)
    name, country = IN_STOCK[provider]
    with otpkit.connect(
        provider, api_key=key, base_url=sandbox.base_url, settings=settings(), journal=False
    ) as client:
        product = client.find_product(name, country=country)
    journal = folder / f"{provider}-{key}.sqlite3"
    return Worker(sandbox, provider, key, product, journal, asynchronous, tuple(plans))


def run_fault(
    sandbox: Sandbox, fault: str, counts: dict[str, int], workers: int, folder: Path
) -> list[Row]:
    """Both providers' rows of one fault, every worker at once."""
    rows = [Row(fault, provider) for provider in PROVIDERS]
    crew: list[tuple[Row, Worker]] = []
    for row, provider in zip(rows, PROVIDERS, strict=True):
        plans = [plan(fault, i) for i in range(counts[provider])]
        size = max(1, min(workers, len(plans)))
        for w in range(size):
            mine = plans[w::size]
            if mine:
                crew.append((row, open_worker(sandbox, provider, folder, w % 2 == 1, mine)))
    if not crew:
        return rows
    throttled = fault == "429"
    if throttled:
        sandbox.set_throttle(THROTTLE)
    try:
        with (
            # Throttle windows slide within a call's budget.
            sandbox.clock_running_fast(CLOCK_STEP) if throttled else contextlib.nullcontext(),
            ThreadPoolExecutor(max_workers=len(crew)) as pool,
        ):
            tallies = list(pool.map(lambda pair: pair[1].run(), crew))
    finally:
        sandbox.set_throttle(None)
        sandbox.clear_faults()
    if fault == "slow":
        time.sleep(SLOW)  # an order held back behind a client's timeout is placed by now
    for (row, worker), tally in zip(crew, tallies, strict=True):
        row.add(worker, tally)
    return rows


def spread(total: int) -> dict[tuple[str, str], int]:
    """``total`` rentals over every (fault, provider) pair, as evenly as possible."""
    pairs = [(fault, provider) for fault in FAULTS for provider in PROVIDERS]
    base, extra = divmod(total, len(pairs))
    return {pair: base + (1 if i < extra else 0) for i, pair in enumerate(pairs)}


COLUMNS = (
    ("fault", 16),
    ("provider", 12),
    ("rentals", 8),
    ("orders", 7),
    ("codes", 6),
    ("typed", 6),
    ("untyped", 8),
    ("refunded", 9),
    ("left", 5),
    ("swept", 6),
    ("2x chg", 7),
    ("2x ref", 7),
    ("lost", 9),
)


def cells(row: Row) -> list[str]:
    return [
        row.fault,
        row.provider,
        str(row.rentals),
        str(row.orders),
        str(row.codes),
        str(sum(row.typed.values())),
        str(len(row.untyped)),
        str(row.refunded),
        str(row.left),
        str(row.swept),
        str(row.double_charges),
        str(row.double_refunds),
        f"{row.lost:.2f}",
    ]


def print_table(rows: Sequence[Row]) -> None:
    header = "".join(
        f"{name:<{width}}" if i < 2 else f"{name:>{width}}"
        for i, (name, width) in enumerate(COLUMNS)
    )
    print(header)
    print("-" * len(header))
    totals: dict[str, Row] = {p: Row("total", p) for p in PROVIDERS}
    for row in rows:
        print_row(row)
        total = totals[row.provider]
        for name in (
            "rentals",
            "orders",
            "codes",
            "refunded",
            "left",
            "swept",
            "reported",
            "orphans",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.typed += row.typed
        total.untyped += row.untyped
        total.double_charges += row.double_charges
        total.double_refunds += row.double_refunds
        total.lost += row.lost
    print("-" * len(header))
    for total in totals.values():
        print_row(total)


def print_row(row: Row) -> None:
    print(
        "".join(
            f"{cell:<{width}}" if i < 2 else f"{cell:>{width}}"
            for i, (cell, (_, width)) in enumerate(zip(cells(row), COLUMNS, strict=True))
        )
    )


def explain(rows: Sequence[Row]) -> None:
    """Say where money was lost or an untyped error escaped, so a reader can act on it."""
    for row in rows:
        if row.lost:
            print(
                f"  {row.fault}/{row.provider}: {row.lost:.2f} lost on orders that delivered no "
                f"code and were never refunded; {row.orphans} of them unknown to every journal "
                "(the client never learnt their id, so no sweep can find them)"
            )
        for problem in sorted(set(row.untyped)):
            print(f"  {row.fault}/{row.provider}: untyped error escaped: {problem}")
        kinds = ", ".join(f"{name} {n}" for name, n in sorted(row.typed.items()))
        if kinds:
            print(f"  {row.fault}/{row.provider}: typed errors seen by tests: {kinds}")
        if row.reported:
            print(
                f"  {row.fault}/{row.provider}: {row.reported} lost order replies could not be "
                "found by id (a journal's first order has no earlier one to bound the search); "
                "the sweep reported them for a check on the provider's dashboard ('lost' says "
                "whether any was charged)"
            )
        if row.throttled:
            print(f"  {row.fault}/{row.provider}: {row.throttled} requests answered with a 429")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Rent through every injected fault and audit the money (see the docstring)."
    )
    parser.add_argument("--rentals", type=int, default=200, help="rentals in all (200)")
    parser.add_argument("--workers", type=int, default=4, help="threads per row (4)")
    parser.add_argument("--seed", type=int, default=7, help="sandbox seed (7)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # A cancel that fails for good warns once per rental; the "left" column counts them.
    warnings.simplefilter("ignore", otpkit.RentalCleanupWarning)
    started = time.monotonic()
    counts = spread(max(args.rentals, 1))
    rows: list[Row] = []
    with (
        otpkit.sandbox.run(throttle=None, seed=args.seed) as sandbox,
        tempfile.TemporaryDirectory(prefix="otpkit-faults-") as folder,
    ):
        for provider in PROVIDERS:
            name, country = IN_STOCK[provider]
            with otpkit.connect(
                provider,
                api_key=sandbox.new_api_key(provider),
                base_url=sandbox.base_url,
                settings=settings(),
                journal=False,
            ) as client:
                product = client.find_product(name, country=country)
            sandbox.set_stock(provider, product.id, 100_000)  # orphaned orders keep theirs
        for fault in FAULTS:
            per_provider: dict[str, int] = {p: counts[fault, p] for p in PROVIDERS}
            rows += run_fault(sandbox, fault, per_provider, args.workers, Path(folder))
            print(f"... {fault}: done after {time.monotonic() - started:.0f} s", flush=True)
    elapsed = time.monotonic() - started
    print()
    print(f"money audit: {sum(r.rentals for r in rows)} rentals in {elapsed:.0f} s")
    print()
    print_table(rows)
    print()
    explain(rows)
    lost = {p: sum((r.lost for r in rows if r.provider == p), Decimal(0)) for p in PROVIDERS}
    doubles = sum(r.double_charges + r.double_refunds for r in rows)
    untyped = sum(len(r.untyped) for r in rows)
    targets = [
        *(Target(f"money lost ({p}) = 0.00", f"{lost[p]:.2f}", lost[p] == 0) for p in PROVIDERS),
        Target("double charges + double refunds = 0", str(doubles), doubles == 0),
        Target("untyped errors = 0", str(untyped), untyped == 0),
    ]
    print_targets(targets)
    met = all(t.met for t in targets)
    print()
    print(f"targets met: {'yes' if met else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
