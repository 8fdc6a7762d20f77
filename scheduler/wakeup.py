"""Waking the service when the ledger grows, on PostgreSQL: LISTEN/NOTIFY.

A statement trigger on the events table sends a notification, delivered when the writing
transaction commits, on one channel per database; its payload is the schema, so services
on other schemas of the same database ignore it. The service listens on a connection of
its own and runs its next tick at once instead of at the end of its interval, so what one
node records shows in the read models of every node within moments. The notification
only wakes: the tick reads positions and the log as always, so a lost or spurious one
costs nothing but latency or one idle tick. SQLite has no notifications; there the
service polls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog
from sqlalchemy import Engine, text

CHANNEL = "taizhang_events"
_FUNCTION = "taizhang_events_notify"

log = structlog.get_logger()


def install(engine: Engine, events_table: str) -> bool:
    """Create (or replace) the trigger that notifies on every write to ``events_table``;
    False where the store cannot notify, or the trigger cannot be made (a role without
    the right to): the service then polls."""
    if engine.dialect.name != "postgresql":
        return False
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.begin() as conn:
            # Two services starting at once must not race on CREATE OR REPLACE.
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": _FUNCTION})
            conn.execute(
                text(
                    f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql"
                    f" AS $$ BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA); RETURN NULL;"
                    " END $$"
                )
            )
            conn.execute(
                text(
                    f"CREATE OR REPLACE TRIGGER {_FUNCTION} AFTER INSERT ON {events_table}"
                    f" FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
                )
            )
    except SQLAlchemyError as e:
        log.warning("wakeup.unavailable", error=str(e).splitlines()[0])
        return False
    return True


class Listener:
    """Calls ``wake`` (on its own thread) for each commit of new events in this schema."""

    def __init__(self, engine: Engine, wake: Callable[[], None], poll: float = 1.0) -> None:
        self.engine = engine
        self.wake = wake
        self.poll = poll  # how often the thread looks at ``stop`` between notifications
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wakeup", daemon=True)

    def start(self) -> Listener:
        """Start listening; returns once LISTEN is in force (or the thread gave up)."""
        self._thread.start()
        self._ready.wait(timeout=30)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.poll + 5)

    def _run(self) -> None:
        try:
            self._listen()
        except Exception:  # the service keeps polling at its interval without it
            log.exception("wakeup.failed")
        finally:
            self._ready.set()

    def _listen(self) -> None:
        raw = self.engine.raw_connection()
        try:
            conn = raw.driver_connection
            assert conn is not None
            conn.autocommit = True
            schema = conn.execute("SELECT current_schema()").fetchone()[0]
            conn.execute(f"LISTEN {CHANNEL}")
            self._ready.set()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=self.poll):
                    if note.payload == schema:
                        self.wake()
                    if self._stop.is_set():
                        break
        finally:
            raw.invalidate()  # never hand a LISTENing connection back to the pool
