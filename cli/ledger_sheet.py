"""The 台账 a leader reads: a plan's breakdown table with where each task and each lead
unit's share stands, as an XLSX workbook (`plan export -o X.xlsx`).

The first sheet is the table itself — title row, frozen header, set widths, wrapped text,
real Excel dates, Chinese status words on red, yellow or green — with each share's status
and its latest report; the second is the dashboard by unit. Its headers are the importer's,
so importing an exported 台账 records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

# What a status is called in what people read.
STATUS_WORDS = {
    "done": "已完成",
    "done_late": "逾期完成",
    "in_progress": "进行中",
    "open": "未开始",
    "overdue": "已逾期",
    "waived": "已豁免",
    "no_deadline": "持续推进",
}
COLUMNS = [  # (header, width in characters)
    ("序号", 7),
    ("项目", 18),
    ("工作任务", 50),
    ("牵头单位", 18),
    ("配合单位", 18),
    ("完成时限", 14),
    ("截止时间", 12),
    ("状态", 10),
    ("各牵头单位进展", 30),
    ("最新报告", 40),
    ("报告次数", 8),
    ("完成日期", 12),
]
STATUS_COLUMN = COLUMNS.index(("状态", 10)) + 1
DASHBOARD = [
    ("单位", 30),
    ("任务数", 8),
    ("已完成", 8),
    ("已逾期", 8),
    ("即将到期", 10),
    ("完成率(%)", 10),
]


def write(
    path: Path,
    title: str,
    tasks: Sequence[dict[str, Any]],
    dashboard: Sequence[dict[str, Any]],
) -> None:
    """``tasks``: each task's fields (cli/plans.py ``_ledger_rows``); ``dashboard``: the
    rows of the dashboard by unit."""
    from openpyxl import Workbook

    from cli.sheets import BODY, DAY, FILLS, titled_sheet

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    titled_sheet(sheet, title, COLUMNS, [_record(t) for t in tasks])
    for row, task in enumerate(tasks, start=3):
        sheet.cell(row=row, column=7).style = DAY
        sheet.cell(row=row, column=12).style = DAY
        if task["light"] in FILLS:
            sheet.cell(row=row, column=STATUS_COLUMN).style = f"{BODY}-{task['light']}"
    units = book.create_sheet("按单位统计")
    titled_sheet(
        units,
        "按牵头单位统计",
        DASHBOARD,
        [
            [d["key"], d["total"], d["done"], d["overdue"], d["due_soon"], d["percent_done"]]
            for d in dashboard
        ],
    )
    book.save(path)


def _record(task: dict[str, Any]) -> list[Any]:
    return [
        task["code"],
        task["section"],
        task["content"],
        "、".join(task["lead_units"]),
        "、".join(task["co_units"]),
        task["deadline_text"],
        _day(task["due"]),
        STATUS_WORDS.get(task["status"], task["status"]),
        "\n".join(f"{unit}：{STATUS_WORDS.get(s, s)}" for unit, s in task["shares"]),
        "\n".join(task["latest"]),
        task["reports"],
        _day(task["completed_on"]),
    ]


def _day(value: Any) -> date | None:
    """A date Excel keeps as a date (an ISO day or instant, as the read side gives it)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
