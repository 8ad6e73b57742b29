"""Every sanalnumara route over real HTTP: bare JSON, Turkish errors, the 10-minute refund."""

from __future__ import annotations

from decimal import Decimal

import httpx
import phonenumbers
import pytest

from otpkit.sandbox import Sandbox
from tests.sandbox.helpers import SN

BAD_KEY = {"success": False, "title": "Hata", "message": "Geçersiz API anahtarı"}
REGIONS = {
    "Turkey": "TR",
    "Afghanistan": "AF",
    "Germany": "DE",
    "United States": "US",
    "United Kingdom": "GB",
    "Kazakhstan": "KZ",
    "Indonesia": "ID",
    "Netherlands": "NL",
}


def hata(message: str) -> dict[str, object]:
    return {"success": False, "title": "Hata", "message": message}


def balance(sn: SN) -> Decimal:
    return Decimal(sn.get("/getBalance").json(parse_float=Decimal)["balance"])


def test_categories(http: httpx.Client) -> None:
    response = http.get("/api/getCategories")
    assert response.status_code == 200
    rows = response.json()
    assert rows[:2] == [{"id": 1, "name": "Google"}, {"id": 2, "name": "Discord"}]
    assert all(set(row) == {"id", "name"} and isinstance(row["id"], int) for row in rows)
    assert {"WhatsApp", "Telegram", "Instagram"} <= {row["name"] for row in rows}


def test_services_are_countries(http: httpx.Client) -> None:
    rows = http.get("/api/getServices/1").json()
    assert len(rows) >= 5
    for row in rows:
        assert set(row) == {"id", "name", "category"}
        assert isinstance(row["id"], str) and row["id"].isdigit()
        assert row["category"] == "1"
    assert {"Turkey", "Germany", "United States", "United Kingdom", "Kazakhstan"} <= {
        row["name"] for row in rows
    }
    assert http.get("/api/getServices/999").json() == []
    assert http.get("/api/getServices/abc").json() == []


def test_service_details(http: httpx.Client) -> None:
    services = http.get("/api/getServices/1").json()
    details = http.get(f"/api/getServiceDetails/{services[0]['id']}").json()
    assert set(details) == {"id", "price", "stock"}
    assert details["id"] == services[0]["id"]
    assert isinstance(details["price"], str) and Decimal(details["price"]) > 0
    assert isinstance(details["stock"], int)
    assert http.get("/api/getServiceDetails/99999").json() == hata("Servis bulunamadı")


def test_catalogue_has_one_empty_service_and_varied_prices(http: httpx.Client) -> None:
    empty, prices = [], set()
    for category in http.get("/api/getCategories").json():
        for service in http.get(f"/api/getServices/{category['id']}").json():
            details = http.get(f"/api/getServiceDetails/{service['id']}").json()
            prices.add(details["price"])
            if details["stock"] == 0:
                empty.append((category["name"], service["name"]))
    assert empty == [("Discord", "Germany")]
    assert {"2", "3.5"} <= prices


def test_balance(sn: SN, http: httpx.Client) -> None:
    response = sn.get("/getBalance")
    assert response.status_code == 200
    assert response.text == '{"balance":100}'
    assert http.get("/api/nope/getBalance").json() == BAD_KEY
    assert http.get("/api/jn_demo_key_0001/getBalance").json() == BAD_KEY


@pytest.mark.parametrize(
    "path", ["/getBalance", "/getNumber/18", "/getMessage/1", "/cancelNumber/1"]
)
def test_bad_key_is_a_business_error(http: httpx.Client, path: str) -> None:
    response = http.get(f"/api/not-a-key{path}")
    assert response.status_code == 200
    assert response.json() == BAD_KEY


def test_get_number(sn: SN, http: httpx.Client, sandbox: Sandbox) -> None:
    for service in http.get("/api/getServices/3").json():
        if service["name"] == "Kazakhstan":
            service_id = service["id"]
    price = Decimal(http.get(f"/api/getServiceDetails/{service_id}").json()["price"])
    stock = http.get(f"/api/getServiceDetails/{service_id}").json()["stock"]
    body = sn.rent(service_id)
    assert set(body) == {"success", "title", "message", "number_id", "number"}
    assert (body["success"], body["title"], body["message"]) == (True, "", "")
    assert isinstance(body["number_id"], int)
    assert body["number"].startswith("+7")
    number = phonenumbers.parse(body["number"])
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.region_code_for_number(number) == "KZ"
    assert balance(sn) == Decimal(100) - price
    assert http.get(f"/api/getServiceDetails/{service_id}").json()["stock"] == stock - 1
    ledger = sandbox.ledger(sn.key)
    assert ledger.charged == price and ledger.open_rentals == 1


def test_numbers_match_the_service_country(sn: SN, http: httpx.Client) -> None:
    for service in http.get("/api/getServices/1").json():
        number = phonenumbers.parse(sn.rent(service["id"])["number"])
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.region_code_for_number(number) == REGIONS[service["name"]]


def test_get_number_refusals(sn: SN, sandbox: Sandbox, http: httpx.Client) -> None:
    assert sn.get("/getNumber/99999").json() == hata("Servis bulunamadı")
    assert sn.get("/getNumber/25").json() == hata("Stokta numara yok")
    poor = sandbox.new_api_key("sanalnumara", balance=1)
    assert http.get(f"/api/{poor}/getNumber/18").json() == hata("Yetersiz bakiye")
    assert sandbox.ledger(poor).orders == []
    assert sandbox.ledger(sn.key).orders == []


def test_get_message_states(sn: SN, sandbox: Sandbox) -> None:
    rented = sn.rent()
    number_id = rented["number_id"]
    waiting = sn.get(f"/getMessage/{number_id}")
    assert waiting.status_code == 200
    assert waiting.json() == {"code": None, "id": str(number_id), "status": 0}
    delivery = sandbox.deliver(number_id, provider="sanalnumara")
    assert delivery.number == rented["number"]
    assert sn.get(f"/getMessage/{number_id}").json() == {
        "code": delivery.code,
        "id": str(number_id),
        "status": 1,
    }
    cancelled = sn.rent()["number_id"]
    sn.get(f"/cancelNumber/{cancelled}")
    assert sn.get(f"/getMessage/{cancelled}").json() == {
        "code": None,
        "id": str(cancelled),
        "status": -1,
    }
    assert sn.get("/getMessage/1").json() == hata("Numara bulunamadı")


def test_cancel_within_window_refunds_once(sn: SN, sandbox: Sandbox) -> None:
    number_id = sn.rent()["number_id"]
    spent = Decimal(100) - balance(sn)
    sandbox.advance_clock(9 * 60)
    response = sn.get(f"/cancelNumber/{number_id}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "title": "", "message": ""}
    assert balance(sn) == Decimal(100)
    assert sn.get(f"/cancelNumber/{number_id}").json() == hata("Numara zaten iptal edilmiş")
    assert balance(sn) == Decimal(100)
    ledger = sandbox.ledger(sn.key)
    assert (ledger.charged, ledger.refunded, ledger.spent) == (spent, spent, Decimal(0))
    assert ledger.orders[0].refunds == 1 and ledger.double_refunds == 0
    assert ledger.orders[0].provider_status == "-1"


def test_cancel_after_window_cancels_without_refund(sn: SN, sandbox: Sandbox) -> None:
    number_id = sn.rent()["number_id"]
    after_rent = balance(sn)
    sandbox.advance_clock(10 * 60 + 1)
    response = sn.get(f"/cancelNumber/{number_id}")
    assert response.json() == {
        "success": True,
        "title": "",
        "message": "Numara iptal edildi, 10 dakika geçtiği için iade yapılmadı",
    }
    assert balance(sn) == after_rent
    assert sn.get(f"/getMessage/{number_id}").json()["status"] == -1
    assert sn.get(f"/cancelNumber/{number_id}").json() == hata("Numara zaten iptal edilmiş")
    ledger = sandbox.ledger(sn.key)
    assert ledger.refunded == 0 and ledger.open_rentals == 0
    assert ledger.orders_by_status["cancelled"] == 1


def test_cancel_after_code_is_refused(sn: SN, sandbox: Sandbox) -> None:
    number_id = sn.rent()["number_id"]
    sandbox.deliver(number_id, provider="sanalnumara", code="777111")
    assert sn.get(f"/cancelNumber/{number_id}").json() == hata(
        "Mesaj alınmış numara iptal edilemez"
    )
    assert sn.get(f"/getMessage/{number_id}").json()["code"] == "777111"
    ledger = sandbox.ledger(sn.key)
    assert ledger.refunded == 0 and ledger.orders_by_status["received"] == 1


def test_cancel_unknown_and_foreign(sn: SN, sandbox: Sandbox, http: httpx.Client) -> None:
    assert sn.get("/cancelNumber/1").json() == hata("Numara bulunamadı")
    number_id = sn.rent()["number_id"]
    stranger = sandbox.new_api_key("sanalnumara")
    foreign = http.get(f"/api/{stranger}/cancelNumber/{number_id}").json()
    assert foreign == hata("Numara bulunamadı")
    assert sandbox.ledger(sn.key).open_rentals == 1


def test_accounts_of_the_two_providers_are_separate(sandbox: Sandbox, http: httpx.Client) -> None:
    jn_key = sandbox.new_api_key("jesusnumber")
    sn_key = sandbox.new_api_key("sanalnumara")
    assert http.get(f"/api/{jn_key}/getBalance").json() == BAD_KEY
    response = http.get("/api/v1/balance", headers={"X-API-Key": sn_key})
    assert response.status_code == 401
