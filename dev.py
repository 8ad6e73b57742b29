#!/usr/bin/env python3
"""Bootstrap and run otpkit from a fresh checkout: ``python3 dev.py demo`` or ``... test``.

Needs only Python >= 3.10. Idempotent: creates ``.venv``, installs the project with its test
extras when ``pyproject.toml`` changed, makes sure a Chromium is available (Playwright's own if
it can be installed, else Debian's ``chromium`` through apt when running as root), then runs
the demo or the whole test suite (with pytest-xdist, and a redis-server for the coordination
tests). Extra arguments are passed on (to pytest for ``test``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".otpkit-installed"


def say(text: str) -> None:
    print(f"[dev] {text}", flush=True)


def run(*command: str | Path, check: bool = True, **kwargs: object) -> int:
    return subprocess.run([str(c) for c in command], check=check, **kwargs).returncode  # type: ignore[call-overload, no-any-return]


def ensure_venv() -> None:
    if sys.version_info < (3, 10):  # noqa: UP036  (this script is what tells an old Python)
        sys.exit("otpkit needs Python >= 3.10")
    if not PYTHON.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    say("installing otpkit with its test extras")
    run(
        PYTHON,
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "-e",
        ".[test]",
        cwd=ROOT,
    )
    STAMP.write_text(wanted)


def browser_found() -> bool:
    probe = "from otpkit._browser import find_browser; find_browser()"
    return run(PYTHON, "-c", probe, check=False, capture_output=True) == 0


def apt_install(package: str) -> bool:
    """Install a Debian package when running as root on a Debian-like system."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "update", "-qq", env=env)
    run("apt-get", "install", "-y", "-qq", package, env=env)
    return True


def ensure_browser() -> None:
    if browser_found():
        return
    say("installing Playwright's Chromium")
    try:
        run(PYTHON, "-m", "playwright", "install", "chromium", check=False, timeout=300)
    except subprocess.TimeoutExpired:
        say("Playwright's download timed out")
    if browser_found():
        return
    say("Playwright's browser is not available here; trying Debian's chromium")
    apt_install("chromium")
    if not browser_found():
        sys.exit(
            "no Chromium found: install one (python -m playwright install chromium, or your "
            "system's chromium package) or set OTPKIT_BROWSER to its path"
        )


def ensure_redis() -> None:
    """The tests of cross-machine coordination run a real redis-server on loopback."""
    if shutil.which("redis-server") is None:
        say("installing redis-server for the coordination tests")
        apt_install("redis-server")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    command, extra = argv[0], argv[1:]
    ensure_venv()
    ensure_browser()
    if command == "demo":
        return run(BIN / "otpkit", "demo", *extra, check=False, cwd=ROOT)
    ensure_redis()
    # Two workers per core (up to 8): the suite mostly waits on loopback HTTP, deadlines and
    # a browser, so a core per worker leaves them idle (2 cores: 6.4 min with 4, 10 with 2).
    workers = min(8, 2 * (os.cpu_count() or 1))
    return run(PYTHON, "-m", "pytest", "-n", str(workers), *extra, check=False, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
