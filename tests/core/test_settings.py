"""Bad configuration is one clear line naming the setting and what it accepts: from Settings,
from the console script (exit 2), and from pytest (a usage error)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import otpkit

BAD_VALUES = [
    ("OTPKIT_BUDGET", "nan", "an amount of money, 0 or more"),
    ("OTPKIT_BUDGET", "inf", "an amount of money, 0 or more"),
    ("OTPKIT_BUDGET", "-1", "an amount of money, 0 or more"),
    ("OTPKIT_TIMEOUT", "abc", "a number of seconds above 0"),
    ("OTPKIT_TIMEOUT", "nan", "a number of seconds above 0"),
    ("OTPKIT_TIMEOUT", "-5", "a number of seconds above 0"),
    ("OTPKIT_TIMEOUT", "inf", "a number of seconds above 0"),
    ("OTPKIT_REQUEST_TIMEOUT", "0", "a number of seconds above 0"),
    ("OTPKIT_CALL_TIMEOUT", "nan", "a number of seconds above 0"),
    ("OTPKIT_COORDINATOR_LEASE", "-1", "a number of seconds above 0"),
    ("OTPKIT_SANDBOX_DELAY", "nan", "a number of seconds, 0 or more"),
    ("OTPKIT_MAX_RENTALS", "-2", "a whole number of rentals"),
    ("OTPKIT_RATE_LIMIT", "fast", "a whole number of requests per minute"),
    ("OTPKIT_SANDBOX_THROTTLE", "1.5", "a whole number of requests per minute"),
    ("OTPKIT_SANDBOX", "maybe", "true or false"),
]


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}
    env["OTPKIT_JOURNAL"] = os.environ["OTPKIT_JOURNAL"]
    return {**env, **values}


@pytest.mark.parametrize(("variable", "value", "accepts"), BAD_VALUES)
def test_each_bad_value_is_one_configuration_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, accepts: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(otpkit.ConfigurationError) as caught:
        otpkit.Settings()
    message = str(caught.value)
    assert message.startswith(f"{variable} must be {accepts}")
    assert message.endswith(f"got {value!r}") and "\n" not in message
    assert "pydantic" not in message


def test_a_bad_value_in_code_is_refused_too() -> None:
    with pytest.raises(otpkit.ConfigurationError, match="OTPKIT_TIMEOUT must be"):
        otpkit.Settings(timeout=float("nan"))


def test_a_bad_secret_setting_never_shows_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(otpkit.ConfigurationError) as caught:
        otpkit.Settings(api_key=["not", "a", "hunter2-string"])  # type: ignore[arg-type]
    assert str(caught.value).startswith("OTPKIT_API_KEY must be valid")
    assert "hunter2" not in str(caught.value)


def test_provider_names_are_stripped_and_lowercased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTPKIT_PROVIDER", " JesusNumber ")
    monkeypatch.setenv("OTPKIT_API_KEY", "the-key")
    settings = otpkit.Settings()
    assert settings.provider == "jesusnumber"
    assert settings.api_key_for("jesusnumber") == "the-key"
    with otpkit.connect(settings=settings, base_url="http://127.0.0.1:9", journal=False) as c:
        assert c.provider_name == "jesusnumber"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "otpkit.cli", *args],
        env={**env, "COLUMNS": "60"},  # narrow: the line must not be wrapped
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(("variable", "value", "accepts"), BAD_VALUES[:6])
def test_the_cli_says_one_line_and_exits_2(variable: str, value: str, accepts: str) -> None:
    env = clean_env(**{variable: value}, OTPKIT_PROVIDER="jesusnumber", OTPKIT_API_KEY="k")
    done = cli(env, "balance")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {variable} must be {accepts}")
    assert line.endswith(f"got {value!r}")


@pytest.mark.parametrize("timeout", ["-5", "nan", "0", "abc"])
def test_the_cli_refuses_a_timeout_that_would_end_at_once(timeout: str) -> None:
    done = cli(clean_env(), "wait", "123", "--timeout", timeout)
    assert done.returncode == 2
    assert f"argument --timeout: must be a number of seconds above 0, got {timeout!r}" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def test_the_cli_finds_the_key_of_a_padded_provider_name() -> None:
    env = clean_env(OTPKIT_PROVIDER=" jesusnumber ", OTPKIT_API_KEY="k")
    done = cli(env, "--version")
    assert done.returncode == 0
    # Against nothing listening: the key was found, so the failure is the connection's.
    done = cli(
        {**env, "OTPKIT_BASE_URL": "http://127.0.0.1:9", "OTPKIT_CALL_TIMEOUT": "1"}, "balance"
    )
    assert done.returncode == 2 and "API key" not in done.stderr


PROBE = "def test_x(phone_number): pass\n"


@pytest.mark.parametrize(
    ("env", "flags", "line"),
    [
        ({"OTPKIT_BUDGET": "nan"}, [], "OTPKIT_BUDGET must be an amount of money*got 'nan'"),
        ({"OTPKIT_TIMEOUT": "abc"}, [], "OTPKIT_TIMEOUT must be a number of seconds above 0*"),
        ({}, ["--otp-timeout", "-5"], "--otp-timeout / otp_timeout must be a number of sec*-5*"),
        ({}, ["--otp-budget", "inf"], "--otp-budget / otp_budget must be an amount of money*"),
        ({}, ["--otp-max-rentals", "x"], "--otp-max-rentals / otp_max_rentals must be a whole*"),
    ],
    ids=["env-budget", "env-timeout", "flag-timeout", "flag-budget", "flag-max-rentals"],
)
def test_pytest_says_one_usage_error_line(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    flags: list[str],
    line: str,
) -> None:
    monkeypatch.setenv("OTPKIT_PROVIDER", "jesusnumber")
    monkeypatch.setenv("OTPKIT_API_KEY", "k")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *flags, timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: otpkit: {line}"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
