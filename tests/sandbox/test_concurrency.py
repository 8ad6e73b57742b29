"""16 concurrent clients renting and cancelling: no errors, and the money adds up."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import httpx

from otpkit.sandbox import Sandbox

CLIENTS = 16
ROUNDS = 6


def test_threads_on_one_jesusnumber_wallet(sandbox: Sandbox) -> None:
    key = sandbox.new_api_key("jesusnumber", balance=1000)
    errors: list[BaseException] = []
    received = 0
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def worker(index: int) -> None:
        nonlocal received
        headers = {"X-API-Key": key}
        try:
            with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10) as http:
                start.wait()
                for round_ in range(ROUNDS):
                    order = http.post("/api/v1/orders", json={"product_id": 23}).json()["data"]
                    if (index + round_) % 3 == 0:
                        sandbox.deliver(order["id"], provider="jesusnumber")
                        with lock:
                            received += 1
                    reply = http.post("/api/v1/orders/reject", json={"order_id": order["id"]})
                    expected = 400 if (index + round_) % 3 == 0 else 200
                    assert reply.status_code == expected, reply.text
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ledger = sandbox.ledger(key)
    total = CLIENTS * ROUNDS
    price = Decimal("0.30")
    assert len(ledger.orders) == total
    assert ledger.charged == price * total
    assert ledger.spent == price * received
    assert ledger.refunded == price * (total - received)
    assert ledger.balance == Decimal(1000) - ledger.spent
    assert ledger.held == 0 and ledger.open_rentals == 0
    assert (ledger.double_charges, ledger.double_refunds) == (0, 0)
    assert len({o.number for o in ledger.orders}) == total
    with httpx.Client(base_url=sandbox.base_url) as http:
        data = http.get("/api/v1/balance", headers={"X-API-Key": key}).json()["data"]
    assert Decimal(str(data["balance"])) == ledger.balance
    assert Decimal(str(data["spend_balance"])) == ledger.spent


async def test_asyncio_clients_on_sanalnumara_wallets(sandbox: Sandbox) -> None:
    keys = [sandbox.new_api_key("sanalnumara", balance=500) for _ in range(CLIENTS)]
    async with httpx.AsyncClient(base_url=sandbox.base_url) as http:
        details = (await http.get("/api/getServiceDetails/13")).json()
    price = Decimal(details["price"])

    async def client(key: str) -> None:
        async with httpx.AsyncClient(base_url=sandbox.base_url, timeout=10) as http:
            for _ in range(ROUNDS):
                rented = (await http.get(f"/api/{key}/getNumber/13")).json()
                assert rented["success"] is True, rented
                cancel = (await http.get(f"/api/{key}/cancelNumber/{rented['number_id']}")).json()
                assert cancel == {"success": True, "title": "", "message": ""}

    await asyncio.gather(*(client(key) for key in keys))
    for key in keys:
        ledger = sandbox.ledger(key)
        assert ledger.charged == ledger.refunded == price * ROUNDS
        assert ledger.balance == 500 and ledger.open_rentals == 0
        assert ledger.orders_by_status["cancelled"] == ROUNDS
