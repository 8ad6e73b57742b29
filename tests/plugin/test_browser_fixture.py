"""pytest-playwright's ``page`` works with no conftest: the plugin supplies the browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otpkit._browser import launch_options


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=240)


# The README's section 1, against the sandbox's demo site, in a directory with no conftest.py.
README_SUITE = """
from otpkit.playwright import fill_otp, fill_phone


def test_signup(page, phone_number, otp, otp_client):
    page.goto(f"{otp_client.base_url}/demo/signup")
    fill_phone(page, phone_number)
    page.click("text=Send code")
    fill_otp(page, otp())
    page.click("text=Verify")
    page.get_by_role("status").get_by_text("verified").wait_for()
"""

PRINT_ARGS = """
import json

def test_args(browser_type_launch_args):
    print()
    print("ARGS=" + json.dumps(browser_type_launch_args))
"""


def printed_args(result: pytest.RunResult) -> dict[str, object]:
    line = next(line for line in result.outlines if line.startswith("ARGS="))
    args: dict[str, object] = json.loads(line.removeprefix("ARGS="))
    return args


def test_page_fixture_runs_with_no_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(README_SUITE)
    assert not list(Path(pytester.path).glob("conftest.py"))
    result = run(pytester, "--otp-sandbox")
    result.assert_outcomes(passed=1)


def test_launch_args_come_from_launch_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINT_ARGS)
    result = run(pytester, "-s")
    result.assert_outcomes(passed=1)
    args = printed_args(result)
    expected = launch_options()
    assert args.get("executable_path") == expected.get("executable_path")
    assert set(expected["args"]) <= set(args["args"])  # type: ignore[arg-type]


def test_otpkit_browser_wins(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    chrome = pytester.path / "my-chrome"
    chrome.write_text("#!/bin/sh\n")
    chrome.chmod(0o755)
    monkeypatch.setenv("OTPKIT_BROWSER", str(chrome))
    pytester.makepyfile(PRINT_ARGS)
    args = printed_args(run(pytester, "-s"))
    assert args["executable_path"] == str(chrome)


def test_browser_channel_is_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINT_ARGS)
    args = printed_args(run(pytester, "-s", "--browser-channel", "chrome"))
    assert args["channel"] == "chrome"
    assert "executable_path" not in args


def test_other_engines_are_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINT_ARGS)
    args = printed_args(run(pytester, "-s", "--browser", "firefox"))
    assert "executable_path" not in args


def test_a_conftest_fixture_wins(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"headless": True, "executable_path": "/mine/chrome", "args": ["--mine"]}
"""
    )
    pytester.makepyfile(PRINT_ARGS)
    args = printed_args(run(pytester, "-s"))
    assert args == {"headless": True, "executable_path": "/mine/chrome", "args": ["--mine"]}


def test_a_conftest_fixture_can_extend_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "slow_mo": 5}
"""
    )
    pytester.makepyfile(PRINT_ARGS)
    args = printed_args(run(pytester, "-s"))
    assert args["slow_mo"] == 5
    assert args.get("executable_path") == launch_options().get("executable_path")
