"""Renting as one operation: budget, journal, the order, and recovery of a lost order reply.

Runs in both drivers like any provider operation. The journal row is written before the order
request leaves, so a crash at any point leaves a trace the sweep can act on; a journal that
cannot be written refuses the rental before it, and an order the journal failed to record is
cancelled at once, since no sweep would ever find it.
"""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal
from typing import Any

from otpkit._cancelling import cancelling
from otpkit._errors import AmbiguousOrderError, JournalError, OtpkitError, PriceLimitError
from otpkit._journal import RentalJournal
from otpkit._lost_orders import order_claims
from otpkit._models import CancelOutcome, Product, RentalInfo
from otpkit.providers import Operation, Pause, Provider, Recovery

__all__ = ["check_price", "renting"]


def check_price(product: Product, max_price: Decimal | None) -> None:
    """Refuse ``product`` when it costs more than ``max_price``, or its price is unknown."""
    if max_price is None or (product.price is not None and product.price <= max_price):
        return
    where = f" in {product.country}" if product.country else ""
    cost = "has no known price" if product.price is None else f"costs {product.price}"
    raise PriceLimitError(
        f"{product.provider} {product.name}{where} (id {product.id}) {cost}, over the "
        f"max price of {max_price}: nothing was rented",
        product=product.id,
        price=product.price,
        max_price=max_price,
    )


def renting(
    provider: Provider,
    product: Product | str,
    *,
    journal: RentalJournal | None,
    budget: Decimal | None,
    options: dict[str, Any],
    max_price: Decimal | None = None,
) -> Operation[tuple[RentalInfo, int | None]]:
    """Rent ``product``: returns the rental and its journal row (None without a journal)."""
    capped = budget is not None or max_price is not None
    if capped and (not isinstance(product, Product) or product.price is None):
        # Caps are checked before anything is charged, so the price must be known first.
        product = yield from provider.find_product(
            product.id if isinstance(product, Product) else product
        )
    if isinstance(product, Product):
        check_price(product, max_price)
    if journal is None:
        info = yield from provider.rent(product, **options)
        return info, None
    return (yield from _journaled(provider, product, journal, budget, options))


def _journaled(
    provider: Provider,
    product: Product | str,
    journal: RentalJournal,
    budget: Decimal | None,
    options: dict[str, Any],
    *,
    again: bool = True,
) -> Operation[tuple[RentalInfo, int]]:
    """One order, journaled; ``again``: a lost reply may lead to one more order."""
    product_id = product.id if isinstance(product, Product) else product
    price = product.price if isinstance(product, Product) else None
    country = product.country if isinstance(product, Product) else None
    row = journal.begin(
        provider.name, provider.base_url, product_id, price, budget=budget, country=country
    )
    try:
        info = yield from provider.rent(product, **options)
    except AmbiguousOrderError as lost:
        if not again:
            journal.lost(row, str(lost))
            raise
        return (
            yield from _after_lost_reply(provider, product, journal, budget, options, row, lost)
        )
    except OtpkitError as error:
        journal.failed(row, str(error))
        raise
    yield from _record_opened(provider, journal, row, info)
    return info, row


def _record_opened(
    provider: Provider, journal: RentalJournal, row: int, info: RentalInfo
) -> Operation[None]:
    """Journal ``info`` as open; if the journal fails, cancel the order and raise
    ``JournalError``: an order no record knows of would stay open and charged."""
    try:
        journal.opened(row, info.id, info.number, info.price)
    except JournalError as error:
        try:
            # The one cancel path (its retries), without the journal that just failed.
            outcome = yield from cancelling(provider, info, journal=None)
        except OtpkitError as failure:
            raise JournalError(
                f"{error}; order {info.id} ({info.number}) is open and could not be cancelled "
                f"({failure}): cancel it with `otpkit cancel {info.id}`"
            ) from error
        with suppress(OtpkitError):  # the journal may work again: the row then says so too
            journal.closed(row, outcome.refunded, f"cancelled at once, unrecorded: {error}")
        state = "refunded" if outcome.refunded else "not refunded"
        raise JournalError(
            f"{error}; order {info.id} was cancelled at once ({state}: {outcome.detail})"
        ) from error


def _after_lost_reply(
    provider: Provider,
    product: Product | str,
    journal: RentalJournal,
    budget: Decimal | None,
    options: dict[str, Any],
    row: int,
    lost: AmbiguousOrderError,
) -> Operation[tuple[RentalInfo, int]]:
    """Settle an order whose reply was lost, and still rent the user a number when that is
    safe. A provider with an order list: adopt the order, or order again if the list proves
    none was placed (else ``lost`` stands). A provider with ids in sequence: order again, then
    find the lost order below the new one and cancel it (else the sweep looks again)."""
    if lost.may_still_be_placed:
        # The provider may still be working on the request: give it time before going on.
        yield Pause(provider.lost_order_grace)
    if provider.finds_lost_orders_below_later_ones():
        journal.lost(row, str(lost))
        try:
            info, new_row = yield from _journaled(
                provider, product, journal, budget, options, again=False
            )
        except OtpkitError:
            raise lost from None
        yield from _look_for(provider, journal, row, lost, after=info.id)
        return info, new_row
    found = yield from _look_for(provider, journal, row, lost, after=None)
    if isinstance(found, RentalInfo):
        yield from _record_opened(provider, journal, row, found)
        return found, row
    if found is None or isinstance(found, CancelOutcome):
        # No order of that request is left open: placing it now is not a double.
        return (yield from _journaled(provider, product, journal, budget, options, again=False))
    raise lost


def _look_for(
    provider: Provider,
    journal: RentalJournal,
    row: int,
    lost: AmbiguousOrderError,
    *,
    after: str | None,
) -> Operation[Recovery | AmbiguousOrderError]:
    """One search for ``lost``'s order; the journal row records what came of it. Returns
    ``lost`` itself when the order was not found."""
    entry = journal.entry(row)
    assert entry is not None, "the row was written before the order was sent"
    try:
        found = yield from provider.recover_lost_order(
            lost, order_claims(journal, provider, entry, after=after)
        )
    except AmbiguousOrderError:
        journal.lost(row, str(lost))
        return lost
    except OtpkitError as error:
        # An order claimed but not cancelled keeps its id in the row: the sweep cancels it.
        journal.lost(row, f"{lost}; looking for it failed: {error}")
        return lost
    if found is None:
        journal.failed(row, "the reply was lost, and the provider shows no such order")
    elif isinstance(found, CancelOutcome):
        journal.closed(
            row,
            found.refunded,
            f"the reply was lost; found by its id and cancelled: {found.detail}",
        )
    return found
