"""What having otpkit installed costs a test run that never rents a number.

Run: ``python benchmarks/plugin.py [--tests 1000] [--repeats 7]``

Part 1, plugin overhead: a throwaway directory holds one file of ``--tests`` trivial tests that
use no OTP fixture. ``python -m pytest -q -p no:cacheprovider`` runs it ``--repeats`` times with
the plugin loaded (as ``pip install otpkit`` leaves it, through its ``pytest11`` entry point)
and as many times with it disabled (``-p no:otpkit``), interleaved so that machine noise hits
both alike. The overhead is the difference of the medians of the whole-process wall times
(collection, run, reporting, interpreter start). Target: at most 50 ms.

Part 2, import time: ``python -X importtime -c "import otpkit"`` run ``--repeats`` times; the
cumulative time of the ``otpkit`` line (what ``import otpkit`` costs on top of the interpreter),
median and max. Target: at most 150 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Target, fmt, print_targets

PLUGIN_TARGET_MS = 50.0
IMPORT_TARGET_MS = 150.0


def _environment() -> dict[str, str]:
    # A developer's OTPKIT_* settings (a provider, say) would make the plugin do more.
    return {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}


def _run_suite(directory: Path, plugin: bool) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if not plugin:
        command += ["-p", "no:otpkit"]
    started = time.perf_counter()
    finished = subprocess.run(
        command, cwd=directory, env=_environment(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"the trivial suite failed:\n{finished.stdout[-2000:]}")
    return elapsed * 1000


def plugin_overhead(tests: int, repeats: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (directory / "test_trivial.py").write_text(
            "import pytest\n\n"
            f"@pytest.mark.parametrize('n', range({tests}))\n"
            "def test_trivial(n):\n    assert n >= 0\n"
        )
        (directory / "pytest.ini").write_text("[pytest]\n")
        _run_suite(directory, plugin=True)  # warm the file system cache and .pyc files
        with_plugin, without_plugin = [], []
        for _ in range(repeats):
            with_plugin.append(_run_suite(directory, plugin=True))
            without_plugin.append(_run_suite(directory, plugin=False))
        return with_plugin, without_plugin


def import_times(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        finished = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import otpkit"],
            env=_environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(
            row for row in finished.stderr.splitlines() if row.rstrip().endswith("| otpkit")
        )
        times.append(int(line.split("|")[1]) / 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    with_plugin, without_plugin = plugin_overhead(args.tests, args.repeats)
    overhead = statistics.median(with_plugin) - statistics.median(without_plugin)
    print(f"{args.tests} trivial tests, {args.repeats} runs each (whole pytest process, ms)")
    print(f"{'variant':<22}{'median':>10}{'min':>10}{'max':>10}")
    for name, runs in (("with the plugin", with_plugin), ("-p no:otpkit", without_plugin)):
        print(
            f"{name:<22}{fmt(statistics.median(runs)):>10}{fmt(min(runs)):>10}{fmt(max(runs)):>10}"
        )
    print(f"{'overhead (medians)':<22}{fmt(overhead):>10}")

    imports = import_times(args.repeats)
    print()
    print(f"import otpkit, {args.repeats} runs (cumulative import time, ms)")
    print(f"median {fmt(statistics.median(imports))}   max {fmt(max(imports))}")

    print_targets(
        [
            Target(
                f"plugin overhead on {args.tests} tests <= {PLUGIN_TARGET_MS:g} ms",
                f"{fmt(overhead)} ms",
                overhead <= PLUGIN_TARGET_MS,
            ),
            Target(
                f"import otpkit <= {IMPORT_TARGET_MS:g} ms (median)",
                f"{fmt(statistics.median(imports))} ms",
                statistics.median(imports) <= IMPORT_TARGET_MS,
            ),
        ]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
