"""What the journal knows that helps find an order whose reply was lost."""

from __future__ import annotations

from otpkit._journal import JournalEntry, RentalJournal
from otpkit.providers import OrderClaims, Provider

__all__ = ["order_claims"]

#: Clocks of machines sharing a coordinator may disagree by this much: another machine's order
#: is only taken as placed before (after) the lost one with this much time to spare.
_CLOCK_MARGIN = 2.0


def order_claims(
    journal: RentalJournal, provider: Provider, lost: JournalEntry, *, after: str | None = None
) -> OrderClaims:
    """The claims and bounds for finding ``lost``'s order; ``after``: an order id known to be
    later (else the first order requested once ``lost`` was given up on, if any)."""
    others = [
        e
        for e in journal.entries()
        if e.provider == provider.name
        and e.base_url == provider.base_url
        and e.order_id is not None
        and e.row != lost.row
    ]
    earlier = [
        e
        for e in others
        if e.rented_at is not None and e.rented_at < lost.requested_at - _margin(e, lost)
    ]
    before = max(earlier, key=_rented_at).order_id if earlier else None
    if after is None:
        # A request that timed out may still have become an order a little later.
        settled = lost.updated_at + provider.lost_order_grace
        later = [e for e in others if e.requested_at > settled + _margin(e, lost)]
        after = min(later, key=_requested_at).order_id if later else None

    def claim(order_id: str) -> bool:
        return journal.claim_order(lost.row, provider.name, provider.base_url, order_id)

    def known(order_id: str) -> bool:
        return journal.find(provider.name, order_id) is not None

    return OrderClaims(claim=claim, known=known, before=before, after=after)


def _margin(entry: JournalEntry, lost: JournalEntry) -> float:
    return 0.0 if entry.host == lost.host else _CLOCK_MARGIN


def _rented_at(entry: JournalEntry) -> float:
    return entry.rented_at or 0.0


def _requested_at(entry: JournalEntry) -> float:
    return entry.requested_at
