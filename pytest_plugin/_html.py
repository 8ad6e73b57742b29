"""pytest-html: each test's rentals as tables in its extras, the otpkit summary in the report's.

Registered (from ``pytest_configure``) only when pytest-html (4 or later) is loaded: its hooks
exist only then, and nothing of pytest-html is imported otherwise. Everything shown is escaped:
an SMS is written by outsiders, and the report is a page a browser runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import pytest

from pytest_plugin._records import RentalRecord, RentFailure
from pytest_plugin._story import failure_lines, timeline, told

__all__ = ["add_extras", "pytest_html_results_summary", "tables", "wanted"]


def wanted(config: pytest.Config) -> bool:
    """Whether this run writes a pytest-html report (pytest-html loads even when it does not)."""
    return config.pluginmanager.hasplugin("otpkit-html") and bool(
        config.getoption("htmlpath", default=None)
    )


def _table(title: str, record: RentalRecord) -> str:
    rows = "".join(
        f"<tr><td>{escape(line.at)}</td><td>{escape(line.what)}</td>"
        f"<td>{escape(line.detail)}</td></tr>"
        for line in timeline(record)
    )
    return (
        '<table class="otpkit-timeline">'
        f"<caption>{escape(title)}</caption>"
        "<thead><tr><th>when</th><th>what</th><th>detail</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def tables(records: Sequence[RentalRecord], failures: Sequence[RentFailure] = ()) -> str:
    """One test's rentals, a table each (its headline as caption), then what it could not rent."""
    shown = [_table(title, record) for title, record in told(records)]
    shown += [f"<p>{escape(line)}</p>" for line in failure_lines(records, failures)]
    return f'<div class="otpkit-rentals"><h4>otpkit: rented numbers</h4>{"".join(shown)}</div>'


def add_extras(
    report: pytest.TestReport,
    records: Sequence[RentalRecord],
    failures: Sequence[RentFailure] = (),
) -> None:
    """Add the test's tables to ``report``'s pytest-html extras (its teardown report: pytest-html
    shows the extras of every report of the test)."""
    from pytest_html import extras

    shown = [*getattr(report, "extras", []), extras.html(tables(records, failures))]
    report.extras = shown  # type: ignore[attr-defined]


def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    """The otpkit summary (money, verdicts) above pytest-html's own."""
    from pytest_plugin._summary import summary_lines

    try:
        lines = summary_lines(session.config)
    except Exception as error:  # a summary must never fail the run
        lines = [f"(summary unavailable: {error})"]
    if lines:
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        prefix.append(f'<div class="otpkit-summary"><h3>otpkit</h3><ul>{items}</ul></div>')
