"""What the ledger accepts as text and as time, the same for every store and every input.

Text: no control characters but tab and line break (a NUL is refused by PostgreSQL and
kept by SQLite; an escape sequence rewrites the terminal it is shown on), no unpaired
surrogates (bytes that were not UTF-8), and at most Excel's cell limit, so whatever the
ledger holds can be exported to a spreadsheet cell again. Time: between 1900 and 8999,
so every instant plus any warning window or offset is still a date.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

MAX_TEXT = 32767  # characters: what one Excel cell holds
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
# The control characters (Unicode category Cc) but tab and line feed, and surrogates.
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be kept as text, or None when it can."""
    if len(value) > MAX_TEXT:
        return f"{len(value):,} characters; a text holds at most {MAX_TEXT} (Excel's cell limit)"
    found = _REFUSED.search(value)
    if found is None:
        return None
    char = found.group()
    if 0xD800 <= ord(char) <= 0xDFFF:
        return "the text is not valid UTF-8"
    return f"control character U+{ord(char):04X} is not allowed"
