"""``otpkit doctor`` against the sandbox: as deployed, with a route renamed, a field missing."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

import otpkit
import otpkit.sandbox
from tests.integration.test_cli import otpkit_cli
from tests.integration.test_sweep_all import clean_env


@pytest.fixture
def sandbox() -> Iterator[otpkit.sandbox.Sandbox]:
    with otpkit.sandbox.run(throttle=None) as running:
        yield running


@pytest.fixture
def keys(sandbox: otpkit.sandbox.Sandbox) -> dict[str, str]:
    made = {p: sandbox.new_api_key(p) for p in otpkit.sandbox.PROVIDERS}
    # An order in the list, so that one order's detail and SMS are checked too.
    with (
        otpkit.connect(
            "jesusnumber", api_key=made["jesusnumber"], base_url=sandbox.base_url, journal=False
        ) as client,
        client.rent(client.find_product("whatsapp")) as rental,
    ):
        sandbox.deliver(rental.id, provider="jesusnumber", code="123456")
        rental.wait_for_code(timeout=5)
    return made


def doctor_env(sandbox: otpkit.sandbox.Sandbox, keys: dict[str, str], tmp: Path) -> dict[str, str]:
    return clean_env(
        tmp / "journal.sqlite3",
        OTPKIT_JESUSNUMBER_API_KEY=keys["jesusnumber"],
        OTPKIT_JESUSNUMBER_BASE_URL=sandbox.base_url,
        OTPKIT_SANALNUMARA_API_KEY=keys["sanalnumara"],
        OTPKIT_SANALNUMARA_BASE_URL=sandbox.base_url,
    )


def assert_no_key(text: str, keys: dict[str, str]) -> None:
    for key in keys.values():
        assert key not in text and urllib.parse.quote(key, safe="") not in text


def test_everything_holds_and_nothing_is_spent(
    sandbox: otpkit.sandbox.Sandbox, keys: dict[str, str], tmp_path: Path
) -> None:
    before = {p: sandbox.ledger(k) for p, k in keys.items()}
    trace = tmp_path / "trace.jsonl"
    result = otpkit_cli(doctor_env(sandbox, keys, tmp_path), "doctor", "--trace", str(trace))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout and "checks held; nothing was rented" in result.stdout
    for checked in ("route order:", "route sms:", "route reject:", "field created_at:"):
        assert checked in result.stdout
    assert "sanalnumara" in result.stdout and "route service_details:" in result.stdout
    assert {p: sandbox.ledger(k) for p, k in keys.items()} == before  # no money moved
    exchanges = [json.loads(line) for line in trace.read_text().splitlines()]
    assert len(exchanges) >= 10 and all("response" in e for e in exchanges)
    assert_no_key(trace.read_text() + result.stdout + result.stderr, keys)


def test_a_renamed_route_is_named_with_its_override(
    sandbox: otpkit.sandbox.Sandbox, keys: dict[str, str], tmp_path: Path
) -> None:
    sandbox.deviate(missing_routes=["jesusnumber.orders"])
    result = otpkit_cli(doctor_env(sandbox, keys, tmp_path), "doctor")
    assert result.returncode == 1
    assert "FAIL  route orders: GET /api/v1/orders (assumed): HTTP 404" in result.stdout
    assert 'fix: set OTPKIT_JESUSNUMBER_ROUTES=\'{"orders": ' in result.stdout
    assert "did not hold: jesusnumber route orders" in result.stdout


def test_a_missing_field_is_named_with_its_alias(
    sandbox: otpkit.sandbox.Sandbox, keys: dict[str, str], tmp_path: Path
) -> None:
    sandbox.deviate(dropped_fields={"jesusnumber.orders": ["created_at"]})
    env = doctor_env(sandbox, keys, tmp_path)
    result = otpkit_cli(env, "doctor", "--provider", "jesusnumber")
    assert result.returncode == 1
    assert "FAIL  field created_at: order rows have none of created_at" in result.stdout
    assert 'fix: set OTPKIT_JESUSNUMBER_FIELDS=\'{"created_at": ' in result.stdout


def test_route_overrides_come_from_the_environment(
    sandbox: otpkit.sandbox.Sandbox, keys: dict[str, str], tmp_path: Path
) -> None:
    env = doctor_env(sandbox, keys, tmp_path)
    env["OTPKIT_JESUSNUMBER_ROUTES"] = '{"products": "/api/v1/catalogue"}'
    result = otpkit_cli(env, "doctor", "--provider", "jesusnumber")
    assert result.returncode == 1
    assert "FAIL  route products: GET /api/v1/catalogue" in result.stdout
    env["OTPKIT_JESUSNUMBER_ROUTES"] = '{"catalogue": "/x"}'
    wrong = otpkit_cli(env, "balance", "--provider", "jesusnumber")
    assert wrong.returncode == 2 and "unknown jesusnumber route 'catalogue'" in wrong.stderr


def test_otpkit_trace_records_any_run_without_keys(
    sandbox: otpkit.sandbox.Sandbox, keys: dict[str, str], tmp_path: Path
) -> None:
    trace = tmp_path / "any-run.jsonl"
    env = {**doctor_env(sandbox, keys, tmp_path), "OTPKIT_TRACE": str(trace)}
    for provider in otpkit.sandbox.PROVIDERS:
        assert otpkit_cli(env, "balance", "--provider", provider).returncode == 0
    exchanges = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [e["response"]["status"] for e in exchanges] == [200, 200]
    assert "/getBalance" in exchanges[1]["request"]["url"]
    assert_no_key(trace.read_text(), keys)
    assert trace.stat().st_mode & 0o777 == 0o600  # it holds numbers and codes


def test_a_provider_it_cannot_configure_is_a_configuration_error(tmp_path: Path) -> None:
    missing = otpkit_cli(
        clean_env(tmp_path / "journal.sqlite3"), "doctor", "--provider", "sanalnumara"
    )
    assert missing.returncode == 2
    assert "FAIL" in missing.stdout and "OTPKIT_SANALNUMARA_API_KEY" in missing.stdout
