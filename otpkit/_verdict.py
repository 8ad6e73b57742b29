"""Why a verification failed, in one word (see ``otpkit._timeline`` for how each is told)."""

from __future__ import annotations

from enum import Enum

__all__ = ["Verdict"]


class Verdict(str, Enum):
    """Why a verification failed (listed in ``otpkit._timeline``); ``str(verdict)`` is its name."""

    NEVER_SENT = "never_sent"
    FILTERS_MISMATCH = "filters_mismatch"
    PROVIDER_ERRORS = "provider_errors"
    NUMBER_REJECTED = "number_rejected"
    OUT_OF_STOCK = "out_of_stock"
    NO_BALANCE = "no_balance"

    def __str__(self) -> str:
        return self.value

    @property
    def explanation(self) -> str:
        """The verdict in words, as the error message and the reports say it."""
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    Verdict.NEVER_SENT: "no SMS reached the number (the app never sent it, or the number is dead)",
    Verdict.FILTERS_MISMATCH: "SMS arrived but none counted (filtered out, or no code in it)",
    Verdict.PROVIDER_ERRORS: "the provider was failing (at the end of the wait, or most of it)",
    Verdict.NUMBER_REJECTED: "the app refused the number",
    Verdict.OUT_OF_STOCK: "the provider was out of stock",
    Verdict.NO_BALANCE: "the account had not enough balance",
}
