"""Several CI machines, one provider account, one coordinator: as users run it.

Each machine is its own ``python -m pytest`` process with its own directory, journal and base
temp (``helpers.start_machines``); they share only the sandbox (one account) and Redis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import otpkit
import otpkit.sandbox
import otpkit.webhook
from otpkit._redis import Coordinator, RedisJournal
from tests.coordinator.conftest import RedisServer
from tests.coordinator.helpers import (
    environment,
    kill,
    most_at_once,
    start_machines,
    start_waiter,
    sweep,
)

SIGNUPS = """
import json, os, time
from pathlib import Path

import pytest

RECORDS = Path(os.environ["MACHINE_HOME"]) / "records.jsonl"


@pytest.mark.parametrize("n", range(3))
def test_signup(phone_number, otp, n):
    start = time.time()
    time.sleep(1.0)  # the app under test fills in its form and sends the SMS
    waited = time.time()
    code = otp()
    got = time.time()
    with RECORDS.open("a") as out:
        out.write(json.dumps({"start": start, "end": got, "wait": got - waited}) + "\\n")
    assert code.isdigit()
"""


@pytest.fixture
def fast_clock(sandbox: otpkit.sandbox.Sandbox) -> Iterator[None]:
    """The sandbox's 60-second throttle window rolled over every second.

    The machines' own request window is made 2 s long (``TEST_RATE_WINDOW``); with the
    sandbox's emptied every second, any 6 requests it sees between two roll-overs are 6 our
    limiter let through within one of its windows: a throttle we keep, compressed in time.
    """
    stop = threading.Event()

    def roll() -> None:
        while not stop.wait(1.0):
            sandbox.advance_clock(60.5)

    thread = threading.Thread(target=roll, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.mark.slow
@pytest.mark.usefixtures("fast_clock")
def test_four_machines_share_one_throttle_one_cap_and_push(
    sandbox: otpkit.sandbox.Sandbox,
    coordinator_url: str,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_throttle(6)
    sandbox.set_auto_deliver(0.5)
    with otpkit.webhook.run(coordinator=coordinator_url) as receiver:
        sandbox.set_callback_url(key, receiver.callback_url)
        envs = [
            environment(
                sandbox,
                key,
                tmp_path / f"machine-{i}",
                # One machine is told on the command line, as the plugin option allows.
                coordinator_url if i else None,
                OTPKIT_RATE_LIMIT="6",
                OTPKIT_MAX_RENTALS="2",
                OTPKIT_PUSH_URL=receiver.inbox_url,
                OTPKIT_TIMEOUT="30",
                TEST_RATE_WINDOW="2.0",
            )
            for i in range(4)
        ]
        machines = start_machines(SIGNUPS, envs, {0: ["--otp-coordinator", coordinator_url]})
        for machine in machines:
            machine.wait()
    for machine in machines:
        assert "3 passed" in machine.output, machine.output
    stats = sandbox.stats()
    assert stats.by_key[key] > 6  # more than one window's worth: the limiter had to hold back
    assert stats.throttled == 0, stats
    records = [r for m in machines for r in m.records()]
    assert len(records) == 12
    assert most_at_once([(r["start"], r["end"]) for r in records]) <= 2
    # Pushed to every machine through Redis: nobody waited for a poll; each push was confirmed
    # by one read of the provider's SMS endpoint (a push is a hint, not proof).
    assert stats.by_endpoint.get("jesusnumber.sms", 0) == 12
    assert max(r["wait"] for r in records) < 4.0
    money = sandbox.ledger(key)
    assert money.open_rentals == 0 and money.double_charges == 0
    everything = redis_server.client()
    dump = " ".join(map(str, everything.keys("*"))) + " ".join(
        str(everything.hgetall(k)) for k in everything.keys("otpkit:rental:*")
    )
    assert key not in dump  # the API key is only ever hashed


BUDGETED = """
import json, os
from pathlib import Path

import pytest

import otpkit

RECORDS = Path(os.environ["MACHINE_HOME"]) / "records.jsonl"


@pytest.mark.parametrize("n", range(2))
def test_rent_within_the_budget(rent_phone_number, n):
    try:
        number = rent_phone_number()
    except otpkit.BudgetExceededError as error:
        outcome = {"refused": str(error)}
    else:
        outcome = {"rented": number.rental.wait_for_code(timeout=20)}  # used: charged
    with RECORDS.open("a") as out:
        out.write(json.dumps(outcome) + "\\n")
"""


@pytest.mark.slow
def test_one_budget_for_all_machines_of_a_ci_run(
    sandbox: otpkit.sandbox.Sandbox, coordinator_url: str, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_auto_deliver(0.2)
    # The run id comes from the CI's own variables, the same on every machine of the run.
    ci = {"GITHUB_RUN_ID": "987654", "GITHUB_RUN_ATTEMPT": "2", "OTPKIT_BUDGET": "1.25"}
    envs = [
        environment(sandbox, key, tmp_path / f"machine-{i}", coordinator_url, **ci)
        for i in range(4)
    ]
    machines = [m.wait() for m in start_machines(BUDGETED, envs)]
    for machine in machines:
        assert "2 passed" in machine.output, machine.output
    records = [r for m in machines for r in m.records()]
    assert sum("rented" in r for r in records) == 2  # 0.50 each: a third would make 1.50
    refusals = [r["refused"] for r in records if "refused" in r]
    assert len(refusals) == 6 and "all machines of run github-987654-2" in refusals[0]
    assert sandbox.ledger(key).charged == Decimal("1.00")
    shared = RedisJournal(
        Coordinator(coordinator_url),
        otpkit.Journal(tmp_path / "x.sqlite3", run_id="github-987654-2"),
    )
    assert shared.net_spend() == Decimal("1.00")


def wait_until_leases_lapse(server: RedisServer, timeout: float = 15) -> None:
    client = server.client()
    deadline = time.monotonic() + timeout
    while client.keys("otpkit:lease:*"):
        assert time.monotonic() < deadline, "a dead machine's lease never lapsed"
        time.sleep(0.1)


def test_machines_killed_mid_rental_are_swept_from_other_machines(
    sandbox: otpkit.sandbox.Sandbox, coordinator_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    orders = []
    for i in range(3):
        home = tmp_path / f"dies-{i}"
        home.mkdir()
        env = environment(sandbox, key, home, coordinator_url, OTPKIT_COORDINATOR_LEASE="1")
        child, order_id = start_waiter(env)
        kill(child)
        orders.append(order_id)
    assert sandbox.ledger(key).open_rentals == 3  # killed: nothing could cancel them
    wait_until_leases_lapse(redis_server)
    # Two other machines sweep at once, each with a journal that never saw these rentals.
    sweepers = []
    for i in range(2):
        home = tmp_path / f"sweeps-{i}"
        home.mkdir()
        sweepers.append(sweep(environment(sandbox, key, home, coordinator_url)))
    outputs = [s.communicate(timeout=60)[0] for s in sweepers]
    assert all(s.returncode == 0 for s in sweepers), outputs
    swept = sum(int(out.split("swept ")[1].split(" ")[0]) for out in outputs)
    assert swept == 3, outputs
    assert all(order in "".join(outputs) for order in orders)
    money = sandbox.ledger(key)
    assert money.open_rentals == 0 and money.double_refunds == 0
    assert money.refunded == money.charged > 0
    home = tmp_path / "sweeps-again"
    home.mkdir()
    again = sweep(environment(sandbox, key, home, coordinator_url)).communicate(timeout=60)[0]
    assert "swept 0 rental(s)" in again


def test_the_plugin_fails_clearly_when_the_coordinator_is_unreachable(
    sandbox: otpkit.sandbox.Sandbox, redis_server: RedisServer, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    url = redis_server.url
    redis_server.kill()
    env = environment(sandbox, key, tmp_path / "machine-0", url)
    (machine,) = start_machines("def test_rent(phone_number):\n    pass\n", [env])
    output = machine.wait().output
    assert "1 error" in output
    assert f"otpkit: the coordinator {url} failed while connecting" in output
    assert "Traceback" not in output
    assert sandbox.ledger(key).orders == []
