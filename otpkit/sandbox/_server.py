"""Starting the sandbox: in a background thread (``run``) or in the foreground (``serve``)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from otpkit import _local_sandboxes as local_sandboxes
from otpkit._errors import ConfigurationError, OtpkitError
from otpkit._serving import BackgroundServer, wait_until_stopped, write_atomically
from otpkit.sandbox._app import create_app
from otpkit.sandbox._client import Sandbox
from otpkit.sandbox._delivery import DelayProfile, DeliveryModel, DeliveryRule
from otpkit.sandbox._engine import Engine
from otpkit.sandbox._errors import SandboxError
from otpkit.sandbox._models import PROVIDERS, Ledger
from otpkit.sandbox._pipeline import install_log_filter

__all__ = ["run", "serve"]


@contextlib.contextmanager
def run(
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    throttle: int | None = 60,
    auto_deliver: float | None = None,
    seed: int | None = None,
    dead_rate: float = 0.0,
    refused_rate: float = 0.0,
    profile: DelayProfile = "fast",
    overrides: Mapping[str, DeliveryRule] | None = None,
) -> Iterator[Sandbox]:
    """Run a sandbox in a background thread for the duration of the ``with`` block.

    ``port=0`` picks a free port (see ``sandbox.base_url``). ``throttle`` is requests per
    minute per key (None: unlimited); ``auto_deliver`` gives every new order an SMS after that
    many seconds; ``seed`` makes numbers, ids, codes and which numbers are dead reproducible.
    Works from sync and async code alike: the server has its own thread and event loop.

    The delivery model: ``dead_rate`` of the numbers never receive any SMS, the demo site
    refuses ``refused_rate`` of them, and ``profile="real-world"`` delays the app's SMS
    (p50 3 s, p95 12 s) instead of the fast ``auto_deliver`` seconds; ``overrides`` sets
    these per ``"provider[/product[/country]]"``, e.g. ``{"sanalnumara/google/Turkey":
    DeliveryRule(dead_rate=0.6)}``.
    """
    try:
        delivery = DeliveryModel(
            dead_rate=dead_rate,
            refused_rate=refused_rate,
            profile=profile,
            overrides=dict(overrides or {}),
        )
        engine = Engine(throttle=throttle, auto_deliver=auto_deliver, seed=seed, delivery=delivery)
    except ValueError as error:  # pydantic's ValidationError is one too
        raise ConfigurationError(f"sandbox delivery model: {error}") from None
    install_log_filter()
    try:
        server = BackgroundServer(create_app(engine), host, port, name="sandbox").start()
    except OtpkitError as error:
        raise SandboxError(str(error)) from None
    local_sandboxes.started(server.base_url)
    try:
        with Sandbox(server.base_url) as sandbox:
            yield sandbox
    finally:
        local_sandboxes.stopped(server.base_url)
        server.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    throttle: int | None = 60,
    auto_deliver: float | None = None,
    ready_file: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    out: TextIO | None = None,
    delivery: DeliveryModel | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run a sandbox in the foreground until Ctrl-C or SIGTERM.

    Prints the base URL and demo keys when listening, and each demo account's ledger on exit.
    ``ready_file`` receives the base URL (written atomically) once the server listens, and is
    removed again on exit; ``on_ready`` is called with it too. ``delivery`` is the delivery
    model (see ``run``).
    """
    stream = out or sys.stdout
    model = delivery or DeliveryModel()
    with run(
        host=host,
        port=port,
        throttle=throttle,
        auto_deliver=auto_deliver,
        seed=seed,
        dead_rate=model.dead_rate,
        refused_rate=model.refused_rate,
        profile=model.profile,
        overrides=model.overrides,
    ) as sb:
        _say(stream, _banner(sb, throttle, auto_deliver, model))
        ready = Path(ready_file) if ready_file is not None else None
        if ready is not None:
            write_atomically(ready, sb.base_url)
        if on_ready is not None:
            on_ready(sb.base_url)
        try:
            wait_until_stopped()
        finally:
            _say(stream, "\n".join(_ledger_line(sb.ledger(sb.api_key(p))) for p in PROVIDERS))
            if ready is not None:
                with contextlib.suppress(OSError):
                    if ready.read_text() == sb.base_url:
                        ready.unlink()


def _banner(
    sandbox: Sandbox, throttle: int | None, auto_deliver: float | None, model: DeliveryModel
) -> str:
    limit = f"{throttle} requests/min per key" if throttle else "off"
    auto = f"after {auto_deliver:g} s" if auto_deliver is not None else "off"
    if auto_deliver is not None and model.profile == "real-world":
        auto = "with real-world delays (p50 3 s, p95 12 s)"
    fates = f"dead numbers {model.dead_rate:.0%}; refused numbers {model.refused_rate:.0%}"
    if model.overrides:
        fates += f" ({len(model.overrides)} override(s))"
    return "\n".join(
        [
            f"otpkit sandbox listening on {sandbox.base_url}",
            f"  jesusnumber  base URL {sandbox.base_url}  API key {sandbox.api_key('jesusnumber')}",
            f"  sanalnumara  base URL {sandbox.base_url}  API key {sandbox.api_key('sanalnumara')}",
            f"  control API  {sandbox.base_url}/_sandbox/  (loopback only)",
            f"  throttle {limit}; auto-deliver {auto}",
            f"  {fates}",
            "Press Ctrl-C to stop.",
        ]
    )


def _ledger_line(ledger: Ledger) -> str:
    statuses = ", ".join(f"{k} {v}" for k, v in ledger.orders_by_status.items())
    return (
        f"{ledger.provider} {ledger.api_key}: balance {ledger.balance}, "
        f"charged {ledger.charged}, refunded {ledger.refunded}, spent {ledger.spent}, "
        f"open rentals {ledger.open_rentals} ({statuses})"
    )


def _say(stream: TextIO, text: str) -> None:
    print(text, file=stream, flush=True)
