"""The sweep: cancel rentals that a crashed or killed process left open.

Each abandoned journal row is first *claimed* in one transaction, so two sweepers running at
once never cancel the same rental twice; a row whose cancel fails again stays for the next sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

import tenacity

from otpkit._errors import AmbiguousOrderError
from otpkit._journal import JournalEntry, RentalJournal
from otpkit._lost_orders import order_claims
from otpkit._models import CancelOutcome, RentalInfo
from otpkit._phone import parse_number
from otpkit._rental import CANCEL_RETRY
from otpkit.providers import Provider, SanalNumara

if TYPE_CHECKING:
    from otpkit._client import Client

__all__ = ["SweepReport", "SweptRental", "sweep"]


@dataclass(frozen=True)
class SweptRental:
    """What the sweep did for one abandoned rental."""

    order_id: str | None
    number: str | None
    price: Decimal | None
    outcome: CancelOutcome | None = None
    problem: str | None = None


@dataclass
class SweepReport:
    """Every rental the sweep handled."""

    rentals: list[SweptRental] = field(default_factory=list)

    @property
    def refunded(self) -> list[SweptRental]:
        return [r for r in self.rentals if r.outcome is not None and r.outcome.refunded]

    @property
    def refunded_amount(self) -> Decimal:
        return sum((r.price or Decimal(0) for r in self.refunded), Decimal(0))

    @property
    def problems(self) -> list[SweptRental]:
        return [r for r in self.rentals if r.problem is not None]


def rental_from_entry(entry: JournalEntry, provider: Provider) -> RentalInfo | None:
    """The journaled rental as a ``RentalInfo`` (its refund window matters for cancelling)."""
    if entry.order_id is None or entry.number is None or entry.rented_at is None:
        return None
    parsed = parse_number(entry.number)
    rented_at = datetime.fromtimestamp(entry.rented_at, tz=timezone.utc)
    window = provider.refund_window if isinstance(provider, SanalNumara) else None
    return RentalInfo(
        id=entry.order_id,
        number=entry.number,
        national_number=parsed.national if parsed else entry.number,
        country_code=parsed.country_code if parsed else 0,
        product_id=entry.product_id,
        price=entry.price,
        provider=entry.provider,
        rented_at=rented_at,
        refund_deadline=rented_at + window if window is not None else None,
    )


def sweep(
    client: Client, journal: RentalJournal | None = None, *, held: bool = False
) -> SweepReport:
    """Cancel every rental of ``client``'s provider account left open by a dead process
    (with ``held``, also those kept open on purpose by ``otpkit rent``)."""
    journal = journal or client.journal
    report = SweepReport()
    if journal is None:
        return report
    provider = client.provider
    for entry in journal.abandoned(provider.name, held=held):
        if entry.base_url != provider.base_url or not journal.claim_for_sweep(entry.row):
            continue
        try:
            if entry.order_id is None:
                found = _find_lost_order(client, journal, entry)
                if isinstance(found, SweptRental):
                    report.rentals.append(found)
                if not isinstance(found, JournalEntry) or found.order_id is None:
                    continue
                entry = found
            target = rental_from_entry(entry, provider) or entry.order_id
            outcome: CancelOutcome = tenacity.Retrying(**CANCEL_RETRY)(_cancel, client, target)
        except Exception as error:  # one bad row must not stop the sweep of the others
            journal.cancel_failed(entry.row, f"sweep could not cancel: {error}")
            report.rentals.append(
                SweptRental(entry.order_id, entry.number, entry.price, problem=str(error))
            )
            continue
        journal.closed(entry.row, outcome.refunded, f"swept: {outcome.detail}")
        report.rentals.append(SweptRental(entry.order_id, entry.number, entry.price, outcome))
    return report


def _cancel(client: Client, target: RentalInfo | str) -> CancelOutcome:
    return client.run(client.provider.cancel(target))


def _find_lost_order(
    client: Client, journal: RentalJournal, entry: JournalEntry
) -> JournalEntry | SweptRental | None:
    """Look for the order a dead process requested but never heard back about.

    Returns the row, now with the order's id, when the order was found open; what was done
    when it was found and cancelled, or cannot be found; None when none was placed.
    """
    provider = client.provider
    lost = AmbiguousOrderError(
        "reply lost",
        product_id=entry.product_id,
        sent_at=datetime.fromtimestamp(entry.requested_at, tz=timezone.utc),
    )
    try:
        found = client.run(
            provider.recover_lost_order(lost, order_claims(journal, provider, entry))
        )
    except AmbiguousOrderError:
        problem = (
            f"the reply to an order for {entry.product_id} was lost and {provider.name} cannot "
            "find it: check the provider's dashboard for an order of that product"
        )
        # Reported once: later sweeps do not say it again.
        journal.unrecoverable(entry.row, problem)
        return SweptRental(None, None, entry.price, problem=problem)
    if found is None:
        journal.failed(entry.row, "no order was placed (the provider lists none)")
        return None
    if isinstance(found, CancelOutcome):
        journal.closed(entry.row, found.refunded, f"swept: found by its id; {found.detail}")
        settled = journal.entry(entry.row)
        return SweptRental(settled.order_id if settled else None, None, entry.price, found)
    journal.opened(entry.row, found.id, found.number, found.price)
    return journal.entry(entry.row)
