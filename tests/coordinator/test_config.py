"""Switching the coordinator on: lazily, with the CI's run id, and without showing secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import otpkit
from otpkit._redis import Coordinator, RedisJournal, RedisPushInbox, RedisRequestLimiter, RedisSlots
from otpkit._run_id import ci_run_id
from pytest_plugin._options import OPTIONS


def test_redis_is_imported_only_when_a_coordinator_is_configured() -> None:
    code = (
        "import sys, otpkit, otpkit.webhook\n"
        "otpkit.connect('jesusnumber', api_key='k', base_url='http://127.0.0.1:9').close()\n"
        "otpkit.CoordinatorError, otpkit.CoordinatorWarning\n"
        "assert 'redis' not in sys.modules, sorted(m for m in sys.modules if 'redis' in m)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}
    env["OTPKIT_JOURNAL"] = os.environ["OTPKIT_JOURNAL"]
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


def test_a_coordinator_switches_every_shared_mechanism_to_redis(
    coordinator_url: str, tmp_path: Path
) -> None:
    settings = otpkit.Settings(
        coordinator=coordinator_url,
        rate_limit=58,
        max_rentals=4,
        push_url="http://receiver.example/_otpkit/inbox",
    )
    with otpkit.connect(
        "jesusnumber", api_key="k", base_url="http://127.0.0.1:9", settings=settings
    ) as client:
        policy = client.policy
        assert isinstance(policy.journal, RedisJournal)
        assert isinstance(policy.limiter, RedisRequestLimiter)
        assert isinstance(policy.slots, RedisSlots)
        assert isinstance(policy.push, RedisPushInbox)
        assert policy.journal.path == Path(os.environ["OTPKIT_JOURNAL"])  # the local record


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "2"}, "github-123-2"),
        ({"CI_PIPELINE_ID": "77"}, "gitlab-77"),
        ({"BUILDKITE_BUILD_ID": "b-1"}, "buildkite-b-1"),
        ({"CIRCLE_WORKFLOW_ID": "wf"}, "circleci-wf"),
        ({"OTPKIT_RUN_ID": "mine", "CI_PIPELINE_ID": "77"}, "mine"),
        ({"GITHUB_RUN_ID": "123"}, None),  # half a GitHub id is no id
        ({}, None),
    ],
)
def test_the_run_id_comes_from_the_ci(env: dict[str, str], expected: str | None) -> None:
    assert ci_run_id(env) == expected


def test_a_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(otpkit.ConfigurationError, match="must be a redis:// URL"):
        Coordinator("http://127.0.0.1:6379/0")


def test_a_password_in_the_url_is_never_shown(tmp_path: Path) -> None:
    url = "redis://:hunter2-coordinator@127.0.0.1:9/0"  # nothing listens there
    with pytest.raises(otpkit.CoordinatorError) as failed:
        Coordinator.shared(url)
    assert "hunter2" not in str(failed.value) and "redis://127.0.0.1:9/0" in str(failed.value)
    settings = otpkit.Settings(coordinator=url)
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in repr(Coordinator(url))


def test_the_plugin_has_the_option() -> None:
    (option,) = [o for o in OPTIONS if o.name == "coordinator"]
    assert (option.flag, option.ini) == ("--otp-coordinator", "otp_coordinator")


def test_an_empty_coordinator_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTPKIT_COORDINATOR", "")
    with otpkit.connect("jesusnumber", api_key="k", base_url="http://127.0.0.1:9") as client:
        assert isinstance(client.policy.journal, otpkit.Journal)
