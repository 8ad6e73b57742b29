"""Which Chromium otpkit launches: $OTPKIT_BROWSER > Playwright's build > system > error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from otpkit import _browser
from otpkit._browser import find_browser, launch_options
from otpkit._errors import ConfigurationError


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def _bundled(browsers: Path, name: str) -> Path:
    """Lay out a fake installed Playwright build the way `playwright install` does."""
    revision = _browser._playwright_revisions()[name]
    key = _browser._platform_key()
    assert key is not None
    layout = _browser._BUNDLED_LAYOUT[name][key]
    return _executable(browsers.joinpath(f"{name.replace('-', '_')}-{revision}", *layout))


@pytest.fixture
def no_browsers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A machine with nothing installed: empty Playwright cache, nothing on PATH or disk."""
    browsers = tmp_path / "ms-playwright"
    browsers.mkdir()
    monkeypatch.delenv(_browser.BROWSER_ENV, raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(browsers))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(_browser, "_SYSTEM_PATHS", ())
    return browsers


def test_env_override_wins_over_everything(
    no_browsers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bundled(no_browsers, "chromium-headless-shell")
    chrome = _executable(tmp_path / "custom" / "chrome")
    monkeypatch.setenv("OTPKIT_BROWSER", str(chrome))
    assert find_browser() == str(chrome)
    options = launch_options()
    assert options["executable_path"] == str(chrome)
    assert "--no-sandbox" in options["args"]


def test_env_override_to_a_missing_path_is_an_error(
    no_browsers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTPKIT_BROWSER", "/nowhere/chrome")
    with pytest.raises(ConfigurationError, match=r"OTPKIT_BROWSER .*does not exist"):
        find_browser()


def test_playwright_build_comes_before_the_system_one(
    no_browsers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bundled(no_browsers, "chromium-headless-shell")
    _bundled(no_browsers, "chromium")
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/chromium")
    assert find_browser() is None  # Playwright finds its own build
    assert find_browser(headless=False) is None
    options = launch_options()
    assert "executable_path" not in options
    assert options["headless"] is True


def test_full_playwright_build_stands_in_for_a_missing_headless_shell(no_browsers: Path) -> None:
    full = _bundled(no_browsers, "chromium")
    assert find_browser() == str(full)


def test_headless_shell_alone_cannot_run_headed(
    no_browsers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bundled(no_browsers, "chromium-headless-shell")
    system = _executable(tmp_path / "bin" / "chromium")
    monkeypatch.setattr(_browser, "_SYSTEM_PATHS", (str(system),))
    assert find_browser() is None
    assert find_browser(headless=False) == str(system)


def test_system_browser_on_path_in_order(
    no_browsers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = {"google-chrome": "/opt/bin/google-chrome", "chromium-browser": "/opt/bin/cb"}
    monkeypatch.setattr(shutil, "which", on_path.get)
    assert find_browser() == "/opt/bin/cb"  # chromium-browser is tried before google-chrome


def test_system_browser_at_a_usual_path(
    no_browsers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = _executable(tmp_path / "usr" / "bin" / "chromium")
    monkeypatch.setattr(_browser, "_SYSTEM_PATHS", ("/nowhere/chromium", str(system)))
    assert find_browser() == str(system)
    options = launch_options(headless=False)
    assert options["executable_path"] == str(system)
    assert options["headless"] is False
    assert {"--no-sandbox", "--disable-background-networking", "--disable-quic"} <= set(
        options["args"]
    )


def test_no_browser_at_all_says_how_to_install_one(no_browsers: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        find_browser()
    message = str(caught.value)
    assert "python -m playwright install chromium" in message
    assert "apt-get install chromium" in message
    assert "OTPKIT_BROWSER" in message


@pytest.mark.parametrize("root", [True, False])
def test_sandbox_is_off_for_root_with_playwright_build(
    no_browsers: Path, monkeypatch: pytest.MonkeyPatch, root: bool
) -> None:
    _bundled(no_browsers, "chromium-headless-shell")
    monkeypatch.setattr(_browser, "_running_as_root", lambda: root)
    assert ("--no-sandbox" in launch_options()["args"]) is root
