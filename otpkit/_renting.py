"""Renting as one operation: budget, journal, the order, and recovery of a lost order reply.

Runs in both drivers like any provider operation. The journal row is written before the order
request leaves, so a crash at any point leaves a trace the sweep can act on.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from otpkit._errors import AmbiguousOrderError, OtpkitError
from otpkit._journal import RentalJournal
from otpkit._models import Product, RentalInfo
from otpkit.providers._base import Operation, Provider

__all__ = ["renting"]


def renting(
    provider: Provider,
    product: Product | str,
    *,
    journal: RentalJournal | None,
    budget: Decimal | None,
    options: dict[str, Any],
) -> Operation[tuple[RentalInfo, int | None]]:
    """Rent ``product``: returns the rental and its journal row (None without a journal)."""
    if budget is not None and (not isinstance(product, Product) or product.price is None):
        # The budget is checked before anything is charged, so the price must be known first.
        product = yield from provider.find_product(
            product.id if isinstance(product, Product) else product
        )
    product_id = product.id if isinstance(product, Product) else product
    price = product.price if isinstance(product, Product) else None
    if journal is None:
        info = yield from provider.rent(product, **options)
        return info, None
    row = journal.begin(provider.name, provider.base_url, product_id, price, budget=budget)
    claim = partial(journal.claim_order, row, provider.name, provider.base_url)
    try:
        try:
            info = yield from provider.rent(product, **options)
        except AmbiguousOrderError as lost:
            try:
                adopted = yield from provider.recover_lost_order(lost, claim)
            except OtpkitError as error:
                journal.lost(row, f"{lost}; looking for it failed: {error}")
                raise lost from None
            if adopted is None:
                # The provider's list proves no order was placed: placing it now is not a double.
                info = yield from provider.rent(product, **options)
            else:
                info = adopted
    except AmbiguousOrderError as lost:
        journal.lost(row, str(lost))
        raise
    except OtpkitError as error:
        journal.failed(row, str(error))
        raise
    journal.opened(row, info.id, info.number, info.price)
    return info, row
