"""Configuration from ``OTPKIT_*`` environment variables and a ``.env`` file (pydantic-settings).

API keys are only ever read from here or passed in code, never from a command line, and are kept
as ``SecretStr`` so that printing the settings cannot leak them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from otpkit._redact import Secret

__all__ = ["IsolatedSettings", "Settings"]


class Settings(BaseSettings):
    """Every otpkit setting; each field ``name`` is read from ``OTPKIT_<NAME>``.

    Per-provider variables (``OTPKIT_JESUSNUMBER_API_KEY``, ``OTPKIT_SANALNUMARA_BASE_URL``...)
    win over the generic ``OTPKIT_API_KEY`` / ``OTPKIT_BASE_URL`` for their provider, so one
    suite can use both providers.
    """

    model_config = SettingsConfigDict(
        env_prefix="OTPKIT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    provider: str | None = None
    api_key: SecretStr | None = None
    base_url: str | None = None
    jesusnumber_api_key: SecretStr | None = None
    jesusnumber_base_url: str | None = None
    sanalnumara_api_key: SecretStr | None = None
    sanalnumara_base_url: str | None = None

    #: The product to rent when a test does not say (name or id), and its country.
    product: str | None = None
    country: str | None = None
    #: Seconds to wait for a code.
    timeout: float = 120.0
    #: Numbers a test may go through (pytest plugin): a code that never comes or a number the
    #: app refuses starts the test over on a fresh one, up to this many times (1: no rotation).
    attempts: int = Field(default=1, ge=1)
    #: Seconds ``otp()`` waits on each number while rotating (None: ``timeout``).
    attempt_timeout: float | None = Field(default=None, gt=0)
    #: Seconds one HTTP request may take, and the total for one call with its retries.
    request_timeout: float = 15.0
    call_timeout: float = 30.0
    #: Net spend (charged minus refunded) allowed to one run; None is unlimited.
    budget: Decimal | None = None
    #: Where rentals are journaled (default: the user state directory).
    journal: Path | None = None
    #: Requests per minute per API key shared by every process on this machine (None: no cap).
    rate_limit: int | None = None
    #: Rentals open at once per account across processes (None: no cap).
    max_rentals: int | None = None
    #: ``redis://host:port/db``: the request budget, the rental cap, the run budget, the journal
    #: and push delivery are shared through Redis by every machine (secret: it may hold a
    #: password). None keeps them on this machine.
    coordinator: SecretStr | None = None
    #: Seconds a process's lease in Redis outlives its last heartbeat: rentals of a machine that
    #: died become sweepable, and its rental slots free up, this long after it stopped.
    coordinator_lease: float = 30.0
    #: Run a local sandbox for the test session and point the fixtures at it (pytest plugin).
    sandbox: bool = False
    #: The sandbox sends every new order an SMS this many seconds after it is made (0: never),
    #: standing in for the app under test; and throttles each key to this many requests/min.
    sandbox_delay: float = 1.0
    sandbox_throttle: int | None = None
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
    #: The receiver's shared secret: its routes sit under ``/<secret>/``.
    webhook_secret: str | None = None

    @field_validator("sandbox_dead_rate", "sandbox_refused_rate", "sandbox_profile")
    @classmethod
    def _delivery_spec(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value:
            # Imported here: the sandbox (and its server) loads only when a spec is set.
            from otpkit.sandbox._delivery import model_from_specs

            model_from_specs(**{(info.field_name or "").removeprefix("sandbox_"): [value]})
        return value or None

    def api_key_for(self, provider: str) -> str | None:
        """The API key for ``provider``: its own variable first, then ``OTPKIT_API_KEY``."""
        own = getattr(self, f"{provider}_api_key", None)
        generic = self.api_key if self.provider in (None, provider) else None
        secret = own or generic
        return Secret(secret.get_secret_value()) if isinstance(secret, SecretStr) else None

    def base_url_for(self, provider: str) -> str | None:
        """The base URL for ``provider``: its own variable first, then ``OTPKIT_BASE_URL``."""
        own = getattr(self, f"{provider}_base_url", None)
        generic = self.base_url if self.provider in (None, provider) else None
        value = own or generic
        return str(value) if value else None

    def coordinator_url(self) -> str | None:
        """The coordinator's ``redis://`` URL as text; None when off (unset or empty)."""
        return self.coordinator.get_secret_value() or None if self.coordinator else None


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
