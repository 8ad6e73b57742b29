"""One process's view of the run: settings, the shared run, clients, and the rentals it made."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from pytest_plugin._options import overrides
from pytest_plugin._run import SharedRun, root_pid, run_directory

if TYPE_CHECKING:
    import otpkit

__all__ = ["OtpSession", "describe", "settings_of"]

#: What the sandbox rents when no product is configured: it has both in stock.
_SANDBOX_PRODUCT = {"jesusnumber": "whatsapp", "sanalnumara": "whatsapp"}


def settings_of(config: pytest.Config) -> otpkit.Settings:
    """The merged settings: command line > ini > environment (and ``.env``) > defaults."""
    import otpkit

    try:
        return otpkit.Settings(**overrides(config))
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise pytest.UsageError(f"otpkit settings: {error}") from None


class OtpSession:
    """Created lazily by the first OTP fixture of a process, so unrelated runs pay nothing."""

    def __init__(self, config: pytest.Config) -> None:
        import otpkit

        self.config = config
        self.settings = settings_of(config)
        # With a coordinator, the run is the CI run: its machines share one budget.
        from otpkit._run_id import ci_run_id

        coordinated = bool(self.settings.coordinator)
        self.run = SharedRun(
            run_directory(config),
            ci_run_id() if coordinated else None,
            root_pid=root_pid(config),
        )
        self.run_id = self.run.run_id
        self.journal = otpkit.Journal(
            self.settings.journal or otpkit.default_journal_path(), run_id=self.run_id
        )
        self._clients: dict[str, otpkit.Client] = {}
        # One catalogue lookup per product per worker, not one per test.
        self._products: dict[tuple[str, str, str | None], otpkit.Product] = {}

    def _fail(self, error: Exception) -> None:
        # One clear line instead of a traceback into the plugin.
        pytest.fail(f"otpkit: {error}", pytrace=False)

    def client(self, provider: str | None) -> otpkit.Client:
        """The client of ``provider`` (default: the configured one), created once."""
        import otpkit

        name = (provider or self.settings.provider or "").strip().lower()
        if not name and self.settings.sandbox:
            name = "jesusnumber"
        if name in self._clients:
            return self._clients[name]
        try:
            api_key, base_url = None, None
            push = None
            if self.settings.sandbox:
                sandbox = self.run.sandbox(
                    self.settings.sandbox_delay, self.settings.sandbox_throttle
                )
                api_key, base_url = sandbox["keys"].get(name), sandbox["url"]
                # Its rentals hold no money: once it stops, a sweep closes what it left.
                self.journal.sandbox_started(base_url, int(sandbox["pid"]))
            if self.settings.webhook:
                receiver = self.run.webhook(self.settings.webhook, self.settings.coordinator_url())
                push = receiver["inbox"]
                if self.settings.sandbox and api_key and name == "jesusnumber":
                    from otpkit import sandbox as sandboxes

                    with sandboxes.attach(str(base_url)) as control:
                        control.set_callback_url(api_key, receiver["callback"])
            client = otpkit.connect(
                name or None,
                api_key=api_key,
                base_url=base_url,
                settings=self.settings,
                journal=self.journal,
                push=push,
            )
        except (otpkit.ConfigurationError, otpkit.CoordinatorError) as error:
            self._fail(error)
            raise  # unreachable: pytest.fail raises
        self._clients[name] = client
        return client

    def rent(
        self, product: str | None, *, provider: str | None, country: str | None
    ) -> otpkit.PhoneNumber:
        """Rent a number and wrap it as a ``PhoneNumber``."""
        import otpkit

        client = self.client(provider)
        wanted = product or self.settings.product
        if wanted is None and self.settings.sandbox:
            wanted = _SANDBOX_PRODUCT[client.provider_name]
        if wanted is None:
            self._fail(
                otpkit.ConfigurationError(
                    "no product to rent: set OTPKIT_PRODUCT, --otp-product or "
                    "@pytest.mark.otp(product=...)"
                )
            )
        where = country or self.settings.country
        key = (client.provider_name, str(wanted), where)
        try:
            if key not in self._products:
                self._products[key] = client.find_product(str(wanted), country=where)
            try:
                return otpkit.PhoneNumber(client.rent(self._products[key]))
            except otpkit.OutOfStockError:
                # The cached choice ran out: choose again among what is in stock now.
                self._products[key] = client.find_product(str(wanted), country=where)
                return otpkit.PhoneNumber(client.rent(self._products[key]))
        except (
            otpkit.ConfigurationError,
            otpkit.AuthenticationError,
            otpkit.CoordinatorError,
        ) as error:
            self._fail(error)
            raise

    def release(self, number: otpkit.PhoneNumber) -> None:
        """Cancel the rental behind ``number`` (a failure is warned and left for the sweep)."""
        import otpkit

        with contextlib.suppress(otpkit.OtpkitError):
            number.rental.__exit__(None, None, None)  # type: ignore[union-attr]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def describe(number: otpkit.PhoneNumber) -> str:
    """What a failure report shows about a rented number."""
    rental = number.rental
    outcome = rental.outcome
    state = ""
    if outcome is not None:
        state = f"; {'refunded' if outcome.refunded else 'not refunded'}: {outcome.detail}"
    return f"{number} ({rental.provider} order {rental.id}){state}"
