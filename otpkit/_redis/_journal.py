"""The rental journal in Redis: any machine can sweep what a dead one left open.

Each rental is a hash ``otpkit:rental:<id>`` holding what the SQLite journal holds, plus its
``owner`` (the name of a process's lease) and where its local record lives. Indexes:
``otpkit:rentals`` (every id), ``otpkit:unsettled`` (ids that may still hold money, or are
held), ``otpkit:run:<hash>`` (a run's ids, for its budget) and
``otpkit:order:<provider>:<order id>`` (which rental owns an order, per base URL).

A rental's owner is dead when its lease is gone: the heartbeat keeps it while the process
lives, whatever machine it is on. Decisions that must happen once are single scripts: a new
rental reserves its price against the run's budget and takes an id atomically; a sweeper
takes a dead owner's rental only if that owner's lease is still gone, and becomes its owner.

Every process also writes its local SQLite journal, first. If Redis goes away mid-run, new
rentals are refused (``CoordinatorError``), those already made go on with their records kept
locally (their Redis records catch up when it is back, from the heartbeat), and a sweep
without ``OTPKIT_COORDINATOR`` still finds them on this machine: no rental is ever lost.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from redis.typing import EncodableT

from otpkit._errors import BudgetExceededError, CoordinatorError
from otpkit._journal import UNSETTLED, Journal, JournalEntry, spend_of
from otpkit._redis._connection import Coordinator

__all__ = ["RedisJournal"]

#: Seconds settled records, run sets and order owners are kept (as long as the SQLite journal
#: remembers who owns an order id).
KEEP = 7 * 24 * 3600
#: States a record stays indexed as unsettled in: the sweep's candidates.
OPEN = frozenset((*UNSETTLED, "held"))
#: Money is summed in Lua as whole millionths: doubles would make 0.1 + 0.2 exceed 0.3.
MICROS = Decimal(1_000_000)

Changes = dict[str, str | None]  # a field set to None is removed

# KEYS: id counter, unsettled set, the run's set, all ids. ARGV: record key prefix, budget in
# micros (-1: none), the price in micros, the run set's lifetime, then the record's fields.
# The run's net spend is summed from its records, by the same rule as the SQLite journal.
_BEGIN = """
local budget, cost, spent = tonumber(ARGV[2]), tonumber(ARGV[3]), 0
if budget >= 0 then
    for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
        local r = redis.call('HMGET', ARGV[1] .. id, 'price_micros', 'state', 'refunded')
        local price = tonumber(r[1])
        if price and r[2] ~= 'failed' and r[3] ~= '1' then spent = spent + price end
    end
    if spent + cost > budget then return {0, spent} end
end
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', ARGV[1] .. id, unpack(ARGV, 5))
redis.call('SADD', KEYS[2], id)
redis.call('SADD', KEYS[3], id)
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], id, id)
return {id, spent}
"""

# KEYS: the record, the unsettled set, the order's owners (if an order id is set). ARGV: the
# id, the index change ('open', 'settled' or ''), the settled lifetime, the order field, the
# codes increment, how many fields are set, those fields and values, then fields to remove.
# Only an existing record is changed: a write replayed after Redis lost its data creates none.
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], unpack(ARGV, 7, 6 + 2 * n))
if #ARGV > 6 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 7 + 2 * n)) end
if ARGV[5] ~= '0' then redis.call('HINCRBY', KEYS[1], 'codes', ARGV[5]) end
if ARGV[2] == 'open' then
    redis.call('SADD', KEYS[2], ARGV[1])
    redis.call('PERSIST', KEYS[1])
elseif ARGV[2] == 'settled' then
    redis.call('SREM', KEYS[2], ARGV[1])
    redis.call('EXPIRE', KEYS[1], ARGV[3])
end
if #KEYS == 3 then
    redis.call('HSET', KEYS[3], ARGV[4], ARGV[1])
    redis.call('EXPIRE', KEYS[3], ARGV[3])
end
return 1
"""

# KEYS: the record. ARGV: lease key prefix, claimable states as ",a,b,", then the sweeper's
# owner name, host, pid and the time. Returns 1 if the sweeper took the record.
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or not string.find(ARGV[2], ',' .. state .. ',', 1, true) then return 0 end
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and redis.call('EXISTS', ARGV[1] .. owner) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'sweeping', 'owner', ARGV[3], 'host', ARGV[4],
           'pid', ARGV[5], 'updated_at', ARGV[6])
return 1
"""


def _micros(amount: Decimal, rounding: str) -> int:
    return int((amount * MICROS).to_integral_value(rounding=rounding))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _text(value: bytes | str) -> str:
    # The clients decode replies; the types allow bytes.
    return value if isinstance(value, str) else value.decode()


def _decoded(record: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in record.items()}


def _entry(row: int, record: dict[str, str]) -> JournalEntry:
    price, rented_at = record.get("price"), record.get("rented_at")
    return JournalEntry(
        row=row,
        provider=record["provider"],
        base_url=record["base_url"],
        product_id=record["product_id"],
        order_id=record.get("order_id"),
        number=record.get("number"),
        price=Decimal(price) if price is not None else None,
        state=record["state"],
        refunded=None if "refunded" not in record else record["refunded"] == "1",
        codes=int(record.get("codes", "0")),
        detail=record.get("detail"),
        run_id=record["run_id"],
        host=record["host"],
        pid=int(record["pid"]),
        requested_at=float(record["requested_at"]),
        rented_at=float(rented_at) if rented_at is not None else None,
        updated_at=float(record.get("updated_at", record["requested_at"])),
        country=record.get("country"),
        failure=record.get("failure"),
        code_at=float(record["code_at"]) if "code_at" in record else None,
        sandbox_pid=int(record["sandbox_pid"]) if "sandbox_pid" in record else None,
    )


class RedisJournal:
    """The rental journal every machine of ``coordinator`` shares, over the ``local`` one.

    Rows are ids in Redis. ``run_id`` (the local journal's) scopes the budget: set it to the CI
    run's id (``OTPKIT_RUN_ID``, or what the CI system provides) to share one budget.
    """

    def __init__(self, coordinator: Coordinator, local: Journal) -> None:
        self.coordinator = coordinator
        self.local = local
        self.path = local.path
        self.run_id = local.run_id
        self.host = coordinator.host
        self._redis = coordinator.redis
        self._origin = f"{self.host}:{local.path}"
        self._begin = self._redis.register_script(_BEGIN)
        self._claim = self._redis.register_script(_CLAIM)
        self._update = self._redis.register_script(_UPDATE)
        self._rows: dict[int, int] = {}  # Redis id -> row in the local journal
        self._where: dict[int, tuple[str, str]] = {}  # Redis id -> provider, base URL
        self._pending: dict[int, Changes] = {}  # writes Redis missed, for the heartbeat
        self._write_lock = threading.Lock()
        self._flushing = False

    def __repr__(self) -> str:
        return f"<RedisJournal {self.coordinator.shown} run {self.run_id} local {self.path}>"

    def _key(self, *parts: str) -> str:
        return self.coordinator.key(*parts)

    def _record(self, row: int) -> str:
        return self._key("rental", str(row))

    def _order(self, provider: str, order_id: str) -> str:
        return self._key("order", provider, order_id)

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
        """Record a rental about to be requested; with ``budget``, reserve its price against
        the run's net spend on every machine, atomically. ``CoordinatorError`` if Redis is
        away: nothing is rented then."""
        # The lease first: a sweeper must never see a record whose owner has no lease yet.
        self.coordinator.hold_lease()
        now = repr(time.time())
        fields = {
            "provider": provider,
            "base_url": base_url,
            "product_id": product_id,
            "state": "requesting",
            "codes": "0",
            "run_id": self.run_id,
            "host": self.host,
            "pid": str(os.getpid()),
            "owner": self.coordinator.owner,
            "requested_at": now,
            "updated_at": now,
            "local_journal": self._origin,
        }
        cost = price or Decimal(0)
        if price is not None:
            fields.update(price=str(price), price_micros=str(_micros(price, ROUND_CEILING)))
        if country is not None:
            fields["country"] = country
        limit = -1 if budget is None else _micros(budget, ROUND_FLOOR)
        keys = [
            self._key("next-rental"),
            self._key("unsettled"),
            self._key("run", _digest(self.run_id)),
            self._key("rentals"),
        ]
        flat = [item for pair in fields.items() for item in pair]
        prefix, price_micros = self._key("rental", ""), _micros(cost, ROUND_CEILING)
        args: list[EncodableT] = [prefix, limit, price_micros, KEEP, *flat]
        with self.coordinator.errors("recording a new rental"):
            row, spent_micros = self._begin(keys=keys, args=args)
        if not row:
            spent = Decimal(int(spent_micros)) / MICROS
            raise BudgetExceededError(
                f"renting {product_id} for {cost} would bring this run's net spend to "
                f"{spent + cost}, over the budget of {budget} (all machines of run {self.run_id})",
                budget=budget or Decimal(0),
                spent=spent,
                price=cost,
            )
        row = int(row)
        self._where[row] = (provider, base_url)
        try:
            local_row = self.local.begin(provider, base_url, product_id, price, country=country)
        except BaseException:
            self._write(row, {"state": "failed", "detail": "the local journal refused it"})
            raise
        self._rows[row] = local_row
        recorded: Changes = {"local_row": str(local_row)}
        sandbox_pid = self.local.sandbox_pid(base_url)
        if sandbox_pid is not None:
            # The sweep reads rows from Redis: the sandbox mark must be there too, or a rental
            # of a stopped sandbox would be swept with a key nobody has.
            recorded["sandbox_pid"] = str(sandbox_pid)
        self._write(row, recorded)
        return row

    def net_spend(self) -> Decimal:
        """Charged minus refunded (reservations included) for this run, on every machine."""
        return spend_of(self.entries(self.run_id)).net

    def opened(self, row: int, order_id: str, number: str, price: Decimal | None) -> None:
        """The provider confirmed the order."""
        changes: Changes = {
            "state": "open",
            "order_id": order_id,
            "number": number,
            "rented_at": repr(time.time()),
        }
        if price is not None:
            changes.update(price=str(price), price_micros=str(_micros(price, ROUND_CEILING)))
        self._both(row, lambda local: self.local.opened(local, order_id, number, price), changes)

    def code_received(self, row: int) -> None:
        """A code arrived for the rental."""
        local_row = self._rows.get(row)
        if local_row is None:  # another process's rental: only Redis knows it
            self._write(row, {}, codes=1)
            return
        self.local.code_received(local_row)
        entry = self.local.entry(local_row)
        # The count itself, not an increment: a write replayed after an outage stays right.
        changes: Changes = {"codes": str(entry.codes if entry else 1)}
        if entry is not None and entry.code_at is not None:
            changes["code_at"] = repr(entry.code_at)
        self._write(row, changes)

    def failure(self, row: int, detail: str) -> None:
        """The number failed to verify: no code came in time, or the app refused it."""
        self._both(row, lambda local: self.local.failure(local, detail), {"failure": detail})

    def failed(self, row: int, detail: str) -> None:
        """The order was refused: nothing was charged."""
        changes: Changes = {"state": "failed", "detail": detail, "refunded": None}
        self._both(row, lambda local: self.local.failed(local, detail), changes)

    def lost(self, row: int, detail: str) -> None:
        """The order's reply was lost and no order could be found to adopt."""
        changes: Changes = {"state": "lost", "detail": detail}
        self._both(row, lambda local: self.local.lost(local, detail), changes)

    def unrecoverable(self, row: int, detail: str) -> None:
        """A lost order no sweep can find: reported once, then left alone."""
        changes: Changes = {"state": "unrecoverable", "detail": detail}
        self._both(row, lambda local: self.local.unrecoverable(local, detail), changes)

    def closed(self, row: int, refunded: bool, detail: str) -> None:
        """The rental was cancelled (or is finished)."""
        changes: Changes = {"state": "closed", "refunded": str(int(refunded)), "detail": detail}
        self._both(row, lambda local: self.local.closed(local, refunded, detail), changes)

    def hold(self, row: int) -> None:
        """Keep the rental open after this process ends: the sweep leaves it alone."""
        self._both(row, self.local.hold, {"state": "held"})

    def cancel_failed(self, row: int, detail: str) -> None:
        """Cancelling failed even after retries: the sweep will try again."""
        changes: Changes = {"state": "cancel_failed", "detail": detail}
        self._both(row, lambda local: self.local.cancel_failed(local, detail), changes)

    # -- writing both records ------------------------------------------------------------------

    def _both(self, row: int, local: Callable[[int], None], changes: Changes) -> None:
        """The local record first (it must survive Redis going away), then Redis."""
        local_row = self._rows.get(row)
        if local_row is not None:
            local(local_row)
        self._write(row, changes)

    def _write(self, row: int, changes: Changes, *, codes: int = 0) -> None:
        # One writer at a time, so a replayed older write never lands after a newer one.
        with self._write_lock:
            merged = {**self._pending.pop(row, {}), **changes}
            try:
                with self.coordinator.errors("recording a rental"):
                    self._apply(row, merged, codes)
            except CoordinatorError as error:
                self._pending[row] = merged
                if not self._flushing:
                    self._flushing = True
                    self.coordinator.heartbeat.add(self._flush)
                self.coordinator.warn(
                    "rentals go on, recorded in the local journal until Redis is back", error
                )

    def _apply(self, row: int, changes: Changes, codes: int) -> None:
        keys = [self._record(row), self._key("unsettled")]
        order_id, state = changes.get("order_id"), changes.get("state")
        where = self._where_of(row) if order_id else None
        field = ""
        if order_id and where:
            keys.append(self._order(where[0], order_id))
            field = _digest(where[1])
        index = "" if state is None else "open" if state in OPEN else "settled"
        values = {k: v for k, v in changes.items() if v is not None}
        values["updated_at"] = repr(time.time())
        removed = [k for k, v in changes.items() if v is None]
        flat = [item for pair in values.items() for item in pair]
        args: list[EncodableT] = [row, index, KEEP, field, codes, len(values), *flat, *removed]
        if not self._update(keys=keys, args=args):
            # Redis lost the record (restarted without persistence): the local one stands.
            lost = f"the coordinator {self.coordinator.shown} lost its record of rental {row}"
            self.coordinator.warn("the local journal keeps it", CoordinatorError(lost))

    def _flush(self) -> None:
        """Replay the writes Redis missed (from the heartbeat)."""
        with self._write_lock:
            rows = list(self._pending)
        for row in rows:
            self._write(row, {})

    def _where_of(self, row: int) -> tuple[str, str] | None:
        if row not in self._where:
            provider, base_url = self._redis.hmget(self._record(row), ["provider", "base_url"])
            if provider is None or base_url is None:
                return None
            self._where[row] = (_text(provider), _text(base_url))
        return self._where[row]

    # -- ownership of orders -------------------------------------------------------------------

    def claim_order(self, row: int, provider: str, base_url: str, order_id: str) -> bool:
        """Adopt ``order_id`` for ``row`` unless another rental, on any machine, owns it."""
        key, field = self._order(provider, order_id), _digest(base_url)
        with self.coordinator.errors("claiming an order"):
            pipe = self._redis.pipeline(transaction=True)
            pipe.hsetnx(key, field, row)
            pipe.hget(key, field)
            pipe.expire(key, KEEP)
            owner = pipe.execute()[1]
        if owner != str(row):
            return False
        self._where[row] = (provider, base_url)
        local_row = self._rows.get(row)
        if local_row is not None:
            self.local.claim_order(local_row, provider, base_url, order_id)
        self._write(row, {"order_id": order_id})
        return True

    # -- the sweep -----------------------------------------------------------------------------

    def abandoned(self, provider: str | None = None, *, held: bool = False) -> list[JournalEntry]:
        """Unsettled rentals, on any machine, whose owner's lease is gone (with ``held``:
        kept ones too)."""
        states = OPEN if held else frozenset(UNSETTLED)
        with self.coordinator.errors("looking for abandoned rentals"):
            rows = [int(r) for r in self._redis.smembers(self._key("unsettled"))]
            records = self._records(rows)
            alive = self.coordinator.alive(r["owner"] for r in records.values())
        return [
            _entry(row, record)
            for row, record in sorted(records.items())
            if record["state"] in states
            and (provider is None or record["provider"] == provider)
            and record["owner"] not in alive
        ]

    def claim_for_sweep(self, row: int) -> bool:
        """Take ``row`` for sweeping; False when another sweeper (or its owner) has it."""
        self.coordinator.hold_lease()  # the sweeper becomes the owner, alive while it sweeps
        states = "," + ",".join(sorted(OPEN)) + ","
        key = self._record(row)
        with self.coordinator.errors("claiming a rental to sweep"):
            origin, local_row = self._redis.hmget(key, ["local_journal", "local_row"])
            won = self._claim(
                keys=[key],
                args=[
                    self.coordinator.lease_key(""),
                    states,
                    self.coordinator.owner,
                    self.host,
                    os.getpid(),
                    repr(time.time()),
                ],
            )
        if not won:
            return False
        if origin == self._origin and local_row:
            # Left by a process that used this very journal file: keep that record in step.
            self._rows[row] = int(local_row)
            self.local.claim_for_sweep(int(local_row))
        return True

    def _records(self, rows: Iterable[int]) -> dict[int, dict[str, str]]:
        rows = list(rows)
        pipe = self._redis.pipeline(transaction=False)
        for row in rows:
            pipe.hgetall(self._record(row))
        # A record gone (settled and expired) is skipped; its index entry is left to expire.
        return {
            row: _decoded(found) for row, found in zip(rows, pipe.execute(), strict=True) if found
        }

    def entries(self, run_id: str | None = None) -> list[JournalEntry]:
        """Every rental in Redis (of one run, if given), oldest first."""
        with self.coordinator.errors("reading the journal"):
            if run_id is None:
                rows = [int(str(r)) for r in self._redis.zrange(self._key("rentals"), 0, -1)]
            else:
                rows = [int(r) for r in self._redis.smembers(self._key("run", _digest(run_id)))]
            records = self._records(rows)
        return [_entry(row, record) for row, record in sorted(records.items())]

    def entry(self, row: int) -> JournalEntry | None:
        """One rental by id."""
        with self.coordinator.errors("reading the journal"):
            record = self._redis.hgetall(self._record(row))
        return _entry(row, _decoded(record)) if record else None

    def find(self, provider: str, order_id: str) -> JournalEntry | None:
        """The rental of ``order_id``, if any (None too while Redis is away)."""
        try:
            with self.coordinator.errors("looking up an order"):
                owners = self._redis.hvals(self._order(provider, order_id))
            return self.entry(max(int(r) for r in owners)) if owners else None
        except CoordinatorError as error:
            # Only bookkeeping depends on it (closing the record after a cancel by id): the
            # cancel itself must not fail for it; the sweep reconciles the record later.
            self.coordinator.warn("an order's record was not looked up", error)
            return None
