"""What the journal teaches about which numbers deliver: rates, cost per code, one-line reports.

A rental *tells* whether its offer delivers when a code came (delivered) or when it failed to
verify (no code in time, or the app refused the number: the journal's ``failure``). Rentals
that ended for other reasons (a test that failed elsewhere) say nothing about delivery and are
left out of the rate. The rate is smoothed with a Beta(1, 1) prior (Laplace)::

    rate = (delivered + 1) / (delivered + failed + 2)

so an offer with no history counts as 50 % and a few samples do not dominate. The expected cost
per delivered code is ``price / rate``: what the codes cost if every failed number's lost time
and attempt are worth its price (refunds give the money back, not the time).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from otpkit._journal import JournalEntry, spend_of

__all__ = ["DeliveryStats", "delivery_lines", "delivery_stats", "expected_cost"]

#: The Beta prior: pseudo-counts of delivered and failed rentals every offer starts with.
PRIOR_DELIVERED = 1.0
PRIOR_FAILED = 1.0

#: An offer: provider, base URL, product id.
OfferKey = tuple[str, str, str]


@dataclass
class DeliveryStats:
    """The record of one offer (provider, product, country) in the journal."""

    provider: str
    product: str
    country: str | None
    rentals: int = 0
    delivered: int = 0
    failed: int = 0
    refunded: int = 0
    entries: list[JournalEntry] = field(default_factory=list, repr=False)

    @property
    def tried(self) -> int:
        """Rentals that tell whether the offer delivers (a code came, or it failed to)."""
        return self.delivered + self.failed

    @property
    def rate(self) -> float:
        """The smoothed delivery rate (0.5 with no history)."""
        return (self.delivered + PRIOR_DELIVERED) / (self.tried + PRIOR_DELIVERED + PRIOR_FAILED)

    def seconds_to_code(self) -> list[float]:
        """From renting to the first code, for each delivered rental."""
        return [
            e.code_at - e.rented_at
            for e in self.entries
            if e.code_at is not None and e.rented_at is not None
        ]

    def cost_per_code(self) -> Decimal | None:
        """Net money spent on the offer per code delivered (None: no code yet)."""
        if not self.delivered:
            return None
        return (spend_of(self.entries).net / self.delivered).quantize(Decimal("0.01"))

    def line(self) -> str:
        """``sanalnumara 11 (Turkey): 12 rentals, delivered 9/11 (82 %), code p50 1.2 s,
        2 failed, 3 refunded, 8.00 per delivered code``."""
        where = f" ({self.country})" if self.country else ""
        share = f" ({100 * self.delivered / self.tried:.0f} %)" if self.tried else ""
        seconds = self.seconds_to_code()
        p50 = f"{statistics.median(seconds):.1f} s" if seconds else "-"
        cost = self.cost_per_code()
        noun = "rental" if self.rentals == 1 else "rentals"
        return (
            f"{self.provider} {self.product}{where}: {self.rentals} {noun}, delivered "
            f"{self.delivered}/{self.tried}{share}, code p50 {p50}, {self.failed} failed, "
            f"{self.refunded} refunded, {'-' if cost is None else cost} per delivered code"
        )


def _counts(entry: JournalEntry) -> bool:
    # A rental that was placed and is settled; open ones may still get their code.
    return entry.order_id is not None and entry.state == "closed"


def delivery_stats(entries: Iterable[JournalEntry]) -> dict[OfferKey, DeliveryStats]:
    """The journal's settled rentals grouped by offer, in order of first appearance."""
    stats: dict[OfferKey, DeliveryStats] = {}
    for entry in entries:
        if not _counts(entry):
            continue
        key = (entry.provider, entry.base_url, entry.product_id)
        offer = stats.get(key)
        if offer is None:
            offer = stats[key] = DeliveryStats(entry.provider, entry.product_id, entry.country)
        offer.country = offer.country or entry.country
        offer.rentals += 1
        offer.entries.append(entry)
        if entry.codes > 0:
            offer.delivered += 1
        elif entry.failure is not None:
            offer.failed += 1
        if entry.refunded:
            offer.refunded += 1
    return stats


def delivery_lines(entries: Iterable[JournalEntry]) -> list[str]:
    """One line per provider/product/country: rentals, delivered N/M (P %), time to code
    p50, failed and refunded, cost per delivered code (for a run summary)."""
    return [offer.line() for offer in delivery_stats(entries).values()]


def expected_cost(price: Decimal | None, rate: float) -> float:
    """Expected cost per delivered code: ``price / rate`` (an unknown price counts as 1)."""
    return float(price if price is not None else 1) / rate
