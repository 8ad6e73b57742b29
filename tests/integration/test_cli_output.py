"""What the ``otpkit`` command prints: provider text verbatim, and lines a log can grep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import otpkit.sandbox
from tests.integration.test_cli import configured, otpkit_cli

MARKUP_NAME = "Telegram [/US] [bold]x"
MARKUP_REFUSAL = "Nope [/red] [link=http://x]y"


@pytest.fixture
def sandbox() -> Iterator[otpkit.sandbox.Sandbox]:
    # Its own: the catalogue is renamed here.
    with otpkit.sandbox.run(throttle=None) as running:
        yield running


def test_provider_text_with_markup_is_printed_verbatim(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    env, key = configured(sandbox, "jesusnumber", tmp_path / "journal.sqlite3")
    sandbox.rename_product("jesusnumber", 14, MARKUP_NAME)
    listed = otpkit_cli(env, "products", "--search", "telegram")
    assert listed.returncode == 0, listed.stderr
    assert MARKUP_NAME in listed.stdout

    rented = otpkit_cli(env, "rent", MARKUP_NAME)
    assert rented.returncode == 0, rented.stderr
    assert f"({MARKUP_NAME}, US) order" in rented.stdout
    number = re.search(r"rented (\+1\d{10})", rented.stdout)
    order_id = re.search(r"order (\d+)", rented.stdout)
    assert number and order_id, rented.stdout
    # The number is kept: the next sweep leaves it alone, the provider still holds it.
    assert "swept 0 rental(s)" in otpkit_cli(env, "sweep").stdout
    assert sandbox.ledger(key).open_rentals == 1

    sandbox.inject_fault(
        "refuse_cancel", count=50, endpoint="jesusnumber.reject", message=MARKUP_REFUSAL
    )
    refused = otpkit_cli({**env, "OTPKIT_CALL_TIMEOUT": "1"}, "cancel", order_id.group(1))
    assert refused.returncode == 2 and MARKUP_REFUSAL in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    sandbox.clear_faults()
    cancelled = otpkit_cli(env, "cancel", order_id.group(1))
    assert cancelled.returncode == 0 and "refunded:" in cancelled.stdout
    assert sandbox.ledger(key).open_rentals == 0


def test_sanalnumara_service_names_with_markup(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    env, key = configured(sandbox, "sanalnumara", tmp_path / "journal.sqlite3")
    with otpkit.connect(
        "sanalnumara", api_key=key, base_url=sandbox.base_url, journal=False
    ) as client:
        service = client.find_product("google", country="Turkey")
    sandbox.rename_product("sanalnumara", service.id, "Türkiye [/red]")
    sandbox.set_auto_deliver(0.3)
    rented = otpkit_cli(env, "rent", "google", "--country", "Türkiye [/red]", "--wait")
    assert rented.returncode == 0, rented.stderr
    assert "(Google, Türkiye [/red]) order" in rented.stdout, rented.stdout
    assert re.search(r"code: \d+", rented.stdout)


def test_piped_output_is_never_wrapped(sandbox: otpkit.sandbox.Sandbox, tmp_path: Path) -> None:
    env, _ = configured(sandbox, "jesusnumber", tmp_path / "journal.sqlite3")
    del env["COLUMNS"]  # as in a CI log: no terminal, no width given
    long_name = "WhatsApp " + "very long product name " * 8
    sandbox.rename_product("jesusnumber", 12, long_name.strip())
    listed = otpkit_cli(env, "products", "--search", "whatsapp")
    assert any(long_name.strip() in line for line in listed.stdout.splitlines()), listed.stdout

    rented = otpkit_cli(env, "rent", "google")
    order_id = re.search(r"order (\d+)", rented.stdout).group(1)  # type: ignore[union-attr]
    waited = otpkit_cli(env, "wait", order_id, "--timeout", "1.5")
    assert waited.returncode == 2
    # One wording everywhere, on one line.
    line = r"^error: no code for \+1\d{10} \(jesusnumber order \d+\) after [\d.]+ s and \d+ polls"
    assert re.search(line, waited.stderr, re.MULTILINE), waited.stderr
