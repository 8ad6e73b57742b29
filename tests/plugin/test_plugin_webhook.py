"""``--otp-webhook``: the run's receiver refuses an open bind without a secret, and hands its
inbox token to xdist workers through the run's owner-only state only."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("_quick_sandbox")


@pytest.fixture
def _quick_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTPKIT_SANDBOX_DELAY", "0.3")
    monkeypatch.delenv("OTPKIT_WEBHOOK_SECRET", raising=False)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=240)


def test_an_open_bind_without_a_secret_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(phone_number): pass")
    result = run(pytester, "--otp-sandbox", "--otp-webhook", "0.0.0.0:8765")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: otpkit: --otp-webhook 0.0.0.0:8765: listening on 0.0.0.0 reaches beyond this "
            "machine: set OTPKIT_WEBHOOK_SECRET*"
        ]
    )
    assert "Traceback" not in result.stderr.str()


PUSHED = """
import os, stat
import httpx
from otpkit._push import PushInbox

def test_push_reaches_a_worker(phone_number, otp, otp_session):
    assert otp()
    receiver = otp_session.run.state()["webhook"]
    state = otp_session.run.directory / "otpkit-run.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    order = receiver["inbox"] + "/" + phone_number.rental.id
    # The worker's inbox holds the SMS the sandbox pushed; only the token opens it.
    inbox = otp_session.client(None).push
    assert isinstance(inbox, PushInbox) and inbox.messages(phone_number.rental.id)
    assert httpx.get(order).status_code == 401
    assert httpx.get(order, headers={"Authorization": "Bearer " + os.environ.get(
        "OTPKIT_WEBHOOK_SECRET", "none")}).status_code == 401
    opened = httpx.get(order, headers={"Authorization": "Bearer " + receiver["inbox_token"]})
    assert opened.status_code == 200 and opened.json()["messages"]

test_push_on_another_worker = test_push_reaches_a_worker
"""


@pytest.mark.slow
def test_workers_read_the_inbox_with_its_token(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTPKIT_WEBHOOK_SECRET", "the-callback-secret")
    pytester.makepyfile(PUSHED)
    result = run(pytester, "--otp-sandbox", "--otp-webhook", "127.0.0.1:0", "-n", "2")
    result.assert_outcomes(passed=2)
