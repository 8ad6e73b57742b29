"""The ``otpkit`` console script. Configuration comes from ``OTPKIT_*`` variables (and ``.env``).

API keys are never taken from the command line (they would land in shell history and process
lists); ``--provider`` and ``--base-url`` may be given to pick among configured accounts.
Everything a provider says (product names, numbers, ids, refusals) is printed verbatim, never
read as rich markup: ``escape`` wraps each piece of it.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from otpkit._client import Client
from otpkit._connect import connect
from otpkit._delivery_stats import delivery_stats
from otpkit._doctor import configured_providers, doctor
from otpkit._errors import ConfigurationError, OtpkitError
from otpkit._journal import Journal, default_journal_path
from otpkit._models import CancelOutcome
from otpkit._redact import redact
from otpkit._rental import Rental
from otpkit._settings import Settings
from otpkit._sweep import SweepReport
from otpkit._sweep_all import SANDBOX_GONE, sweep_all
from otpkit._trace import Trace
from otpkit._version import __version__

__all__ = ["main"]

_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)
#: Wide enough for any table or line: output that is not a terminal (a pipe, a CI log) is never
#: wrapped, so that grep and log readers see one line per line.
_LOG_WIDTH = 100_000


def _for_logs(console: Console) -> None:
    if not console.is_terminal:
        console.soft_wrap = True
        console.width = _LOG_WIDTH


Command = Callable[[argparse.Namespace], int]


def _client(args: argparse.Namespace) -> Client:
    return connect(args.provider, base_url=args.base_url, settings=Settings())


def _seconds(text: str) -> float:
    """A ``--timeout``: finite and above 0 (NaN or -5 would time out at once)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}")
    return seconds


def _money(value: object) -> str:
    return "-" if value is None else str(value)


def cmd_balance(args: argparse.Namespace) -> int:
    with _client(args) as client:
        balance = client.balance()
        _out.print(f"[bold]{client.provider_name}[/] available: [green]{balance.available}[/]")
        # Amounts are Decimals parsed by otpkit: no provider text reaches this line.
        for label, value in (
            ("held", balance.held),
            ("spent", balance.spent),
            ("deposit", balance.deposit),
        ):
            if value is not None:
                _out.print(f"  {label}: {value}")
    return 0


def cmd_products(args: argparse.Namespace) -> int:
    with _client(args) as client:
        filters = {"search": args.search} if args.search else {}
        if args.country:
            filters["country"] = args.country
        products = client.products(**filters)
        learned = delivery_stats(client.journal.entries()) if client.journal else {}
        table = Table(title=f"{client.provider_name} products ({len(products)})")
        for column in ("id", "name", "country", "price", "stock", "delivers"):
            left = column in ("id", "name", "country")
            table.add_column(column, justify="left" if left else "right")
        for product in products:
            cells = (product.id, product.name, product.country or "-")
            stats = learned.get((client.provider_name, client.base_url, product.id))
            # The learned (smoothed) rate verify orders by, and the counts behind it.
            rate = f"{stats.rate:.0%} ({stats.delivered}/{stats.tried})" if stats else "-"
            table.add_row(*map(escape, cells), _money(product.price), _money(product.stock), rate)
        _out.print(table)
    return 0


@contextmanager
def _waiting_display(what: str) -> Iterator[None]:
    columns = (SpinnerColumn(), TextColumn(what), TimeElapsedColumn())
    with Progress(*columns, console=_err, transient=True) as progress:
        progress.add_task(what, total=None)
        yield


def _wait_and_show(rental: Rental, timeout: float | None) -> None:
    with _waiting_display(escape(f"waiting for the code of {rental.number or rental.id}")):
        # A code, as everywhere else: a timeout reads "no code for ..." as in pytest.
        code = rental.wait_for_code(timeout)
    try:  # the whole SMS too, if the provider still has it: one more request
        texts = [m.text for m in reversed(rental.messages()) if m.code == code]
    except OtpkitError:
        texts = []
    sms = f"  sms: {escape(texts[0])}" if texts and texts[0] != code else ""
    _out.print(f"code: [bold green]{escape(code)}[/]{sms}")


def _show_outcome(outcome: CancelOutcome) -> None:
    colour = "green" if outcome.refunded else "yellow"
    said = "refunded" if outcome.refunded else "not refunded"
    _out.print(f"[{colour}]{said}[/]: {escape(outcome.detail)}")


def cmd_rent(args: argparse.Namespace) -> int:
    with _client(args) as client:
        product = client.find_product(args.product, country=args.country)
        rental = client.rent(product)
        if not args.wait and client.journal is not None and rental.journal_row is not None:
            # Kept before anything is printed: a number the user meant to keep is never swept.
            client.journal.hold(rental.journal_row)
        where = f", {product.country}" if product.country else ""
        _out.print(
            f"rented [bold]{escape(rental.number)}[/] ({escape(product.name + where)}) "
            f"order {escape(rental.id)} for {_money(rental.price)}"
        )
        if not args.wait:
            _out.print(escape(f"then: `otpkit wait {rental.id}`, and `otpkit cancel {rental.id}`"))
            return 0
        with rental:  # cancelled on a timeout or Ctrl-C: the money comes back
            try:
                _wait_and_show(rental, args.timeout)
            finally:
                _show_outcome(rental.cancel())
    return 0


def cmd_wait(args: argparse.Namespace) -> int:
    with _client(args) as client:
        _wait_and_show(client.attach(args.order_id), args.timeout)
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    with _client(args) as client:
        _show_outcome(client.attach(args.order_id).cancel())
    return 0


def _show_swept(report: SweepReport) -> None:
    for swept in report.rentals:
        name = f"{swept.number or '?'} (order {swept.order_id or '?'})"
        if swept.outcome is not None:
            _out.print(f"{escape(name)}: ", end="")
            _show_outcome(swept.outcome)
        else:
            _err.print(f"[red]{escape(name)}: {escape(swept.problem or '')}[/]")


def cmd_sweep(args: argparse.Namespace) -> int:
    """Every provider and base URL the journal names, each with its own OTPKIT_<P>_API_KEY."""
    everything = sweep_all(
        Settings(), held=args.all, provider=args.provider, base_url=args.base_url
    )
    for warning in everything.warnings:
        _err.print(f"[yellow]warning:[/] {escape(warning)}")
    for gone in everything.sandbox_gone:
        name = f"{gone.number or '?'} (order {gone.order_id or '?'})"
        _out.print(escape(f"{name}: {SANDBOX_GONE} ({gone.base_url})"))
    for account in everything.accounts:
        if account.report is not None:
            _show_swept(account.report)
        else:
            where = f"{account.provider} at {account.base_url}"
            _err.print(f"[red]could not sweep {escape(where)}: {escape(account.problem or '')}[/]")
    reports = everything.reports
    swept = sum(len(r.rentals) for r in reports)
    refunded = sum(len(r.refunded) for r in reports)
    amount = sum((r.refunded_amount for r in reports), Decimal(0))
    _out.print(
        f"swept {swept} rental(s); refunded {refunded} ({amount}); "
        f"{len(everything.sandbox_gone)} of a stopped sandbox closed; "
        f"{everything.problems} need attention"
    )
    return 1 if everything.problems else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the configured provider(s) without spending anything: key, balance, catalogue,
    orders, and every assumed route and field, with the override for one that does not hold."""
    settings = Settings()
    names = [args.provider.strip().lower()] if args.provider else configured_providers(settings)
    if not names:
        raise ConfigurationError(
            "no provider configured: set OTPKIT_PROVIDER and OTPKIT_API_KEY, or "
            "OTPKIT_JESUSNUMBER_API_KEY / OTPKIT_SANALNUMARA_API_KEY"
        )
    if args.base_url:
        settings = settings.model_copy(update={f"{n}_base_url": args.base_url for n in names})
    path = args.trace or settings.trace
    checks = doctor(settings, names, trace=Trace(path) if path else None)
    marks = {True: ("ok", "green"), False: ("FAIL", "red"), None: ("skip", "yellow")}
    shown = None
    for check in checks:
        if check.provider != shown:
            shown = check.provider
            _out.print(f"[bold]{escape(shown)}[/]")
        word, style = marks[check.held]
        _out.print(f"  [{style}]{word:<4}[/]  {escape(check.what)}: {escape(check.detail)}")
        if check.fix:
            _out.print(f"        fix: {escape(check.fix)}")
    failed = [c for c in checks if c.held is False]
    held = sum(1 for c in checks if c.held)
    if path:
        _out.print(escape(f"trace (API keys masked): {path}"))
    if failed:
        names_failed = ", ".join(f"{c.provider} {c.what}" for c in failed)
        _out.print(f"[red]{len(failed)} did not hold[/]: {escape(names_failed)}")
        # As every command: 2 for what the user must configure, 1 for what the provider did.
        return 2 if any(c.what == "configuration" for c in failed) else 1
    _out.print(f"[green]all {held} checks held[/]; nothing was rented")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Run the sandbox in the foreground: both providers on one loopback origin."""
    from otpkit import sandbox  # imported here: starting a server is this command's job only
    from otpkit.sandbox._delivery import model_from_specs

    # OTPKIT_SANDBOX_* first, so that the flags (later specs) win.
    settings = Settings()
    specs = {
        name: [v for v in (getattr(settings, f"sandbox_{name}"), *getattr(args, name)) if v]
        for name in ("dead_rate", "refused_rate", "profile")
    }
    try:
        delivery = model_from_specs(**specs)
    except ValueError as error:
        raise ConfigurationError(f"otpkit sandbox: {error}") from None

    def journaled(base_url: str) -> None:
        # Rentals made against it hold no money: once it stops, `otpkit sweep` closes them.
        try:
            Journal(Settings().journal or default_journal_path()).sandbox_started(
                base_url, os.getpid()
            )
        except OtpkitError as error:
            _err.print(f"[yellow]warning:[/] {escape(str(error))}")

    sandbox.serve(
        args.host,
        args.port,
        throttle=args.throttle or None,
        auto_deliver=args.auto_deliver,
        ready_file=args.ready_file,
        seed=args.seed if args.seed is not None else settings.sandbox_seed,
        delivery=delivery,
        on_ready=journaled,
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Sign up on the sandbox's demo site with a rented number in a real Chromium, and show
    that no money was lost. Needs nothing configured: it runs its own sandbox."""
    try:
        from otpkit._demo import run_demo  # needs Playwright, which only this command uses
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("playwright"):
            raise
        _err.print("[red]error:[/] the demo needs Playwright: pip install 'otpkit[playwright]'")
        return 2
    return run_demo(
        provider=args.provider,
        headed=args.headed,
        screenshot=args.screenshot,
        out=_out,
        err=_err,
    )


def cmd_webhook_serve(args: argparse.Namespace) -> int:
    from otpkit import webhook

    settings = Settings()
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    token = settings.inbox_token.get_secret_value() if settings.inbox_token else None
    webhook.serve(
        args.host,
        args.port,
        secret=secret or None,
        ready_file=args.ready_file,
        coordinator=settings.coordinator_url(),
        inbox_token=token or None,
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otpkit",
        description="Rent virtual numbers, read SMS codes, always refund. "
        "Configure with OTPKIT_PROVIDER, OTPKIT_API_KEY, OTPKIT_BASE_URL (or a .env file).",
    )
    parser.add_argument("--version", action="version", version=f"otpkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--provider", help="provider name (default: OTPKIT_PROVIDER)")
        sub.add_argument("--base-url", help="provider base URL (default: OTPKIT_BASE_URL)")
        sub.set_defaults(handler=handler)
        return sub

    command("balance", cmd_balance, "show the wallet balance")
    products = command("products", cmd_products, "list rentable products")
    products.add_argument("--search", help="only products whose name or category contains this")
    products.add_argument("--country", help="only this country (sanalnumara)")

    rent = command("rent", cmd_rent, "rent a number for a product (name or id)")
    rent.add_argument("product")
    rent.add_argument("--country", help="the country to rent in")
    rent.add_argument("--wait", action="store_true", help="wait for the code, then cancel")
    rent.add_argument("--timeout", type=_seconds, help="seconds to wait (default OTPKIT_TIMEOUT)")

    wait = command("wait", cmd_wait, "wait for the code of a rented number")
    wait.add_argument("order_id")
    wait.add_argument("--timeout", type=_seconds, help="seconds to wait (default OTPKIT_TIMEOUT)")

    cancel = command("cancel", cmd_cancel, "cancel a rented number (refunds if eligible)")
    cancel.add_argument("order_id")

    checkup = command("doctor", cmd_doctor, "check a provider deployment, spending nothing")
    checkup.add_argument("--trace", type=Path, help="write every exchange here (keys masked)")

    sweep = command("sweep", cmd_sweep, "cancel rentals left open by crashed or killed runs")
    sweep.add_argument("--all", action="store_true", help="also numbers kept by `otpkit rent`")

    sandbox = commands.add_parser(
        "sandbox", help="run the local provider simulator", description=cmd_sandbox.__doc__
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8642, help="0 picks a free port")
    sandbox.add_argument("--throttle", type=int, default=60, help="requests/min per key; 0: off")
    sandbox.add_argument("--auto-deliver", type=float, help="send every new order an SMS after S s")
    sandbox.add_argument("--ready-file", type=Path, help="write the base URL here once listening")
    sandbox.add_argument("--seed", type=int, help="reproducible numbers and dead numbers")
    rates = "RATE or RATE,provider/product/country=RATE,..."
    sandbox.add_argument(
        "--dead-rate", action="append", default=[], metavar="SPEC", help=f"never-SMS share: {rates}"
    )
    sandbox.add_argument(
        "--refused-rate", action="append", default=[], metavar="SPEC", help=f"refused: {rates}"
    )
    sandbox.add_argument(
        "--profile", action="append", default=[], metavar="SPEC", help="fast or real-world delays"
    )
    sandbox.set_defaults(handler=cmd_sandbox)

    demo = commands.add_parser(
        "demo", help="sign up on the sandbox's demo site, for real", description=cmd_demo.__doc__
    )
    demo.add_argument(
        "--provider",
        choices=("jesusnumber", "sanalnumara"),
        default="jesusnumber",
        help="which simulated provider to rent from (default: jesusnumber)",
    )
    demo.add_argument("--headed", action="store_true", help="show the browser window")
    demo.add_argument("--screenshot", type=Path, help="save a PNG of the final page here")
    demo.set_defaults(handler=cmd_demo)

    webhook = commands.add_parser("webhook", help="push delivery of SMS")
    webhook_commands = webhook.add_subparsers(dest="webhook_command", metavar="COMMAND")
    receiver = webhook_commands.add_parser(
        "serve",
        help="receive jesusnumber callbacks (secret from OTPKIT_WEBHOOK_SECRET; published to "
        "every machine through OTPKIT_COORDINATOR if set)",
    )
    receiver.add_argument("--host", default="127.0.0.1")
    receiver.add_argument("--port", type=int, default=8765)
    receiver.add_argument(
        "--ready-file",
        type=Path,
        help="once listening, write the inbox URL, its token and the callback URL here (JSON, "
        "owner-only); the inbox token is OTPKIT_INBOX_TOKEN, or generated",
    )
    receiver.set_defaults(handler=cmd_webhook_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    _for_logs(_out)
    _for_logs(_err)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except OtpkitError as error:
        _err.print(f"[red]error:[/] {escape(redact(str(error)))}", soft_wrap=True)  # one line
        return 2
    except KeyboardInterrupt:
        _err.print("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
