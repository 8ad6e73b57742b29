"""The ``--otp-report`` document: its pydantic models, and its JSON schema generated from them.

The schema is committed as ``pytest_plugin/otp-report.schema.json`` (shipped in the package);
a test holds it equal to what these models generate. After changing a model, write it again::

    python -m pytest_plugin._report_model

``version`` changes when a change can break a reader: a field removed, renamed, retyped or
given another meaning, an enum value removed. A new field or enum value keeps the version; the
schema of each release describes exactly the documents it writes (unknown fields are refused,
to catch mistakes), so validate a document against the schema of the otpkit that wrote it, and
have readers ignore fields they do not know.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from otpkit._timeline import Verdict
from pytest_plugin._records import RentalRecord, RentFailure

__all__ = [
    "SCHEMA",
    "SCHEMA_FILE",
    "VERSION",
    "DeliveryRate",
    "ProviderTotals",
    "Report",
    "ReportedTest",
    "TestOutcome",
    "schema",
    "schema_text",
]

#: What the document's ``schema`` field says it is, and its version (see the module docstring).
SCHEMA: Literal["otpkit-report"] = "otpkit-report"
VERSION: Literal[1] = 1
#: The committed schema, shipped beside this module.
SCHEMA_FILE = Path(__file__).with_name("otp-report.schema.json")

#: A test's final outcome, after reruns: as pytest counts it, or ``interrupted`` when the run
#: stopped before the test had one.
TestOutcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed", "interrupted"]


class _Model(BaseModel):
    # Field docstrings become the schema's descriptions: the schema documents itself.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        # Every field is always written, those with a default too: the schema says so.
        json_schema_serialization_defaults_required=True,
    )


class ReportedTest(_Model):
    """A test that rented numbers or tried to, with every number it rented in every run and
    every one it could not rent."""

    id: str
    """pytest's node id."""
    outcome: TestOutcome
    """The final outcome, after reruns (pytest-rerunfailures) and rotation."""
    runs: int
    """How many times it ran: 1, plus one per rerun."""
    rentals: list[RentalRecord]
    """Every number it rented, by run, then attempt (rotation), then time."""
    rent_failures: list[RentFailure] = []
    """Every number it could not rent (verdict out_of_stock or no_balance), by run."""


class ProviderTotals(_Model):
    """The money and counts of one provider's rentals in this run, from the rental journal (the
    terminal summary's line); amounts are in the provider's currency."""

    rentals: int
    """Rentals placed (orders the provider refused are not counted)."""
    codes: int
    """Rentals that received a code."""
    refunded: int
    """Rentals cancelled with a refund."""
    charged: Decimal
    """Money charged, refunded or not."""
    refunded_amount: Decimal
    """Money given back."""
    net: Decimal
    """charged - refunded_amount: what the run spent."""
    left_open: int
    """Rentals that may still hold money: for `otpkit sweep`."""
    left_open_orders: list[str]
    """Their order ids ("order unknown" for one whose order reply was lost)."""


class DeliveryRate(_Model):
    """How one offer (provider, product, country) delivered in this run (otpkit's learned rate;
    see ``otpkit._delivery_stats``)."""

    provider: str
    product: str
    """The provider's product id."""
    country: str | None
    rentals: int
    """Settled rentals of the offer."""
    tried: int
    """Rentals that tell whether it delivers: delivered + failed."""
    delivered: int
    """Rentals that received a code."""
    failed: int
    """Rentals that failed to verify: no code in time, or the app refused the number."""
    refunded: int
    rate: float
    """(delivered + 1) / (tried + 2): 0.5 with no history."""
    code_seconds_p50: float | None
    """Median seconds from renting to the first code (null: no code)."""
    cost_per_code: Decimal | None
    """Net money spent on the offer per delivered code (null: no code)."""


class Report(_Model):
    """One pytest run's rentals: what each test rented, how each rental ended, and the money."""

    model_config = ConfigDict(title="otpkit report")

    schema_: Literal["otpkit-report"] = Field(SCHEMA, alias="schema")
    """Always "otpkit-report"."""
    version: Literal[1] = VERSION
    """Changes when a change can break a reader (see the README)."""
    otpkit_version: str
    """The otpkit that wrote it."""
    run_id: str
    """The run's id, as in the rental journal (a CI run's id with a coordinator)."""
    started_at: datetime
    finished_at: datetime
    numbers: Literal["masked", "shown"]
    """Whether numbers are masked to their last four digits everywhere (the default) or shown
    whole (--otp-report-numbers)."""
    tests: list[ReportedTest]
    """Every test that rented a number or could not, in the order of its first rental (those
    that rented none after the others)."""
    totals: dict[str, ProviderTotals]
    """Per provider."""
    delivery: list[DeliveryRate]
    """Per provider, product and country."""
    verdicts: dict[Verdict, int]
    """How many rentals failed, or could not be made, for each reason (otpkit.Verdict), as the
    terminal summary's verdicts line counts them; reasons none failed for are left out."""


def schema() -> dict[str, Any]:
    """The document's JSON schema (draft 2020-12), as the models generate it."""
    generated = Report.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **generated}


def schema_text() -> str:
    """``schema()`` as the committed file holds it."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
