"""The delivery model set from outside: command lines, OTPKIT_SANDBOX_*, the pytest plugin."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import otpkit
from otpkit.sandbox import DeliveryModel, DeliveryRule, Sandbox, attach
from pytest_plugin._run import SharedRun


@contextmanager
def serving(
    command: list[str], ready: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[Sandbox, list[str]]]:
    """A sandbox process started by ``command`` (which writes ``ready``), stopped by SIGINT;
    its output is in the list once the block ends."""
    output: list[str] = []
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the sandbox did not write its ready file"
            time.sleep(0.02)
        with attach(ready.read_text()) as sandbox:
            yield sandbox, output
        process.send_signal(signal.SIGINT)
        output.extend(process.communicate(timeout=10))
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX-only")
def test_otpkit_sandbox_takes_env_variables_and_its_flags_win(tmp_path: Path) -> None:
    ready = tmp_path / "sandbox.url"
    env = {
        **os.environ,
        "OTPKIT_SANDBOX_DEAD_RATE": "1,sanalnumara/google/Turkey=0.1",
        "OTPKIT_SANDBOX_PROFILE": "real-world",
        "OTPKIT_SANDBOX_SEED": "8",
    }
    command = [sys.executable, "-m", "otpkit.cli", "sandbox", "--port", "0"]
    command += ["--ready-file", str(ready), "--dead-rate", "0.25"]
    command += ["--refused-rate", "jesusnumber/whatsapp=0.5"]
    with serving(command, ready, env) as (sandbox, _):
        assert sandbox.delivery() == DeliveryModel(
            dead_rate=0.25,
            profile="real-world",
            overrides={
                "sanalnumara/google/Turkey": DeliveryRule(dead_rate=0.1),
                "jesusnumber/whatsapp": DeliveryRule(refused_rate=0.5),
            },
        )


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX-only")
def test_module_entry_point_takes_the_flags_and_shows_them(tmp_path: Path) -> None:
    ready = tmp_path / "sandbox.url"
    command = [sys.executable, "-m", "otpkit.sandbox", "--port", "0", "--ready-file", str(ready)]
    command += ["--dead-rate", "0.3,sanalnumara/google/Germany=0.6", "--refused-rate", "0.1"]
    command += ["--profile", "real-world", "--seed", "4"]
    with serving(command, ready) as (sandbox, output):
        model = sandbox.delivery()
        assert (model.dead_rate, model.refused_rate, model.profile) == (0.3, 0.1, "real-world")
        assert model.overrides == {"sanalnumara/google/Germany": DeliveryRule(dead_rate=0.6)}
    out, err = output
    assert "dead numbers 30%; refused numbers 10% (1 override(s))" in out
    assert err == ""


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--dead-rate", "2"], "not a rate between 0 and 1"),
        (["--profile", "slow"], "not a delay profile"),
        (["--refused-rate", "sanalnumara/google/Atlantis=0.5"], "matches no product"),
    ],
)
@pytest.mark.parametrize("entry", [["otpkit.sandbox"], ["otpkit.cli", "sandbox"]])
def test_wrong_flags_are_one_clear_error(entry: list[str], flags: list[str], said: str) -> None:
    command = [sys.executable, "-m", *entry, "--port", "0", *flags]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert said in " ".join(done.stderr.split())  # rich wraps long lines
    assert "Traceback" not in done.stderr


def test_settings_read_the_sandbox_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTPKIT_SANDBOX_DEAD_RATE", "0.3,sanalnumara/google/Turkey=0.6")
    monkeypatch.setenv("OTPKIT_SANDBOX_REFUSED_RATE", "0.05")
    monkeypatch.setenv("OTPKIT_SANDBOX_PROFILE", "real-world")
    monkeypatch.setenv("OTPKIT_SANDBOX_SEED", "12")
    settings = otpkit.Settings()
    assert settings.sandbox_dead_rate == "0.3,sanalnumara/google/Turkey=0.6"
    assert (settings.sandbox_refused_rate, settings.sandbox_profile) == ("0.05", "real-world")
    assert settings.sandbox_seed == 12
    monkeypatch.setenv("OTPKIT_SANDBOX_DEAD_RATE", "30%")
    with pytest.raises(otpkit.ConfigurationError, match="OTPKIT_SANDBOX_DEAD_RATE"):
        otpkit.Settings()


def test_the_plugins_shared_sandbox_gets_the_delivery_model(tmp_path: Path) -> None:
    run = SharedRun(tmp_path)
    try:
        started = run.sandbox(
            1.0,
            None,
            dead_rate="1,jesusnumber=0.5",
            refused_rate="0.2",
            profile="real-world",
            seed=3,
        )
        with attach(started["url"]) as sandbox:
            assert sandbox.delivery() == DeliveryModel(
                dead_rate=1.0,
                refused_rate=0.2,
                profile="real-world",
                overrides={"jesusnumber": DeliveryRule(dead_rate=0.5)},
            )
    finally:
        run.stop()


def test_a_suite_on_dead_numbers_times_out_and_refunds(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTPKIT_SANDBOX_DELAY", "0.2")  # would text every number fast...
    monkeypatch.setenv("OTPKIT_SANDBOX_DEAD_RATE", "1")  # ...but none of them receives
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.otp(timeout=1.0)
        def test_waits_in_vain(phone_number, otp):
            otp()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--otp-sandbox", timeout=120)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "jesusnumber: 1 rentals, 0 codes received, 1 refunded*",
            "sandbox jesusnumber:*open rentals 0*",
        ]
    )
