"""One save holding several instants (a bulk load's) may not reach back before what the
ledger already holds: each event's recorded time, not only the latest, is checked, on a
SQLite file and on PostgreSQL; a save whose instants all follow is taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.domain import Aggregate

from ledger.clock import Overtaken
from ledger.store import open_ledger

T = datetime(2017, 6, 1, 9, 0, tzinfo=UTC)


class Note(Aggregate):
    class Written(Aggregate.Created):
        text: str

    def __init__(self, text: str) -> None:
        self.text = text


def note(text: str, at: datetime) -> Note:
    return Note._create(Note.Written, id=None, timestamp=at, text=text)


def test_a_save_reaching_back_before_the_last_instant_is_refused(store_url: str) -> None:
    ledger = open_ledger(store_url, clock=lambda: T, create=True)
    try:
        ledger.save(note("first", T))
        with pytest.raises(Overtaken):
            ledger.save(
                note("earlier", T - timedelta(minutes=5)), note("later", T + timedelta(hours=1))
            )
        ledger.save(note("same", T), note("after", T + timedelta(minutes=1)))
        assert ledger.instant.read() == T + timedelta(minutes=1)
    finally:
        ledger.close()
