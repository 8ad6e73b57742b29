"""How soon ``wait_for_code`` returns after the SMS arrives, and how many requests an OTP costs.

Run: ``python benchmarks/latency.py [--otps 20] [--delay 2.0] [--spacing 0.5] [--modes ...]``

Everything is real: ``otpkit.sandbox.run(throttle=None)`` serves both providers over loopback
HTTP, clients come from ``otpkit.connect``, and push delivery goes through a real
``otpkit.webhook.run()`` receiver that the sandbox POSTs its jesusnumber callbacks to.

Modes (each OTP rents a number, asks the sandbox to deliver an SMS ``--delay`` seconds later,
waits for the code, and cancels):

- ``push``: jesusnumber with ``sandbox.set_callback_url(key, receiver.callback_url)`` and a client
  made with ``push=receiver``; ``rental.wait_for_code()`` is woken by the push.
- ``poll``: a plain client of jesusnumber and of sanalnumara; ``rental.wait_for_code()`` polls
  on otpkit's own schedule (``otpkit._waiting.POLLING``).
- ``late``: ``poll`` as a suite really does it: the number is rented at fixture setup and the
  wait (with the SMS ``--delay`` after it) begins ``--late-after`` seconds later (8 s), so the
  schedule must start with the wait, not with the rental.
- ``naive``: the loop a QA engineer would write by hand, the baseline:
  ``while True: client.messages(rental); sleep(5)`` (``--naive-interval``).

Method
------
*SMS arrival* is the sandbox's own record of it. ``sandbox.deliver(..., delay=d)`` returns a
``Delivery`` whose ``due_at`` is the sandbox time at which the SMS becomes visible: a scheduled
SMS is applied by the first provider request (or scheduler tick) at or after ``due_at``, and its
``received_at`` in the order is ``due_at`` itself. ``due_at`` has microsecond precision (the
control API serialises it with pydantic, unlike the whole-second provider timestamps).

The sandbox clock is real time plus an offset that only ``advance_clock`` changes, and it
advances with ``time.monotonic``; this benchmark never advances it, so
``sandbox time = time.monotonic() + c`` for one constant ``c``. ``c`` is measured, not
assumed: every ``deliver`` call is bracketed by ``time.monotonic()`` readings ``t0``/``t1`` and
the sandbox stamped ``due_at - d`` somewhere in between, so ``c`` lies in
``[due_at - d - t1, due_at - d - t0]``.
The intersection of all those intervals (50 calibration deliveries before the modes run, plus
one per OTP) bounds ``c`` to about the fastest round trip (well under a millisecond); the bound
is printed. Arrival on the
benchmark's clock is then ``due_at - c``, and latency is the ``time.monotonic()`` reading taken
as ``wait_for_code`` (or the naive loop) returns, minus that arrival. For push it therefore
includes the sandbox noticing the due SMS, its webhook POST, the receiver, and the waiter's long
poll: everything between the provider having the SMS and the test having the code.

The push row also splits the latency at the receiver: the receiver stamps each callback with
``time.time()`` when it stores it (``Message.received_at`` of the pushed message), mapped onto
``time.monotonic()`` through a wall/monotonic pair read at start.

*Requests per OTP* are provider requests counted by the sandbox (``sandbox.stats().by_key``,
before and after) for a fresh API key per OTP (``sandbox.new_api_key``), so each OTP's count is
exact: the rent, every poll, and the cancel if the client sends one (otpkit may settle a rental
whose code it read without asking the provider, which would refuse anyway). The product is
looked up once per provider beforehand, with another key, so catalogue requests are not
counted.

OTPs start ``--spacing`` seconds apart (default 0.5 s), each on its own thread with its own
client, so several are in flight at once as in a parallel suite; ``--spacing 3`` (5.5 for
naive) makes them effectively sequential. Sandbox, receiver and clients share one process.
Clients get otpkit's default settings, whatever ``OTPKIT_*`` variables are set, and no journal.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from _common import BenchSettings, Target, fmt, percentile, print_targets

import otpkit
import otpkit.sandbox
import otpkit.webhook
from otpkit import Client, Product, Settings
from otpkit._push import InboxAddress
from otpkit.sandbox import ProviderName, Sandbox

Mode = Literal["push", "poll", "late", "naive"]
MODES: tuple[Mode, ...] = ("push", "poll", "late", "naive")
CALIBRATION_SAMPLES = 50

# Targets (issues 5 and 14).
PUSH_P50_MS = 10.0
PUSH_P95_MS = 50.0
POLL_P50_MS = 250.0
POLL_MEAN_REQUESTS = 5.0
LATE_P50_MS = 600.0


class ClockBridge:
    """Bounds on ``c`` in ``sandbox time = time.monotonic() + c``, narrowed by each sample."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.low = float("-inf")
        self.high = float("inf")
        self.samples = 0

    def add(self, sandbox_stamp: float, before: float, after: float) -> None:
        """The sandbox read its clock as ``sandbox_stamp`` between ``before`` and ``after``."""
        with self._lock:
            self.low = max(self.low, sandbox_stamp - after)
            self.high = min(self.high, sandbox_stamp - before)
            self.samples += 1

    @property
    def consistent(self) -> bool:
        return self.samples > 0 and self.low <= self.high

    @property
    def offset(self) -> float:
        return (self.low + self.high) / 2

    @property
    def uncertainty(self) -> float:
        return (self.high - self.low) / 2


@dataclass
class Sample:
    """One OTP's raw readings; latencies come out once the clock bridge is final."""

    due: float | None = None  # SMS arrival: ``Delivery.due_at`` on the sandbox clock (epoch s)
    returned: float | None = None  # ``time.monotonic()`` as the wait returned the code
    stored: float | None = None  # push: the receiver's ``time.time()`` as it stored the SMS
    requests: int | None = None
    error: str | None = None

    def latency(self, bridge: ClockBridge) -> float | None:
        if self.due is None or self.returned is None:
            return None
        return self.returned - (self.due - bridge.offset)

    def receiver_hop(self, bridge: ClockBridge, wall_minus_mono: float) -> float | None:
        if self.due is None or self.stored is None:
            return None
        return (self.stored - wall_minus_mono) - (self.due - bridge.offset)


@dataclass
class Row:
    """The OTPs of one mode and provider."""

    mode: Mode
    provider: ProviderName
    samples: list[Sample] = field(default_factory=list)
    wall: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.mode} ({self.provider})"

    def latencies_ms(self, bridge: ClockBridge) -> list[float]:
        found = (s.latency(bridge) for s in self.samples)
        return [latency * 1000 for latency in found if latency is not None]

    def requests(self) -> list[int]:
        return [s.requests for s in self.samples if s.requests is not None]

    def errors(self) -> list[str]:
        return [s.error for s in self.samples if s.error is not None]


@dataclass
class Context:
    sandbox: Sandbox
    settings: Settings
    bridge: ClockBridge
    products: dict[ProviderName, Product]
    delay: float
    timeout: float
    naive_interval: float
    late_after: float = 8.0
    callback_url: str | None = None
    inbox_url: str | None = None
    inbox_token: str | None = None
    wall_minus_mono: float = 0.0


def connect(
    sandbox: Sandbox,
    settings: Settings,
    provider: ProviderName,
    key: str,
    push: InboxAddress | None = None,
) -> Client:
    return otpkit.connect(
        provider,
        api_key=key,
        base_url=sandbox.base_url,
        settings=settings,
        journal=False,
        push=push,
    )


def requests_of(sandbox: Sandbox, key: str) -> int:
    return sandbox.stats().by_key.get(key, 0)


def naive_wait(client: Client, rental: otpkit.Rental, interval: float, timeout: float) -> str:
    """What a QA engineer writes without otpkit's waiting: a fixed-interval poll loop."""
    deadline = time.monotonic() + timeout
    while True:
        for message in client.messages(rental):
            if message.code is not None:
                return message.code
        if time.monotonic() > deadline:
            raise TimeoutError(f"no code after {timeout} s")
        time.sleep(interval)


def one_otp(ctx: Context, mode: Mode, provider: ProviderName) -> Sample:
    sandbox, sample = ctx.sandbox, Sample()
    try:
        key = sandbox.new_api_key(provider)
        push = None
        if mode == "push":
            assert ctx.callback_url is not None and ctx.inbox_url is not None
            assert ctx.inbox_token is not None
            sandbox.set_callback_url(key, ctx.callback_url)
            push = InboxAddress(ctx.inbox_url, ctx.inbox_token)
        before = requests_of(sandbox, key)
        client = connect(sandbox, ctx.settings, provider, key, push)
        with client, client.rent(ctx.products[provider]) as rental:
            if mode == "late":
                # Rented at fixture setup, "Send code" pressed seconds later: the wait (and
                # the SMS) come long after the rental.
                time.sleep(ctx.late_after)
            sent = time.monotonic()
            delivery = sandbox.deliver(rental.id, provider=provider, delay=ctx.delay)
            answered = time.monotonic()
            ctx.bridge.add(delivery.due_at.timestamp() - ctx.delay, sent, answered)
            if mode == "naive":
                code = naive_wait(client, rental, ctx.naive_interval, ctx.timeout)
            else:
                code = rental.wait_for_code(timeout=ctx.timeout)
            returned = time.monotonic()
            if code != delivery.code:
                raise AssertionError(f"got code {code!r}, the sandbox sent {delivery.code!r}")
            pushed = client.push.messages(rental.id) if client.push is not None else []
        # Leaving the block cancelled the rental; its request, if one was sent, is counted too.
        sample.requests = requests_of(sandbox, key) - before
        sample.due, sample.returned = delivery.due_at.timestamp(), returned
        if pushed and pushed[-1].received_at is not None:
            sample.stored = pushed[-1].received_at.timestamp()
    except Exception as error:  # a failed OTP is reported in the table, never a crash
        sample.error = f"{type(error).__name__}: {error}"
    return sample


def run_row(ctx: Context, mode: Mode, provider: ProviderName, otps: int, spacing: float) -> Row:
    row = Row(mode, provider)
    started = time.monotonic()

    def job(index: int) -> Sample:
        time.sleep(max(0.0, started + index * spacing - time.monotonic()))
        return one_otp(ctx, mode, provider)

    with ThreadPoolExecutor(max_workers=otps, thread_name_prefix=f"otp-{mode}") as pool:
        row.samples = list(pool.map(job, range(otps)))
    row.wall = time.monotonic() - started
    return row


def calibrate(ctx: Context, samples: int) -> None:
    """Narrow the clock bridge with immediate deliveries to a throwaway rental."""
    sandbox = ctx.sandbox
    key = sandbox.new_api_key("jesusnumber")
    with (
        connect(sandbox, ctx.settings, "jesusnumber", key) as client,
        client.rent(ctx.products["jesusnumber"]) as rental,
    ):
        for _ in range(samples):
            sent = time.monotonic()
            delivery = sandbox.deliver(rental.id, provider="jesusnumber", delay=0.0)
            ctx.bridge.add(delivery.due_at.timestamp(), sent, time.monotonic())


def find_products(sandbox: Sandbox, settings: Settings) -> dict[ProviderName, Product]:
    """The product each provider's OTPs rent, looked up once (with a key of its own)."""
    wanted: list[tuple[ProviderName, str | None]] = [
        ("jesusnumber", None),
        ("sanalnumara", "United States"),
    ]
    products: dict[ProviderName, Product] = {}
    for provider, country in wanted:
        key = sandbox.new_api_key(provider)
        with connect(sandbox, settings, provider, key) as client:
            products[provider] = client.find_product("google", country=country)
    return products


@contextmanager
def maybe_receiver(wanted: bool) -> Iterator[otpkit.webhook.WebhookReceiver | None]:
    if not wanted:
        yield None
        return
    with otpkit.webhook.run() as receiver:
        yield receiver


# -- report --------------------------------------------------------------------------------------


def print_table(rows: list[Row], ctx: Context) -> None:
    bridge = ctx.bridge
    header = (
        f"{'mode':<22}{'OTPs':>5}{'ok':>4}{'p50 ms':>10}{'p95 ms':>10}{'min ms':>9}"
        f"{'max ms':>10}{'req/OTP':>9}{'req max':>9}{'wall s':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        lat, req = row.latencies_ms(bridge), row.requests()
        print(
            f"{row.label:<22}{len(row.samples):>5}{len(lat):>4}"
            f"{fmt(percentile(lat, 50)):>10}{fmt(percentile(lat, 95)):>10}"
            f"{fmt(min(lat, default=float('nan'))):>9}{fmt(max(lat, default=float('nan'))):>10}"
            f"{fmt(statistics.fmean(req) if req else float('nan'), 2):>9}"
            f"{max(req) if req else '-':>9}{row.wall:>8.1f}"
        )
    for row in rows:
        hops, rest = [], []
        for sample in row.samples:
            hop = sample.receiver_hop(bridge, ctx.wall_minus_mono)
            latency = sample.latency(bridge)
            if hop is not None and latency is not None:
                hops.append(hop * 1000)
                rest.append((latency - hop) * 1000)
        if hops:
            print(
                f"  {row.label}, split at the receiver: arrival -> callback stored "
                f"p50 {fmt(percentile(hops, 50), 2)} / p95 {fmt(percentile(hops, 95), 2)} ms; "
                f"stored -> code returned p50 {fmt(percentile(rest, 50), 2)} / "
                f"p95 {fmt(percentile(rest, 95), 2)} ms"
            )
    for row in rows:
        errors = row.errors()
        if errors:
            print(f"  {row.label}: {len(errors)} failed OTP(s); first: {errors[0]}")


def targets(rows: list[Row], bridge: ClockBridge) -> list[Target]:
    """Each target beside what was measured; a row with failed OTPs misses its targets."""
    found: list[Target] = []

    def judge(row: Row, what: str, value: float, limit: float, unit: str) -> None:
        shown = f"{fmt(value, 1)} {unit}" if unit else fmt(value, 0)
        met = None if value != value else value <= limit and not row.errors()
        found.append(Target(f"{row.label} {what} <= {limit:g} {unit}".rstrip(), shown, met))

    for row in rows:
        lat, req = row.latencies_ms(bridge), row.requests()
        if row.mode == "push":
            judge(row, "p50", percentile(lat, 50), PUSH_P50_MS, "ms")
            judge(row, "p95", percentile(lat, 95), PUSH_P95_MS, "ms")
        elif row.mode == "poll":
            judge(row, "p50", percentile(lat, 50), POLL_P50_MS, "ms")
            mean = statistics.fmean(req) if req else float("nan")
            judge(row, "requests per OTP (mean)", mean, POLL_MEAN_REQUESTS, "")
        elif row.mode == "late":
            judge(row, "p50", percentile(lat, 50), LATE_P50_MS, "ms")
    return found


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Latency from SMS arrival to wait_for_code, and requests per OTP."
    )
    parser.add_argument("--otps", type=int, default=20, help="OTPs per row (default 20)")
    parser.add_argument(
        "--delay", type=float, default=2.0, help="seconds from rent to SMS arrival (2.0)"
    )
    parser.add_argument(
        "--spacing", type=float, default=0.5, help="seconds between OTP starts (0.5)"
    )
    parser.add_argument(
        "--naive-interval", type=float, default=5.0, help="sleep of the naive loop (5.0)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="an OTP fails after (60)")
    parser.add_argument(
        "--late-after",
        type=float,
        default=8.0,
        help="late mode: seconds between renting and starting the wait (8.0)",
    )
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated subset of " + ",".join(MODES)
    )
    args = parser.parse_args(argv)
    modes = {m.strip() for m in args.modes.split(",") if m.strip()}
    unknown = sorted(modes - set(MODES))
    if unknown or not modes:
        parser.error(f"--modes: choose from {', '.join(MODES)}")
    if args.otps < 1 or args.delay < 0 or args.spacing < 0 or args.naive_interval <= 0:
        parser.error("--otps must be >= 1, --delay and --spacing >= 0, --naive-interval > 0")
    args.modes = [m for m in MODES if m in modes]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan: list[tuple[Mode, ProviderName]] = []
    for mode in args.modes:
        if mode == "poll":
            plan += [("poll", "jesusnumber"), ("poll", "sanalnumara")]
        else:
            plan.append((mode, "jesusnumber"))  # only jesusnumber pushes webhooks

    settings = BenchSettings()
    with otpkit.sandbox.run(throttle=None) as sandbox, maybe_receiver("push" in args.modes) as rx:
        ctx = Context(
            sandbox=sandbox,
            settings=settings,
            bridge=ClockBridge(),
            products=find_products(sandbox, settings),
            delay=args.delay,
            timeout=args.timeout,
            naive_interval=args.naive_interval,
            late_after=args.late_after,
            callback_url=rx.callback_url if rx is not None else None,
            inbox_url=rx.inbox_url if rx is not None else None,
            inbox_token=rx.inbox_token if rx is not None else None,
            wall_minus_mono=time.time() - time.monotonic(),
        )
        calibrate(ctx, CALIBRATION_SAMPLES)
        print(
            f"otpkit latency benchmark: {args.otps} OTP(s) per row, SMS {args.delay:g} s after "
            f"rent, OTPs started {args.spacing:g} s apart, naive loop every "
            f"{args.naive_interval:g} s; sandbox {sandbox.base_url}, throttle off",
            flush=True,
        )
        rows: list[Row] = []
        for mode, provider in plan:
            rows.append(run_row(ctx, mode, provider, args.otps, args.spacing))
            print(f"  ran {rows[-1].label} in {rows[-1].wall:.1f} s", flush=True)

    bridge = ctx.bridge
    print()
    if bridge.consistent:
        print(
            f"clock bridge: sandbox time = time.monotonic() + c, with c known to "
            f"±{bridge.uncertainty * 1e6:.1f} µs from {bridge.samples} stamped deliveries"
        )
    else:
        print("clock bridge INCONSISTENT: the sandbox clock did not keep pace with")
        print("time.monotonic(), so the latencies below are unreliable")
    print()
    print_table(rows, ctx)
    print_targets(targets(rows, bridge))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
