"""The sweep: cancel rentals that a crashed or killed process left open.

Each abandoned journal row is first *claimed* in one transaction, so two sweepers running at
once never cancel the same rental twice; a row whose cancel fails again stays for the next sweep.
The sweep is an operation like renting, so the sync and the async client both run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from otpkit._cancelling import cancelling
from otpkit._errors import AmbiguousOrderError
from otpkit._journal import JournalEntry, RentalJournal
from otpkit._lost_orders import order_claims
from otpkit._models import CancelOutcome, RentalInfo
from otpkit._phone import parse_number
from otpkit.providers import Operation, Provider, SanalNumara

__all__ = ["SweepReport", "SweptRental", "attaching", "sweeping"]


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


def attaching(
    provider: Provider, journal: RentalJournal | None, order_id: str
) -> Operation[tuple[RentalInfo, int | None]]:
    """An existing rental by order id, with its details and row from the journal when it is
    there (an operation of journal reads only, so the async client runs it off its loop)."""
    entry = journal.find(provider.name, order_id) if journal is not None else None
    info = rental_from_entry(entry, provider) if entry is not None else None
    if info is None:
        info = RentalInfo(
            id=order_id,
            number="",
            national_number="",
            country_code=0,
            product_id="",
            provider=provider.name,
        )
    return info, entry.row if entry is not None else None
    yield  # pragma: no cover  (makes this an operation)


def sweeping(
    provider: Provider, journal: RentalJournal | None, *, held: bool = False
) -> Operation[SweepReport]:
    """Cancel every rental of ``provider``'s account left open by a dead process
    (with ``held``, also those kept open on purpose by ``otpkit rent``)."""
    report = SweepReport()
    if journal is None:
        return report
    for entry in journal.abandoned(provider.name, held=held):
        if entry.base_url != provider.base_url or not journal.claim_for_sweep(entry.row):
            continue
        try:
            if entry.order_id is None:
                found = yield from _find_lost_order(provider, journal, entry)
                if isinstance(found, SweptRental):
                    report.rentals.append(found)
                if not isinstance(found, JournalEntry) or found.order_id is None:
                    continue
                entry = found
            target = rental_from_entry(entry, provider) or str(entry.order_id)
            outcome = yield from cancelling(
                provider, target, journal=journal, row=entry.row, note="swept: "
            )
        except Exception as error:  # one bad row must not stop the sweep of the others
            journal.cancel_failed(entry.row, f"sweep could not cancel: {error}")
            report.rentals.append(
                SweptRental(entry.order_id, entry.number, entry.price, problem=str(error))
            )
            continue
        report.rentals.append(SweptRental(entry.order_id, entry.number, entry.price, outcome))
    return report


def _find_lost_order(
    provider: Provider, journal: RentalJournal, entry: JournalEntry
) -> Operation[JournalEntry | SweptRental | None]:
    """Look for the order a dead process requested but never heard back about.

    Returns the row, now with the order's id, when the order was found open; what was done
    when it was found and cancelled, or cannot be found; None when none was placed.
    """
    lost = AmbiguousOrderError(
        "reply lost",
        product_id=entry.product_id,
        sent_at=datetime.fromtimestamp(entry.requested_at, tz=timezone.utc),
    )
    try:
        found = yield from provider.recover_lost_order(lost, order_claims(journal, provider, entry))
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
