"""The dashboard's counts, now or as of a past moment: one SQL aggregation, in plain SQL.

Per unit, section or plan: total, done, overdue, due soon, waived. The operative due
time and the lateness are stored on each row, so only the moment judged at is left to
the query. As of T it reads the versions the ledger held then (rec_from <= T < rec_to)
through the same covering indexes. The whole ledger by unit reads the links counted
ahead of time instead (projections/unit_tally.py), now and as of T. Plain SQL
(projections/reader.py), so a dashboard on a current SQLite store starts without
SQLAlchemy; `valid_at` needs each task judged by the status rules, and is answered in
projections/dashboard.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from ledger.status import WARNING_WINDOW
from projections.moments import CLOSED, NOW, month_after, month_start
from projections.reader import Reader

GROUPINGS = ("unit", "section", "plan")
NO_KEY = "(none)"  # tasks whose table gave them no section

def _counts(agg: str, t: str, done: str) -> str:
    """The five counts of ``t``'s rows, each row counting for ``agg``: ``count(*)`` for
    links, ``sum(n)`` for rows of rm_unit_tally that stand for n links each, negated
    for links taken away. ``done`` is the condition a row's completion takes: a flag on
    the unit links, a day on the task rows."""
    # count(*) FILTER (WHERE …) rather than sum(CASE …): SQLite evaluates no CASE per row
    # and steps an aggregate only for the rows that count (half the time at city scale).
    # A flag stands as a condition by itself (1 and 0 on SQLite, booleans on PostgreSQL),
    # and a NULL due is never < or BETWEEN: the fewest steps per row.
    live = f"NOT ({done}) AND NOT {t}.waived"
    filters = {
        "done": f"{done} AND NOT {t}.waived",
        "overdue": f"{t}.next_due < :at AND {live}",
        "due_soon": f"{t}.next_due BETWEEN :at AND :soon AND {live}",
        "waived": f"{t}.waived",
    }
    # coalesce: a sum over no rows is NULL (a count is 0); once per group, not per row.
    counts = [f"{agg} AS total"]
    counts += [f"coalesce({agg} FILTER (WHERE {c}), 0) AS {n}" for n, c in filters.items()]
    return ",\n  ".join(counts)


def light(overdue: int, due_soon: int) -> str:
    return "red" if overdue else "yellow" if due_soon else "green"


def finish(
    key: str, total: int, done: int, overdue: int, due_soon: int, waived: int
) -> dict[str, Any]:
    """One dashboard row from its counts."""
    live = total - waived
    return {
        "key": key or NO_KEY,
        "total": total,
        "done": done,
        "overdue": overdue,
        "due_soon": due_soon,
        "waived": waived,
        "percent_done": round(100.0 * done / live, 1) if live else 100.0,
        "light": light(overdue, due_soon),
    }


def ordered(first_row: dict[str, int], by: str) -> list[str]:
    """Sections in table order; units and plans by name (the same on every database)."""
    if by == "section":
        return sorted(first_row, key=lambda k: (first_row[k], k))
    return sorted(first_row)


def counted(
    reader: Reader,
    *,
    at: datetime,
    plan_id: str | None = None,
    by: str = "unit",
    as_of: bool = False,
    warn: timedelta = WARNING_WINDOW,
) -> list[dict[str, Any]]:
    """Rows ``{key, total, done, overdue, due_soon, waived, percent_done, light}`` judged
    at ``at``: of the current rows, or with ``as_of`` of those the ledger held at ``at``."""
    if by not in GROUPINGS:
        raise ValueError(f"--by {by!r}: use one of {', '.join(GROUPINGS)}")
    moment = int(at.timestamp())
    params: dict[str, Any] = {"at": moment, "soon": int((at + warn).timestamp())}
    where = []
    if by == "unit" and plan_id is None:
        # The whole ledger: the links counted ahead of time (projections/unit_tally.py).
        if as_of:
            sql = _tallied(reader, moment, params)
        else:
            sql, params["ref"] = _TALLY, NOW
        return _finished(reader.tuples(sql, params), by)
    if by == "unit":
        # The unit links carry each task's standing: one table, one covering index.
        t = "rm_task_unit_versions" if as_of else "rm_task_units"
        select = f"SELECT {t}.unit AS grouped, 0 AS first_row, "
        select += _counts("count(*)", t, f"{t}.completed")
        source, key = t, f"{t}.unit"
    else:
        t = "rm_task_versions" if as_of else "rm_tasks"
        counts = _counts("count(*)", t, f"{t}.completed_on IS NOT NULL")
        key = f"{t}.section" if by == "section" else "rm_plans.ref"
        select = f'SELECT {key} AS grouped, min({t}."row") AS first_row, {counts}'
        # The plans table is only joined when it gives the key.
        source = t + (f" JOIN rm_plans ON rm_plans.plan_id = {t}.plan_id" if by == "plan" else "")
    if as_of:
        where.append(f"{t}.rec_to > :at AND {t}.rec_from <= :at")
    if plan_id is not None:
        where.append(f"{t}.plan_id = :plan_id")
        params["plan_id"] = plan_id
    sql = f"{select} FROM {source}"
    sql += (" WHERE " + " AND ".join(where) if where else "") + f" GROUP BY {key}"
    return _finished(reader.tuples(sql, params), by)


def _finished(found: Iterable[Sequence[Any]], by: str) -> list[dict[str, Any]]:
    """Dashboard rows from query rows (key, first row, then the five counts).

    Tuples, not a dict per row: a province has 11,469 units, and dicts took a third as
    long as the query itself.
    """
    figures: dict[str, Sequence[Any]] = {}
    first_row: dict[str, int] = {}
    for row in found:
        figures[str(row[0])], first_row[str(row[0])] = row[2:], int(row[1] or 0)
    return [finish(k, *map(int, figures[k])) for k in ordered(first_row, by)]


_TALLY = (
    "SELECT unit AS grouped, 0 AS first_row, "
    + _counts("sum(n)", "rm_unit_tally", "rm_unit_tally.completed")
    + " FROM rm_unit_tally WHERE ref = :ref GROUP BY unit"
)


def _moved(sign: str, column: str) -> str:
    """The link versions whose ``column`` (rec_from or rec_to) falls in (:lo, :hi],
    counted by unit with ``sign``."""
    t = "rm_task_unit_versions"
    counts = _counts(f"{sign}count(*)", t, f"{t}.completed")
    closed = f" AND {CLOSED}" if column == "rec_to" else ""  # see the index's words
    return (
        f"SELECT unit AS grouped, 0 AS first_row, {counts} FROM {t}"
        f" WHERE {column} > :lo AND {column} <= :hi{closed} GROUP BY unit"
    )


# What chooses the reference for a moment, in one round trip: the latest rec_from of any
# link version, and how many versions were opened in the moment's month up to it and
# after it (counted only when the moment is before the latest: they are not needed then).
_CHOICE = """
SELECT latest,
  (SELECT count(*) FROM rm_task_unit_versions
    WHERE rec_from > :earlier AND rec_from <= :at AND :at < latest),
  (SELECT count(*) FROM rm_task_unit_versions
    WHERE rec_from > :at AND rec_from <= :later AND :at < latest)
FROM (SELECT max(rec_from) AS latest FROM rm_task_unit_versions) AS found
"""


def _tallied(reader: Reader, moment: int, params: dict[str, Any]) -> str:
    """The query for the links held at ``moment``: the counts of a reference around it
    (a month start, or now), corrected by the versions opened and closed in between.
    Sets its parameters: :ref, and the range (:lo, :hi] between it and the moment.
    """
    earlier, later = month_start(moment), month_after(moment)
    choice = {"at": moment, "earlier": earlier, "later": later}
    latest, before, after = reader.tuples(_CHOICE, choice)[0]
    ref, upto = NOW, NOW - 1  # NOW holds what is held at the end of time
    if latest is not None and moment < latest:
        if later <= latest:  # counted once the ledger passed it
            ref, upto = later, later
        # The reference with fewer versions opened in between (a count over an index
        # range): work comes in bursts, such as the days before the year ends. No
        # version is opened after the latest, so the month's rest counts up to it.
        if before <= after:
            ref, upto = earlier, earlier
    if ref <= moment:  # held then, plus what opened up to the moment, less what closed
        params.update(ref=ref, lo=ref, hi=moment)
        opened, closed = "", "-"
    else:  # held later, less what opened after the moment, plus what closed after it
        params.update(ref=ref, lo=moment, hi=upto)
        opened, closed = "-", ""
    # One statement: a version recorded meanwhile is in the counts or in the corrections.
    parts = " UNION ALL ".join(
        (_TALLY, _moved(opened, "rec_from"), _moved(closed, "rec_to"))
    )
    sums = ", ".join(f"sum({c})" for c in ("total", "done", "overdue", "due_soon", "waived"))
    return (
        f"SELECT grouped, 0, {sums} FROM ({parts}) AS held GROUP BY grouped HAVING sum(total) > 0"
    )
