"""The run's otpkit summary: the start-of-run sweep, per provider the rentals and the money, which
numbers delivered, the sandbox's ledger, and the verdicts of the rentals that failed.

The same lines end the terminal report and open pytest-html's summary.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pytest_plugin._run import SharedRun, run_directory
from pytest_plugin._session import settings_of
from pytest_plugin._settled import verdicts
from pytest_plugin._story import verdicts_line

__all__ = ["SWEPT", "summary_lines"]

#: The start-of-run sweep's line, if it had anything to say.
SWEPT = pytest.StashKey[str]()


def summary_lines(config: pytest.Config) -> list[str]:
    """The summary, in the process that prints (it reads the run's journal and sandbox)."""
    swept = config.stash.get(SWEPT, None)
    lines = [swept] if swept else []
    state = SharedRun(run_directory(config)).state()
    if "run_id" in state:
        lines += _money(config, state)
    counted = verdicts_line(verdicts(config))
    return lines + ([counted] if counted else [])


def _money(config: pytest.Config, state: dict[str, Any]) -> list[str]:
    import otpkit
    from otpkit._journal import spend_of

    settings = settings_of(config)
    journal = otpkit.Journal(settings.journal or otpkit.default_journal_path())
    entries = [e for e in journal.entries(state["run_id"]) if e.state != "failed"]
    lines = []
    # Per provider: their balances are in different currencies.
    for provider in sorted({e.provider for e in entries}):
        mine = [e for e in entries if e.provider == provider]
        spend = spend_of(mine)
        left = [e for e in mine if e.unsettled]
        lines.append(
            f"{provider}: {len(mine)} rentals, {sum(1 for e in mine if e.codes)} codes received, "
            f"{sum(1 for e in mine if e.refunded)} refunded; charged {spend.charged}, "
            f"refunded {spend.refunded}, net spend {spend.net}; "
            f"left for `otpkit sweep`: {len(left)}"
            + (" (" + ", ".join(e.order_id or "order unknown" for e in left) + ")" if left else "")
        )
    from otpkit._delivery_stats import delivery_lines

    # Which numbers delivered: one line per provider/product/country.
    lines += [f"  {line}" for line in delivery_lines(entries)]
    if "sandbox" in state:
        sandbox = state["sandbox"]
        from otpkit import sandbox as sandboxes

        with sandboxes.attach(sandbox["url"]) as control:
            for provider, key in sandbox["keys"].items():
                quiet = sandbox.get("quiet_keys", {}).get(provider)
                # One line per provider: the account with the stand-in SMS and the one without.
                ledgers = [control.ledger(k) for k in (key, quiet) if k]
                if any(ledger.orders for ledger in ledgers):
                    paid = sum((ledger.charged for ledger in ledgers), Decimal(0))
                    back = sum((ledger.refunded for ledger in ledgers), Decimal(0))
                    lines.append(
                        f"sandbox {provider}: charged {paid}, refunded {back}, "
                        f"open rentals {sum(ledger.open_rentals for ledger in ledgers)}, "
                        f"double refunds {sum(ledger.double_refunds for ledger in ledgers)}"
                    )
    return lines
