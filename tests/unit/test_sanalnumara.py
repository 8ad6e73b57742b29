"""sanalnumara: every endpoint, the catalogue walk, its error mapping and refund window."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import respx

import otpkit
from otpkit.providers._base import now
from tests.unit.conftest import KEYED_SN, SN_BASE, SN_KEY, Harness

KEYED = KEYED_SN


def hata(message: str) -> dict[str, object]:
    return {"success": False, "title": "Hata", "message": message}


@pytest.fixture
def catalogue(sn_api: respx.MockRouter) -> respx.MockRouter:
    sn_api.get("/api/getCategories").respond(
        json=[{"id": 1, "name": "Google"}, {"id": 2, "name": "Discord"}]
    )
    sn_api.get("/api/getServices/1").respond(
        json=[
            {"id": "11", "name": "Germany", "category": "1"},
            {"id": "12", "name": "Turkey", "category": "1"},
            {"id": "13", "name": "Kazakhstan", "category": "1"},
        ]
    )
    sn_api.get("/api/getServices/2").respond(
        json=[{"id": "21", "name": "Germany", "category": "2"}]
    )
    details = {"11": ("3.5", 10), "12": ("2", 180), "13": ("1", 0), "21": ("4", 5)}
    for service_id, (price, stock) in details.items():
        sn_api.get(f"/api/getServiceDetails/{service_id}").respond(
            json={"id": service_id, "price": price, "stock": stock}
        )
    return sn_api


def test_categories_services_and_details(sn: Harness, catalogue: respx.MockRouter) -> None:
    assert sn("categories") == [
        otpkit.Category(id="1", name="Google"),
        otpkit.Category(id="2", name="Discord"),
    ]
    services = sn("services", "1")
    assert services[0] == otpkit.Service(id="11", name="Germany", category_id="1")
    assert sn("service_details", "12") == otpkit.ServiceDetails(
        id="12", price=Decimal("2"), stock=180
    )


def test_unknown_service_is_product_not_found(sn: Harness, sn_api: respx.MockRouter) -> None:
    sn_api.get("/api/getServiceDetails/99").respond(json=hata("Servis bulunamadı"))
    with pytest.raises(otpkit.ProductNotFoundError, match="Servis bulunamadı"):
        sn("service_details", "99")


def test_products_are_app_country_pairs(sn: Harness, catalogue: respx.MockRouter) -> None:
    products = sn("products")
    assert [(p.name, p.country, p.id) for p in products] == [
        ("Google", "Germany", "11"),
        ("Google", "Turkey", "12"),
        ("Google", "Kazakhstan", "13"),
        ("Discord", "Germany", "21"),
    ]
    assert products[1].price == Decimal("2") and products[1].stock == 180
    germany = sn("products", country="germany")
    assert [p.id for p in germany] == ["11", "21"]


def test_find_product_walks_only_the_named_category(
    sn: Harness, catalogue: respx.MockRouter
) -> None:
    assert sn("find_product", "google").id == "12"  # cheapest in stock (Kazakhstan has none)
    assert sn("find_product", "Google", country="Germany").id == "11"
    asked = [str(call.request.url) for call in catalogue.calls]
    assert not any("getServices/2" in url or "getServiceDetails/21" in url for url in asked)
    with pytest.raises(otpkit.OutOfStockError):
        sn("find_product", "google", country="Kazakhstan")
    with pytest.raises(otpkit.ProductNotFoundError, match="Discord"):
        sn("find_product", "discrod")


def test_a_typo_costs_only_the_categories_request(sn: Harness, catalogue: respx.MockRouter) -> None:
    with pytest.raises(otpkit.ProductNotFoundError, match="close names: Google") as caught:
        sn("find_product", "gogle")
    assert caught.value.suggestions == ["Google"]
    assert [call.request.url.path for call in catalogue.calls] == ["/api/getCategories"]


def test_a_service_id_fetches_only_its_own_details(
    sn: Harness, catalogue: respx.MockRouter
) -> None:
    assert sn("find_product", "21").name == "Discord"  # an exact id, found in the lists
    details = [c.request.url.path for c in catalogue.calls if "Details" in c.request.url.path]
    assert details == ["/api/getServiceDetails/21"]


def test_balance(sn: Harness, sn_api: respx.MockRouter) -> None:
    sn_api.get(f"{KEYED}/getBalance").respond(json={"balance": 1})
    assert sn("balance") == otpkit.Balance(available=Decimal(1))


def test_bad_key_is_authentication_error(sn: Harness, sn_api: respx.MockRouter) -> None:
    sn_api.get(f"{KEYED}/getBalance").respond(json=hata("Geçersiz API anahtarı"))
    with pytest.raises(otpkit.AuthenticationError):
        sn("balance")


def test_rent_gives_e164_and_a_refund_deadline(sn: Harness, sn_api: respx.MockRouter) -> None:
    sn_api.get(f"{KEYED}/getNumber/12").respond(
        json={
            "success": True,
            "title": "",
            "message": "",
            "number_id": 75,
            "number": "+77073076157",
        }
    )
    before = now()
    rental = sn("rent", "12")
    assert (rental.id, rental.number, rental.country_code) == ("75", "+77073076157", 7)
    assert rental.national_number == "7073076157" and rental.product_id == "12"
    assert rental.refund_deadline is not None
    assert rental.refund_deadline - before >= timedelta(minutes=10) - timedelta(seconds=1)


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Yetersiz bakiye", otpkit.InsufficientBalanceError),
        ("Stokta numara yok", otpkit.OutOfStockError),
        ("Servis bulunamadı", otpkit.ProductNotFoundError),
        ("Geçersiz API anahtarı", otpkit.AuthenticationError),
        ("Bilinmeyen hata", otpkit.ProviderError),
    ],
)
def test_rent_refusals_are_typed(
    sn: Harness, sn_api: respx.MockRouter, message: str, error: type[Exception]
) -> None:
    sn_api.get(f"{KEYED}/getNumber/12").respond(json=hata(message))
    with pytest.raises(error) as caught:
        sn("rent", "12")
    assert type(caught.value) is error


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ({"code": None, "id": "75", "status": 0}, []),
        (
            {"code": "482910", "id": "75", "status": "1"},
            [otpkit.Message(text="482910", code="482910")],
        ),
        (
            {"code": None, "id": 75, "status": 1, "sms": "Doğrulama kodunuz: 482910"},
            [otpkit.Message(text="Doğrulama kodunuz: 482910", code="482910")],
        ),
    ],
)
def test_get_message_statuses(
    sn: Harness, sn_api: respx.MockRouter, reply: dict[str, object], expected: list[otpkit.Message]
) -> None:
    sn_api.get(f"{KEYED}/getMessage/75").respond(json=reply)
    assert sn("messages", "75") == expected


def test_cancelled_number_is_a_clear_error(sn: Harness, sn_api: respx.MockRouter) -> None:
    sn_api.get(f"{KEYED}/getMessage/75").respond(json={"code": None, "id": "75", "status": -1})
    with pytest.raises(otpkit.RentalCancelledError, match="cancelled"):
        sn("messages", "75")


def test_unknown_number_is_order_not_found(sn: Harness, sn_api: respx.MockRouter) -> None:
    sn_api.get(f"{KEYED}/getMessage/1").respond(json=hata("Numara bulunamadı"))
    with pytest.raises(otpkit.OrderNotFoundError):
        sn("messages", "1")


def rental(minutes_ago: float) -> otpkit.RentalInfo:
    rented_at = now() - timedelta(minutes=minutes_ago)
    return otpkit.RentalInfo(
        id="75",
        number="+77073076157",
        national_number="7073076157",
        country_code=7,
        product_id="12",
        provider="sanalnumara",
        rented_at=rented_at,
        refund_deadline=rented_at + timedelta(minutes=10),
    )


@pytest.mark.parametrize(
    ("reply", "minutes_ago", "refunded", "detail"),
    [
        ({"success": True, "title": "", "message": ""}, 1, True, "refunded"),
        ({"success": True, "title": "", "message": ""}, 11, False, "refund window"),
        (
            {"success": True, "title": "", "message": "İptal edildi, iade yapılmadı"},
            1,
            False,
            "refund window",
        ),
        (hata("Mesaj alınmış numara iptal edilemez"), 1, False, "code was already delivered"),
        (hata("Numara zaten iptal edilmiş"), 1, False, "already cancelled"),
    ],
)
def test_cancel_outcomes(
    sn: Harness,
    sn_api: respx.MockRouter,
    reply: dict[str, object],
    minutes_ago: float,
    refunded: bool,
    detail: str,
) -> None:
    sn_api.get(f"{KEYED}/cancelNumber/75").respond(json=reply)
    outcome = sn("cancel", rental(minutes_ago))
    assert outcome.refunded is refunded and detail in outcome.detail


def test_cancel_retry_meeting_already_cancelled_means_refunded(
    sn: Harness, sn_api: respx.MockRouter
) -> None:
    sn_api.get(f"{KEYED}/cancelNumber/75").mock(
        side_effect=[
            httpx.ReadTimeout("lost"),
            httpx.Response(200, json=hata("Numara zaten iptal edilmiş")),
        ]
    )
    outcome = sn("cancel", rental(1))
    assert outcome.refunded is True and "earlier attempt" in outcome.detail


def test_no_base_url_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTPKIT_BASE_URL", "OTPKIT_SANALNUMARA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(otpkit.ConfigurationError, match="white-label"):
        otpkit.connect("sanalnumara", api_key=SN_KEY)


def test_base_url_keeps_a_path_prefix(sn_api: respx.MockRouter) -> None:
    route = sn_api.get(f"/panel{KEYED}/getBalance").respond(json={"balance": "12.5"})
    with otpkit.connect("sanalnumara", api_key=SN_KEY, base_url=f"{SN_BASE}/panel/") as client:
        assert client.balance().available == Decimal("12.5")
    assert route.called
