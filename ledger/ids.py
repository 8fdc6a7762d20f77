"""Deterministic identities: the same plan or task always gets the same id.

Ids derive from what identifies a thing in the real world, so importing the same
table twice finds the same aggregates instead of creating new ones.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from ledger.textnorm import squeeze

# A fixed namespace for every id this ledger derives; never change it.
NAMESPACE = UUID("6f1c3f53-7a0e-5d4e-9a57-7461697a6861")


def plan_id(*, issuer: str, doc_no: str = "", title: str = "", year: int | None = None) -> UUID:
    """A plan is its issuer and document number, or failing that its title and year."""
    if doc_no.strip():
        return uuid5(NAMESPACE, f"plan|{squeeze(issuer)}|{squeeze(doc_no)}")
    if not title.strip() or year is None:
        raise ValueError("a plan needs a document number, or a title and a year")
    return uuid5(NAMESPACE, f"plan|{squeeze(issuer)}|{squeeze(title)}|{year}")


def task_id(plan: UUID, code: str) -> UUID:
    """A task is its plan and its code in the plan's table."""
    return uuid5(NAMESPACE, f"task|{plan}|{squeeze(code)}")


def ref_index_id(ref: str) -> UUID:
    """The id of the index record that maps a plan's short reference to the plan."""
    return uuid5(NAMESPACE, f"plan-ref|{ref.lower()}")


def parse_plan_ref(text: str) -> UUID | str:
    """A plan reference as typed: a plan id, or a short reference such as dalian-2017."""
    raw = text.strip()
    try:
        return UUID(raw)
    except ValueError:
        return raw


def parse_task_ref(text: str) -> UUID | tuple[str, str]:
    """A task reference as typed: a task id, or (plan reference, code) from PLANREF/CODE."""
    from ledger.errors import InvalidInput

    raw = text.strip()
    if "/" in raw:
        plan, code = raw.split("/", 1)
        if plan and code:
            return plan, code
    else:
        try:
            return UUID(raw)
        except ValueError:
            pass
    raise InvalidInput(f"task {text[:60]!r}: give a task id or PLANREF/CODE (e.g. dalian-2017/7)")


_REF_OK = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Administrative suffixes dropped before a place name becomes a reference.
_ISSUER_SUFFIXES = re.compile(
    r"(人民政府办公厅|人民政府办公室|人民政府|政府办公厅|政府办公室|政府|办公厅|办公室)$"
)
_LEVEL_SUFFIXES = re.compile(r"(自治州|自治县|地区|省|市|县|区|旗)$")


def valid_ref(ref: str) -> bool:
    """A reference is short lowercase ASCII with dashes, easy to type in a shell."""
    return bool(_REF_OK.match(ref))


def derive_ref(issuer: str, year: int | None) -> str:
    """A short reference from the issuer's place and year: 大连市人民政府办公厅 -> dalian-2017."""
    from pypinyin import lazy_pinyin

    place = _LEVEL_SUFFIXES.sub("", _ISSUER_SUFFIXES.sub("", squeeze(issuer)))
    letters = "".join(lazy_pinyin(place)).lower()
    letters = re.sub(r"[^a-z0-9]+", "", letters)[:40] or "plan"
    return f"{letters}-{year}" if year else letters
