"""One process's view of the run: settings, the shared run, clients, and the rentals it made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from pytest_plugin._options import OPTIONS, overrides
from pytest_plugin._run import SharedRun, root_pid, run_directory

if TYPE_CHECKING:
    import otpkit
    import otpkit.sandbox

__all__ = ["OtpSession", "describe", "run_sandbox", "settings_of", "webhook_secret"]

#: What the sandbox rents when no product is configured: it has both in stock.
_SANDBOX_PRODUCT = {"jesusnumber": "whatsapp", "sanalnumara": "whatsapp"}


def settings_of(config: pytest.Config) -> otpkit.Settings:
    """The merged settings: command line > ini > environment (and ``.env``) > defaults."""
    import otpkit
    from otpkit._settings import InvalidSettingError

    given = overrides(config)
    try:
        return otpkit.Settings(**given)
    except InvalidSettingError as error:
        # One line naming what the user set: the option when it came from one.
        option = next((o for o in OPTIONS if o.name == error.field and o.name in given), None)
        if option is None:
            raise pytest.UsageError(f"otpkit: {error}") from None
        shown = "" if error.value is None else f", got {error.value!r}"
        raise pytest.UsageError(
            f"otpkit: {option.flag} / {option.ini} must be {error.accepts}{shown}"
        ) from None


def run_sandbox(settings: otpkit.Settings, run: SharedRun) -> dict[str, Any]:
    """The run's sandbox (started by whichever process asks first): its URL and keys."""
    stand_in = settings.sandbox_delay if settings.sandbox_sms else None
    return run.sandbox(
        stand_in,
        settings.sandbox_throttle,
        dead_rate=settings.sandbox_dead_rate,
        refused_rate=settings.sandbox_refused_rate,
        profile=settings.sandbox_profile,
        seed=settings.sandbox_seed,
    )


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
        self._sandbox: otpkit.sandbox.Sandbox | None = None
        # One catalogue lookup per product per worker, not one per test.
        self._products: dict[tuple[str, str, str | None], otpkit.Product] = {}

    def _fail(self, error: Exception) -> NoReturn:
        import otpkit

        hint = ""
        if isinstance(error, otpkit.ConfigurationError) and not self.settings.sandbox:
            hint = " (or run pytest with --otp-sandbox for the built-in sandbox)"
        # One clear line instead of a traceback into the plugin, nor the error it came from.
        raise pytest.fail.Exception(f"otpkit: {error}{hint}", pytrace=False) from None

    def client(self, provider: str | None, *, quiet: bool = False) -> otpkit.Client:
        """The client of ``provider`` (default: the configured one), created once.

        ``quiet``: in the sandbox, the account whose orders get no stand-in SMS.
        """
        import otpkit

        # A list (OTPKIT_PROVIDER=jesusnumber,sanalnumara): its first is the default.
        name = (provider or next(iter(self.settings.providers()), "")).strip().lower()
        if not name and self.settings.sandbox:
            name = "jesusnumber"
        quiet = quiet and self.settings.sandbox and self.settings.sandbox_sms
        cached = f"{name} quiet" if quiet else name
        if cached in self._clients:
            return self._clients[cached]
        from otpkit._push import InboxAddress

        try:
            api_key, base_url = None, None
            push: InboxAddress | None = None
            if self.settings.sandbox:
                sandbox = run_sandbox(self.settings, self.run)
                keys = sandbox["quiet_keys" if quiet else "keys"]
                api_key, base_url = keys.get(name), sandbox["url"]
                # Its rentals hold no money: once it stops, a sweep closes what it left.
                self.journal.sandbox_started(base_url, int(sandbox["pid"]))
            if self.settings.webhook:
                receiver = self.run.webhook(
                    self.settings.webhook,
                    self.settings.coordinator_url(),
                    webhook_secret(self.settings),
                )
                push = InboxAddress(receiver["inbox"], receiver["inbox_token"])
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
        self._clients[cached] = client
        return client

    def sandbox(self) -> otpkit.sandbox.Sandbox:
        """A handle on the run's sandbox; only with ``--otp-sandbox``."""
        import otpkit
        from otpkit import sandbox as sandboxes

        if not self.settings.sandbox:
            self._fail(
                otpkit.ConfigurationError(
                    "otp_sandbox needs the sandbox: run pytest with --otp-sandbox "
                    "(or set OTPKIT_SANDBOX=1)"
                )
            )
        if self._sandbox is None:
            self._sandbox = sandboxes.attach(run_sandbox(self.settings, self.run)["url"])
        return self._sandbox

    def rent(
        self,
        product: str | None,
        *,
        provider: str | None,
        country: str | None,
        sandbox_sms: bool = True,
    ) -> otpkit.PhoneNumber:
        """Rent a number and wrap it as a ``PhoneNumber``; ``sandbox_sms=False``: the sandbox
        sends it no stand-in SMS (the app under test texts it)."""
        import otpkit

        client = self.client(provider, quiet=not sandbox_sms)
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

    def release(self, number: otpkit.PhoneNumber) -> None:
        """Cancel the rental behind ``number`` (a failure is warned and left for the sweep)."""
        number.rental.release()  # type: ignore[union-attr]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        if self._sandbox is not None:
            self._sandbox.close()


def webhook_secret(settings: otpkit.Settings) -> str | None:
    """The callback's secret (``OTPKIT_WEBHOOK_SECRET``), if any."""
    secret = settings.webhook_secret
    return secret.get_secret_value() or None if secret else None


def describe(number: otpkit.PhoneNumber) -> str:
    """What the attempts section shows about a rented number (masked, as every report does)."""
    from pytest_plugin._records import mask

    rental = number.rental
    outcome = rental.outcome
    state = ""
    if outcome is not None:
        state = f"; {'refunded' if outcome.refunded else 'not refunded'}: {outcome.detail}"
    return f"{mask(str(number))} ({rental.provider} order {rental.id}){state}"
