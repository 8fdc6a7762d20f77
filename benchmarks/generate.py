"""Synthetic work plans at county, city and province scale, deterministic from a seed.

A scale is a jurisdiction tree (province -> cities -> counties -> towns) whose government
offices and departments each issue one plan of 200-2,000 tasks, until the scale's task
count is reached exactly. Units, sections, task sentences and deadline phrases follow the
shape of published 工作要点 breakdown tables (see ``names``, ``texts``, ``phrases``).

    plans(scale, seed)      -> [(PlanMeta, [TaskFields])], what ``Ledger.import_table`` takes
    generate(scale, seed)   -> [GeneratedPlan], the same plus what each phrase means
    write_csv(path, plan)   -> a breakdown-table CSV (序号,项目,工作任务,牵头单位,配合单位,完成时限)
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from benchmarks import names, texts
from benchmarks.phrases import Intent, draw_deadline
from ledger import ids
from ledger.application import PlanMeta, TaskFields

SCALES: dict[str, int] = {"county": 2_000, "city": 20_000, "province": 200_000}
YEAR = 2024
TZ = "Asia/Shanghai"
ZONE = ZoneInfo(TZ)
MIN_TASKS, MAX_TASKS = 200, 2_000
CSV_HEADER = ("序号", "项目", "工作任务", "牵头单位", "配合单位", "完成时限")


@dataclass(frozen=True, slots=True)
class GeneratedTask:
    fields: TaskFields
    intent: Intent


@dataclass(frozen=True)
class GeneratedPlan:
    meta: PlanMeta
    tasks: list[GeneratedTask]
    imported_at: datetime  # when the issuing office imports its table (transaction time)

    @property
    def rows(self) -> list[TaskFields]:
        return [t.fields for t in self.tasks]

    @property
    def plan_id(self) -> UUID:
        m = self.meta
        return ids.plan_id(issuer=m.issuer, doc_no=m.doc_no, title=m.title, year=m.year)


@dataclass(frozen=True)
class _Issuer:
    """Who issues a plan, and the units its tasks may name as lead and co units."""

    name: str
    title: str
    doc_no: str
    lead: list[str]
    co: list[str]
    collective: str | None
    government: bool


def _issuers(top: names.Jurisdiction, rng: random.Random, year: int) -> list[_Issuer]:
    """Every office and department of the tree; the top government first, the rest shuffled."""
    found: list[_Issuer] = []
    serial = iter(range(1, 100_000))

    def visit(j: names.Jurisdiction) -> None:
        below = j.subordinate_governments()
        collective = names.COLLECTIVE[j.level] if below else None
        found.append(
            _Issuer(
                name=j.office,
                title=texts.gov_title(rng, j.name, year),
                doc_no=f"{j.name[0]}政办发〔{year}〕{next(serial)}号",
                lead=[*j.departments, j.office],
                co=[*j.departments, *below],
                collective=collective,
                government=True,
            )
        )
        for dept in j.departments:
            short = dept.removeprefix(j.name)
            found.append(
                _Issuer(
                    name=dept,
                    title=texts.dept_title(dept, year),
                    doc_no=f"{j.name[0]}{short[0]}发〔{year}〕{next(serial)}号",
                    lead=[f"{dept}{d}" for d in names.DIVISIONS],
                    co=[d for d in j.departments if d != dept]
                    + [f"{c.name}{short}" for c in j.children],
                    collective=None,
                    government=False,
                )
            )
        for child in j.children:
            visit(child)

    visit(top)
    head, rest = found[0], found[1:]
    rng.shuffle(rest)
    return [head, *rest]


def _jurisdiction(scale: str, rng: random.Random) -> names.Jurisdiction:
    source = names.NameSource(rng)
    if scale == "county":
        return names.county(source, rng)
    if scale == "city":
        return names.city(source, rng, counties=rng.randint(8, 12))
    return names.province(source, rng, cities=12)


def _sizes(total: int, issuers: list[_Issuer], rng: random.Random) -> list[int]:
    """Plan sizes (log-uniform; governments issue the bigger tables) summing to ``total``.

    The top government's table is the largest, but never more than half the scale, so
    even the county scale has several plans.
    """
    sizes: list[int] = []
    remaining = total
    for i, issuer in enumerate(issuers):
        if i == 0:
            lo, hi = 800, min(MAX_TASKS, total // 2)
        else:
            lo, hi = (400, 1_500) if issuer.government else (MIN_TASKS, 600)
        if remaining <= hi:
            sizes.append(remaining)
            return sizes
        size = round(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        size = min(size, remaining - MIN_TASKS)  # never leave a remainder too small for a plan
        sizes.append(size)
        remaining -= size
    raise ValueError(f"not enough issuers for {total} tasks")


def _units(rng: random.Random, pool: list[str], weights: tuple[int, ...]) -> list[str]:
    k = min(len(pool), rng.choices(range(len(weights)), weights)[0])
    return rng.sample(pool, k)


def _task(
    rng: random.Random, issuer: _Issuer, code: int, section: str, issued: date
) -> GeneratedTask:
    lead = _units(rng, issuer.lead, (0, 70, 22, 8))
    co = _units(rng, issuer.co, (30, 25, 15, 10, 6, 5, 3, 3, 3))
    if issuer.collective and rng.random() < 0.08:
        co.append(issuer.collective)
    if rng.random() < 0.02:
        co.append(lead[0])  # tables sometimes repeat the lead unit among the co units
    phrase, intent = draw_deadline(rng, YEAR, issued)
    fields = TaskFields(
        row=code + 1,  # row 1 is the header
        code=str(code),
        section=section,
        content=texts.content(rng),
        lead_units=tuple(lead),
        co_units=tuple(co),
        deadline_text=phrase,
    )
    return GeneratedTask(fields, intent)


def _plan(rng: random.Random, issuer: _Issuer, size: int, refs: set[str]) -> GeneratedPlan:
    issued = date(YEAR, 1, 8) + timedelta(days=rng.randint(0, 112))  # 8 Jan - 29 Apr
    themes = rng.sample(
        texts.GOV_THEMES if issuer.government else texts.DEPT_THEMES, rng.randint(4, 9)
    )
    # Cut points split the rows into one run per section, each at least one row long.
    cuts = sorted(rng.sample(range(1, size), len(themes) - 1))
    bounds = [0, *cuts, size]
    tasks = [
        _task(rng, issuer, code, texts.section_heading(i, theme), issued)
        for i, theme in enumerate(themes)
        for code in range(bounds[i] + 1, bounds[i + 1] + 1)
    ]
    ref = ids.derive_ref(issuer.name, YEAR)
    explicit = None
    if ref in refs:  # two issuers whose pinyin agrees: give the second its own reference
        explicit = f"{ref[:50]}-{len(refs)}"
    refs.add(explicit or ref)
    meta = PlanMeta(
        title=issuer.title,
        issuer=issuer.name,
        year=YEAR,
        doc_no=issuer.doc_no,
        issued_on=issued,
        tz=TZ,
        ref=explicit,
    )
    when = datetime.combine(
        issued + timedelta(days=rng.randint(1, 6)),
        time(rng.randint(9, 16), rng.randint(0, 59)),
        ZONE,
    )
    return GeneratedPlan(meta, tasks, when)


def generate(scale: str, seed: int = 2024) -> list[GeneratedPlan]:
    """The plans of a scale, in the order they are imported (by import time)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {', '.join(SCALES)}")
    rng = random.Random(f"{scale}:{seed}")
    top = _jurisdiction(scale, rng)
    issuers = _issuers(top, rng, YEAR)
    refs: set[str] = set()
    made = [
        _plan(rng, issuer, size, refs)
        for issuer, size in zip(issuers, _sizes(SCALES[scale], issuers, rng), strict=False)
    ]
    return sorted(made, key=lambda p: p.imported_at)


def plans(scale: str, seed: int = 2024) -> list[tuple[PlanMeta, list[TaskFields]]]:
    """What ``Ledger.import_table`` takes, one (meta, rows) pair per plan."""
    return [(p.meta, p.rows) for p in generate(scale, seed)]


def unit_count(plans_: list[GeneratedPlan]) -> int:
    """How many distinct unit names the tasks of these plans carry."""
    return len(
        {u for p in plans_ for t in p.tasks for u in (*t.fields.lead_units, *t.fields.co_units)}
    )


def write_csv(path: Path, rows: list[TaskFields], *, encoding: str = "utf-8-sig") -> Path:
    """Write a breakdown table as an office exports it from Excel ("CSV UTF-8" has a BOM).

    Every row repeats its 项目 (section): a CSV cannot say "merged with the cell above".
    """
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        out.writerow(CSV_HEADER)
        for r in rows:
            out.writerow(
                (
                    r.code,
                    r.section,
                    r.content,
                    "、".join(r.lead_units),
                    "、".join(r.co_units),
                    r.deadline_text,
                )
            )
    return path
