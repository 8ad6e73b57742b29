"""Whether the pytest-html this run loaded is one ``pytest_plugin._html`` works with.

Apart from ``_html`` so that deciding imports neither it nor pytest-html: pytest-html 4 passes
``session`` to ``pytest_html_results_summary`` and reads ``report.extras``; pytest-html 3 did
neither, and a hook taking an argument pytest-html does not pass is refused by pytest.
"""

from __future__ import annotations

from importlib import metadata

import pytest

__all__ = ["html_supported"]


def html_supported(config: pytest.Config) -> bool:
    if not config.pluginmanager.hasplugin("html"):
        return False
    try:
        major = metadata.version("pytest-html").split(".")[0]
    except metadata.PackageNotFoundError:  # loaded from a checkout, say: assume it is current
        return True
    return not major.isdigit() or int(major) >= 4
