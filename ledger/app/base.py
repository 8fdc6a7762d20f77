"""What every use case of the ledger shares: the store, the clock, load and save.

Persistence is whatever the environment names (eventsourcing-sqlalchemy on a SQLite file
or PostgreSQL, or the library's in-memory store in unit tests). The clock is injected, so
the ledger's own notion of "now" (transaction time) can be moved in tests and drills; it
never goes backwards (ledger/clock.py). A use case is a command run at "now" on loaded
aggregates and saved in one transaction (:meth:`LedgerBase._write`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from ledger import roles
from ledger.audit.sqlchain import SqlChain
from ledger.clock import LastInstant, MemoryInstant, Overtaken, SqlInstant
from ledger.deadlines.calendar import OfficialCalendar
from ledger.directory import DIRECTORY_ID, Directory
from ledger.errors import Conflict, InvalidInput, NotFound, RuleViolation
from ledger.people import PEOPLE_ID, People
from ledger.workdays import WORKDAYS_ID, Workdays

Clock = Callable[[], datetime]
A = TypeVar("A", bound=Aggregate)

# How often a command is re-run on fresh state after losing a race to another writer.
RETRIES = 8
# How far this machine's clock may lag the last recorded instant: within it (several
# nodes whose clocks differ a little) events are recorded at that instant; beyond it the
# clock is wrong and nothing is recorded.
CLOCK_TOLERANCE = timedelta(minutes=5)


def system_clock() -> datetime:
    return datetime.now(tz=UTC)


class DateAsISO(Transcoding):
    """Valid-time days (``occurred_on``, ``issued_on``) travel as ISO dates."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def attempts() -> Iterator[int]:
    """Count RETRIES attempts, waiting a random, growing while between them: writers
    that lost a race together would otherwise all try again at the same instant."""
    for attempt in range(RETRIES):
        if attempt:
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
        yield attempt


class LedgerBase(Application[UUID]):
    """The ledger's store, clock, and the one way a use case loads and saves."""

    name = "Ledger"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        clock: Clock = system_clock,
        *,
        pinned: bool = False,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.pinned = pinned  # the clock was set by hand: never moved forward silently
        stored = hasattr(self.recorder, "datastore")
        self.instant: LastInstant = (
            SqlInstant(self.recorder, self.mapper) if stored else MemoryInstant()
        )
        # The hash chain over the events (ledger/audit/sqlchain.py); none in memory.
        self.chain = SqlChain(self.recorder) if stored else None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def prepare_store(self) -> None:
        """Make what a store keeps beside its events (idempotent): the last recorded
        instant, the hash chain covering every event, and the append-only guards."""
        if isinstance(self.instant, SqlInstant):
            self.instant.ensure()
        if self.chain is not None:
            self.chain.cover()
            self.chain.guard()

    def close(self) -> None:
        super().close()
        engine = getattr(getattr(self.recorder, "datastore", None), "engine", None)
        if engine is not None:
            engine.dispose()  # return pooled connections now, not at interpreter exit

    def now(self) -> datetime:
        """When what a command records is recorded: the clock, never before the last
        recorded instant."""
        given = self.clock()
        moment = given.astimezone(UTC)
        last = self.instant.read()
        if last is None or moment >= last:
            return moment
        if self.pinned:
            raise InvalidInput(
                f"the time given, {given.isoformat()}, is before the last recorded instant "
                f"{last.astimezone(given.tzinfo).isoformat()}: recorded times never go backwards"
            )
        if last - moment <= CLOCK_TOLERANCE:
            return last
        raise RuleViolation(
            f"this machine's clock ({moment.isoformat()}) is {last - moment} behind the last "
            f"recorded instant ({last.isoformat()}); set the clock right, then run it again"
        )

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save in one transaction that also moves the last recorded instant forward and
        extends the hash chain over the new events; raises Overtaken when another writer
        recorded a later instant meanwhile."""
        stamps = [e.timestamp for o in objs if o is not None for e in _pending(o)]
        if not stamps:
            return super().save(*objs, **kwargs)
        if self.chain is not None:
            self.chain.ensure()  # before the transaction: DDL on a connection of its own
        # A save of several instants (a bulk load's) is stored in the order given, which
        # must be theirs; none may be before what the ledger holds already.
        with self.instant.guard(min(stamps), max(stamps)) as session:
            recordings = super().save(*objs, **kwargs)
            if self.chain is not None:
                self.chain.extend(session)  # the events just inserted, same transaction
            return recordings

    def calendar(self) -> OfficialCalendar:
        """The official calendar with every day a supervisor declared."""
        try:
            declared = self.load(Workdays, WORKDAYS_ID).as_dates()
        except NotFound:
            declared = {}
        return OfficialCalendar(overrides=declared)

    def directory(self) -> Directory:
        """The directory as it stands (an empty one before its first fact)."""
        try:
            return self.load(Directory, DIRECTORY_ID)
        except NotFound:
            return Directory.open(now=self.now())

    def people(self) -> People:
        """Who may act, as it stands (nobody yet: the ledger is being set up)."""
        try:
            return self.load(People, PEOPLE_ID)
        except NotFound:
            return People.open(now=self.now())

    def authorize(self, actor: str, action: str, units: Sequence[str] = ()) -> None:
        """Refuse (roles.Forbidden) unless ``actor`` may do ``action`` (ledger/roles.py)."""
        roles.check(self.people().people, actor, action, units)

    def unit_of(self, actor: str, unit: str | None) -> str:
        """The unit a command is for: the one named, else the acting person's own."""
        if unit:
            return unit
        people = self.people().people
        if actor not in people:
            roles.check(people, actor, "report")  # refuses someone unregistered, by name
            raise InvalidInput("name the unit this is for", field="unit")
        return str(people[actor]["unit"])

    def load(self, cls: type[A], aggregate_id: UUID, *, what: str = "") -> A:
        """The aggregate, or NotFound naming ``what`` (by default the kind)."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{what or cls.__name__.lower()} not found") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what or cls.__name__.lower()} not found")
        return aggregate

    def existing(self, cls: type[A], keys: Iterable[UUID]) -> list[A]:
        """The aggregates of ``keys`` that exist, in their order."""
        found = []
        for key in keys:
            with suppress(NotFound):
                found.append(self.load(cls, key))
        return found

    def _write(
        self, command: Callable[[datetime], Sequence[Aggregate]], *, what: str
    ) -> list[Aggregate]:
        """Run ``command`` at "now" and save what it changed, in one transaction; on a
        lost race (another writer changed the same aggregates, or recorded later) run it
        again on fresh state, so its guards see what the other writer did."""
        for _ in attempts():
            aggregates = list(command(self.now()))
            try:
                self.save(*aggregates)
            except (IntegrityError, Overtaken):
                continue
            return aggregates
        raise Conflict(f"{what} changed {RETRIES} times while this command ran; run it again")

    def _change(self, cls: type[A], key: UUID, command: Callable[[A, datetime], object]) -> A:
        """Load one aggregate, run ``command`` on it at "now", save it (see _write)."""

        def run(now: datetime) -> list[Aggregate]:
            aggregate = self.load(cls, key)
            command(aggregate, now)
            return [aggregate]

        found = self._write(run, what=f"{cls.__name__.lower()} {key}")
        changed: A = found[0]  # type: ignore[assignment]
        return changed


def _pending(obj: Any) -> list[Any]:
    """The events a save would store for ``obj`` (an aggregate, or an event itself)."""
    pending = getattr(obj, "pending_events", None)
    return list(pending) if pending is not None else [obj]
