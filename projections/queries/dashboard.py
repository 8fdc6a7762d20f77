"""The progress dashboard: per unit, section or plan — total, done, overdue, due soon, waived.

Now and as of a past moment it is one SQL aggregation over what the read models store:
each row's phase and operative due, counted with the rule of ledger/status.py
(``COUNTS``), judged at the moment asked about. As of T it reads the versions the ledger
held then (``rec_from <= T < rec_to``). The whole ledger by unit reads the unit links
counted ahead of time (projections/unit_tally.py), now and as of T. Valid at a past day,
each task is judged by the status rules in full, counting only what had happened by then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from ledger.status import COUNTS, WARNING_WINDOW, assess, due_soon
from projections.moments import CLOSED, IN_FORCE, NOW, month_after, month_start
from projections.queries.views import decoded, facts_of, judgement_moment
from projections.reader import Reader
from projections.task_rows import units_of

GROUPINGS = ("unit", "section", "plan")
NO_KEY = "(none)"  # tasks whose table gave them no section
FIGURES = ("total", "done", "overdue", "due_soon", "waived")


def _counts(agg: str, t: str) -> str:
    """The five counts of ``t``'s rows, each row counting for ``agg``: ``count(*)``, or
    ``sum(n)`` for rows of rm_unit_tally that stand for n links each."""
    # count(*) FILTER (WHERE …): SQLite steps an aggregate only for the rows that count;
    # coalesce, because a sum over no rows is NULL.
    counts = [f"{agg} AS total"]
    counts += [
        f"coalesce({agg} FILTER (WHERE {rule.format(t=t)}), 0) AS {name}"
        for name, rule in COUNTS.items()
    ]
    return ", ".join(counts)


def finish(key: str, total: int, done: int, overdue: int, soon: int, waived: int) -> dict[str, Any]:
    """One dashboard row from its counts."""
    live = total - waived
    return {
        "key": key or NO_KEY,
        "total": total,
        "done": done,
        "overdue": overdue,
        "due_soon": soon,
        "waived": waived,
        "percent_done": round(100.0 * done / live, 1) if live else 100.0,
        "light": "red" if overdue else "yellow" if soon else "green",
    }


def dashboard(
    reader: Reader,
    *,
    now: datetime,
    plan_id: str | None = None,
    by: str = "unit",
    as_of: datetime | None = None,
    valid_at: date | None = None,
    tz: str = "Asia/Shanghai",
    warn: timedelta = WARNING_WINDOW,
) -> list[dict[str, Any]]:
    """Rows ``{key, total, done, overdue, due_soon, waived, percent_done, light}`` by key."""
    if by not in GROUPINGS:
        raise ValueError(f"--by {by!r}: use one of {', '.join(GROUPINGS)}")
    if valid_at is not None:
        judged_at = judgement_moment(now, as_of, valid_at, tz)
        return _judged(reader, as_of or now, judged_at, valid_at, plan_id, by, warn)
    at = as_of or now
    moment = int(at.timestamp())
    params: dict[str, Any] = {"at": moment, "soon": int((at + warn).timestamp())}
    if by == "unit" and plan_id is None:
        sql = _tallied(reader, moment, params) if as_of else _TALLY
        params.setdefault("ref", NOW)
        return _finished(reader.tuples(sql, params), by)
    if by == "unit":
        # The unit links carry each task's standing: one table, one covering index.
        t = "rm_task_unit_versions"
        select, source, key = f"SELECT {t}.unit, 0, {_counts('count(*)', t)}", t, f"{t}.unit"
        where = [] if as_of else [IN_FORCE]
    else:
        t = "rm_task_versions" if as_of else "rm_tasks"
        key = f"{t}.section" if by == "section" else "rm_plans.ref"
        select = f'SELECT {key}, min({t}."row"), {_counts("count(*)", t)}'
        # The plans table is only joined when it gives the key.
        source = t + (f" JOIN rm_plans ON rm_plans.plan_id = {t}.plan_id" if by == "plan" else "")
        where = []
    if as_of:
        where.append(f"{t}.rec_to > :at AND {t}.rec_from <= :at")
    if plan_id is not None:
        where.append(f"{t}.plan_id = :plan_id")
        params["plan_id"] = plan_id
    sql = f"{select} FROM {source}"
    sql += (" WHERE " + " AND ".join(where) if where else "") + f" GROUP BY {key}"
    return _finished(reader.tuples(sql, params), by)


def _finished(found: Iterable[Sequence[Any]], by: str) -> list[dict[str, Any]]:
    """Dashboard rows from query rows (key, first row, then the five counts): sections in
    table order, units and plans by name (the same on every database)."""
    figures: dict[str, Sequence[Any]] = {}
    first_row: dict[str, int] = {}
    for row in found:  # tuples: a province has 11,469 units
        figures[str(row[0])], first_row[str(row[0])] = row[2:], int(row[1] or 0)
    keys = (
        sorted(first_row, key=lambda k: (first_row[k], k)) if by == "section" else sorted(first_row)
    )
    return [finish(k, *map(int, figures[k])) for k in keys]


def _judged(
    reader: Reader,
    moment: datetime,
    judged_at: datetime,
    valid_at: date | None,
    plan_id: str | None,
    by: str,
    warn: timedelta,
) -> list[dict[str, Any]]:
    sql = (
        "SELECT v.*, p.ref AS plan_ref FROM rm_task_versions v"
        " JOIN rm_plans p ON p.plan_id = v.plan_id"
        " WHERE v.rec_to > :at AND v.rec_from <= :at"
    )
    params: dict[str, Any] = {"at": int(moment.timestamp())}
    if plan_id is not None:
        sql += " AND v.plan_id = :plan_id"
        params["plan_id"] = plan_id
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    first_row: dict[str, int] = {}
    for found in reader.rows(sql, params):
        row = decoded(found)
        facts = facts_of(row, valid_at)
        for key, unit in _keys(row, by):
            standing = assess(facts, judged_at, warn, unit=unit)
            flags = (
                True,
                standing.status in ("done", "done_late"),
                standing.status == "overdue",
                due_soon(standing.status, standing.due, judged_at, warn),
                standing.status == "waived",
            )
            first_row[key] = min(first_row.get(key, row["row"]), row["row"])
            for i, flag in enumerate(flags):
                counts[key][i] += int(flag)
    return _finished(([k, first_row[k], *counts[k]] for k in counts), by)


def _keys(row: dict[str, Any], by: str) -> Iterable[tuple[str, str | None]]:
    """What a task counts under, and whose share judges it there (None: the task)."""
    if by == "unit":  # each lead unit by its own share; a helping unit by the task
        return [(u, u if role == "lead" else None) for u, role in units_of(row)]
    return [(row["section"] if by == "section" else row["plan_ref"], None)]


_TALLY = (
    f"SELECT unit AS grouped, 0 AS first_row, {_counts('sum(n)', 'rm_unit_tally')}"
    " FROM rm_unit_tally WHERE ref = :ref GROUP BY unit"
)


def _moved(sign: str, column: str) -> str:
    """The link versions whose ``column`` (rec_from or rec_to) falls in (:lo, :hi],
    counted by unit with ``sign``."""
    t = "rm_task_unit_versions"
    closed = f" AND {CLOSED}" if column == "rec_to" else ""  # the partial index's words
    return (
        f"SELECT unit AS grouped, 0 AS first_row, {_counts(f'{sign}count(*)', t)} FROM {t}"
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
        # range): work comes in bursts, such as the days before the year ends.
        if before <= after:
            ref, upto = earlier, earlier
    if ref <= moment:  # held then, plus what opened up to the moment, less what closed
        params.update(ref=ref, lo=ref, hi=moment)
        opened, closed = "", "-"
    else:  # held later, less what opened after the moment, plus what closed after it
        params.update(ref=ref, lo=moment, hi=upto)
        opened, closed = "-", ""
    # One statement: a version recorded meanwhile is in the counts or in the corrections.
    parts = " UNION ALL ".join((_TALLY, _moved(opened, "rec_from"), _moved(closed, "rec_to")))
    sums = ", ".join(f"sum({c})" for c in FIGURES)
    return (
        f"SELECT grouped, 0, {sums} FROM ({parts}) AS held GROUP BY grouped HAVING sum(total) > 0"
    )
