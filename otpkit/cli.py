"""The ``otpkit`` console script. Configuration comes from ``OTPKIT_*`` variables (and ``.env``).

API keys are never taken from the command line (they would land in shell history and process
lists); ``--provider`` and ``--base-url`` may be given to pick among configured accounts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from otpkit._client import Client
from otpkit._connect import connect
from otpkit._delivery_stats import delivery_stats
from otpkit._errors import ConfigurationError, CoordinatorError, OtpkitError
from otpkit._models import CancelOutcome
from otpkit._redact import redact
from otpkit._rental import Rental
from otpkit._settings import Settings
from otpkit._sweep import SweepReport
from otpkit._version import __version__

__all__ = ["main"]

_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)

Command = Callable[[argparse.Namespace], int]


def _client(args: argparse.Namespace) -> Client:
    return connect(args.provider, base_url=args.base_url, settings=Settings())


def _money(value: object) -> str:
    return "-" if value is None else str(value)


def cmd_balance(args: argparse.Namespace) -> int:
    with _client(args) as client:
        balance = client.balance()
        _out.print(f"[bold]{client.provider_name}[/] available: [green]{balance.available}[/]")
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
    with _waiting_display(f"waiting for the SMS to {rental.number or rental.id}"):
        message = rental.wait_for_message(timeout)
    _out.print(f"code: [bold green]{escape(message.code or '-')}[/]  sms: {escape(message.text)}")


def _show_outcome(outcome: CancelOutcome) -> None:
    colour = "green" if outcome.refunded else "yellow"
    _out.print(
        f"[{colour}]{'refunded' if outcome.refunded else 'not refunded'}[/]: {outcome.detail}"
    )


def cmd_rent(args: argparse.Namespace) -> int:
    with _client(args) as client:
        product = client.find_product(args.product, country=args.country)
        rental = client.rent(product)
        _out.print(
            f"rented [bold]{rental.number}[/] ({product.name}"
            f"{', ' + product.country if product.country else ''}) "
            f"order {rental.id} for {_money(rental.price)}"
        )
        if not args.wait:
            if client.journal is not None and rental.journal_row is not None:
                client.journal.hold(rental.journal_row)
            _out.print(f"then: `otpkit wait {rental.id}`, and `otpkit cancel {rental.id}`")
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


def _sweep(args: argparse.Namespace) -> SweepReport:
    """The coordinator's sweep; with it unreachable, this machine's own journal's."""
    try:
        with _client(args) as client:
            return client.sweep(held=args.all)
    except CoordinatorError as error:
        _err.print(f"[yellow]warning:[/] {escape(str(error))}; sweeping this machine's journal")
    local = Settings(coordinator=None)
    with connect(args.provider, base_url=args.base_url, settings=local) as client:
        return client.sweep(held=args.all)


def cmd_sweep(args: argparse.Namespace) -> int:
    report = _sweep(args)
    for swept in report.rentals:
        name = f"{swept.number or '?'} (order {swept.order_id or '?'})"
        if swept.outcome is not None:
            _out.print(f"{escape(name)}: ", end="")
            _show_outcome(swept.outcome)
        else:
            _err.print(f"[red]{escape(name)}: {escape(swept.problem or '')}[/]")
    _out.print(
        f"swept {len(report.rentals)} rental(s); refunded {len(report.refunded)} "
        f"({report.refunded_amount}); {len(report.problems)} need attention"
    )
    return 1 if report.problems else 0


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
    sandbox.serve(
        args.host,
        args.port,
        throttle=args.throttle or None,
        auto_deliver=args.auto_deliver,
        ready_file=args.ready_file,
        seed=args.seed if args.seed is not None else settings.sandbox_seed,
        delivery=delivery,
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
    webhook.serve(
        args.host,
        args.port,
        secret=settings.webhook_secret,
        ready_file=args.ready_file,
        coordinator=settings.coordinator_url(),
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
    rent.add_argument("--timeout", type=float, help="seconds to wait (default OTPKIT_TIMEOUT)")

    wait = command("wait", cmd_wait, "wait for the code of a rented number")
    wait.add_argument("order_id")
    wait.add_argument("--timeout", type=float, help="seconds to wait (default OTPKIT_TIMEOUT)")

    cancel = command("cancel", cmd_cancel, "cancel a rented number (refunds if eligible)")
    cancel.add_argument("order_id")

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
    receiver.add_argument("--ready-file", type=Path, help="write the inbox URL here once listening")
    receiver.set_defaults(handler=cmd_webhook_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except OtpkitError as error:
        _err.print(f"[red]error:[/] {escape(redact(str(error)))}")
        return 2
    except KeyboardInterrupt:
        _err.print("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
