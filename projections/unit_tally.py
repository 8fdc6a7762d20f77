"""Unit links counted ahead of time: held now, and held at the start of each month.

The dashboard by unit over the whole ledger is an aggregation of every task-unit link
(a province has 671,691). Links that share a unit and a standing (the phase, and the
operative due of one still to do) count the same at any moment, so they are kept as one
row with how many: a province's links fold into about 69,000 rows, and the dashboard reads
those instead, with the same rule (ledger/status.py ``COUNTS``). The moment judged at
only enters the filters (``next_due < :at``). BENCHMARKS.md says why the counts are kept:
the dashboard counting the links themselves did not meet its target at province scale.

"As of T" needs the links held at T, not now. Each month start (China Standard Time)
has such counts of its own, taken once the ledger has passed it (``ref`` is the month
start, or ``NOW`` for the links held now). As of T starts from one of the two
references around T, the one with fewer link versions opened in between, corrected by
the versions opened and closed between it and T (rm_task_unit_versions, through its
indexes on rec_from and rec_to): the counts and part of a month's changes, never the
whole history (projections/dashboard_counts.py).

Invariant: for every month start b up to the latest rec_from of any link version, the
rows at ``ref = b`` count the links held at b (rec_from <= b < rec_to); the rows at
``NOW`` count those with rec_to = OPEN. No row has n = 0. Recorded time never goes
backwards (ledger/clock.py), so a month start, once counted, never changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, text

from projections.base import metadata
from projections.moments import CLOSED, IN_FORCE, NOW, month_starts

NO_DUE = NOW  # the due of a link that is done, waived or has none: never "< at"

unit_tally = Table(
    "rm_unit_tally",
    metadata,
    Column("ref", BigInteger, primary_key=True),
    Column("unit", String(128), primary_key=True),
    Column("phase", String(10), primary_key=True),
    Column("next_due", BigInteger, primary_key=True),
    Column("n", Integer, nullable=False),
    # The rows are the key: on SQLite one B-tree, read in (ref, unit) order.
    sqlite_with_rowid=False,
)

Key = tuple[int, str, str, int]  # ref, unit, phase, due as counted


def counted_due(next_due: int | None) -> int:
    """The due a link is counted under: only a due of a link to do can make it overdue
    (a done or waived link has none)."""
    return NO_DUE if next_due is None else next_due


# The same as SQL, over a table of links or link versions.
_DUE = "coalesce(next_due, :no_due)"


def latest_from(conn: Connection) -> int | None:
    """The latest rec_from of any link version: month starts up to it have their counts."""
    found = conn.execute(text("SELECT max(rec_from) FROM rm_task_unit_versions")).scalar()
    return None if found is None else int(found)


def add(conn: Connection, changes: Counter[Key]) -> None:
    """Add ``changes`` to the counts; rows that come to 0 go."""
    moved = [
        {"ref": r, "unit": u, "phase": p, "next_due": d, "n": n}
        for (r, u, p, d), n in changes.items()
        if n
    ]
    if not moved:
        return
    conn.execute(
        text(
            "INSERT INTO rm_unit_tally (ref, unit, phase, next_due, n)"
            " VALUES (:ref, :unit, :phase, :next_due, :n)"
            " ON CONFLICT (ref, unit, phase, next_due)"
            " DO UPDATE SET n = rm_unit_tally.n + excluded.n"
        ),
        moved,
    )
    conn.execute(
        text(
            "DELETE FROM rm_unit_tally WHERE ref = :ref AND unit = :unit AND phase = :phase"
            " AND next_due = :next_due AND n = 0"
        ),
        moved,
    )


def recount(conn: Connection, starts: Sequence[int], newest: int) -> None:
    """Count the links held at each month start in ``starts`` afresh, from the next
    reference up (the next month start up to ``newest``, the latest rec_from, or now):
    the later starts first, so that each builds on one just made. Each costs the rows
    of that reference and the link versions of one month. The versions must be written.
    """
    for b in sorted(set(starts), reverse=True):
        later = month_starts(b, newest)
        # The reference and the moment it holds: NOW holds what rec_to = OPEN holds.
        above, upto = (later[0], later[0]) if later else (NOW, NOW - 1)
        conn.execute(text("DELETE FROM rm_unit_tally WHERE ref = :b"), {"b": b})
        conn.execute(
            text(
                "INSERT INTO rm_unit_tally (ref, unit, phase, next_due, n)"
                " SELECT :b, unit, phase, next_due, sum(n) FROM ("
                "  SELECT unit, phase, next_due, n FROM rm_unit_tally"
                "   WHERE ref = :above"
                f"  UNION ALL SELECT unit, phase, {_DUE}, -1"
                "   FROM rm_task_unit_versions WHERE rec_from > :b AND rec_from <= :upto"
                f"  UNION ALL SELECT unit, phase, {_DUE}, 1"
                "   FROM rm_task_unit_versions"
                f"   WHERE rec_to > :b AND rec_to <= :upto AND {CLOSED}"
                " ) AS moved GROUP BY unit, phase, next_due HAVING sum(n) <> 0"
            ),
            {"b": b, "above": above, "upto": upto, "no_due": NO_DUE},
        )


def fill(conn: Connection) -> None:
    """Every count, from link versions just replayed (the table holds nothing yet)."""
    conn.execute(
        text(
            "INSERT INTO rm_unit_tally (ref, unit, phase, next_due, n)"
            f" SELECT :now, unit, phase, {_DUE}, count(*)"
            f" FROM rm_task_unit_versions WHERE {IN_FORCE} GROUP BY 2, 3, 4"
        ),
        {"now": NOW, "no_due": NO_DUE},
    )
    first, newest = conn.execute(
        text("SELECT min(rec_from), max(rec_from) FROM rm_task_unit_versions")
    ).one()
    if first is not None:
        recount(conn, month_starts(int(first) - 1, int(newest)), int(newest))


def follow(
    conn: Connection,
    before: int | None,
    closed: Iterable[tuple[str, str, int | None]],
    opened: Sequence[dict[str, Any]],
) -> None:
    """Keep the counts after a batch of link versions was written.

    ``closed``: the links (unit, phase, next_due) no longer held now; ``opened``: the new
    link versions; ``before``: the latest rec_from before the batch (:func:`latest_from`).
    The links held now change by what was closed and opened; each month start the batch
    passed is counted, once.
    """
    changes: Counter[Key] = Counter()
    for unit, phase, due in closed:
        changes[(NOW, unit, phase, counted_due(due))] -= 1
    for link in opened:
        if link["rec_to"] == NOW:
            changes[(NOW, link["unit"], link["phase"], counted_due(link["next_due"]))] += 1
    add(conn, changes)
    if not opened:
        return
    newest = max(int(link["rec_from"]) for link in opened)
    if before is None:
        before = min(int(link["rec_from"]) for link in opened) - 1
    recount(conn, month_starts(before, newest), newest)
