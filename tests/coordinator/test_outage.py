"""Redis going away mid-run: rentals in flight finish and are refunded, new ones are refused
with a clear error, and nothing is ever lost: the local journal has every rental."""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path

import pytest

import otpkit
import otpkit.sandbox
from tests.coordinator.conftest import RedisServer
from tests.coordinator.helpers import environment, kill, start_waiter, sweep


def test_rentals_in_flight_finish_and_new_ones_are_refused(
    sandbox: otpkit.sandbox.Sandbox, coordinator_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    settings = otpkit.Settings(
        coordinator=coordinator_url,
        rate_limit=30,
        max_rentals=3,
        budget=Decimal("5"),
        timeout=15,
    )
    journal = tmp_path / "journal.sqlite3"
    with otpkit.connect(
        "jesusnumber", api_key=key, base_url=sandbox.base_url, settings=settings, journal=journal
    ) as client:
        product = client.find_product("whatsapp")
        used, unused = client.rent(product), client.rent(product)
        redis_server.kill()
        sandbox.deliver(used.id, provider="jesusnumber", text="code 123456", delay=0.3)
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            assert used.wait_for_code() == "123456"  # polled without the shared budget
            with used, unused:
                pass  # both settled on the way out: one paid, one refunded
        said = [w for w in warned if issubclass(w.category, otpkit.CoordinatorWarning)]
        assert {str(w.message).rsplit("; ", 1)[1] for w in said} >= {
            "requests go out without the shared budget",
            "rentals go on, recorded in the local journal until Redis is back",
        }
        with pytest.raises(otpkit.CoordinatorError, match="failed while taking a rental slot"):
            client.rent(product)
    money = sandbox.ledger(key)
    assert money.open_rentals == 0 and money.refunded == Decimal("0.50")
    states = {(e.order_id, e.state, e.refunded) for e in otpkit.Journal(journal).entries()}
    assert states == {(used.id, "closed", False), (unused.id, "closed", True)}


def test_a_machine_killed_while_redis_is_away_is_swept_from_its_own_journal(
    sandbox: otpkit.sandbox.Sandbox, coordinator_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    env = environment(sandbox, key, tmp_path, coordinator_url)
    child, order_id = start_waiter(env)
    redis_server.kill()
    kill(child)
    assert sandbox.ledger(key).open_rentals == 1
    swept = sweep(env)  # OTPKIT_COORDINATOR still set, and unreachable
    output = " ".join(swept.communicate(timeout=60)[0].split())  # as if never wrapped
    assert swept.returncode == 0, output
    assert "failed while connecting" in output and "swept this machine's journal only" in output
    assert order_id in output and "swept 1 rental(s); refunded 1" in output
    money = sandbox.ledger(key)
    assert money.open_rentals == 0 and money.refunded == money.charged > 0
