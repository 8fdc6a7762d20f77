"""Tasks as read commands show them: a read-model row and its standing at a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledger.status import Facts, ShareFacts, Standing
from projections.reader import from_json

PLAN_FIELDS = ("ref", "title", "issuer", "doc_no", "year", "issued_on", "tz")
STATUSES = ("open", "in_progress", "done", "done_late", "overdue", "waived", "no_deadline")


def _instant(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def title_of(content: str, width: int = 40) -> str:
    """A short title: the content's first clause, cut to ``width`` characters."""
    first = content.split("。", 1)[0].split("\n", 1)[0]
    return first if len(first) <= width else first[: width - 1] + "…"


@dataclass(frozen=True)
class TaskView:
    """One task as listed: its row plus its standing at the moment asked about."""

    row: dict[str, Any]
    plan_ref: str
    standing: Standing

    @property
    def ref(self) -> str:
        return f"{self.plan_ref}/{self.row['code']}"

    def to_json(self) -> dict[str, Any]:
        r = self.row
        due = self.standing.due
        return {
            "id": r["task_id"],
            "ref": self.ref,
            "plan": self.plan_ref,
            "code": r["code"],
            "title": title_of(r["content"]),
            "content": r["content"],
            "section": r["section"],
            "lead_units": list(r["lead_units"]),
            "co_units": list(r["co_units"]),
            "deadline_text": r["deadline_text"],
            "deadline_kind": r["deadline_kind"],
            "due": due.isoformat() if due else None,
            "period": self.standing.period,
            "status": self.standing.status,
            "light": self.standing.light,
            "days_overdue": self.standing.days_overdue,
            "progress": {"done": r["quantity_done"], "target": r["target_min"]},
            "reports": r["reports"],
            "last_report_on": r["last_report_on"],
            "completed_on": r["completed_on"],
            "provisional": bool(r["provisional"]),
        }


_JSON = (
    "lead_units",
    "co_units",
    "shares",
    "helping",
    "occurrences",
    "report_log",
    "whole_periods",
)
_FLAGS = ("provisional", "done_late", "waived")  # 0/1 on SQLite


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A task row as the read path hands it over, its JSON and flags as Python values."""
    for column in _JSON:
        row[column] = from_json(row[column])
    for column in _FLAGS:
        row[column] = bool(row[column])
    return row


def _by(valid_at: date | None, day: str | None) -> date | None:
    """``day`` as a date if it had come by ``valid_at`` (any day without one)."""
    found = _day(day)
    return found if found is None or valid_at is None or found <= valid_at else None


def _periods(log: list[list[str]], valid_at: date | None) -> dict[str, date]:
    return {p: d for p, d in ((p, _by(valid_at, d)) for p, d, *_ in log) if d is not None}


def facts_of(row: dict[str, Any], valid_at: date | None = None) -> Facts:
    """A read-model row as status facts; with ``valid_at``, only what had happened by then."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(row["tz"])
    due = _instant(row["due"])
    reports = row["report_log"]
    if valid_at is not None:
        cutoff = valid_at.isoformat()
        reports = [r for r in reports if r[0] <= cutoff]
    occurrences = [] if row["due_override"] is not None else row["occurrences"]
    shares = [
        ShareFacts(
            unit=unit,
            due=_in(zone, _instant(share["due_override"])),
            completed_on=_by(valid_at, share["completed_on"]),
            completed_periods=_periods(share["periods"], valid_at),
            reports=sum(1 for r in reports if r[2:] == [unit]),
        )
        for unit, share in row["shares"].items()
    ]
    return Facts(
        due=_in(zone, due),
        tz=row["tz"],
        occurrences=[(p, datetime.fromtimestamp(d, tz=zone)) for p, d in occurrences],
        completed_on=_by(valid_at, row["whole_on"]),
        completed_periods=_periods(row["whole_periods"], valid_at),
        shares=shares,
        waived=bool(row["waived"]),
        reports=len(reports),
        target_min=row["target_min"],
        target_by=_instant(row["target_by"]),
        quantity_done=float(sum(r[1] for r in reports)),
        start=_instant(row["defined_at"]),
    )


def _in(zone: Any, moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


def judgement_moment(
    now: datetime, as_of: datetime | None, valid_at: date | None, tz: str
) -> datetime:
    """When tasks are judged: at ``as_of`` (or now), or at the end of ``valid_at`` if earlier."""
    from datetime import time
    from zoneinfo import ZoneInfo

    moment = as_of if as_of is not None else now
    if valid_at is not None:
        return min(moment, datetime.combine(valid_at, time(23, 59, 59), ZoneInfo(tz)))
    return moment


def due_within(standing: Standing, now: datetime, window: timedelta) -> bool:
    if standing.due is None or standing.status in ("done", "done_late", "waived"):
        return False
    return now <= standing.due <= now + window


def plan_item(row: dict[str, Any]) -> dict[str, Any]:
    """A plans read-model row as `plan list` shows it."""
    return {"id": row["plan_id"], **{f: row[f] for f in PLAN_FIELDS}, "tasks": row["tasks"]}
