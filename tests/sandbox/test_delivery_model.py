"""The delivery model: dead numbers, refused numbers, real-world delays, per product/country."""

from __future__ import annotations

import math
import random
import statistics
from decimal import Decimal

import httpx
import pytest

import otpkit
import otpkit.sandbox
from otpkit import ConfigurationError
from otpkit.sandbox import DeliveryModel, DeliveryRule, Sandbox, delay_quantile
from otpkit.sandbox._catalogue import jesusnumber_products, sanalnumara_services
from otpkit.sandbox._delivery import model_from_specs, sample_delay
from tests.sandbox.helpers import JN, SN

SETTINGS = otpkit.Settings(call_timeout=5.0, request_timeout=2.0)
GOOGLE = 17  # a jesusnumber product with plenty of stock
#: Three sanalnumara countries for one app, each its own price and dead rate.
COUNTRIES = {"Turkey": 0.1, "Germany": 0.3, "United States": 0.6}


def rent_many(sandbox: Sandbox, count: int) -> str:
    """``count`` jesusnumber rentals on a fresh account; returns its key."""
    key = sandbox.new_api_key("jesusnumber", balance=1000)
    jn = JN(httpx.Client(base_url=sandbox.base_url, trust_env=False), key)
    with jn.http:
        for _ in range(count):
            jn.rent(GOOGLE)
    return key


def dead_orders(sandbox: Sandbox, key: str) -> list[str]:
    return [o.order_id for o in sandbox.ledger(key).orders if o.dead]


# -- the delay distribution ----------------------------------------------------------------------


def test_real_world_delays_have_p50_3s_p95_12s_and_a_long_tail() -> None:
    assert delay_quantile("real-world", 0.50) == pytest.approx(3.0)
    assert delay_quantile("real-world", 0.95) == pytest.approx(12.0)
    assert 15 < delay_quantile("real-world", 0.99) < 30
    assert delay_quantile("real-world", 0.999) > 35  # some SMS come very late
    rng = random.Random(42)
    samples = sorted(sample_delay("real-world", rng) for _ in range(40_000))
    quantiles = statistics.quantiles(samples, n=100)
    assert quantiles[49] == pytest.approx(3.0, rel=0.05)
    assert quantiles[94] == pytest.approx(12.0, rel=0.07)
    assert min(samples) > 0


def test_fast_profile_keeps_the_fixed_delay() -> None:
    rng = random.Random(1)
    assert {sample_delay("fast", rng, fast=1.0) for _ in range(100)} == {1.0}
    assert delay_quantile("fast", 0.99, fast=0.25) == 0.25


def test_real_world_profile_spreads_the_stand_in_sms() -> None:
    real_world = statistics.NormalDist(
        math.log(3), math.log(4) / statistics.NormalDist().inv_cdf(0.95)
    )

    def arrived_by(seconds: float) -> float:  # the share the distribution promises
        return real_world.cdf(math.log(seconds))

    with otpkit.sandbox.run(
        throttle=None, auto_deliver=1.0, profile="real-world", seed=11
    ) as sandbox:
        key = sandbox.new_api_key("jesusnumber", balance=1000)
        with httpx.Client(base_url=sandbox.base_url, trust_env=False) as http:
            jn = JN(http, key)
            for _ in range(300):
                jn.rent(GOOGLE)
        orders = sandbox.ledger(key).orders
        first, last = orders[0].created_at, orders[-1].created_at
        spread = (last - first).total_seconds()  # real time the renting took
        # Sandbox time, not waiting: move the clock to moments after the last rental.
        for seconds in (3.0, 12.0):
            sandbox.advance_clock((last - sandbox.now()).total_seconds() + seconds)
            orders = sandbox.ledger(key).orders
            # Real time goes on while the clock moves and the ledger is read (seconds on a
            # loaded machine): the first order has had at most this long when it was read.
            longest = max(seconds + spread, (sandbox.now() - first).total_seconds())
            share = sum(o.messages > 0 for o in orders) / len(orders)
            assert arrived_by(seconds) - 0.08 < share < arrived_by(longest) + 0.08
        sandbox.advance_clock(3600)
        assert all(o.messages == 1 for o in sandbox.ledger(key).orders)


# -- dead numbers --------------------------------------------------------------------------------


def test_dead_rate_is_honoured_and_reproducible_with_a_seed() -> None:
    def dead_share(seed: int, rate: float) -> tuple[float, list[str]]:
        with otpkit.sandbox.run(throttle=None, seed=seed, dead_rate=rate) as sandbox:
            key = rent_many(sandbox, 300)
            dead = dead_orders(sandbox, key)
            return len(dead) / 300, dead

    share, dead = dead_share(5, 0.3)
    # 300 draws at 30 %: a standard deviation of 2.6 points.
    assert 0.22 < share < 0.38
    assert dead_share(5, 0.3) == (share, dead)
    # A higher rate with the same seed kills the same numbers and more.
    more_share, more_dead = dead_share(5, 0.6)
    assert 0.52 < more_share < 0.68
    assert set(dead) < set(more_dead)


def test_a_dead_number_never_receives_an_sms_and_its_cancel_refunds() -> None:
    with otpkit.sandbox.run(throttle=None, auto_deliver=0.05, dead_rate=1.0) as sandbox:
        key = sandbox.new_api_key("jesusnumber")
        with otpkit.connect(
            "jesusnumber", api_key=key, base_url=sandbox.base_url, settings=SETTINGS
        ) as client:
            with client.rent(client.find_product("whatsapp")) as rental:
                by_order = sandbox.deliver(rental.id, provider="jesusnumber", code="111111")
                by_number = sandbox.deliver_to_number(rental.number, code="222222", delay=0.05)
                assert (by_order.status, by_number.status) == ("lost", "lost")
                with pytest.raises(otpkit.CodeTimeoutError):
                    rental.wait_for_code(timeout=0.5)
                assert rental.messages() == []
            assert rental.outcome is not None and rental.outcome.refunded
        (order,) = sandbox.ledger(key).orders
        assert order.dead and not order.refused
        assert (order.status, order.messages, order.refunds) == ("cancelled", 0, 1)
        assert sandbox.ledger(key).spent == Decimal("0.00")


def test_a_number_marked_dead_loses_what_was_already_on_its_way(sandbox: Sandbox, jn: JN) -> None:
    order = jn.rent()
    scheduled = sandbox.deliver(order["id"], provider="jesusnumber", delay=30)
    assert scheduled.status == "scheduled"
    assert sandbox.mark_number(order["number"], dead=True).dead
    sandbox.advance_clock(31)
    messages = jn.get(f"/orders/{order['id']}/sms").json()["data"]["messages"]
    assert messages == []
    assert not sandbox.mark_number(order["number"], dead=False).dead
    assert sandbox.deliver(order["id"], provider="jesusnumber").status == "delivered"


def test_sanalnumara_countries_with_their_own_prices_and_dead_rates() -> None:
    overrides = {
        f"sanalnumara/google/{country}": DeliveryRule(dead_rate=rate)
        for country, rate in COUNTRIES.items()
    }
    with otpkit.sandbox.run(throttle=None, seed=3, overrides=overrides) as sandbox:
        services = {
            o.name: o for o in sanalnumara_services() if o.category == "Google"
        }  # the starting catalogue is what the sandbox serves
        assert len({services[c].price for c in COUNTRIES}) == 3
        key = sandbox.new_api_key("sanalnumara", balance=100_000)
        with httpx.Client(base_url=sandbox.base_url, trust_env=False) as http:
            sn = SN(http, key)
            for country in COUNTRIES:
                sandbox.set_stock("sanalnumara", services[country].id, 500)
                for _ in range(300):
                    sn.rent(services[country].id)
        orders = sandbox.ledger(key).orders
    for country, rate in COUNTRIES.items():
        mine = [o for o in orders if o.product_id == services[country].id]
        assert len(mine) == 300
        # 300 draws: at most 2.9 points of standard deviation.
        assert sum(o.dead for o in mine) / 300 == pytest.approx(rate, abs=0.09)
        assert {o.price for o in mine} == {services[country].price}


# -- resolving and configuring the model ---------------------------------------------------------


def test_the_most_specific_override_wins_field_by_field() -> None:
    model = DeliveryModel(
        dead_rate=0.3,
        refused_rate=0.05,
        overrides={
            "sanalnumara": DeliveryRule(dead_rate=0.2, profile="real-world"),
            "sanalnumara/*/TR": DeliveryRule(refused_rate=0.5),
            "sanalnumara/google/turkey": DeliveryRule(dead_rate=0.6),
            "jesusnumber/WhatsApp Long Term": DeliveryRule(dead_rate=0.0),
        },
    )
    sn = {(o.category, o.name): o for o in sanalnumara_services()}
    jn = {o.name: o for o in jesusnumber_products()}
    assert model.rule_for("sanalnumara", sn[("Google", "Turkey")]) == DeliveryRule(
        dead_rate=0.6, refused_rate=0.5, profile="real-world"
    )
    assert model.rule_for("sanalnumara", sn[("Telegram", "Turkey")]) == DeliveryRule(
        dead_rate=0.2, refused_rate=0.5, profile="real-world"
    )
    assert model.rule_for("sanalnumara", sn[("Google", "Germany")]) == DeliveryRule(
        dead_rate=0.2, refused_rate=0.05, profile="real-world"
    )
    assert model.rule_for("jesusnumber", jn["WhatsApp"]) == DeliveryRule(
        dead_rate=0.3, refused_rate=0.05, profile="fast"
    )
    assert model.rule_for("jesusnumber", jn["WhatsApp Long Term"]).dead_rate == 0.0


@pytest.mark.parametrize(
    "key", ["sanalnumara/google/Turky", "jesusnumber/nosuchapp", "twilio", "sanalnumara/a/b/c"]
)
def test_an_override_that_matches_nothing_is_refused(key: str, sandbox: Sandbox) -> None:
    with pytest.raises(ConfigurationError, match="override key"):
        sandbox.set_delivery(overrides={key: DeliveryRule(dead_rate=1.0)})
    with (
        pytest.raises(ConfigurationError, match="override key"),
        otpkit.sandbox.run(overrides={key: DeliveryRule(dead_rate=1.0)}),
    ):
        pass


def test_rates_outside_0_to_1_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ConfigurationError, match="dead_rate"):
        sandbox.set_delivery(dead_rate=1.5)
    with pytest.raises(ConfigurationError), otpkit.sandbox.run(refused_rate=-0.1):
        pass


def test_control_api_changes_new_rentals_only_and_reset_restores_the_start() -> None:
    with otpkit.sandbox.run(throttle=None, dead_rate=0.0) as sandbox:
        with httpx.Client(base_url=sandbox.base_url, trust_env=False) as http:
            jn = JN(http, sandbox.new_api_key("jesusnumber"))
            before = jn.rent(GOOGLE)
            model = sandbox.set_delivery(
                dead_rate=1.0, overrides={"jesusnumber/whatsapp": DeliveryRule(dead_rate=0.0)}
            )
            assert model == sandbox.delivery()
            assert (model.dead_rate, model.refused_rate, model.profile) == (1.0, 0.0, "fast")
            after, whatsapp = jn.rent(GOOGLE), jn.rent(12)
            dead = {o.order_id: o.dead for o in sandbox.ledger(jn.key).orders}
            assert dead == {str(before["id"]): False, str(after["id"]): True,
                            str(whatsapp["id"]): False}  # fmt: skip
            # Fields not given stay; overrides given replace the old ones.
            model = sandbox.set_delivery(refused_rate=0.5, overrides={})
            assert (model.dead_rate, model.refused_rate, model.overrides) == (1.0, 0.5, {})
        sandbox.reset()
        assert sandbox.delivery() == DeliveryModel()


def test_specs_as_env_variables_and_flags_take_them() -> None:
    model = model_from_specs(
        dead_rate=["0.3,sanalnumara/google/Turkey=0.1", "sanalnumara/google/Germany=0.6"],
        refused_rate=["0.05"],
        profile=["real-world,jesusnumber=fast"],
    )
    assert model == DeliveryModel(
        dead_rate=0.3,
        refused_rate=0.05,
        profile="real-world",
        overrides={
            "sanalnumara/google/Turkey": DeliveryRule(dead_rate=0.1),
            "sanalnumara/google/Germany": DeliveryRule(dead_rate=0.6),
            "jesusnumber": DeliveryRule(profile="fast"),
        },
    )
    assert model_from_specs(dead_rate=["0.3", "0.4"]).dead_rate == 0.4  # later wins
    for wrong in ({"dead_rate": ["lots"]}, {"dead_rate": ["2"]}, {"profile": ["slow"]}):
        with pytest.raises(ValueError, match="not a"):
            model_from_specs(**wrong)
    with pytest.raises(ValueError, match="matches no product"):
        model_from_specs(refused_rate=["sanalnumara/google/Atlantis=0.5"])
