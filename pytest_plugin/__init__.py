"""otpkit's pytest plugin: ``phone_number`` and ``otp`` fixtures (registered through ``pytest11``).

.. code-block:: python

    def test_signup(page, phone_number, otp):
        page.fill("#phone", phone_number)
        page.click("text=Send code")
        page.fill("#code", otp())

Each test's rentals are told where users look, from one record per number
(``_records.RentalRecord``) rendered by one renderer (``_story``), once the test's teardown has
settled them (``_settled``): the failure section of the terminal report, pytest-html's extras
and summary (``_html``, when pytest-html is loaded), JUnit XML properties, ``--otp-report``
(``_report``), and the terminal summary's money and verdicts (``_summary``).

Nothing here imports otpkit until a fixture needs it, so runs that use no OTP fixture pay
almost nothing for the plugin being installed.
"""

from pytest_plugin._fixtures import (
    Otp,
    otp,
    otp_client,
    otp_sandbox,
    otp_session,
    phone_number,
    rent_phone_number,
)
from pytest_plugin._hooks import (
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_runtest_call,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_sessionstart,
    pytest_terminal_summary,
    pytest_unconfigure,
)

__all__ = [
    "Otp",
    "otp",
    "otp_client",
    "otp_sandbox",
    "otp_session",
    "phone_number",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "pytest_unconfigure",
    "rent_phone_number",
]
