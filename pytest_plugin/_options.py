"""The plugin's options: each a ``--otp-*`` flag, an ``otp_*`` ini key and an ``OTPKIT_*`` variable.

Precedence is command line > ini > environment > defaults: flags and ini values are handed to
``otpkit.Settings`` as init arguments, which pydantic-settings ranks above the environment, and
which validates them all (an invalid one names its option).
API keys have no flag on purpose: they come only from the environment or a ``.env`` file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

__all__ = ["OPTIONS", "add_options", "overrides"]


def _flag(text: str) -> bool:
    if text.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if text.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"must be true or false, got {text!r}")


@dataclass(frozen=True)
class Option:
    """One setting as a flag and an ini key (``name`` is the ``otpkit.Settings`` field)."""

    name: str
    help: str
    convert: Callable[[str], Any] = str
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return "--otp-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return f"otp_{self.name}"


OPTIONS = (
    Option("provider", "provider to rent from: jesusnumber or sanalnumara", metavar="NAME"),
    Option("product", "product (name or id) to rent when a test does not say", metavar="NAME"),
    Option("country", "country to rent in when a test does not say", metavar="NAME"),
    Option("base_url", "provider base URL (required for sanalnumara)", metavar="URL"),
    Option("timeout", "seconds otp() waits for a code", metavar="SECONDS"),
    Option(
        "attempts",
        "numbers a test may go through: a code that never comes or a refused number starts "
        "it over on a fresh one (1: no rotation)",
        metavar="N",
    ),
    Option(
        "attempt_timeout", "seconds otp() waits on each number while rotating", metavar="SECONDS"
    ),
    Option("budget", "net spend allowed to the whole run, all workers together", metavar="AMOUNT"),
    Option("journal", "rental journal path (for crash recovery and the sweep)", str, "PATH"),
    Option(
        "report",
        "write the run's JSON report here: every rental of every test (numbers masked), "
        "totals, delivery rates",
        str,
        "PATH",
    ),
    Option(
        "report_numbers", "show the rented numbers whole in --otp-report (default: masked)", _flag
    ),
    Option("webhook", "run a push receiver on HOST:PORT for the run", metavar="HOST:PORT"),
    Option("max_rentals", "rentals open at once across all workers", metavar="N"),
    Option("rate_limit", "requests per minute per API key across all workers", metavar="N"),
    Option("sandbox", "run otpkit's sandbox for the session and rent from it", _flag),
    Option(
        "sandbox_sms",
        "whether the sandbox texts each rented number itself, standing in for your app "
        "(--no-otp-sandbox-sms: your app sends the SMS)",
        _flag,
    ),
    Option(
        "coordinator",
        "redis://host:port/db: share the request budget, rental cap, budget, journal and push "
        "with every machine of the run (a password belongs in OTPKIT_COORDINATOR instead)",
        metavar="URL",
    ),
)


#: Options that are switches on the command line (``--otp-sandbox``), true or false in the ini.
_SWITCHES = ("sandbox", "report_numbers")


def add_options(parser: pytest.Parser) -> None:
    """Register every option as a flag and an ini key."""
    group = parser.getgroup("otpkit", "otpkit: phone numbers and SMS codes")
    for option in OPTIONS:
        if option.name in _SWITCHES:
            group.addoption(
                option.flag, action="store_const", const=True, dest=option.ini, help=option.help
            )
        elif option.name == "sandbox_sms":
            on, off = option.flag, "--no-" + option.flag[2:]
            group.addoption(on, action="store_const", const=True, dest=option.ini, help=option.help)
            group.addoption(
                off, action="store_const", const=False, dest=option.ini, help=f"see {on}"
            )
        else:
            group.addoption(option.flag, dest=option.ini, metavar=option.metavar, help=option.help)
        parser.addini(option.ini, option.help, default="")


def overrides(config: pytest.Config) -> dict[str, Any]:
    """The settings given on the command line or in the ini file, command line first."""
    chosen: dict[str, Any] = {}
    for option in OPTIONS:
        value = config.getoption(option.ini, default=None)
        if value is None:
            text = str(config.getini(option.ini)).strip()
            value = text or None
        if value is None:
            continue
        try:
            chosen[option.name] = option.convert(value) if isinstance(value, str) else value
        except ValueError as error:
            raise pytest.UsageError(f"otpkit: {option.flag} / {option.ini} {error}") from None
    return chosen
