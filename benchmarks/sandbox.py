"""The sandbox as a test fixture: how fast it starts and stops, and how it holds up under load.

Run: ``python benchmarks/sandbox.py [--starts 50] [--clients 16] [--rounds 25] [--sms-every 4]``

Part 1, start/stop: ``otpkit.sandbox.run(throttle=None)`` is entered and left ``--starts`` times
in this process (the first time is also shown on its own: it pays for lazy imports). Each
repetition is timed in three phases with ``time.perf_counter()``: *start* (until the ``with``
body runs: socket bound, server thread up), *first reply* (one control request,
``sandbox.stats()``, proving the server answers) and *stop* (leaving the block: server shut down,
thread joined). The target is on the whole (start + first reply + stop): under 1 s, judged on
the slowest repetition.

Part 2, concurrency: one sandbox, ``--clients`` clients at once, half of them jesusnumber and half
sanalnumara, each with its own ``otpkit`` client but one shared account (API key) per provider,
so every client moves money in the same wallet. Each client does ``--rounds`` rounds of: rent a
number, on every ``--sms-every``-th round have the sandbox deliver an SMS with a known code, read
the messages (the code must be there, or no message at all), and cancel (refunded exactly when
no SMS came). Any exception or wrong answer is an error. Two variants: threads (one
``otpkit.connect`` client per thread, started together on a barrier) and asyncio (one
``otpkit.connect_async`` client per task, all on one event loop; the sandbox's control calls go
through ``asyncio.to_thread``). Throughput is the provider requests the sandbox counted for the
two keys (``sandbox.stats().by_key``), and the rentals, divided by the wall time of the
workload. Per-call latencies are client-side (``time.perf_counter()`` around the call).
Clients get otpkit's default settings, whatever ``OTPKIT_*`` variables are set, and no journal.

Afterwards the ledger of each account (``sandbox.ledger(key)``) is audited: every order
accounted for; each rental cancelled without a code charged and refunded once, the same amount
(charged == refunded); each rental that got its code charged once and not refunded; no double
charge or refund; no open rental; balance == deposit - (charged - refunded); nothing held.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from _common import BenchSettings, Target, percentile, print_targets

import otpkit
import otpkit.sandbox
from otpkit import AsyncClient, Client, Product, Settings
from otpkit.sandbox import ProviderName, Sandbox

START_STOP_TARGET_S = 1.0
PROVIDERS: tuple[ProviderName, ...] = ("jesusnumber", "sanalnumara")
OPS = ("rent", "messages", "cancel")
# Large enough that no client is ever refused for money (prices are about 0.35 and 3.5).
BALANCE: dict[ProviderName, int] = {"jesusnumber": 100_000, "sanalnumara": 1_000_000}


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:.1f}"


# -- part 1: start and stop ----------------------------------------------------------------------


@dataclass
class StartStop:
    start: list[float] = field(default_factory=list)
    first_reply: list[float] = field(default_factory=list)
    stop: list[float] = field(default_factory=list)

    def totals(self) -> list[float]:
        return [a + b + c for a, b, c in zip(self.start, self.first_reply, self.stop, strict=True)]


def measure_start_stop(repetitions: int) -> StartStop:
    timings = StartStop()
    for _ in range(repetitions):
        began = time.perf_counter()
        with otpkit.sandbox.run(throttle=None) as sandbox:
            started = time.perf_counter()
            sandbox.stats()
            answered = time.perf_counter()
        stopped = time.perf_counter()
        timings.start.append(started - began)
        timings.first_reply.append(answered - started)
        timings.stop.append(stopped - answered)
    return timings


def print_start_stop(timings: StartStop) -> None:
    totals = timings.totals()
    print(f"sandbox start/stop: otpkit.sandbox.run() entered and left {len(totals)} times")
    header = f"{'phase':<32}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'first ms':>10}"
    print(header)
    print("-" * len(header))
    phases = [
        ("start (with-body reached)", timings.start),
        ("first reply (sandbox.stats())", timings.first_reply),
        ("stop (with-block left)", timings.stop),
        ("start + first reply + stop", totals),
    ]
    for name, values in phases:
        print(
            f"{name:<32}{ms(percentile(values, 50)):>10}{ms(percentile(values, 95)):>10}"
            f"{ms(max(values)):>10}{ms(values[0]):>10}"
        )


# -- part 2: concurrent clients ------------------------------------------------------------------


@dataclass
class Plan:
    sandbox: Sandbox
    settings: Settings
    keys: dict[ProviderName, str]
    products: dict[ProviderName, Product]
    rounds: int
    sms_every: int

    def provider_of(self, index: int) -> ProviderName:
        return PROVIDERS[index % len(PROVIDERS)]

    def has_sms(self, index: int, round_: int) -> bool:
        return (index + round_) % self.sms_every == 0

    @staticmethod
    def code(index: int, round_: int) -> str:
        return str(100_000 + (index * 7_919 + round_ * 104_729) % 900_000)


@dataclass
class WorkerResult:
    provider: ProviderName
    rentals: int = 0
    with_sms: int = 0
    refunded: int = 0
    times: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    errors: list[str] = field(default_factory=list)


class WrongAnswer(Exception):
    """The sandbox or the client answered something other than what the round expects."""


def check_messages(messages: list[otpkit.Message], code: str | None) -> None:
    got = messages[-1].code if messages else None
    if got != code:
        raise WrongAnswer(f"expected code {code!r}, read {got!r} ({len(messages)} messages)")


def check_outcome(outcome: otpkit.CancelOutcome, sms: bool) -> None:
    if outcome.refunded == sms:
        raise WrongAnswer(f"cancel after {'an' if sms else 'no'} SMS: {outcome}")


def connect(plan: Plan, provider: ProviderName) -> Client:
    return otpkit.connect(
        provider,
        api_key=plan.keys[provider],
        base_url=plan.sandbox.base_url,
        settings=plan.settings,
        journal=False,
    )


def connect_async(plan: Plan, provider: ProviderName) -> AsyncClient:
    return otpkit.connect_async(
        provider,
        api_key=plan.keys[provider],
        base_url=plan.sandbox.base_url,
        settings=plan.settings,
        journal=False,
    )


def sync_round(plan: Plan, client: Client, result: WorkerResult, index: int, round_: int) -> None:
    provider, sms = result.provider, plan.has_sms(index, round_)
    code = plan.code(index, round_) if sms else None
    began = time.perf_counter()
    with client.rent(plan.products[provider]) as rental:
        result.times["rent"].append(time.perf_counter() - began)
        result.rentals += 1
        if code is not None:
            plan.sandbox.deliver(rental.id, provider=provider, code=code)
            result.with_sms += 1
        began = time.perf_counter()
        messages = rental.messages()
        result.times["messages"].append(time.perf_counter() - began)
        check_messages(messages, code)
        began = time.perf_counter()
        outcome = rental.cancel()
        result.times["cancel"].append(time.perf_counter() - began)
        check_outcome(outcome, sms)
        result.refunded += outcome.refunded


async def async_round(
    plan: Plan, client: AsyncClient, result: WorkerResult, index: int, round_: int
) -> None:
    provider, sms = result.provider, plan.has_sms(index, round_)
    code = plan.code(index, round_) if sms else None
    began = time.perf_counter()
    async with client.rent(plan.products[provider]) as rental:
        result.times["rent"].append(time.perf_counter() - began)
        result.rentals += 1
        if code is not None:
            await asyncio.to_thread(plan.sandbox.deliver, rental.id, provider=provider, code=code)
            result.with_sms += 1
        began = time.perf_counter()
        messages = await rental.messages()
        result.times["messages"].append(time.perf_counter() - began)
        check_messages(messages, code)
        began = time.perf_counter()
        outcome = await rental.cancel()
        result.times["cancel"].append(time.perf_counter() - began)
        check_outcome(outcome, sms)
        result.refunded += outcome.refunded


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def run_threads(plan: Plan, clients: int) -> tuple[list[WorkerResult], float]:
    results = [WorkerResult(plan.provider_of(i)) for i in range(clients)]
    started: list[float] = []
    barrier = threading.Barrier(clients, action=lambda: started.append(time.perf_counter()))

    def worker(index: int) -> None:
        result = results[index]
        try:
            client = connect(plan, result.provider)
        except Exception as error:
            result.errors.append(error_text(error))
            barrier.abort()
            return
        with client:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                result.errors.append("another client could not start")
                return
            for round_ in range(plan.rounds):
                try:
                    sync_round(plan, client, result, index, round_)
                except Exception as error:
                    result.errors.append(error_text(error))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started[0] if started else float("nan")
    return results, wall


async def run_tasks(plan: Plan, clients: int) -> tuple[list[WorkerResult], float]:
    results = [WorkerResult(plan.provider_of(i)) for i in range(clients)]
    opened = [connect_async(plan, result.provider) for result in results]

    async def worker(index: int) -> None:
        for round_ in range(plan.rounds):
            try:
                await async_round(plan, opened[index], results[index], index, round_)
            except Exception as error:
                results[index].errors.append(error_text(error))

    try:
        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        wall = time.perf_counter() - began
    finally:
        for client in opened:
            await client.aclose()
    return results, wall


# -- the ledger audit ----------------------------------------------------------------------------


@dataclass
class Audit:
    provider: ProviderName
    orders: int
    expected_orders: int
    cancelled: int
    received: int
    open_rentals: int
    cancelled_charged: Decimal
    cancelled_refunded: Decimal
    per_order_mismatches: int  # cancelled: charged != refunded; received: refunded or not charged
    double_charges: int
    double_refunds: int
    balance_ok: bool
    held: Decimal

    @property
    def consistent(self) -> bool:
        return (
            self.orders == self.expected_orders
            and self.open_rentals == 0
            and self.cancelled_charged == self.cancelled_refunded
            and self.per_order_mismatches == 0
            and self.double_charges == 0
            and self.double_refunds == 0
            and self.balance_ok
            and self.held == 0
        )


def audit(sandbox: Sandbox, provider: ProviderName, key: str, results: list[WorkerResult]) -> Audit:
    ledger = sandbox.ledger(key)
    mine = [r for r in results if r.provider == provider]
    cancelled = [o for o in ledger.orders if o.status == "cancelled"]
    received = [o for o in ledger.orders if o.status == "received"]
    mismatches = sum(
        1 for o in cancelled if (o.charges, o.refunds) != (1, 1) or o.charged != o.refunded
    )
    mismatches += sum(1 for o in received if (o.charges, o.refunds) != (1, 0) or o.refunded)
    return Audit(
        provider=provider,
        orders=len(ledger.orders),
        expected_orders=sum(r.rentals for r in mine),
        cancelled=len(cancelled),
        received=len(received),
        open_rentals=ledger.open_rentals,
        cancelled_charged=sum((o.charged for o in cancelled), Decimal(0)),
        cancelled_refunded=sum((o.refunded for o in cancelled), Decimal(0)),
        per_order_mismatches=mismatches,
        double_charges=ledger.double_charges,
        double_refunds=ledger.double_refunds,
        balance_ok=ledger.balance == ledger.deposit - ledger.spent
        and ledger.spent == ledger.charged - ledger.refunded,
        held=ledger.held,
    )


# -- running a variant and reporting -------------------------------------------------------------


@dataclass
class Variant:
    name: str
    clients: int
    results: list[WorkerResult]
    wall: float
    requests: int
    audits: list[Audit]

    @property
    def errors(self) -> list[str]:
        return [e for r in self.results for e in r.errors]

    @property
    def rentals(self) -> int:
        return sum(r.rentals for r in self.results)

    def times(self, op: str) -> list[float]:
        return [t for r in self.results for t in r.times[op]]


def prepare(sandbox: Sandbox, settings: Settings, rounds: int, sms_every: int) -> Plan:
    """Fresh shared accounts, and the product each provider's clients rent (stocked up)."""
    keys = {p: sandbox.new_api_key(p, balance=BALANCE[p]) for p in PROVIDERS}
    products: dict[ProviderName, Product] = {}
    wanted: list[tuple[ProviderName, str | None]] = [
        ("jesusnumber", None),
        ("sanalnumara", "United States"),
    ]
    for provider, country in wanted:
        finder_key = sandbox.new_api_key(provider)  # the lookup is not part of the workload
        with otpkit.connect(
            provider,
            api_key=finder_key,
            base_url=sandbox.base_url,
            settings=settings,
            journal=False,
        ) as finder:
            products[provider] = finder.find_product("google", country=country)
        # Rentals that got an SMS keep their number: make sure stock never runs out.
        sandbox.set_stock(provider, products[provider].id, 1_000_000)
    return Plan(sandbox, settings, keys, products, rounds, sms_every)


def run_variant(
    name: str, sandbox: Sandbox, settings: Settings, clients: int, rounds: int, sms_every: int
) -> Variant:
    plan = prepare(sandbox, settings, rounds, sms_every)
    before = sandbox.stats().by_key
    if name == "threads":
        results, wall = run_threads(plan, clients)
    else:
        results, wall = asyncio.run(run_tasks(plan, clients))
    after = sandbox.stats().by_key
    requests = sum(after.get(k, 0) - before.get(k, 0) for k in plan.keys.values())
    audits = [audit(sandbox, p, plan.keys[p], results) for p in PROVIDERS]
    return Variant(name, clients, results, wall, requests, audits)


def print_variants(variants: list[Variant], rounds: int, sms_every: int) -> None:
    clients = variants[0].clients
    print(
        f"{clients} concurrent clients on one sandbox ({(clients + 1) // 2} jesusnumber, "
        f"{clients // 2} sanalnumara; one shared account per provider), {rounds} rounds each: "
        f"rent, messages, cancel; an SMS every {sms_every} rounds"
    )
    header = (
        f"{'variant':<9}{'clients':>8}{'rentals':>8}{'requests':>9}{'errors':>7}{'wall s':>8}"
        f"{'req/s':>8}{'rent/s':>8}   {'p50/p95 ms:  rent':>17}{'messages':>14}{'cancel':>14}"
    )
    print(header)
    print("-" * len(header))
    for v in variants:
        lat = [f"{ms(percentile(v.times(op), 50))}/{ms(percentile(v.times(op), 95))}" for op in OPS]
        print(
            f"{v.name:<9}{v.clients:>8}{v.rentals:>8}{v.requests:>9}{len(v.errors):>7}"
            f"{v.wall:>8.2f}{v.requests / v.wall:>8.0f}{v.rentals / v.wall:>8.0f}   "
            f"{lat[0]:>17}{lat[1]:>14}{lat[2]:>14}"
        )
    for v in variants:
        if v.errors:
            print(f"  {v.name}: {len(v.errors)} error(s); first: {v.errors[0]}")

    print()
    columns = [(v.name, a) for v in variants for a in v.audits]
    first = f"{'ledger audit':<44}" + "".join(f"{name:>14}" for name, _ in columns)
    print(first)
    print(f"{'':<44}" + "".join(f"{a.provider:>14}" for _, a in columns))
    print("-" * len(first))

    def line(label: str, cell: list[str]) -> None:
        print(f"{label:<44}" + "".join(f"{c:>14}" for c in cell))

    line("orders (expected)", [f"{a.orders} ({a.expected_orders})" for _, a in columns])
    line("cancelled without code / got code", [f"{a.cancelled}/{a.received}" for _, a in columns])
    line(
        "cancelled w/o code: charged == refunded",
        [
            f"{a.cancelled_charged:g}=={a.cancelled_refunded:g}"
            if a.cancelled_charged == a.cancelled_refunded
            else f"{a.cancelled_charged:g}!={a.cancelled_refunded:g}"
            for _, a in columns
        ],
    )
    line("orders with wrong money movements", [str(a.per_order_mismatches) for _, a in columns])
    line(
        "double charges / double refunds",
        [f"{a.double_charges}/{a.double_refunds}" for _, a in columns],
    )
    line("open rentals", [str(a.open_rentals) for _, a in columns])
    line(
        "balance == deposit - spent, held == 0",
        ["yes" if a.balance_ok and a.held == 0 else "NO" for _, a in columns],
    )
    line("consistent", ["yes" if a.consistent else "NO" for _, a in columns])


def targets(timings: StartStop, variants: list[Variant]) -> list[Target]:
    worst = max(timings.totals())
    found = [
        Target(
            f"start + stop < {START_STOP_TARGET_S:g} s (slowest of {len(timings.start)} runs)",
            f"{worst * 1000:.0f} ms",
            worst < START_STOP_TARGET_S,
        )
    ]
    for v in variants:
        doubles = sum(a.double_charges + a.double_refunds for a in v.audits)
        consistent = all(a.consistent for a in v.audits)
        found += [
            Target(f"{v.name}: errors == 0", str(len(v.errors)), not v.errors),
            Target(f"{v.name}: double charges + double refunds == 0", str(doubles), doubles == 0),
            Target(f"{v.name}: ledger consistent", "yes" if consistent else "no", consistent),
        ]
    return found


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Sandbox start/stop time and 16 concurrent clients on one sandbox."
    )
    parser.add_argument("--starts", type=int, default=50, help="start/stop repetitions (50)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--rounds", type=int, default=25, help="rentals per client (25)")
    parser.add_argument("--sms-every", type=int, default=4, help="an SMS every N rounds (4)")
    args = parser.parse_args(argv)
    if args.starts < 1 or args.clients < 1 or args.rounds < 1 or args.sms_every < 1:
        parser.error("every option must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = BenchSettings()
    timings = measure_start_stop(args.starts)
    print_start_stop(timings)
    print(flush=True)
    variants = []
    with otpkit.sandbox.run(throttle=None) as sandbox:
        for name in ("threads", "asyncio"):
            variants.append(
                run_variant(name, sandbox, settings, args.clients, args.rounds, args.sms_every)
            )
    print_variants(variants, args.rounds, args.sms_every)
    print_targets(targets(timings, variants))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
