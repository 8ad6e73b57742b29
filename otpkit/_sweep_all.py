"""Sweep every account the journal knows, with nothing configured but API keys.

Each journal row names its provider and base URL, so the rows are grouped by (provider, base
URL), and each group is swept by a client of its own, made with that provider's key from
``OTPKIT_<PROVIDER>_API_KEY`` (or ``OTPKIT_API_KEY`` for the configured provider). Keys are
read from the environment at sweep time, never stored. Rows of a sandbox that has stopped are
closed as they are: a sandbox holds no money, and its orders ended with it.
"""

from __future__ import annotations

import socket
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from otpkit._connect import connect
from otpkit._errors import CoordinatorError, OtpkitError
from otpkit._journal import Journal, JournalEntry, RentalJournal, default_journal_path
from otpkit._pids import process_ended
from otpkit._redact import redact
from otpkit._settings import Settings
from otpkit._sweep import SweepReport

__all__ = ["SANDBOX_GONE", "AccountSweep", "SweepAllReport", "sweep_all"]

SANDBOX_GONE = "sandbox gone, no money at stake"


@dataclass(frozen=True)
class AccountSweep:
    """One (provider, base URL) group: what its sweep did, or why it could not run."""

    provider: str
    base_url: str
    report: SweepReport | None = None
    problem: str | None = None


@dataclass
class SweepAllReport:
    """Every group swept, every row of a stopped sandbox closed, and any warning on the way."""

    accounts: list[AccountSweep] = field(default_factory=list)
    sandbox_gone: list[JournalEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def reports(self) -> list[SweepReport]:
        return [a.report for a in self.accounts if a.report is not None]

    @property
    def unswept(self) -> list[AccountSweep]:
        """Groups that could not be swept (no key, provider unreachable...)."""
        return [a for a in self.accounts if a.problem is not None]

    @property
    def problems(self) -> int:
        """Rentals that still need attention, and groups that could not be swept."""
        return sum(len(r.problems) for r in self.reports) + len(self.unswept)

    def line(self) -> str:
        """One line: what was swept, and what could not be."""
        swept = sum(len(r.rentals) for r in self.reports)
        refunded = sum(len(r.refunded) for r in self.reports)
        amount = sum((r.refunded_amount for r in self.reports), Decimal(0))
        parts = [f"swept {swept} rental(s), {refunded} refunded ({amount})"]
        if self.sandbox_gone:
            parts.append(f"{len(self.sandbox_gone)} of a stopped sandbox closed ({SANDBOX_GONE})")
        attention = sum(len(r.problems) for r in self.reports)
        if attention:
            parts.append(f"{attention} need attention")
        parts += [
            f"could not sweep {a.provider} at {a.base_url}: {a.problem}" for a in self.unswept
        ]
        return "; ".join([*parts, *self.warnings])


def shared_journal(settings: Settings) -> RentalJournal:
    """The journal rentals of ``settings`` are written to: the coordinator's, else this
    machine's (``CoordinatorError`` when the coordinator cannot be reached)."""
    local = Journal(settings.journal or default_journal_path())
    url = settings.coordinator_url()
    if url is None:
        return local
    from otpkit._redis import Coordinator, RedisJournal  # only runs with a coordinator load redis

    return RedisJournal(Coordinator.shared(url, lease=settings.coordinator_lease), local)


def sweep_all(
    settings: Settings | None = None,
    *,
    held: bool = False,
    provider: str | None = None,
    base_url: str | None = None,
) -> SweepAllReport:
    """Sweep every abandoned rental of the journal of ``settings``, account by account (only
    ``provider`` / ``base_url`` if given; ``held``: also numbers kept by ``otpkit rent``)."""
    settings = settings or Settings()
    report = SweepAllReport()
    try:
        journal = shared_journal(settings)
        abandoned = journal.abandoned(None, held=held)
    except CoordinatorError as error:
        report.warnings.append(f"{redact(str(error))}; swept this machine's journal only")
        settings = settings.model_copy(update={"coordinator": None})
        journal = shared_journal(settings)
        abandoned = journal.abandoned(None, held=held)
    groups: dict[tuple[str, str], list[JournalEntry]] = defaultdict(list)
    for entry in abandoned:
        if provider is not None and entry.provider != provider.strip().lower():
            continue
        if base_url is not None and entry.base_url != base_url.rstrip("/"):
            continue
        sandbox = _sandbox_state(entry)
        if sandbox == "stopped":
            if journal.claim_for_sweep(entry.row):
                journal.closed(entry.row, False, SANDBOX_GONE)
                report.sandbox_gone.append(entry)
            continue
        if sandbox == "running":
            continue  # another run's sandbox, still up: no money, and only that run has its key
        groups[entry.provider, entry.base_url].append(entry)
    # Sweeping needs no push inbox; the key is the provider's own, for its own base URL only.
    quiet = settings.model_copy(update={"push_url": None})
    for (name, url), _entries in sorted(groups.items()):
        report.accounts.append(_sweep_account(quiet, journal, name, url, held))
    return report


def _sweep_account(
    settings: Settings, journal: RentalJournal, provider: str, base_url: str, held: bool
) -> AccountSweep:
    own = getattr(settings, f"{provider}_api_key", None)
    # The generic key belongs to the configured provider only: never try it on another one.
    key = own or (settings.api_key if settings.providers() == [provider] else None)
    if key is None:
        return AccountSweep(
            provider, base_url, problem=f"no API key: set OTPKIT_{provider.upper()}_API_KEY"
        )
    try:
        with connect(
            provider, api_key=key, base_url=base_url, settings=settings, journal=journal
        ) as client:
            return AccountSweep(provider, base_url, client.sweep(held=held))
    except OtpkitError as error:
        return AccountSweep(provider, base_url, problem=redact(str(error)))


def _sandbox_state(entry: JournalEntry) -> str | None:
    """Whether ``entry`` was rented from a sandbox (as marked when it was rented), ``"running"``
    or ``"stopped"`` since; None: from a provider, swept with its key like any other. Only the
    mark counts, never the base URL: a loopback URL names another server on another machine,
    or the same one another day (a tunnel to a real provider)."""
    if entry.sandbox_pid is None:
        return None
    if entry.host != socket.gethostname():
        return "running"  # another machine's sandbox: it cannot be told from here
    return "stopped" if process_ended(entry.sandbox_pid) else "running"
