"""A timeout is a promise: whatever the SMS endpoint does, ``wait_for_code(timeout=T)`` ends by
T + 1 s, and the rental is still cancelled and refunded. Real HTTP to the sandbox, sync and async.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import otpkit
from otpkit.sandbox import STEP_ENDPOINTS, FaultKind, ProviderName, Sandbox
from tests.reliability.helpers import PROVIDERS, Account

#: The wait's timeout: far shorter than the client's own budgets below, so only it can end it.
T = 2.0
#: Budgets a poll would get on its own: a hung request 15 s, a call with retries 30 s.
ROOMY = otpkit.Settings(request_timeout=15.0, call_timeout=30.0, timeout=60)

#: Each fault, armed on every request to the SMS endpoint during the wait.
FAULTS: dict[str, tuple[FaultKind, float | None, str]] = {
    "hang": ("slow", 20.0, "timed out"),
    "500 storm": ("500", None, "answered 500"),
    "non-JSON": ("non_json", None, "unreadable"),
    "truncated": ("truncated_json", None, "unreadable"),
    "drop": ("drop", None, "lost the connection"),
    "429 Retry-After 30": ("429", 30.0, "answered 429"),
    "drip (a byte every 0.5 s)": ("drip", 0.5, "timed out"),
}


def _arm(account: Account, kind: FaultKind, seconds: float | None) -> None:
    account.sandbox.inject_fault(
        kind,
        count=1000,
        endpoint=STEP_ENDPOINTS[account.provider]["poll"],
        seconds=seconds,
        api_key=account.key,
    )


def _connect(account: Account, make: Callable[..., Any]) -> Any:
    return make(
        account.provider,
        api_key=account.key,
        base_url=account.sandbox.base_url,
        settings=ROOMY,
        journal=account.journal,
    )


Outcome = tuple[BaseException | str, float, otpkit.CancelOutcome | None]


def _wait_sync(account: Account, kind: FaultKind, seconds: float | None) -> Outcome:
    with _connect(account, otpkit.connect) as client:
        with client.rent(account.product) as rental:
            _arm(account, kind, seconds)
            started = time.monotonic()
            try:
                result: BaseException | str = rental.wait_for_code(timeout=T)
            except otpkit.OtpkitError as error:
                result = error
            took = time.monotonic() - started
            account.sandbox.clear_faults()
        return result, took, rental.outcome


def _wait_async(account: Account, kind: FaultKind, seconds: float | None) -> Outcome:
    async def go() -> Outcome:
        async with _connect(account, otpkit.connect_async) as client:
            async with client.rent(account.product) as rental:
                _arm(account, kind, seconds)
                started = time.monotonic()
                try:
                    result: BaseException | str = await rental.wait_for_code(timeout=T)
                except otpkit.OtpkitError as error:
                    result = error
                took = time.monotonic() - started
                account.sandbox.clear_faults()
            return result, took, rental.outcome

    return asyncio.run(go())


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_wait_ends_by_its_deadline_whatever_the_provider_does(
    sandbox: Sandbox, tmp_path: Path, provider: ProviderName, mode: str, fault: str
) -> None:
    account = Account.open(sandbox, provider, tmp_path)
    kind, seconds, shown = FAULTS[fault]
    result, took, outcome = (_wait_sync if mode == "sync" else _wait_async)(account, kind, seconds)

    assert isinstance(result, otpkit.CodeTimeoutError), result
    assert took <= T + 1.0, f"{fault}: the wait of {T} s took {took:.2f} s"
    assert result.requests >= 1 and shown in str(result), str(result)
    # The rental is still cancelled, and refunded: no SMS came.
    assert outcome is not None and outcome.refunded, outcome
    account.audit().assert_money_safe(account.price)
