"""Throughput of the deadline parser and of due-date arithmetic.

``run()`` parses a realistic mix of table phrases (simplified and traditional, dates,
offsets, recurring and ongoing duties, targets) and resolves relative deadlines from many
trigger instants, timing both with :func:`time.perf_counter`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

from ledger.deadlines import DeadlineSpec, parse_deadline
from ledger.deadlines.calendar import default_calendar

# Roughly the mix of a county's task table: mostly dates, then duties and offsets.
PHRASES: tuple[str, ...] = (
    "11月底前",
    "12月底前",
    "6月30日前",
    "年底前",
    "年内",
    "8月底前",
    "于8月底前理顺相关工作机构",
    "十一月底前",
    "11 月底前",
    "２０１８年底前",
    "2019年6月底前",
    "3月上旬前",
    "6月份前",
    "“十三五”时期末",
    "年內(nèi)不少于5次",
    "年内不少于5次",
    "不低于50%",
    "權重不低於4%",
    "每月",
    "按月",
    "每季度",
    "按季度",
    "每周",
    "每5日",
    "每年",
    "按年度",
    "每月29日前",
    "每季度结束后15日内",
    "定期",
    "持续推进",
    "持續推進",
    "长期坚持",
    "常态化",
    "本要点印发后30日内",
    "本要點印發後30日內",
    "征求意见结束后1个月内",
    "信息形成或者变更之日起5个工作日内",
    "5个工作日内",
    "最遲在5小時內",
    "48小时内",
    "2018年底前完成并持续落实",
    "6月底前建立，每季度更新",
    "无",
    "—",
    "及时",
    "各地区各部门要结合实际，制定具体实施方案，并于6月30日前报市政府办公厅备案",
)
RELATIVE: tuple[str, ...] = (
    "30日内",
    "5个工作日内",
    "10个工作日内",
    "1个月内",
    "5小时内",
    "15天内",
    "3个月内",
)


def _parse_inputs(n: int, rng: random.Random) -> list[tuple[str, int, date | None]]:
    inputs = []
    for _ in range(n):
        year = rng.randint(2016, 2026)
        issued = date(year, 1, 1) + timedelta(days=rng.randint(0, 200))
        inputs.append((rng.choice(PHRASES), year, issued if rng.random() < 0.5 else None))
    return inputs


def _resolve_inputs(n: int, rng: random.Random) -> list[tuple[DeadlineSpec, datetime]]:
    specs = [parse_deadline(p) for p in RELATIVE]
    tz = ZoneInfo("Asia/Shanghai")
    base = datetime(2016, 1, 1, tzinfo=tz)
    return [
        (rng.choice(specs), base + timedelta(minutes=rng.randint(0, 11 * 365 * 24 * 60)))
        for _ in range(n)
    ]


def run(n: int = 20000) -> dict[str, float]:
    """Phrases parsed per second and due dates computed per second, over ``n`` of each."""
    rng = random.Random(20240926)
    parse_inputs = _parse_inputs(n, rng)
    resolve_inputs = _resolve_inputs(n, rng)
    calendar = default_calendar()
    parse_deadline("预热", year=2017)  # load OpenCC and the holiday data outside the timing

    began = perf_counter()
    for text, year, issued_on in parse_inputs:
        parse_deadline(text, year=year, issued_on=issued_on, calendar=calendar)
    parse_seconds = perf_counter() - began

    began = perf_counter()
    for spec, start in resolve_inputs:
        spec.resolve(start, calendar)
    resolve_seconds = perf_counter() - began

    return {
        "phrases_per_s": n / parse_seconds if parse_seconds else float("inf"),
        "due_dates_per_s": n / resolve_seconds if resolve_seconds else float("inf"),
    }


if __name__ == "__main__":
    print(run())
