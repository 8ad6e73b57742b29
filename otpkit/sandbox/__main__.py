"""``python -m otpkit.sandbox --port 0 --ready-file PATH``: a foreground sandbox."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from otpkit.sandbox._delivery import model_from_specs, parse_spec
from otpkit.sandbox._server import serve

__all__ = ["main"]


def _throttle(text: str) -> int | None:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0 (0 turns throttling off)")
    return value or None


def _rates(text: str) -> str:
    try:
        parse_spec(text, float)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _profiles(text: str) -> str:
    try:
        parse_spec(text, str)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def add_delivery_arguments(parser: argparse.ArgumentParser) -> None:
    """The delivery-model flags (also on ``otpkit sandbox``)."""
    where = "RATE or RATE,provider/product/country=RATE,... (repeatable)"
    parser.add_argument(
        "--dead-rate",
        type=_rates,
        action="append",
        default=[],
        metavar="SPEC",
        help=f"share of numbers that never receive an SMS: {where}",
    )
    parser.add_argument(
        "--refused-rate",
        type=_rates,
        action="append",
        default=[],
        metavar="SPEC",
        help=f"share of numbers the demo site refuses: {where}",
    )
    parser.add_argument(
        "--profile",
        type=_profiles,
        action="append",
        default=[],
        metavar="SPEC",
        help="delays of the app's SMS: fast (default) or real-world (p50 3 s, p95 12 s), "
        "also per provider/product/country=PROFILE",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m otpkit.sandbox",
        description="Simulate the jesusnumber and sanalnumara APIs on one local origin.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0: pick a free one)")
    parser.add_argument(
        "--throttle",
        type=_throttle,
        default=60,
        help="requests per minute per API key (default 60; 0 turns it off)",
    )
    parser.add_argument(
        "--auto-deliver",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give every new order an SMS after this many seconds",
    )
    parser.add_argument("--ready-file", help="write the base URL here once listening")
    parser.add_argument(
        "--seed", type=int, help="make numbers, ids, codes and dead numbers reproducible"
    )
    add_delivery_arguments(parser)
    args = parser.parse_args(argv)
    try:
        delivery = model_from_specs(
            dead_rate=args.dead_rate, refused_rate=args.refused_rate, profile=args.profile
        )
    except ValueError as error:
        parser.error(str(error))
    serve(
        args.host,
        args.port,
        throttle=args.throttle,
        auto_deliver=args.auto_deliver,
        ready_file=args.ready_file,
        seed=args.seed,
        delivery=delivery,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
