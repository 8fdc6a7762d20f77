"""What people are told: one digest per recipient and round, listing the alerts that fell due.

A person who was away for a fortnight gets one message listing what fell due meanwhile,
not one per alert. The words are Chinese and written once, when the digest is built, so
every channel and every retry of the same digest sends the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

KIND_LABELS = {
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "escalation": "逾期升级督办",
    "rectify_soon": "整改即将到期",
    "rectify_overdue": "整改逾期",
    "rectify_escalate": "整改逾期升级督办",
}
# The order a digest lists its items in: what needs acting on most first.
_SEVERITY = {
    "escalation": 0,
    "rectify_escalate": 0,
    "overdue": 1,
    "rectify_overdue": 1,
    "due_soon": 2,
    "rectify_soon": 2,
}
DEFAULT_TZ = "Asia/Shanghai"


def _one_line(value: str) -> str:
    """Collapse line breaks and runs of spaces: robots and consoles show one line."""
    return " ".join(value.split())


def days_overdue(due: datetime, at: datetime) -> int:
    """Whole days overdue, counted as ``ledger.status.assess`` does (1 from the first second)."""
    return max(1, (at - due).days + 1)


@dataclass(frozen=True)
class Item:
    """One alert as a digest lists it."""

    alert_id: str
    kind: str
    task_ref: str
    title: str
    lead_units: tuple[str, ...]
    due: datetime
    raised_at: datetime
    tz: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        # The id goes into mail and HTTP headers, where a line break would start a header.
        if not self.alert_id.strip():
            raise ValueError("an item needs a non-empty alert_id: it is the dedup key")
        if any(ch in self.alert_id for ch in "\r\n\0"):
            raise ValueError(f"alert_id must be a single line, got {self.alert_id!r}")
        if self.kind not in KIND_LABELS:
            raise ValueError(f"unknown alert kind {self.kind!r}")
        for name in ("due", "raised_at"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")

    @property
    def text(self) -> str:
        """The Chinese sentence for this alert, times in the task's zone."""
        zone = ZoneInfo(self.tz)
        local_due = self.due.astimezone(zone)
        when = local_due.strftime("%Y-%m-%d %H:%M")
        head = f"任务 {_one_line(self.task_ref)}「{_one_line(self.title)}」"
        units = "、".join(_one_line(u) for u in self.lead_units)
        lead = f"，牵头单位：{units}" if units else ""
        if self.kind in ("due_soon", "rectify_soon"):
            days_left = (local_due.date() - self.raised_at.astimezone(zone).date()).days
            left = f"还有{days_left}天" if days_left > 0 else "今天到期"
            what = "抽查发现问题的整改" if self.kind == "rectify_soon" else ""
            return f"{head}{what}将于 {when} 到期（{left}）{lead}"
        late = days_overdue(self.due, self.raised_at)
        if self.kind in ("rectify_overdue", "rectify_escalate"):
            up = "，逾期升级督办" if self.kind == "rectify_escalate" else ""
            return f"{head}抽查发现问题的整改已逾期{late}天{up}（应于 {when} 前整改到位）{lead}"
        if self.kind == "overdue":
            return f"{head}已逾期{late}天（应于 {when} 前完成）{lead}"
        return f"{head}已逾期{late}天，逾期升级督办（应于 {when} 前完成）{lead}"

    def to_json(self) -> dict[str, object]:
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "task": self.task_ref,
            "title": self.title,
            "lead_units": list(self.lead_units),
            "due": self.due.isoformat(),
            "raised_at": self.raised_at.isoformat(),
            "text": self.text,
        }


@dataclass(frozen=True)
class Digest:
    """The alerts one recipient is told about at once, most pressing first."""

    items: tuple[Item, ...]

    @classmethod
    def of(cls, items: Sequence[Item]) -> Digest:
        if not items:
            raise ValueError("a digest lists at least one alert")
        ordered = sorted(items, key=lambda i: (_SEVERITY[i.kind], i.due, i.task_ref, i.alert_id))
        return cls(tuple(ordered))

    @property
    def digest_id(self) -> str:
        """The same for the same alerts: receivers can drop a repeated digest by it."""
        return str(uuid5(NAMESPACE_URL, "taizhang-digest:" + ",".join(sorted(self.alert_ids))))

    @property
    def alert_ids(self) -> list[str]:
        return [i.alert_id for i in self.items]

    @property
    def raised_at(self) -> datetime:
        return max(i.raised_at for i in self.items)

    @property
    def subject(self) -> str:
        """A headline such as 【台账】3项提醒：已逾期2项、逾期升级督办1项."""
        counts = {k: sum(1 for i in self.items if i.kind == k) for k in _SEVERITY}
        parts = "、".join(f"{KIND_LABELS[k]}{n}项" for k, n in counts.items() if n)
        return f"【台账】{len(self.items)}项提醒：{parts}"

    def text(self, limit: int | None = None) -> str:
        """The subject, then one numbered line per alert; with ``limit`` (bytes of UTF-8,
        for robots that cap a message), as many lines as fit and a count of the rest."""
        lines = [self.subject]
        for n, item in enumerate(self.items, 1):
            line = f"{n}. {item.text}"
            rest = len(self.items) - n + 1
            if limit is not None and _size([*lines, line, _more(rest)]) > limit:
                lines.append(_more(rest))
                break
            lines.append(line)
        return "\n".join(lines)


def _more(count: int) -> str:
    return f"……另有{count}项，请登录台账查看"


def _size(lines: list[str]) -> int:
    return len("\n".join(lines).encode("utf-8"))
