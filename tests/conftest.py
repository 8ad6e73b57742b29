"""Every test starts from a clean otpkit configuration and its own rental journal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

#: Test files whose module fixtures are worth setting up once per run: under xdist each of these
#: runs on one worker, instead of every worker taking one of its tests starting them again
#: (tests/demo/test_commands.py: six processes, each with a Chromium; the Playwright tests: a
#: Chromium per module).
ONE_WORKER_FILES = frozenset(
    {
        "tests/demo/test_commands.py",
        "tests/demo/test_site_browser.py",
        "tests/playwright/test_playwright_async.py",
        "tests/playwright/test_playwright_sync.py",
        "tests/playwright/test_widgets_async.py",
        "tests/playwright/test_widgets_sync.py",
    }
)


@pytest.fixture(autouse=True)
def _isolated_otpkit_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The developer's own OTPKIT_* settings (and a real API key) must never reach a test.
    for name in list(os.environ):
        if name.startswith("OTPKIT_") and name != "OTPKIT_BROWSER":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read either
    monkeypatch.setenv("OTPKIT_JOURNAL", str(tmp_path / "journal.sqlite3"))


@pytest.fixture(autouse=True)
def _no_hypothesis_in_the_runs_tests_start(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pytest runs a test starts (pytester, the example suites, their xdist workers) need no
    # Hypothesis: its plugin's import is most of a bare pytest's start (0.8 of 1.9 s of CPU).
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")  # which clears PYTEST_ADDOPTS: set it after
    addopts = os.environ.get("PYTEST_ADDOPTS", "")
    monkeypatch.setenv("PYTEST_ADDOPTS", f"{addopts} -p no:hypothesispytest".strip())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The slow end-to-end cases first (a stable sort: the rest keep their order), so that under
    # xdist the longest ones start at once on every worker instead of ending the run alone.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n N``'s scheduling, test by test, except that each of ``ONE_WORKER_FILES`` is one unit.

    (xdist's own ``--dist loadgroup`` groups nothing under pytest 9: it renames
    ``item._nodeid``, which pytest 9 no longer reads.)"""
    if config.getoption("dist") != "load":
        return None  # a --dist the user chose
    from xdist.scheduler import LoadScopeScheduling

    # Units in collection order (slow ones first), not those of the most tests first.
    config.option.loadscopereorder = False

    class OneWorkerFiles(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return file if file in ONE_WORKER_FILES else nodeid

    return OneWorkerFiles(config, log)


pytest_plugins = ["pytester"]
