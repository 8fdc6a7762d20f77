"""Chinese numerals in deadline phrases -> Arabic digits ("十一月底前" -> "11月底前")."""

from __future__ import annotations

import re

_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100}

# Only numerals that count something are rewritten: a run followed by a unit word, or after
# 第/每/百分之. Everything else stays as written, because numerals are also parts of words
# ("统一", "一网通办") and of names ("十三五").
_NUM = "[〇零一二两三四五六七八九十百]+"
_UNIT_AFTER = "年|月|日|号|天|周|星期|个|次|场|期|篇|条|项|家|小时|季|旬|%"
_RUN = re.compile(rf"(?:(?<=第)|(?<=每)|(?<=百分之))({_NUM})|({_NUM})(?=(?:{_UNIT_AFTER}))")
_PERCENT_WORD = re.compile(r"百分之(\d+(?:\.\d+)?)")
_NAMED_PLAN = re.compile(r"十[一二三四五六七八九]五")


def cn_to_int(numeral: str) -> int | None:
    """Value of a Chinese numeral: "十一" -> 11, "三十" -> 30, "二〇一八" -> 2018."""
    if not numeral or any(c not in _DIGITS and c not in _UNITS for c in numeral):
        return None
    if not any(c in _UNITS for c in numeral):
        # Written digit by digit, as years are: 二〇一八.
        return int("".join(str(_DIGITS[c]) for c in numeral))
    total, current = 0, 0
    for c in numeral:
        if c in _DIGITS:
            current = _DIGITS[c]
        else:
            total += (current or 1) * _UNITS[c]
            current = 0
    return total + current


def _replace(match: re.Match[str]) -> str:
    run = match.group(1) or match.group(2)
    value = cn_to_int(run)
    return str(value) if value is not None else run


def arabize(phrase: str) -> str:
    """Rewrite counting numerals as digits; leave words and plan names ("十三五") alone."""
    protected = {m.start(): m.group() for m in _NAMED_PLAN.finditer(phrase)}
    if protected:
        # Split around the plan names so "十三五时期" is never read as 135.
        parts, last = [], 0
        for start, name in sorted(protected.items()):
            parts.append(_RUN.sub(_replace, phrase[last:start]))
            parts.append(name)
            last = start + len(name)
        parts.append(_RUN.sub(_replace, phrase[last:]))
        phrase = "".join(parts)
    else:
        phrase = _RUN.sub(_replace, phrase)
    return _PERCENT_WORD.sub(r"\1%", phrase)
