"""Placeholder: being replaced by the full parser (see the deadlines issue)."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ledger.deadlines.spec import DeadlineSpec
from ledger.textnorm import normalize, squeeze

PARSER_VERSION = 1


def parse_deadline(
    text: str,
    *,
    year: int | None = None,
    issued_on: date | None = None,
    tz: str = "Asia/Shanghai",
    calendar: Any = None,
) -> DeadlineSpec:
    phrase = squeeze(normalize(text))
    if not phrase:
        return DeadlineSpec(text=text, kind="none", tz=tz)
    m = re.fullmatch(r"(\d{1,2})月底前", phrase)
    if m and year:
        month = int(m.group(1))
        day = monthrange(year, month)[1]
        due = datetime.combine(date(year, month, day), time(23, 59, 59), ZoneInfo(tz))
        return DeadlineSpec(text=text, kind="fixed", due=due, tz=tz)
    return DeadlineSpec(text=text, kind="unparsed", tz=tz)
