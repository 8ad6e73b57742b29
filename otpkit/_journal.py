"""A crash-safe record of every rental, in SQLite, shared safely by concurrent processes.

A row is written *before* the order request is sent and updated at each step, so a process that
dies at any moment leaves enough behind for ``otpkit sweep`` to cancel what it rented. State
changes that must happen once (claiming a rental to sweep it, reserving budget) are single
``BEGIN IMMEDIATE`` transactions, so two processes can never both win. No API key is stored.
The file and the directories otpkit creates for it are owner-only. Any SQLite or I/O failure
is a ``JournalError``.

    requesting ──> open ──> closed          (cancelled, refunded or not)
         │           ├────> cancel_failed   (left for the sweep)
         │           └────> held            (kept open on purpose, e.g. ``otpkit rent``)
         └────> lost ──> unrecoverable      (reply lost, no order list to find it in)
    open / cancel_failed / requesting of a dead owner ──> sweeping ──> closed
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import platformdirs
import tenacity

from otpkit._errors import BudgetExceededError, ConfigurationError, JournalError
from otpkit._pids import process_ended
from otpkit._private import private_file

__all__ = [
    "Journal",
    "JournalEntry",
    "RentalJournal",
    "SandboxRecord",
    "Spend",
    "default_journal_path",
    "spend_of",
]

#: How long an order id stays owned: long after any provider reuses ids or expires orders.
_OWNERSHIP_MEMORY = 7 * 24 * 3600.0

#: States in which a rental may still be holding money.
UNSETTLED = ("requesting", "open", "cancel_failed", "lost", "sweeping")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rentals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    provider      TEXT NOT NULL,
    base_url      TEXT NOT NULL,
    product_id    TEXT NOT NULL,
    order_id      TEXT,
    number        TEXT,
    price         TEXT,
    state         TEXT NOT NULL,
    refunded      INTEGER,
    codes         INTEGER NOT NULL DEFAULT 0,
    detail        TEXT,
    run_id        TEXT NOT NULL,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    requested_at  REAL NOT NULL,
    rented_at     REAL,
    updated_at    REAL NOT NULL,
    country       TEXT,
    failure       TEXT,
    code_at       REAL
);
CREATE INDEX IF NOT EXISTS rentals_order ON rentals (provider, base_url, order_id);
CREATE INDEX IF NOT EXISTS rentals_state ON rentals (state);
CREATE INDEX IF NOT EXISTS rentals_run ON rentals (run_id);
CREATE TABLE IF NOT EXISTS sandboxes (
    base_url      TEXT NOT NULL,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    started_at    REAL NOT NULL,
    PRIMARY KEY (base_url, host, pid)
);
"""


#: Columns added after the first release: older journals get them on open (ALTER TABLE).
_ADDED_COLUMNS = {
    "country": "TEXT",
    "failure": "TEXT",
    "code_at": "REAL",
    "sandbox_pid": "INTEGER",
}


# Unique per process, so that a later process reusing a pid is not mistaken for the owner.
_PROCESS_RUN_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def default_journal_path() -> Path:
    """``OTPKIT_JOURNAL`` is read by Settings; without it, the user's state directory."""
    return Path(platformdirs.user_state_dir("otpkit")) / "journal.sqlite3"


@dataclass(frozen=True)
class JournalEntry:
    """One journaled rental."""

    row: int
    provider: str
    base_url: str
    product_id: str
    order_id: str | None
    number: str | None
    price: Decimal | None
    state: str
    refunded: bool | None
    codes: int
    detail: str | None
    run_id: str
    host: str
    pid: int
    requested_at: float
    rented_at: float | None
    #: When the row last changed (for a lost order: when its reply was given up on).
    updated_at: float = 0.0
    #: The country the number was rented in, when the product said.
    country: str | None = None
    #: Why the number failed to verify ("no code after 2.0 s", "rejected: ..."); the delivery
    #: statistics count a rental as not delivered only when this says so and no code came.
    failure: str | None = None
    #: When the first code arrived.
    code_at: float | None = None
    #: The sandbox process it was rented from (on ``host``); None: from a provider.
    sandbox_pid: int | None = None

    @property
    def unsettled(self) -> bool:
        """Whether the rental may still be holding money (the sweep's business)."""
        return self.state in UNSETTLED


@dataclass(frozen=True)
class Spend:
    """Money of some rentals: charged (reservations of orders under way included), refunded,
    and the net spend a budget is checked against."""

    charged: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.charged - self.refunded


def spend_of(entries: Iterable[JournalEntry]) -> Spend:
    """The one definition of spend, used by the budget and by every summary: a refused order
    (``failed``) cost nothing; any other priced rental was charged, and refunded if it says so."""
    charged = refunded = Decimal(0)
    for entry in entries:
        if entry.price is None or entry.state == "failed":
            continue
        charged += entry.price
        if entry.refunded:
            refunded += entry.price
    return Spend(charged, refunded)


@dataclass(frozen=True)
class SandboxRecord:
    """A sandbox that served at ``base_url`` from process ``pid`` on ``host``: rentals made
    against it hold no money, and end with it."""

    base_url: str
    host: str
    pid: int
    started_at: float


class RentalJournal(Protocol):
    """What the clients, rentals and the sweep need of a journal: this SQLite ``Journal``, or
    the Redis one many machines share (``OTPKIT_COORDINATOR``). Rows are its own opaque ids."""

    path: Path
    run_id: str

    def begin(
        self,
        provider: str,
        base_url: str,
        product_id: str,
        price: Decimal | None,
        *,
        budget: Decimal | None = None,
        country: str | None = None,
    ) -> int: ...

    def net_spend(self) -> Decimal: ...

    def opened(self, row: int, order_id: str, number: str, price: Decimal | None) -> None: ...

    def code_received(self, row: int) -> None: ...

    def failure(self, row: int, detail: str) -> None: ...

    def failed(self, row: int, detail: str) -> None: ...

    def lost(self, row: int, detail: str) -> None: ...

    def unrecoverable(self, row: int, detail: str) -> None: ...

    def closed(self, row: int, refunded: bool, detail: str) -> None: ...

    def hold(self, row: int) -> None: ...

    def cancel_failed(self, row: int, detail: str) -> None: ...

    def claim_order(self, row: int, provider: str, base_url: str, order_id: str) -> bool: ...

    def abandoned(
        self, provider: str | None = None, *, held: bool = False
    ) -> list[JournalEntry]: ...

    def claim_for_sweep(self, row: int) -> bool: ...

    def entries(self, run_id: str | None = None) -> list[JournalEntry]: ...

    def entry(self, row: int) -> JournalEntry | None: ...

    def find(self, provider: str, order_id: str) -> JournalEntry | None: ...


def _entry(row: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        row=row["id"],
        provider=row["provider"],
        base_url=row["base_url"],
        product_id=row["product_id"],
        order_id=row["order_id"],
        number=row["number"],
        price=Decimal(row["price"]) if row["price"] is not None else None,
        state=row["state"],
        refunded=None if row["refunded"] is None else bool(row["refunded"]),
        codes=row["codes"],
        detail=row["detail"],
        run_id=row["run_id"],
        host=row["host"],
        pid=row["pid"],
        requested_at=row["requested_at"],
        rented_at=row["rented_at"],
        updated_at=row["updated_at"],
        country=row["country"],
        failure=row["failure"],
        code_at=row["code_at"],
        sandbox_pid=row["sandbox_pid"],
    )


def process_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _locked(error: BaseException) -> bool:
    return "locked" in str(error.__cause__ or error)


class Journal:
    """The rental journal at ``path`` (created owner-only on first use); ``lock_timeout`` is
    how long a write waits for another process's lock before it fails with ``JournalError``."""

    def __init__(
        self, path: Path | str, *, run_id: str | None = None, lock_timeout: float = 30.0
    ) -> None:
        self.path = Path(path).expanduser()
        self.run_id = run_id or _PROCESS_RUN_ID
        self.host = socket.gethostname()
        self._lock_timeout = lock_timeout
        #: Base URLs served by a sandbox, and its pid: the rows rented there say so.
        self._sandbox_pids: dict[str, int] = {}
        try:
            # Created before SQLite opens it: SQLite gives its -wal and -shm files its mode.
            private_file(self.path)
            # Processes opening a new journal at once race to switch it to WAL, and SQLite
            # answers the losers "locked" without waiting: they try again.
            for attempt in tenacity.Retrying(
                retry=tenacity.retry_if_exception(_locked),
                stop=tenacity.stop_after_delay(lock_timeout),
                wait=tenacity.wait_random(0.01, 0.1),
                reraise=True,
            ):
                with attempt, self._connect() as db:
                    db.execute("PRAGMA journal_mode=WAL")  # persistent: once per file
                    db.executescript(_SCHEMA)
            self._migrate()
        except (OSError, JournalError) as error:
            raise ConfigurationError(
                f"cannot open the rental journal {self.path}: {error}"
            ) from None

    def _migrate(self) -> None:
        # In one write transaction: two processes opening an old journal add each column once.
        with self._transaction() as db:
            have = {column["name"] for column in db.execute("PRAGMA table_info(rentals)")}
            for name, kind in _ADDED_COLUMNS.items():
                if name not in have:
                    db.execute(f"ALTER TABLE rentals ADD COLUMN {name} {kind}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation; the one place SQLite's errors become ours."""
        try:
            # A connection per operation: safe across threads and forks, and cheap for SQLite.
            db = sqlite3.connect(self.path, timeout=self._lock_timeout, isolation_level=None)
            db.row_factory = sqlite3.Row
            try:
                db.execute(f"PRAGMA busy_timeout={int(self._lock_timeout * 1000)}")
                yield db
            finally:
                db.close()
        except (sqlite3.Error, OSError) as error:
            raise JournalError(f"the rental journal {self.path} failed: {error}") from error

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                # SQLite may have rolled back already (disk full): the first error is the one.
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- the life of one rental ----------------------------------------------------------------

    def begin(
        self,
        provider: str,
        base_url: str,
        product_id: str,
        price: Decimal | None,
        *,
        budget: Decimal | None = None,
        country: str | None = None,
    ) -> int:
        """Record a rental about to be requested; with ``budget``, reserve its price atomically.

        Raises ``BudgetExceededError`` (and records nothing) when the run's net spend plus
        ``price`` would exceed ``budget``.
        """
        now = time.time()
        with self._transaction() as db:
            if budget is not None:
                spent = self._net_spend(db)
                cost = price or Decimal(0)
                if spent + cost > budget:
                    raise BudgetExceededError(
                        f"renting {product_id} for {cost} would bring this run's net spend to "
                        f"{spent + cost}, over the budget of {budget}",
                        budget=budget,
                        spent=spent,
                        price=cost,
                    )
            cursor = db.execute(
                "INSERT INTO rentals (provider, base_url, product_id, price, state, run_id, host,"
                " pid, requested_at, updated_at, country, sandbox_pid)"
                " VALUES (?, ?, ?, ?, 'requesting', ?, ?, ?, ?, ?, ?, ?)",
                (
                    provider,
                    base_url,
                    product_id,
                    None if price is None else str(price),
                    self.run_id,
                    self.host,
                    os.getpid(),
                    now,
                    now,
                    country,
                    self.sandbox_pid(base_url),
                ),
            )
            return int(cursor.lastrowid or 0)

    def _net_spend(self, db: sqlite3.Connection) -> Decimal:
        rows = db.execute("SELECT * FROM rentals WHERE run_id = ?", (self.run_id,)).fetchall()
        return spend_of(map(_entry, rows)).net

    def net_spend(self) -> Decimal:
        """Charged minus refunded (reservations included) for this journal's run."""
        with self._connect() as db:
            return self._net_spend(db)

    def opened(self, row: int, order_id: str, number: str, price: Decimal | None) -> None:
        """The provider confirmed the order."""
        self._update(
            row,
            "state = 'open', order_id = ?, number = ?, price = COALESCE(?, price), rented_at = ?",
            (order_id, number, None if price is None else str(price), time.time()),
        )

    def code_received(self, row: int) -> None:
        """A code arrived for the rental (the provider charges for it; no refund follows)."""
        self._update(row, "codes = codes + 1, code_at = COALESCE(code_at, ?)", (time.time(),))

    def failure(self, row: int, detail: str) -> None:
        """The number failed to verify: no code came in time, or the app refused it."""
        self._update(row, "failure = ?", (detail,))

    def failed(self, row: int, detail: str) -> None:
        """The order was refused: nothing was charged."""
        self._update(row, "state = 'failed', detail = ?, refunded = NULL", (detail,))

    def lost(self, row: int, detail: str) -> None:
        """The order's reply was lost and no order could be found to adopt."""
        self._update(row, "state = 'lost', detail = ?", (detail,))

    def unrecoverable(self, row: int, detail: str) -> None:
        """A lost order no sweep can find (no order list): reported once, then left alone."""
        self._update(row, "state = 'unrecoverable', detail = ?", (detail,))

    def closed(self, row: int, refunded: bool, detail: str) -> None:
        """The rental was cancelled (or is finished): nothing more to do for it."""
        self._update(row, "state = 'closed', refunded = ?, detail = ?", (int(refunded), detail))

    def hold(self, row: int) -> None:
        """Keep the rental open after this process ends: the sweep leaves it alone."""
        self._update(row, "state = 'held'", ())

    def cancel_failed(self, row: int, detail: str) -> None:
        """Cancelling failed even after retries: the sweep will try again."""
        self._update(row, "state = 'cancel_failed', detail = ?", (detail,))

    def _update(self, row: int, assignments: str, values: tuple[object, ...]) -> None:
        with self._transaction() as db:
            db.execute(
                f"UPDATE rentals SET {assignments}, updated_at = ? WHERE id = ?",
                (*values, time.time(), row),
            )

    # -- ownership of orders -------------------------------------------------------------------

    def claim_order(self, row: int, provider: str, base_url: str, order_id: str) -> bool:
        """Adopt ``order_id`` for ``row`` unless another recent row already owns it (atomic)."""
        with self._transaction() as db:
            taken = db.execute(
                "SELECT 1 FROM rentals WHERE provider = ? AND base_url = ? AND order_id = ?"
                " AND id != ? AND requested_at > ?",
                (provider, base_url, order_id, row, time.time() - _OWNERSHIP_MEMORY),
            ).fetchone()
            if taken:
                return False
            db.execute(
                "UPDATE rentals SET order_id = ?, updated_at = ? WHERE id = ?",
                (order_id, time.time(), row),
            )
            return True

    # -- the sweep -----------------------------------------------------------------------------

    def abandoned(self, provider: str | None = None, *, held: bool = False) -> list[JournalEntry]:
        """Unsettled rentals whose owner process is gone (with ``held``: kept ones too)."""
        states = (*UNSETTLED, "held") if held else UNSETTLED
        with self._connect() as db:
            rows = db.execute(
                f"SELECT * FROM rentals WHERE state IN ({','.join('?' * len(states))})",
                states,
            ).fetchall()
        entries = [_entry(r) for r in rows]
        return [
            e
            for e in entries
            if (provider is None or e.provider == provider) and not self._owner_alive(e)
        ]

    def _owner_alive(self, entry: JournalEntry) -> bool:
        if entry.host != self.host:
            # Another machine's process cannot be checked from here; the Redis coordinator
            # (leases) covers that case.
            return True
        if entry.pid == os.getpid():
            # Our own pid under another run id was a dead predecessor that had the same pid.
            return entry.run_id == self.run_id
        return process_alive(entry.pid)

    def claim_for_sweep(self, row: int) -> bool:
        """Take ``row`` for sweeping; False when another sweeper (or its owner) has it."""
        with self._transaction() as db:
            current = db.execute("SELECT * FROM rentals WHERE id = ?", (row,)).fetchone()
            if current is None or current["state"] not in (*UNSETTLED, "held"):
                return False
            entry = _entry(current)
            if self._owner_alive(entry):
                return False
            db.execute(
                "UPDATE rentals SET state = 'sweeping', pid = ?, host = ?, updated_at = ?"
                " WHERE id = ?",
                (os.getpid(), self.host, time.time(), row),
            )
            return True

    # -- sandboxes -----------------------------------------------------------------------------

    def sandbox_started(self, base_url: str, pid: int) -> None:
        """Record that a sandbox (process ``pid`` here) serves ``base_url`` from now on: the
        rentals this journal records there are the sandbox's (no money; the sweep closes them
        once it has stopped)."""
        self._sandbox_pids[base_url.rstrip("/")] = pid
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO sandboxes (base_url, host, pid, started_at)"
                " VALUES (?, ?, ?, ?)",
                (base_url.rstrip("/"), self.host, pid, time.time()),
            )

    def sandbox_pid(self, base_url: str) -> int | None:
        """The sandbox process the rentals this journal records at ``base_url`` are marked as
        rented from (see ``sandbox_started``), or None."""
        return self._sandbox_pids.get(base_url.rstrip("/"))

    def running_sandbox(self, base_url: str) -> int | None:
        """The pid of a sandbox process of this host that serves ``base_url`` now, if one does.
        (This process's own sandboxes are known exactly, not from here: one may have stopped
        while the process lives on.)"""
        for record in reversed(self.sandboxes(base_url)):
            mine = record.pid == os.getpid()
            if record.host == self.host and not mine and not process_ended(record.pid):
                return record.pid
        return None

    def sandboxes(self, base_url: str) -> list[SandboxRecord]:
        """The sandboxes that served ``base_url``, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM sandboxes WHERE base_url = ? ORDER BY started_at",
                (base_url.rstrip("/"),),
            ).fetchall()
        return [SandboxRecord(r["base_url"], r["host"], r["pid"], r["started_at"]) for r in rows]

    def entries(self, run_id: str | None = None) -> list[JournalEntry]:
        """Every journaled rental (of one run, if given), oldest first."""
        with self._connect() as db:
            if run_id is None:
                rows = db.execute("SELECT * FROM rentals ORDER BY id").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM rentals WHERE run_id = ? ORDER BY id", (run_id,)
                ).fetchall()
        return [_entry(r) for r in rows]

    def entry(self, row: int) -> JournalEntry | None:
        """One journaled rental by row id."""
        with self._connect() as db:
            found = db.execute("SELECT * FROM rentals WHERE id = ?", (row,)).fetchone()
        return _entry(found) if found else None

    def find(self, provider: str, order_id: str) -> JournalEntry | None:
        """The journaled rental of ``order_id``, if any."""
        with self._connect() as db:
            found = db.execute(
                "SELECT * FROM rentals WHERE provider = ? AND order_id = ? ORDER BY id DESC",
                (provider, order_id),
            ).fetchone()
        return _entry(found) if found else None
