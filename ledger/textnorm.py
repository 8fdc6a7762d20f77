"""Normalise the text of plan documents and tables before anything reads it.

Real plans come in simplified or traditional characters, with full-width digits and
brackets, stray spaces, and sometimes the pinyin that a few sites insert after each
traditional character ("年內(nèi)"). Everything that parses such text calls
:func:`normalize` first, so the parsers only ever see one spelling.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

# A run of lowercase pinyin (with tone marks) in brackets right after a CJK character:
# "關(guān)" -> "關". Upper-case acronyms such as "(PPP)" are left alone.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ"
_PINYIN_AFTER_HAN = re.compile(rf"(?<=[\u3400-\u9fff])[(（]([a-z{_TONED}]{{1,6}})[)）]")

# Full-width brackets, digits, Latin letters, % and the ideographic space are folded by hand: NFKC
# would also rewrite the Chinese punctuation (，、；：。) that content keeps as written.
_FOLD = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "　": " ",
        "％": "%",
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
    }
)


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def strip_pinyin(text: str) -> str:
    """Drop pinyin glosses that follow Chinese characters."""
    return _PINYIN_AFTER_HAN.sub("", text)


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified (no-op on simplified text)."""
    return str(_t2s().convert(text))


def fold_width(text: str) -> str:
    """Fold full-width digits, letters, brackets, % and spaces to their ASCII forms."""
    return unicodedata.normalize("NFC", text).translate(_FOLD)


def normalize(text: str) -> str:
    """One spelling for everything: no pinyin glosses, simplified, half-width."""
    return to_simplified(fold_width(strip_pinyin(text)))


def squeeze(text: str) -> str:
    """Remove all white space (tables and phrases often carry stray spaces)."""
    return "".join(text.split())
