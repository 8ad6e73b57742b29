"""find_product on sanalnumara asks for prices only where the query points: details are one
request per app per country, on keyless routes throttled per client address."""

from __future__ import annotations

from collections import Counter

import pytest

import otpkit
import otpkit.sandbox
from tests.integration.conftest import connect, connect_async


def _asked(sandbox: otpkit.sandbox.Sandbox, before: dict[str, int]) -> dict[str, int]:
    after = Counter(sandbox.stats().by_endpoint)
    after.subtract(before)
    return {endpoint: count for endpoint, count in after.items() if count}


def test_a_typo_costs_only_the_categories_request(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "sanalnumara") as client:
        before = sandbox.stats().by_endpoint
        with pytest.raises(otpkit.ProductNotFoundError, match="close names: Google"):
            client.find_product("gogle")
        assert _asked(sandbox, before) == {"sanalnumara.categories": 1}
        # Nothing was spent: the right name right after is served, not throttled.
        assert client.find_product("google").name == "Google"


def test_a_country_fetches_details_of_that_service_only(
    sandbox: otpkit.sandbox.Sandbox,
) -> None:
    with connect(sandbox, "sanalnumara") as client:
        before = sandbox.stats().by_endpoint
        product = client.find_product("google", country="Germany")
        assert (product.name, product.country) == ("Google", "Germany")
        assert _asked(sandbox, before) == {
            "sanalnumara.categories": 1,
            "sanalnumara.services": 1,
            "sanalnumara.service_details": 1,
        }


async def test_async_client_walks_the_same_way(sandbox: otpkit.sandbox.Sandbox) -> None:
    async with connect_async(sandbox, "sanalnumara") as client:
        before = sandbox.stats().by_endpoint
        with pytest.raises(otpkit.ProductNotFoundError, match="close names: Google"):
            await client.find_product("gogle")
        assert _asked(sandbox, before) == {"sanalnumara.categories": 1}
        product = await client.find_product("google", country="Germany")
        assert product.country == "Germany"
        assert _asked(sandbox, before) == {
            "sanalnumara.categories": 1,  # cached per client
            "sanalnumara.services": 1,
            "sanalnumara.service_details": 1,
        }
