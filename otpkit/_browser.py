"""Which Chromium to drive: an explicit one, Playwright's own, or one the system already has.

Nothing here launches a process; the checks only look at files, so they are cheap and safe to run
at import or collection time.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from otpkit._errors import ConfigurationError

__all__ = ["BROWSER_ENV", "find_browser", "launch_options"]

BROWSER_ENV = "OTPKIT_BROWSER"

# Commands tried on PATH, then fixed locations, in this order. Snap comes late on purpose: its
# confinement breaks the temporary profile directories Playwright hands to the browser.
_SYSTEM_COMMANDS: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
_SYSTEM_PATHS: tuple[str, ...] = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)

# Where Playwright unpacks its builds, relative to "<browsers dir>/<name>-<revision>/" (mirrors
# EXECUTABLE_PATHS in Playwright's registry). Keys are "<os>-<arch>" as computed by _platform_key.
_BUNDLED_LAYOUT: dict[str, dict[str, tuple[str, ...]]] = {
    "chromium": {
        "linux-x64": ("chrome-linux64", "chrome"),
        "linux-arm64": ("chrome-linux-arm64", "chrome"),
        "mac-x64": (
            "chrome-mac-x64",
            "Google Chrome for Testing.app",
            "Contents",
            "MacOS",
            "Google Chrome for Testing",
        ),
        "mac-arm64": (
            "chrome-mac-arm64",
            "Google Chrome for Testing.app",
            "Contents",
            "MacOS",
            "Google Chrome for Testing",
        ),
        "win-x64": ("chrome-win64", "chrome.exe"),
    },
    "chromium-headless-shell": {
        "linux-x64": ("chrome-headless-shell-linux64", "chrome-headless-shell"),
        "linux-arm64": ("chrome-headless-shell-linux-arm64", "chrome-headless-shell"),
        "mac-x64": ("chrome-headless-shell-mac-x64", "chrome-headless-shell"),
        "mac-arm64": ("chrome-headless-shell-mac-arm64", "chrome-headless-shell"),
        "win-x64": ("chrome-headless-shell-win64", "chrome-headless-shell.exe"),
    },
}

# Keep a system browser quiet: on closed networks its background fetches (updates, sync,
# field trials, QUIC probes) are refused and slow start-up down; none of them matter to a test.
_QUIET_ARGS: tuple[str, ...] = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_INSTALL_HINT = (
    "otpkit needs a Chromium to drive. Install Playwright's build with "
    "`python -m playwright install chromium`, or a system one (`apt-get install chromium`, "
    "Google Chrome), or set OTPKIT_BROWSER to the path of a Chromium/Chrome executable."
)


def find_browser(*, headless: bool = True) -> str | None:
    """The Chromium executable to launch, or None to let Playwright use its bundled build.

    Order: ``$OTPKIT_BROWSER`` (must exist), Playwright's installed Chromium, then a system
    Chromium/Chrome on PATH or in the usual places. Raises ConfigurationError when there is none.

        >>> from otpkit._browser import find_browser
        >>> path = find_browser()  # e.g. None, or "/usr/bin/chromium"
    """
    override = os.environ.get(BROWSER_ENV, "").strip()
    if override:
        return _explicit_browser(override)
    bundled = _bundled_browser(headless=headless)
    if bundled is not None:
        # Playwright finds its own default build itself; only a fallback build needs a path.
        return None if bundled == "default" else bundled
    system = _system_browser()
    if system is not None:
        return system
    raise ConfigurationError(f"No Chromium found. {_INSTALL_HINT}")


def launch_options(headless: bool = True) -> dict[str, Any]:
    """Keyword arguments for ``playwright.chromium.launch(**...)`` using :func:`find_browser`.

    >>> from otpkit.playwright import launch_options
    >>> options = launch_options()
    >>> options["headless"]
    True
    """
    executable = find_browser(headless=headless)
    args = list(_QUIET_ARGS)
    # Chromium refuses to start its sandbox as root, and distribution builds inside containers
    # usually lack the user namespaces it needs; Playwright's own build is launched unsandboxed
    # by Playwright already.
    if executable is not None or _running_as_root():
        args.append("--no-sandbox")
    options: dict[str, Any] = {"headless": headless, "args": args}
    if executable is not None:
        options["executable_path"] = executable
    return options


def _explicit_browser(value: str) -> str:
    path = Path(value).expanduser()
    if path.is_file():
        return str(path)
    on_path = shutil.which(value)
    if on_path is not None:
        return on_path
    raise ConfigurationError(
        f"{BROWSER_ENV} is set to {value!r}, which does not exist. "
        "Point it to a Chromium/Chrome executable, or unset it to let otpkit find one."
    )


def _bundled_browser(*, headless: bool) -> str | None:
    """Playwright's own Chromium for this mode: ``"default"`` when the build Playwright picks by
    itself is installed, the full build's path when only that one is, None when neither is."""
    browsers_dir = _playwright_browsers_dir()
    revisions = _playwright_revisions()
    key = _platform_key()
    if browsers_dir is None or key is None:
        return None
    # Headless launches use the headless shell since Playwright 1.49, headed ones the full build.
    # The full build also runs headless when named explicitly, so it may stand in for a missing
    # shell; the shell cannot show a window, so it never stands in for the full build.
    if headless:
        if _bundled_executable(browsers_dir, "chromium-headless-shell", revisions, key):
            return "default"
        return _bundled_executable(browsers_dir, "chromium", revisions, key)
    return "default" if _bundled_executable(browsers_dir, "chromium", revisions, key) else None


def _bundled_executable(
    browsers_dir: Path, name: str, revisions: dict[str, str], key: str
) -> str | None:
    layout = _BUNDLED_LAYOUT[name].get(key)
    revision = revisions.get(name)
    if layout is None or revision is None:
        return None
    candidate = browsers_dir.joinpath(f"{name.replace('-', '_')}-{revision}", *layout)
    return str(candidate) if candidate.is_file() else None


def _playwright_browsers_dir() -> Path | None:
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if configured == "0":
        package = _playwright_package_dir()
        return package / ".local-browsers" if package is not None else None
    if configured:
        return Path(configured).expanduser().resolve()
    if sys.platform == "darwin":
        cache = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32":
        cache = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ms-playwright"


def _playwright_package_dir() -> Path | None:
    try:
        import playwright
    except ImportError:
        return None
    return Path(playwright.__file__).parent / "driver" / "package"


def _playwright_revisions() -> dict[str, str]:
    """The Chromium revisions the installed Playwright expects (read from its browsers.json)."""
    package = _playwright_package_dir()
    if package is None:
        return {}
    try:
        data = json.loads((package / "browsers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    revisions: dict[str, str] = {}
    for entry in data.get("browsers", []):
        if isinstance(entry, dict) and entry.get("name") in _BUNDLED_LAYOUT:
            revisions[str(entry["name"])] = str(entry.get("revision", ""))
    return revisions


def _platform_key() -> str | None:
    machine = platform.machine().lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "x64"
    if sys.platform.startswith("linux"):
        return f"linux-{arch}"
    if sys.platform == "darwin":
        return f"mac-{arch}"
    if sys.platform == "win32":
        return "win-x64"
    return None


def _system_browser() -> str | None:
    for command in _SYSTEM_COMMANDS:
        found = shutil.which(command)
        if found is not None:
            return found
    for candidate in _SYSTEM_PATHS:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _running_as_root() -> bool:
    geteuid = getattr(os, "geteuid", None)
    return geteuid is not None and geteuid() == 0
