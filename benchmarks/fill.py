"""How long fill_phone and fill_otp take on pages built from the real widget packages.

Run: ``python benchmarks/fill.py [--repeats 5] [--widgets ID ...]``

Serves tests/playwright/pages on loopback, opens each widget page (``tests/playwright/
widget_cases.py``) ``--repeats`` times in one headless Chromium, and times the helper call alone
(page load and submit excluded): median and max per widget. Target: at most 1.5 s each.
The pages' own scripts (MUI renders 245 menu entries on a click) are part of the figure, so a
busy machine shows higher numbers.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import threading
import time
from pathlib import Path

from _common import Target, fmt, print_targets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from otpkit.playwright import fill_otp, fill_phone, launch_chromium  # noqa: E402
from tests.playwright.widget_cases import OTP_WIDGETS, PHONE_WIDGETS, READY  # noqa: E402

TARGET_S = 1.5
PAGES = ROOT / "tests" / "playwright" / "pages"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--widgets", nargs="*", help="case ids (default: all)")
    options = parser.parse_args()
    cases = [
        (case, helper)
        for cases, helper in ((PHONE_WIDGETS, fill_phone), (OTP_WIDGETS, fill_otp))
        for case in cases
        if not options.widgets or case.id in options.widgets
    ]
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(PAGES))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"otpkit fill benchmark: {len(cases)} widgets x {options.repeats} runs")
    print(f"{'helper':<11}{'widget':<44}{'median s':>9}{'max s':>8}")
    worst = float("nan")
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page()
            for case, helper in cases:
                times = []
                for _ in range(options.repeats):
                    page.goto("about:blank")
                    page.goto(f"{base}/{case.path}")
                    page.wait_for_function(READY)
                    started = time.perf_counter()
                    helper(page, case.value)
                    times.append(time.perf_counter() - started)
                worst = max(times) if worst != worst else max(worst, *times)
                name = helper.__name__
                median = statistics.median(times)
                print(f"{name:<11}{case.id:<44}{fmt(median, 2):>9}{fmt(max(times), 2):>8}")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print_targets(
        [Target(f"slowest call <= {TARGET_S} s", f"{fmt(worst, 2)} s", worst <= TARGET_S)]
    )


if __name__ == "__main__":
    main()
