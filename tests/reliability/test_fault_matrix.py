"""The fault matrix: real clients, sync and async, against the sandbox over loopback HTTP.

Every case asserts what a user running a flaky CI needs: each call either succeeds (after
retries) or raises a typed ``otpkit`` error; every rental that received no code is refunded,
at once or by the sweep of a later run; nothing is charged twice (the provider charged exactly
once per distinct order) and nothing is refunded twice.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

import otpkit
import otpkit.sandbox
from otpkit import webhook
from otpkit.sandbox import FaultKind
from tests.reliability.helpers import (
    CODE,
    PROVIDERS,
    Account,
    Role,
    Story,
    concurrently,
    fault_on_each_step,
    fault_on_each_step_async,
    in_new_loop,
)

Sandbox = otpkit.sandbox.Sandbox

#: Failures of one exchange the sandbox can inject, and where each is safe to retry.
KINDS: tuple[FaultKind, ...] = ("500", "non_json", "truncated_json", "drop", "slow")


def roles_for(kind: FaultKind) -> tuple[Role, ...]:
    """The steps of a rental a fault is tried on.

    An order whose reply comes after the client's timeout costs a grace period of waiting
    before the order is looked for: that story is told apart, in
    test_an_order_whose_reply_was_lost_after_the_charge_is_settled (sanalnumara) and in
    tests/integration/test_rentals.py (jesusnumber).
    """
    if kind == "slow":
        return ("poll", "cancel")
    return ("create", "poll", "cancel")


def own_faults_used_up(account: Account) -> bool:
    """Whether every fault armed for ``account`` met a request (so the case really ran)."""
    return not [f for f in account.sandbox.pending_faults() if f.api_key == account.key]


def check_story(
    name: str, account: Account, story: Story, roles: tuple[Role, ...], kind: FaultKind
) -> None:
    assert story.errors == [], name
    assert story.codes == [CODE], (name, story)
    refunded = [o is not None and o.refunded for o in story.outcomes]
    assert refunded and all(refunded), (name, story)
    # Only sanalnumara, which lists no orders, orders again after a reply lost once the
    # provider acted (truncated or dropped); the lost order is then found and refunded.
    # jesusnumber adopts the lost order from its list; a 500 or an HTML page comes from a
    # proxy before the provider acted.
    lost_after_charge = kind in ("truncated_json", "drop") and "create" in roles
    extra_orders = 1 if lost_after_charge and account.provider == "sanalnumara" else 0
    orders = account.audit().ledger.orders
    extra = [o for o in orders if o.order_id not in story.rented]
    assert sorted(story.rented, key=int) == [o.order_id for o in orders if o not in extra], name
    assert len(extra) == extra_orders, (name, extra)
    assert all(o.messages == 0 and o.refunds == 1 for o in extra), (name, extra)
    assert account.unsettled() == [], name  # settled in the run: nothing left for a sweep
    assert own_faults_used_up(account), name  # every armed fault did meet a request


@pytest.mark.parametrize(
    "kind", [pytest.param(k, marks=pytest.mark.slow) if k == "slow" else k for k in KINDS]
)
def test_a_fault_on_each_step_of_a_rental(
    sandbox: Sandbox, tmp_path: Path, kind: FaultKind
) -> None:
    # Both providers, sync and async, at once: four accounts, each with its own faults.
    cases = []
    for provider in PROVIDERS:
        roles = roles_for(kind)
        plain, awaited = (Account.open(sandbox, provider, tmp_path) for _ in range(2))
        cases.append((f"{provider} sync", plain, roles))
        cases.append((f"{provider} async", awaited, roles))
    stories = concurrently(
        *(
            partial(fault_on_each_step, account, kind, roles)
            if "async" not in name
            else in_new_loop(partial(fault_on_each_step_async, account, kind, roles))
            for name, account, roles in cases
        )
    )
    for (name, account, roles), story in zip(cases, stories, strict=True):
        check_story(name, account, story, roles, kind)
        account.sweep_later()
        account.audit().assert_money_safe(account.price)


# -- an order charged, then its reply lost: sanalnumara finds it by its id ------------------------


@pytest.mark.parametrize(
    "kind", ["drop", "truncated_json", pytest.param("slow", marks=pytest.mark.slow)]
)
@pytest.mark.parametrize("history", ["earlier rental", "first rental"])
def test_a_sanalnumara_order_whose_reply_was_lost_after_the_charge_is_found_and_refunded(
    sandbox: Sandbox, tmp_path: Path, kind: FaultKind, history: str
) -> None:
    # The provider charged, the reply never arrived whole, and sanalnumara lists no orders.
    # otpkit orders again (the test gets its number and code), then finds the lost order among
    # the ids below the new one and cancels it: refunded, inside the 10-minute window.
    plain, awaited = (Account.open(sandbox, "sanalnumara", tmp_path) for _ in range(2))

    def sync() -> str:
        with plain.connect() as client:
            if history == "earlier rental":
                client.rent(plain.product).cancel()
            plain.arm(kind, "create")
            with client.rent(plain.product) as rental:
                plain.deliver(rental.id)
                return rental.wait_for_code(timeout=8)

    async def run_async() -> str:
        async with awaited.connect_async() as client:
            if history == "earlier rental":
                await (await client.rent(awaited.product)).cancel()
            awaited.arm(kind, "create")
            async with client.rent(awaited.product) as rental:
                awaited.deliver(rental.id)
                return await rental.wait_for_code(timeout=8)

    codes = concurrently(sync, in_new_loop(run_async))
    for account, code in zip((plain, awaited), codes, strict=True):
        assert code == CODE
        entries = account.journal_entries()
        [lost] = [e for e in entries if e.detail and "found by its id" in e.detail]
        assert lost.state == "closed" and lost.refunded
        assert account.unsettled() == []
        audit = account.audit()
        [found] = [o for o in audit.ledger.orders if o.order_id == lost.order_id]
        assert found.refunds == 1 and found.messages == 0
        assert len(audit.ledger.orders) == (3 if history == "earlier rental" else 2)
        audit.assert_money_safe(account.price)
        assert account.sweep_later().rentals == []


@pytest.mark.parametrize("known", ["earlier rental", "later rental", "no other rental"])
def test_the_sweep_looks_for_a_sanalnumara_order_a_killed_process_never_heard_back_about(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, known: str
) -> None:
    # A process journals its order, sends it, and is killed before the reply is read: the
    # journal has a row without an order id. A later run's sweep looks for the order between
    # the account's other journaled orders; with none to go by, it says so for a human.
    monkeypatch.setattr(otpkit.providers.SanalNumara, "lost_order_grace", 0.0)
    account = Account.open(sandbox, "sanalnumara", tmp_path)
    dead = otpkit.Journal(account.journal, run_id="killed")
    with account.connect() as client:
        if known == "earlier rental":
            client.rent(account.product).cancel()
        dead.begin("sanalnumara", sandbox.base_url, account.product.id, account.price)
        with otpkit.connect(
            "sanalnumara", api_key=account.key, base_url=sandbox.base_url, journal=False
        ) as unjournaled:
            never_heard_of = unjournaled.rent(account.product).id
        if known == "later rental":
            client.rent(account.product).cancel()
    report = account.sweep_later()
    [swept] = report.rentals
    ledger = account.audit().ledger
    [order] = [o for o in ledger.orders if o.order_id == never_heard_of]
    if known == "no other rental":
        assert swept.problem is not None and "dashboard" in swept.problem
        assert account.product.id in swept.problem
        assert order.refunds == 0  # a human has to look: nothing else is touched
        assert account.sweep_later().rentals == []  # reported once
        return
    assert swept.order_id == never_heard_of
    assert swept.outcome is not None and swept.outcome.refunded
    assert report.refunded_amount == account.price
    assert order.refunds == 1
    account.audit().assert_money_safe(account.price)


# -- the provider refuses to cancel ---------------------------------------------------------------


def refusals(account: Account) -> tuple[otpkit.CancelOutcome | None, otpkit.CancelOutcome | None]:
    """A cancel refused once, then one refused for good (sync)."""
    with account.connect() as client:
        with client.rent(account.product) as briefly:
            account.sandbox.inject_fault("refuse_cancel", api_key=account.key)
        with client.rent(account.product) as for_good:
            account.sandbox.inject_fault("refuse_cancel", count=10, api_key=account.key)
    return briefly.outcome, for_good.outcome


async def refusals_async(
    account: Account,
) -> tuple[otpkit.CancelOutcome | None, otpkit.CancelOutcome | None]:
    async with account.connect_async() as client:
        async with client.rent(account.product) as briefly:
            account.sandbox.inject_fault("refuse_cancel", api_key=account.key)
        async with client.rent(account.product) as for_good:
            account.sandbox.inject_fault("refuse_cancel", count=10, api_key=account.key)
    return briefly.outcome, for_good.outcome


@pytest.mark.filterwarnings("ignore::otpkit.RentalCleanupWarning")  # asserted in the journal
def test_a_refused_cancel_is_retried_then_left_for_the_sweep(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    accounts = [Account.open(sandbox, p, tmp_path) for p in PROVIDERS for _ in range(2)]
    results = concurrently(
        *(
            partial(refusals, a) if i % 2 == 0 else in_new_loop(partial(refusals_async, a))
            for i, a in enumerate(accounts)
        )
    )
    for account, (briefly, for_good) in zip(accounts, results, strict=True):
        assert briefly is not None and briefly.refunded  # the second try went through
        assert for_good is None  # no outcome: the cancel failed, quietly, after its retries
        [left] = account.unsettled()
        assert left.state == "cancel_failed" and "cancel failed" in (left.detail or "")
        sandbox.clear_faults()
        report = account.sweep_later()
        assert [r.order_id for r in report.refunded] == [left.order_id]
        assert account.unsettled() == []
        account.audit().assert_money_safe(account.price)


# -- the SMS never comes, or comes too late -------------------------------------------------------


def waits(account: Account, late: bool) -> otpkit.OtpkitError | None:
    with account.connect() as client:
        try:
            with client.rent(account.product) as rental:
                if late:
                    account.deliver(rental.id, delay=4)
                rental.wait_for_code(timeout=1.2)
        except otpkit.OtpkitError as error:
            return error
    return None


async def waits_async(account: Account, late: bool) -> otpkit.OtpkitError | None:
    async with account.connect_async() as client:
        try:
            async with client.rent(account.product) as rental:
                if late:
                    account.deliver(rental.id, delay=4)
                await rental.wait_for_code(timeout=1.2)
        except otpkit.OtpkitError as error:
            return error
    return None


@pytest.mark.parametrize("late", [False, True], ids=["never", "after-the-timeout"])
def test_no_code_in_time_is_a_timeout_and_a_refund(
    sandbox: Sandbox, tmp_path: Path, late: bool
) -> None:
    accounts = [Account.open(sandbox, p, tmp_path) for p in PROVIDERS for _ in range(2)]
    errors = concurrently(
        *(
            partial(waits, a, late) if i % 2 == 0 else in_new_loop(partial(waits_async, a, late))
            for i, a in enumerate(accounts)
        )
    )
    if late:
        sandbox.advance_clock(10)  # the SMS falls due now, on numbers already cancelled
    for account, error in zip(accounts, errors, strict=True):
        assert isinstance(error, otpkit.CodeTimeoutError) and isinstance(error, TimeoutError)
        assert account.unsettled() == []
        audit = account.audit()
        [order] = audit.ledger.orders
        assert (order.status, order.messages) == ("cancelled", 0)  # too late to be charged for
        audit.assert_money_safe(account.price)


# -- a 429 storm ----------------------------------------------------------------------------------


def rent_in_a_storm(account: Account, rentals: int) -> list[str | otpkit.OtpkitError]:
    """``rentals`` tests at once on threads, each renting a number it turns out not to need."""

    def one(client: otpkit.Client) -> str | otpkit.OtpkitError:
        try:
            with client.rent(account.product) as rental:
                return rental.id
        except otpkit.OtpkitError as error:
            return error

    with account.connect() as client, ThreadPoolExecutor(max_workers=rentals) as pool:
        return list(pool.map(lambda _: one(client), range(rentals)))


async def rent_in_a_storm_async(account: Account, rentals: int) -> list[str | otpkit.OtpkitError]:
    async with account.connect_async() as client:

        async def one() -> str | otpkit.OtpkitError:
            try:
                async with client.rent(account.product) as rental:
                    return rental.id
            except otpkit.OtpkitError as error:
                return error

        return list(await asyncio.gather(*(one() for _ in range(rentals))))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::otpkit.RentalCleanupWarning")  # the sweep settles them
def test_a_429_storm(sandbox: Sandbox, tmp_path: Path) -> None:
    accounts = [Account.open(sandbox, p, tmp_path) for p in PROVIDERS for _ in range(2)]
    sandbox.set_throttle(4)
    # 40 sandbox seconds per real second: the windows slide within the call budget, and a
    # sanalnumara rental is still inside its 10-minute refund window when cancelled.
    with sandbox.clock_running_fast(step=10):
        results = concurrently(
            *(
                partial(rent_in_a_storm, a, 8)
                if i % 2 == 0
                else in_new_loop(partial(rent_in_a_storm_async, a, 8))
                for i, a in enumerate(accounts)
            )
        )
    sandbox.set_throttle(None)
    stats = sandbox.stats()
    for account, outcomes in zip(accounts, results, strict=True):
        assert stats.throttled_by_key.get(account.key, 0) > 0  # the storm did happen
        rented = [o for o in outcomes if isinstance(o, str)]
        failed = [o for o in outcomes if not isinstance(o, str)]
        assert rented, failed  # some got through the storm
        assert all(isinstance(e, otpkit.RateLimitError) for e in failed), failed
        account.sweep_later()
        assert account.unsettled() == []
        account.audit().assert_money_safe(account.price)
        assert len(account.audit().ledger.orders) == len(rented)


def test_a_429_is_waited_out_when_retry_after_fits_the_call_budget(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    account = Account.open(sandbox, "jesusnumber", tmp_path)
    sandbox.set_throttle(2)
    with account.connect() as client:
        client.balance()
        client.balance()  # the window is full for a sandbox minute...
        sandbox.advance_clock(59)  # ...of which 1 s is left: Retry-After: 1
        started = time.monotonic()
        assert client.balance().available > 0
        assert time.monotonic() - started >= 0.9
    assert sandbox.stats().throttled_by_key[account.key] >= 1


# -- the webhook receiver restarts while a rental waits for its push ------------------------------


def port_of(receiver: webhook.WebhookReceiver) -> int:
    return int(receiver.callback_url.split(":")[2].split("/")[0])


Waited = tuple[str, float, otpkit.CancelOutcome | None]


def restart_during_wait(account: Account) -> Waited:
    """Rent with push on; mid-wait, stop the receiver, start a new one on the same port, and
    deliver the SMS (sync client, waiting on a thread of its own)."""
    first = webhook.run()
    receiver = first.__enter__()
    account.sandbox.set_callback_url(account.key, receiver.callback_url)
    found: list[str] = []

    def wait(rental: otpkit.Rental) -> None:
        try:
            found.append(rental.wait_for_code(15))
        except otpkit.OtpkitError as error:
            found.append(repr(error))  # shown by the test's assertion

    with (
        account.connect(push=receiver) as client,
        client.rent(account.product) as rental,
    ):
        waiter = threading.Thread(target=wait, args=(rental,))
        started = time.monotonic()
        waiter.start()
        time.sleep(0.5)  # the waiter is in its long poll on the receiver
        first.__exit__(None, None, None)
        # The new receiver keeps the inbox's token, as a restarted `webhook serve` keeps
        # OTPKIT_INBOX_TOKEN: the waiters' credential still opens it.
        with webhook.run(port=port_of(receiver), inbox_token=receiver.inbox_token) as again:
            assert again.callback_url == receiver.callback_url
            account.deliver(rental.id)
            waiter.join(20)
        waited = time.monotonic() - started
    return (found[0] if found else ""), waited, rental.outcome


async def restart_during_wait_async(account: Account) -> Waited:
    first = webhook.run()
    receiver = first.__enter__()
    account.sandbox.set_callback_url(account.key, receiver.callback_url)
    async with (
        account.connect_async(push=receiver) as client,
        client.rent(account.product) as rental,
    ):
        started = time.monotonic()
        waiting = asyncio.ensure_future(rental.wait_for_code(15))
        await asyncio.sleep(0.5)
        await asyncio.to_thread(first.__exit__, None, None, None)
        with webhook.run(port=port_of(receiver), inbox_token=receiver.inbox_token):
            account.deliver(rental.id)
            code = await asyncio.wait_for(waiting, 20)
        waited = time.monotonic() - started
    return code, waited, rental.outcome


@pytest.mark.slow
def test_a_webhook_receiver_restarted_mid_wait_still_gets_the_code_through(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # Only jesusnumber pushes. The code comes through the restarted receiver, or through the
    # slow polling safety net if the push met the receiver before the waiter came back to it.
    plain, awaited = (Account.open(sandbox, "jesusnumber", tmp_path) for _ in range(2))
    results = concurrently(
        partial(restart_during_wait, plain),
        in_new_loop(partial(restart_during_wait_async, awaited)),
    )
    for account, (code, waited, outcome) in zip((plain, awaited), results, strict=True):
        assert code == CODE and waited < 15
        assert outcome is not None and not outcome.refunded  # the code was used: paid for
        audit = account.audit()
        [order] = audit.ledger.orders
        assert order.messages == 1
        audit.assert_money_safe(account.price)
