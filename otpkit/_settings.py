"""Configuration from ``OTPKIT_*`` environment variables and a ``.env`` file (pydantic-settings).

API keys are only ever read from here or passed in code, never from a command line, and are kept
as ``SecretStr`` so that printing the settings cannot leak them. An invalid value is one
``ConfigurationError`` line naming the variable and what it accepts, never a pydantic dump.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pydantic
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from otpkit._errors import ConfigurationError
from otpkit._redact import Secret

__all__ = ["InvalidSettingError", "IsolatedSettings", "Settings"]

# A NaN timeout would time out at once and an infinite one never: neither is a deadline.
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Delay = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]

#: What each checked setting accepts, as the error says it; the value is shown only for these
#: (never for a key, a secret or a URL that may hold a password).
ACCEPTS = {
    "timeout": "a number of seconds above 0",
    "request_timeout": "a number of seconds above 0",
    "call_timeout": "a number of seconds above 0",
    "coordinator_lease": "a number of seconds above 0",
    "sandbox_delay": "a number of seconds, 0 or more (0: never)",
    "budget": "an amount of money, 0 or more (unset: unlimited)",
    "rate_limit": "a whole number of requests per minute, 0 or more (0: off)",
    "max_rentals": "a whole number of rentals, 0 or more (0: no cap)",
    "sandbox_throttle": "a whole number of requests per minute, 0 or more (0: off)",
    "sandbox": "true or false",
    "report_numbers": "true or false",
}


class InvalidSettingError(ConfigurationError):
    """A setting's value is invalid; ``field`` names it (for callers that name it otherwise,
    like the pytest plugin's ``--otp-*`` options), ``accepts`` says what it takes."""

    def __init__(self, field: str, accepts: str, value: object | None) -> None:
        shown = "" if value is None else f", got {value!r}"
        super().__init__(f"OTPKIT_{field.upper()} must be {accepts}{shown}")
        self.field = field
        self.accepts = accepts
        self.value = value


def _invalid(error: pydantic.ValidationError) -> InvalidSettingError:
    """The first problem of ``error`` as one line (the next shows once it is fixed)."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    if field in ACCEPTS:
        return InvalidSettingError(field, ACCEPTS[field], first.get("input"))
    # Another field: pydantic's own words, without the input (it may be a secret).
    return InvalidSettingError(field, f"valid ({first['msg']})", None)


class Settings(BaseSettings):
    """Every otpkit setting; each field ``name`` is read from ``OTPKIT_<NAME>``.

    Per-provider variables (``OTPKIT_JESUSNUMBER_API_KEY``, ``OTPKIT_SANALNUMARA_BASE_URL``...)
    win over the generic ``OTPKIT_API_KEY`` / ``OTPKIT_BASE_URL`` for their provider, so one
    suite can use both providers.
    """

    model_config = SettingsConfigDict(
        env_prefix="OTPKIT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except pydantic.ValidationError as error:
            raise _invalid(error) from None

    #: The provider, or an ordered list of them (``jesusnumber,sanalnumara``): ``connect`` uses
    #: the first, ``connect_many`` and ``verify`` fall back along the list.
    provider: str | None = None
    api_key: SecretStr | None = None
    base_url: str | None = None
    jesusnumber_api_key: SecretStr | None = None
    jesusnumber_base_url: str | None = None
    sanalnumara_api_key: SecretStr | None = None
    sanalnumara_base_url: str | None = None
    #: Route templates that differ from the assumed ones, by name, as JSON:
    #: ``OTPKIT_JESUSNUMBER_ROUTES='{"orders": "/api/v2/orders"}'`` (see ``otpkit doctor``).
    jesusnumber_routes: dict[str, str] | None = None
    sanalnumara_routes: dict[str, str] | None = None
    #: Field names to read first in jesusnumber rows, as JSON:
    #: ``OTPKIT_JESUSNUMBER_FIELDS='{"product_name": ["label"]}'``.
    jesusnumber_fields: dict[str, list[str]] | None = None
    #: Write every HTTP exchange (API keys masked) to this file, one JSON object a line.
    trace: Path | None = None

    #: The product to rent when a test does not say (name or id), and its country (or an
    #: ordered list of countries to fall back along, ``Turkey,Germany``; see ``countries()``).
    product: str | None = None
    country: str | None = None
    #: Products above this price (in the provider's currency) are refused before renting;
    #: so are products whose price is unknown. None: no cap.
    max_price: Decimal | None = None
    #: Seconds to wait for a code.
    timeout: Seconds = 120.0
    #: Numbers a test may go through (pytest plugin): a code that never comes or a number the
    #: app refuses starts the test over on a fresh one, up to this many times (1: no rotation).
    attempts: int = Field(default=1, ge=1)
    #: Seconds ``otp()`` waits on each number while rotating (None: ``timeout``).
    attempt_timeout: Seconds | None = None
    #: Seconds one HTTP request may take, and the total for one call with its retries.
    request_timeout: Seconds = 15.0
    call_timeout: Seconds = 30.0
    #: Net spend (charged minus refunded) allowed to one run; None is unlimited.
    budget: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] | None = None
    #: Where rentals are journaled (default: the user state directory).
    journal: Path | None = None
    #: Write the run's JSON report here (pytest plugin ``--otp-report``): every rental of every
    #: test, totals, delivery rates; numbers masked to their last four digits unless
    #: ``report_numbers``.
    report: Path | None = None
    report_numbers: bool = False
    #: Requests per minute per API key shared by every process on this machine (None: no cap).
    rate_limit: Count | None = None
    #: Rentals open at once per account across processes (None: no cap).
    max_rentals: Count | None = None
    #: ``redis://host:port/db``: the request budget, the rental cap, the run budget, the journal
    #: and push delivery are shared through Redis by every machine (secret: it may hold a
    #: password). None keeps them on this machine.
    coordinator: SecretStr | None = None
    #: Seconds a process's lease in Redis outlives its last heartbeat: rentals of a machine that
    #: died become sweepable, and its rental slots free up, this long after it stopped.
    coordinator_lease: Seconds = 30.0
    #: Run a local sandbox for the test session and point the fixtures at it (pytest plugin).
    sandbox: bool = False
    #: The sandbox sends every new order an SMS this many seconds after it is made (0: never),
    #: standing in for the app under test; and throttles each key to this many requests/min.
    sandbox_delay: Delay = 1.0
    sandbox_throttle: Count | None = None
    #: The sandbox's delivery model (pytest plugin and ``otpkit sandbox``): the share of numbers
    #: that never receive an SMS and of those the demo site refuses, each ``RATE`` or
    #: ``RATE,provider/product/country=RATE,...``; the delay profile of the app's SMS, ``fast``
    #: or ``real-world`` in the same form; and a seed that makes which numbers fail reproducible.
    sandbox_dead_rate: str | None = None
    sandbox_refused_rate: str | None = None
    sandbox_profile: str | None = None
    sandbox_seed: int | None = None
    #: Whether the sandbox sends that stand-in SMS at all: off when the app under test texts
    #: the rented numbers itself (through the sandbox's SMS gateway).
    sandbox_sms: bool = True
    #: ``host:port`` where the pytest plugin runs the webhook receiver for push delivery.
    webhook: str | None = None
    #: A webhook receiver's inbox URL: SMS are pushed to waiters instead of only polled.
    push_url: str | None = None
    #: The receiver's shared secret: its callback sits under ``/<secret>/``.
    webhook_secret: SecretStr | None = None
    #: The credential of the receiver's inbox, which waiters read (never the callback's
    #: secret); ``otpkit webhook serve`` generates one when unset.
    inbox_token: SecretStr | None = None

    @field_validator("provider")
    @classmethod
    def _provider_name(cls, name: str | None) -> str | None:
        # " JesusNumber " from a hand-edited .env is still jesusnumber (and its key is found).
        return name.strip().lower() or None if name is not None else None

    @field_validator("sandbox_dead_rate", "sandbox_refused_rate", "sandbox_profile")
    @classmethod
    def _delivery_spec(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value:
            # Imported here: the sandbox (and its server) loads only when a spec is set.
            from otpkit.sandbox._delivery import model_from_specs

            model_from_specs(**{(info.field_name or "").removeprefix("sandbox_"): [value]})
        return value or None

    def providers(self) -> list[str]:
        """``OTPKIT_PROVIDER`` as the ordered list of provider names (empty when unset)."""
        return _listed(self.provider, lower=True)

    def countries(self) -> list[str]:
        """``OTPKIT_COUNTRY`` as the ordered list of countries (empty when unset)."""
        return _listed(self.country)

    def _generic_applies(self, provider: str) -> bool:
        # OTPKIT_API_KEY / OTPKIT_BASE_URL belong to the one provider configured (or any when
        # none is): with several, each needs its own variable, as one key never fits two.
        names = self.providers()
        return not names or names == [provider]

    def api_key_for(self, provider: str) -> str | None:
        """The API key for ``provider``: its own variable first, then ``OTPKIT_API_KEY``."""
        own = getattr(self, f"{provider}_api_key", None)
        generic = self.api_key if self._generic_applies(provider) else None
        secret = own or generic
        return Secret(secret.get_secret_value()) if isinstance(secret, SecretStr) else None

    def base_url_for(self, provider: str) -> str | None:
        """The base URL for ``provider``: its own variable first, then ``OTPKIT_BASE_URL``."""
        own = getattr(self, f"{provider}_base_url", None)
        generic = self.base_url if self._generic_applies(provider) else None
        value = own or generic
        return str(value) if value else None

    def coordinator_url(self) -> str | None:
        """The coordinator's ``redis://`` URL as text; None when off (unset or empty)."""
        return self.coordinator.get_secret_value() or None if self.coordinator else None


def _listed(value: str | None, *, lower: bool = False) -> list[str]:
    items = [item.strip() for item in (value or "").split(",")]
    return [item.lower() if lower else item for item in items if item]


class IsolatedSettings(Settings):
    """Defaults and the arguments given, nothing else: for the demo and the benchmarks, which
    must not pick up a developer's ``OTPKIT_*`` variables or ``.env`` (a budget, a push URL)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)
