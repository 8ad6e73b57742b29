"""The app under test sends the SMS: where the sandbox is, ``otp_sandbox``, ``sandbox_sms``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("_short_stand_in")


@pytest.fixture
def _short_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # The stand-in SMS comes 0.3 s after renting: a wait of 1.5 s in vain proves it was off.
    monkeypatch.setenv("OTPKIT_SANDBOX_DELAY", "0.3")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=240)


APP_SENDS = """
import os, subprocess, sys
import pytest
import otpkit
from twilio.rest import Client

def send(to, body):
    # What the app under test does, configured by the environment it inherits.
    twilio = Client("AC" + "0" * 32, "token")
    twilio.api.base_url = os.environ["OTPKIT_SANDBOX_URL"]
    return twilio.messages.create(to=to, from_="+15005550006", body=body)

@pytest.mark.otp(sandbox_sms=False)
def test_jesusnumber(phone_number, otp):
    send(phone_number, "Your Acme code is 314159")
    assert otp() == "314159"
    assert otp.message().text == "Your Acme code is 314159"

@pytest.mark.otp(provider="sanalnumara", product="google", country="Germany", sandbox_sms=False)
def test_sanalnumara(phone_number, otp):
    send(phone_number, "Your Acme code is 271828")
    assert otp() == "271828"

@pytest.mark.otp(sandbox_sms=False, timeout=1.5)
def test_no_stand_in(phone_number, otp):
    with pytest.raises(otpkit.CodeTimeoutError):
        otp()
    assert phone_number.rental.messages() == []

def test_the_stand_in_is_on_by_default(phone_number, otp):
    assert otp(timeout=5).isdigit()

@pytest.mark.otp(sandbox_sms=False)
def test_otp_sandbox_is_the_runs_sandbox(otp_sandbox, phone_number, otp):
    assert otp_sandbox.base_url == os.environ["OTPKIT_SANDBOX_URL"]
    otp_sandbox.deliver_to_number(phone_number, "Your code is 112358")
    assert otp() == "112358"

def test_an_app_the_tests_start_inherits_the_url(otp_sandbox):
    shown = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ['OTPKIT_SANDBOX_URL'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert shown == otp_sandbox.base_url
"""


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "two workers"])
def test_the_app_texts_the_rented_numbers(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makepyfile(APP_SENDS)
    result = run(pytester, "--otp-sandbox", *workers)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["sandbox jesusnumber:*open rentals 0, double refunds 0"])


NO_STAND_IN = """
import pytest
import otpkit

@pytest.mark.otp(timeout=1.5)
def test_no_stand_in(phone_number, otp):
    with pytest.raises(otpkit.CodeTimeoutError):
        otp()
    assert phone_number.rental.messages() == []
"""


@pytest.mark.parametrize("how", ["flag", "ini", "env"])
def test_the_stand_in_turned_off_for_the_whole_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pytester.makepyfile(NO_STAND_IN)
    args = ["--otp-sandbox"]
    if how == "flag":
        args.append("--no-otp-sandbox-sms")
    elif how == "ini":
        pytester.makeini("[pytest]\notp_sandbox_sms = false\n")
    else:
        monkeypatch.setenv("OTPKIT_SANDBOX_SMS", "0")
    run(pytester, *args).assert_outcomes(passed=1)


def test_the_command_line_turns_it_back_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_code(phone_number, otp):\n    assert otp(timeout=5)\n")
    pytester.makeini("[pytest]\notp_sandbox_sms = false\n")
    run(pytester, "--otp-sandbox", "--otp-sandbox-sms").assert_outcomes(passed=1)


def test_otp_sandbox_without_the_sandbox_is_one_clear_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(otp_sandbox): pass")
    result = run(pytester, "--otp-provider", "jesusnumber")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*otpkit: otp_sandbox needs the sandbox: run pytest with "
            "--otp-sandbox (or set OTPKIT_SANDBOX=1)*"
        ]
    )


def test_sandbox_sms_takes_a_bool(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n@pytest.mark.otp(sandbox_sms='no')\ndef test_x(phone_number): pass\n"
    )
    result = run(pytester, "--otp-sandbox")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.otp(sandbox_sms=...) takes True or False*"])


def test_a_sandbox_asked_for_in_dotenv_is_exported_too(pytester: pytest.Pytester) -> None:
    (pytester.path / ".env").write_text("OTPKIT_SANDBOX=1\n")
    pytester.makepyfile(
        "import os\n"
        "def test_x(otp_sandbox):\n"
        "    assert os.environ['OTPKIT_SANDBOX_URL'] == otp_sandbox.base_url\n"
    )
    run(pytester).assert_outcomes(passed=1)
