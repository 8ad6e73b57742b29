"""sanalnumara: finding an order whose getNumber reply was lost, by its id in sequence.

The operation is driven here without any I/O: each getMessage/cancel call is answered from a
table of the account's numbers, so what is asked, claimed and cancelled is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

import httpx
import pytest

import otpkit
from otpkit.providers import Call, Operation, OrderClaims, Pause, SanalNumara

T = TypeVar("T")

SN = SanalNumara(api_key="k3y-for-lost-orders", base_url="https://sn.test")
FOREIGN = {"success": False, "title": "Hata", "message": "Numara bulunamadı"}


def pending(number_id: int) -> dict[str, object]:
    return {"code": None, "id": str(number_id), "status": 0}


class Account:
    """The provider's side: which number ids are this account's, and in what state."""

    def __init__(self, numbers: dict[int, dict[str, object]]) -> None:
        self.numbers = numbers
        self.asked: list[int] = []
        self.cancelled: list[int] = []

    def answer(self, call: Call[Any]) -> httpx.Response:
        number_id = int(str(call.request.url).rsplit("/", 1)[1])
        if call.endpoint == "sanalnumara.get_message":
            self.asked.append(number_id)
            reply = self.numbers.get(number_id, FOREIGN)
        else:
            assert call.endpoint == "sanalnumara.cancel"
            self.cancelled.append(number_id)
            reply = {"success": True, "title": "", "message": ""}
        return httpx.Response(200, json=reply, request=call.request)


def drive(operation: Operation[T], answer: Callable[[Call[Any]], httpx.Response]) -> T:
    """Run ``operation`` as the drivers do (pauses are not expected here)."""
    try:
        step = next(operation)
        while True:
            assert not isinstance(step, Pause)
            try:
                value = step.parse(answer(step), 1)
            except otpkit.OtpkitError as error:
                step = operation.throw(error)
            else:
                step = operation.send(value)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def lost() -> otpkit.AmbiguousOrderError:
    return otpkit.AmbiguousOrderError("reply lost", product_id="12", provider="sanalnumara")


def claims(
    before: str | None,
    after: str | None,
    known: Collection[str] = (),
    taken: Collection[str] = (),
) -> tuple[OrderClaims, list[str]]:
    claimed: list[str] = []

    def claim(order_id: str) -> bool:
        if order_id in taken:
            return False
        claimed.append(order_id)
        return True

    return OrderClaims(claim, lambda order_id: order_id in known, before, after), claimed


def test_the_lost_order_between_two_known_ones_is_found_and_cancelled() -> None:
    # 100 and 105 are ours and journaled; 101, 102 and 104 belong to other customers.
    account = Account({100: pending(100), 103: pending(103), 105: pending(105)})
    order_claims, claimed = claims("100", "105", known={"100", "105"})
    outcome = drive(SN.recover_lost_order(lost(), order_claims), account.answer)
    assert isinstance(outcome, otpkit.CancelOutcome) and outcome.refunded
    assert claimed == ["103"] and account.cancelled == [103]
    assert account.asked == [104, 103]  # nearest the later order first, known ids not asked


def test_every_id_between_asked_and_none_pending_proves_no_order_was_placed() -> None:
    account = Account({100: pending(100), 104: pending(104)})
    order_claims, claimed = claims("100", "104", known={"100", "104"})
    assert drive(SN.recover_lost_order(lost(), order_claims), account.answer) is None
    assert account.asked == [103, 102, 101] and not claimed and not account.cancelled


def test_numbers_with_a_code_or_cancelled_are_not_the_lost_order() -> None:
    account = Account(
        {
            7: {"code": "123456", "id": "7", "status": 1},
            6: {"code": None, "id": "6", "status": -1},
            5: pending(5),
        }
    )
    order_claims, claimed = claims("4", "8", known={"4", "8"})
    outcome = drive(SN.recover_lost_order(lost(), order_claims), account.answer)
    assert isinstance(outcome, otpkit.CancelOutcome) and claimed == ["5"]
    assert account.asked == [7, 6, 5]


def test_a_number_another_rental_claimed_first_is_left_to_it() -> None:
    account = Account({9: pending(9), 8: pending(8)})
    order_claims, claimed = claims(None, "10", taken={"9"})
    drive(SN.recover_lost_order(lost(), order_claims), account.answer)
    assert claimed == ["8"] and account.cancelled == [8]


def test_only_an_earlier_order_searches_upwards_until_the_misses_run_out() -> None:
    account = Account({})
    order_claims, _ = claims("50", None)
    with pytest.raises(otpkit.AmbiguousOrderError):
        drive(SN.recover_lost_order(lost(), order_claims), account.answer)
    assert account.asked == list(range(51, 51 + SN.lost_order_probe))


def test_only_a_later_order_searches_downwards_and_gives_up_unproven() -> None:
    account = Account({})
    order_claims, _ = claims(None, "500")
    with pytest.raises(otpkit.AmbiguousOrderError):
        drive(SN.recover_lost_order(lost(), order_claims), account.answer)
    assert account.asked == list(range(499, 499 - SN.lost_order_probe, -1))


@pytest.mark.parametrize(("before", "after"), [(None, None), ("ab12", None), (None, "x-9")])
def test_without_a_numeric_bound_nothing_is_asked(before: str | None, after: str | None) -> None:
    account = Account({})
    order_claims, _ = claims(before, after)
    with pytest.raises(otpkit.AmbiguousOrderError):
        drive(SN.recover_lost_order(lost(), order_claims), account.answer)
    assert account.asked == []


def test_the_search_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SanalNumara, "lost_order_probe", 0)
    account = Account({3: pending(3)})
    order_claims, _ = claims("2", "4")
    with pytest.raises(otpkit.AmbiguousOrderError):
        drive(SN.recover_lost_order(lost(), order_claims), account.answer)
    assert account.asked == []
