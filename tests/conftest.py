"""Every test starts from a clean otpkit configuration and its own rental journal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_otpkit_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The developer's own OTPKIT_* settings (and a real API key) must never reach a test.
    for name in list(os.environ):
        if name.startswith("OTPKIT_") and name != "OTPKIT_BROWSER":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read either
    monkeypatch.setenv("OTPKIT_JOURNAL", str(tmp_path / "journal.sqlite3"))


pytest_plugins = ["pytester"]
