"""The notice a channel delivers: one alert about one task, with its text already written.

The scheduler raises an alert as a ledger fact and turns it into a :class:`Notice`. The
text is rendered once, when the notice is built, so every channel and every retry sends
the same words, and a receiver that dedupes by alert id sees identical copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

KIND_LABELS = {
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "escalation": "逾期升级督办",
}

DEFAULT_TZ = "Asia/Shanghai"


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _one_line(value: str) -> str:
    """Collapse line breaks and runs of spaces: robots and consoles show one line."""
    return " ".join(value.split())


def days_overdue(due: datetime, at: datetime) -> int:
    """Whole days overdue, counted as ``ledger.status.assess`` does (1 from the first second)."""
    return (at - due).days + 1


def render_text(
    kind: str,
    task_ref: str,
    title: str,
    unit: str,
    due: datetime,
    raised_at: datetime,
    tz: str = DEFAULT_TZ,
) -> str:
    """The Chinese sentence for an alert, worded for its kind.

    Times are shown in the task's time zone; "还有N天" counts calendar days there, so an
    alert raised on the 30th about a task due at 23:59 on the 31st says 还有1天.
    """
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown notice kind {kind!r}; expected one of {sorted(KIND_LABELS)}")
    _require_aware("due", due)
    _require_aware("raised_at", raised_at)
    zone = ZoneInfo(tz)
    local_due = due.astimezone(zone)
    when = local_due.strftime("%Y-%m-%d %H:%M")
    head = f"任务 {task_ref}「{_one_line(title)}」"
    lead = f"，牵头单位：{_one_line(unit)}" if unit.strip() else ""

    if kind == "due_soon":
        if raised_at > due:
            raise ValueError(f"a due_soon notice for {task_ref} was raised after its due time")
        days_left = (local_due.date() - raised_at.astimezone(zone).date()).days
        left = f"还有{days_left}天" if days_left > 0 else "今天到期"
        return f"【台账提醒】{head}将于 {when} 到期（{left}）{lead}"

    if raised_at <= due:
        raise ValueError(f"a {kind} notice for {task_ref} was raised before its due time")
    late = days_overdue(due, raised_at)
    if kind == "overdue":
        return f"【台账提醒】{head}已逾期{late}天（应于 {when} 前完成）{lead}"
    return f"【台账督办】{head}已逾期{late}天，逾期升级督办（应于 {when} 前完成）{lead}"


@dataclass(frozen=True)
class Notice:
    """One alert, ready to send. ``alert_id`` is the dedup key across retries and channels."""

    alert_id: str
    kind: str
    task_ref: str
    title: str
    unit: str
    due: datetime
    raised_at: datetime
    text: str

    def __post_init__(self) -> None:
        if not self.alert_id.strip():
            raise ValueError("a notice needs a non-empty alert_id: it is the dedup key")
        if self.kind not in KIND_LABELS:
            raise ValueError(
                f"unknown notice kind {self.kind!r}; expected one of {sorted(KIND_LABELS)}"
            )
        # Both go into mail headers and HTTP headers, where a line break would let a
        # value start a header of its own.
        for name in ("alert_id", "task_ref"):
            value = getattr(self, name)
            if any(ch in value for ch in "\r\n\0"):
                raise ValueError(f"{name} must be a single line, got {value!r}")
        _require_aware("due", self.due)
        _require_aware("raised_at", self.raised_at)

    @classmethod
    def build(
        cls,
        *,
        alert_id: str,
        kind: str,
        task_ref: str,
        title: str,
        unit: str,
        due: datetime,
        raised_at: datetime,
        tz: str = DEFAULT_TZ,
    ) -> Notice:
        """A notice whose text is rendered from its fields by :func:`render_text`."""
        text = render_text(kind, task_ref, title, unit, due, raised_at, tz)
        return cls(alert_id, kind, task_ref, title, unit, due, raised_at, text)

    @property
    def subject(self) -> str:
        """A short headline from the kind and the task reference, e.g. for a mail subject."""
        return f"【台账】{KIND_LABELS[self.kind]}：{self.task_ref}"
