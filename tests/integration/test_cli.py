"""The ``otpkit`` console script against the sandbox, configured only through OTPKIT_* variables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import otpkit
import otpkit.sandbox


def otpkit_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "otpkit.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def configured(
    sandbox: otpkit.sandbox.Sandbox, provider: str, journal: Path
) -> tuple[dict[str, str], str]:
    key = sandbox.new_api_key(provider)  # type: ignore[arg-type]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}
    env.update(
        OTPKIT_PROVIDER=provider,
        OTPKIT_API_KEY=key,
        OTPKIT_BASE_URL=sandbox.base_url,
        OTPKIT_JOURNAL=str(journal),
        OTPKIT_TIMEOUT="10",
        COLUMNS="200",
    )
    return env, key


def test_balance_and_products(sandbox: otpkit.sandbox.Sandbox, tmp_path: Path) -> None:
    env, key = configured(sandbox, "jesusnumber", tmp_path / "journal.sqlite3")
    balance = otpkit_cli(env, "balance")
    assert balance.returncode == 0 and "available: 50.00" in balance.stdout
    products = otpkit_cli(env, "products", "--search", "paypal")
    assert products.returncode == 0
    assert "PayPal" in products.stdout and "WhatsApp" not in products.stdout
    env, _ = configured(sandbox, "sanalnumara", tmp_path / "journal.sqlite3")
    german = otpkit_cli(env, "products", "--country", "Germany")
    assert german.returncode == 0 and "Germany" in german.stdout and "Turkey" not in german.stdout
    for result in (balance, products, german):
        assert key not in result.stdout + result.stderr


def test_rent_wait_shows_the_code_and_settles(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    env, key = configured(sandbox, "jesusnumber", tmp_path / "journal.sqlite3")
    sandbox.set_auto_deliver(0.5)
    result = otpkit_cli(env, "rent", "whatsapp", "--wait")
    assert result.returncode == 0, result.stderr
    assert re.search(r"rented \+1\d{10}", result.stdout)
    assert re.search(r"code: \d{6}", result.stdout)
    assert "not refunded" in result.stdout  # a code came: the rental is used
    assert sandbox.ledger(key).open_rentals == 0


def test_rent_keep_then_wait_and_cancel_by_id(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    env, key = configured(sandbox, "sanalnumara", tmp_path / "journal.sqlite3")
    rented = otpkit_cli(env, "rent", "google", "--country", "Germany")
    assert rented.returncode == 0, rented.stderr
    order_id = re.search(r"order (\d+)", rented.stdout).group(1)  # type: ignore[union-attr]
    swept = otpkit_cli(env, "sweep")  # a kept number is not abandoned
    assert "swept 0 rental(s)" in swept.stdout
    sandbox.deliver(order_id, provider="sanalnumara", code="482910", delay=0.5)
    waited = otpkit_cli(env, "wait", order_id)
    assert waited.returncode == 0 and "code: 482910" in waited.stdout
    second = otpkit_cli(env, "rent", "google", "--country", "Germany")
    second_id = re.search(r"order (\d+)", second.stdout).group(1)  # type: ignore[union-attr]
    cancelled = otpkit_cli(env, "cancel", second_id)
    assert cancelled.returncode == 0 and "refunded" in cancelled.stdout
    assert "not refunded" not in cancelled.stdout
    third = otpkit_cli(env, "rent", "google", "--country", "Germany")
    assert third.returncode == 0
    everything = otpkit_cli(env, "sweep", "--all")  # kept ones too, when asked
    assert "swept 2 rental(s)" in everything.stdout, everything.stdout
    assert sandbox.ledger(key).open_rentals == 0


def test_errors_are_one_clear_line(sandbox: otpkit.sandbox.Sandbox, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}
    missing = otpkit_cli(env, "balance")
    assert missing.returncode == 2 and "no provider chosen" in missing.stderr
    assert "Traceback" not in missing.stderr
    env.update(OTPKIT_PROVIDER="sanalnumara", OTPKIT_API_KEY="secret-but-wrong-key")
    no_url = otpkit_cli(env, "balance")
    assert no_url.returncode == 2 and "OTPKIT_SANALNUMARA_BASE_URL" in no_url.stderr
    env.update(OTPKIT_BASE_URL=sandbox.base_url)
    bad_key = otpkit_cli(env, "balance")
    assert bad_key.returncode == 2 and "Geçersiz API anahtarı" in bad_key.stderr
    assert "secret-but-wrong-key" not in bad_key.stdout + bad_key.stderr


def test_products_show_the_learned_delivery_rate(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    env, key = configured(sandbox, "jesusnumber", journal)
    with otpkit.connect(
        "jesusnumber", api_key=key, base_url=sandbox.base_url, journal=journal
    ) as client:
        tried: list[otpkit.Rental] = []

        def flow(rental: otpkit.Rental) -> str:
            tried.append(rental)
            if len(tried) == 1:
                rental.reject_number("app refused it")
            sandbox.deliver(rental.id, provider="jesusnumber", code="123456")
            return rental.wait_for_code()

        client.verify("paypal", flow)
    products = otpkit_cli(env, "products", "--search", "paypal")
    assert products.returncode == 0, products.stderr
    # One of two delivered: smoothed (1 + 1) / (2 + 2) = 50 %.
    assert "delivers" in products.stdout and "50% (1/2)" in products.stdout
