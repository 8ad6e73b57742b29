"""``connect`` and ``connect_async``: a configured client from arguments and settings."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from otpkit._async_client import AsyncClient
from otpkit._client import Client
from otpkit._driver import RentalPolicy
from otpkit._errors import ConfigurationError
from otpkit._journal import Journal, RentalJournal, default_journal_path
from otpkit._limiter import SharedRequestLimiter
from otpkit._local_sandboxes import served_here
from otpkit._push import Inbox, InboxSource, PushInbox
from otpkit._redact import Secret
from otpkit._run_id import ci_run_id
from otpkit._settings import Settings
from otpkit._slots import RentalSlots
from otpkit._trace import AsyncTracingTransport, Trace, TracingTransport
from otpkit.providers import PROVIDERS, Provider, create_provider

__all__ = ["connect", "connect_async", "connect_many", "connect_many_async"]


def _provider(
    provider: str | None,
    api_key: str | SecretStr | None,
    base_url: str | None,
    settings: Settings,
) -> Provider:
    name = (provider or next(iter(settings.providers()), "")).strip().lower()
    if not name:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigurationError(f"no provider chosen: set OTPKIT_PROVIDER to one of: {known}")
    key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
    key = Secret(key) if key else key  # masked in any traceback that lists local variables
    return create_provider(
        name,
        key or settings.api_key_for(name) or "",
        base_url or settings.base_url_for(name),
        routes=getattr(settings, f"{name}_routes", None),
        fields=getattr(settings, f"{name}_fields", None),
    )


JournalChoice = RentalJournal | Path | str | Literal[False] | None
PushChoice = Inbox | InboxSource | str | None


def _policy(
    settings: Settings,
    provider: Provider,
    journal: JournalChoice,
    budget: Decimal | None,
    push: PushChoice,
    max_price: Decimal | None = None,
) -> RentalPolicy:
    if journal is None:
        journal = settings.journal or default_journal_path()
    if isinstance(journal, (Path, str)):
        # With a coordinator, the run is the CI run: one budget for all its machines.
        journal = Journal(journal, run_id=ci_run_id() if settings.coordinator else None)
    if isinstance(journal, Journal):
        # Rentals from a sandbox are marked as its: once it stops, the sweep closes what it
        # left (no money was at stake) instead of asking for a key nobody has.
        if served_here(provider.base_url):
            journal.sandbox_started(provider.base_url, os.getpid())
        elif (pid := journal.running_sandbox(provider.base_url)) is not None:
            journal.sandbox_started(provider.base_url, pid)
    push = push if push is not None else settings.push_url
    token = settings.inbox_token.get_secret_value() if settings.inbox_token else None
    if not isinstance(push, str) and isinstance(push, InboxSource):
        # A receiver: its inbox URL, and the token it wants.
        source: InboxSource = push
        push, token = source.inbox_url, source.inbox_token
    closers: tuple[Callable[[], None], ...] = ()
    if settings.coordinator:  # an empty OTPKIT_COORDINATOR= is off too
        # Imported here: only runs that configure a coordinator load redis.
        from otpkit._redis import coordinated

        shared, limiter, slots, inbox = coordinated(
            settings, provider.api_key, journal or None, push
        )
    else:
        shared = journal or None
        if isinstance(push, str):
            opened = PushInbox(push, token=token)
            inbox, closers = opened, (opened.close,)  # opened here, so closed with the client
        else:
            inbox = push
        limiter, slots = _on_this_machine(settings, provider, shared)
    return RentalPolicy(
        journal=shared,
        budget=budget if budget is not None else settings.budget,
        max_price=max_price if max_price is not None else settings.max_price,
        push=inbox,
        code_timeout=settings.timeout,
        limiter=limiter,
        slots=slots,
        closers=closers,
    )


def _on_this_machine(
    settings: Settings, provider: Provider, journal: RentalJournal | None
) -> tuple[SharedRequestLimiter | None, RentalSlots | None]:
    # Request budgets and rental slots live beside the journal: shared by this machine's runs.
    shared = (journal.path.parent if journal else default_journal_path().parent) / "shared"
    limiter = slots = None
    if settings.rate_limit:
        limiter = SharedRequestLimiter(shared, provider.api_key, settings.rate_limit)
    if settings.max_rentals:
        slots = RentalSlots(shared, provider.api_key, settings.max_rentals)
    return limiter, slots


def _assemble(
    provider: str | None,
    api_key: str | SecretStr | None,
    base_url: str | None,
    settings: Settings | None,
    journal: JournalChoice,
    budget: Decimal | None,
    push: PushChoice,
    max_price: Decimal | None = None,
) -> tuple[Provider, dict[str, Any]]:
    """The protocol object and the driver's keyword arguments, for either driver."""
    settings = settings or Settings()
    protocol = _provider(provider, api_key, base_url, settings)
    return protocol, {
        "request_timeout": settings.request_timeout,
        "call_timeout": settings.call_timeout,
        "policy": _policy(settings, protocol, journal, budget, push, max_price),
        "trace": Trace(settings.trace) if settings.trace else None,
    }


def _names(providers: Sequence[str] | None, settings: Settings | None) -> list[str]:
    names = list(providers) if providers is not None else (settings or Settings()).providers()
    if not names:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigurationError(f"no providers chosen: set OTPKIT_PROVIDER to a list of: {known}")
    return names


def connect(
    provider: str | None = None,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    settings: Settings | None = None,
    journal: JournalChoice = None,
    budget: Decimal | None = None,
    max_price: Decimal | None = None,
    push: PushChoice = None,
    transport: httpx.BaseTransport | None = None,
) -> Client:
    """A synchronous client; what is not passed comes from ``OTPKIT_*`` settings.

    ``journal`` is where rentals are recorded for the sweep (a path, a ``Journal``, or False
    for none; default ``OTPKIT_JOURNAL`` or the user state directory); ``budget`` caps net
    spend; ``max_price`` refuses dearer products (and those of unknown price) before renting
    (``PriceLimitError``); ``push`` switches on push delivery of SMS: a running
    ``otpkit.webhook`` receiver, or its inbox URL (its token then comes from
    ``OTPKIT_INBOX_TOKEN``). With ``OTPKIT_TRACE=PATH`` every HTTP exchange is appended to
    PATH, API keys masked.

    >>> with otpkit.connect("jesusnumber", api_key="...") as client:  # doctest: +SKIP
    ...     with client.rent(client.find_product("whatsapp")) as rental:
    ...         print(rental.number, rental.wait_for_code())
    """
    protocol, options = _assemble(
        provider, api_key, base_url, settings, journal, budget, push, max_price
    )
    trace: Trace | None = options.pop("trace")
    if trace is not None:
        transport = TracingTransport(trace, transport)
    return Client(protocol, transport=transport, **options)


def connect_async(
    provider: str | None = None,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    settings: Settings | None = None,
    journal: JournalChoice = None,
    budget: Decimal | None = None,
    max_price: Decimal | None = None,
    push: PushChoice = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncClient:
    """An asynchronous client; arguments as for ``connect``."""
    protocol, options = _assemble(
        provider, api_key, base_url, settings, journal, budget, push, max_price
    )
    trace: Trace | None = options.pop("trace")
    if trace is not None:
        transport = AsyncTracingTransport(trace, transport)
    return AsyncClient(protocol, transport=transport, **options)


def connect_many(
    providers: Sequence[str] | None = None,
    *,
    api_keys: Mapping[str, str | SecretStr] | None = None,
    base_url: str | None = None,
    settings: Settings | None = None,
    journal: JournalChoice = None,
    budget: Decimal | None = None,
    max_price: Decimal | None = None,
) -> list[Client]:
    """One client per provider, in order (default: the ``OTPKIT_PROVIDER`` list), for
    ``otpkit.verify`` to fall back along. Keys come from ``api_keys`` or each provider's
    ``OTPKIT_<PROVIDER>_API_KEY``; other arguments as for ``connect``.

    >>> clients = otpkit.connect_many(["jesusnumber", "sanalnumara"])  # doctest: +SKIP
    >>> otpkit.verify(clients, "google", lambda r: r.wait_for_code())  # doctest: +SKIP
    """
    keys = api_keys or {}
    return [
        connect(
            name,
            api_key=keys.get(name),
            base_url=base_url,
            settings=settings,
            journal=journal,
            budget=budget,
            max_price=max_price,
        )
        for name in _names(providers, settings)
    ]


def connect_many_async(
    providers: Sequence[str] | None = None,
    *,
    api_keys: Mapping[str, str | SecretStr] | None = None,
    base_url: str | None = None,
    settings: Settings | None = None,
    journal: JournalChoice = None,
    budget: Decimal | None = None,
    max_price: Decimal | None = None,
) -> list[AsyncClient]:
    """One async client per provider, in order; arguments as for ``connect_many``."""
    keys = api_keys or {}
    return [
        connect_async(
            name,
            api_key=keys.get(name),
            base_url=base_url,
            settings=settings,
            journal=journal,
            budget=budget,
            max_price=max_price,
        )
        for name in _names(providers, settings)
    ]
