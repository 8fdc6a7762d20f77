"""The 双随机 spot-check draw: reproducible from its record, and checked against a model.

The model below re-implements the algorithm of ``ledger.sampling`` the slow, obvious way,
straight from its docstring: one ``hashlib.blake2b(..., key=...)`` call per rank, Decimal
rounding, Fraction remainders, and a full sort of the eligible inspectors for every share.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import sampling
from ledger.sampling import (
    ALGORITHM,
    Assignment,
    Candidate,
    Criteria,
    Draw,
    DrawError,
    Inspector,
    draw,
    new_seed,
    population_hash,
    verify,
)

Row = tuple[str, str, str, tuple[str, ...]]  # task, unit, section, inspectors

# ------------------------------------------------------------------------- the model


def round_half_up(ratio: float, n: int) -> int:
    """``ratio * n`` rounded half up, ``ratio`` taken as the decimal it is written as."""
    return int((Decimal(repr(ratio)) * n).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def model_quota(sizes: dict[str, int], c: Criteria) -> dict[str, int]:
    if c.ratio is not None:
        k = {s: round_half_up(c.ratio, n) for s, n in sizes.items()}
    else:
        assert c.size is not None
        total = sum(sizes.values())
        z = min(c.size, total)
        quota = {s: Fraction(z * n, total) for s, n in sizes.items()}
        k = {s: floor(q) for s, q in quota.items()}
        ahead = sorted(sizes, key=lambda s: (-(quota[s] - k[s]), s))
        for s in ahead[: z - sum(k.values())]:
            k[s] += 1
    return {s: max(k[s], min(c.minimum, n)) for s, n in sizes.items()}


def model_draw(
    cands: Sequence[Candidate], c: Criteria, seed: str, crew: Sequence[Inspector]
) -> list[Row] | Candidate:
    """The drawn rows in display order, or the first share (by rank) lacking inspectors."""
    secret = hashlib.sha256(seed.encode()).digest()

    def h(text: str) -> bytes:
        return hashlib.blake2b(text.encode(), key=secret, digest_size=16).digest()

    def key(x: Candidate) -> str:
        return x.task + "\x1f" + x.unit

    def rank(x: Candidate) -> tuple[bytes, str]:
        return h(key(x)), key(x)

    strata: dict[str, list[Candidate]] = {}
    for x in cands:
        strata.setdefault(stratum(c.per, x), []).append(x)
    k = model_quota({s: len(m) for s, m in strata.items()}, c)
    sample = sorted((x for s, m in strata.items() for x in sorted(m, key=rank)[: k[s]]), key=rank)
    loads = dict.fromkeys((i.name for i in crew), 0)
    who: dict[str, tuple[str, ...]] = {}
    for x in sample:
        eligible = [i for i in crew if i.unit != x.unit]
        if len(eligible) < c.per_task:
            return x
        eligible.sort(key=lambda i: (loads[i.name], h(key(x) + "\x1f" + i.name), i.name))
        who[key(x)] = tuple(i.name for i in eligible[: c.per_task])
        for name in who[key(x)]:
            loads[name] += 1
    return sorted((x.task, x.unit, x.section, who[key(x)]) for x in sample)


def stratum(per: str | None, x: Candidate | Assignment) -> str:
    return {"unit": x.unit, "section": x.section, None: ""}[per]


def rows(d: Draw) -> list[Row]:
    return [(a.task, a.unit, a.section, a.inspectors) for a in d.sample]


# ------------------------------------------------------------------- a fixed example

FINANCE, EDUCATION, REFORM, PUBLIC_SECURITY = "市财政局", "市教育局", "市发展改革委", "市公安局"
S1, S2 = "一、深化重点领域改革", "二、保障和改善民生"
POPULATION = [
    Candidate(f"dalian-2017/{t}", unit, S1 if t <= 5 else S2)
    for t, units in [
        (1, [FINANCE, REFORM]),
        (2, [FINANCE]),
        (3, [EDUCATION, FINANCE]),
        (4, [REFORM, PUBLIC_SECURITY]),
        (5, [PUBLIC_SECURITY, FINANCE]),
        (6, [EDUCATION]),
        (7, [FINANCE, EDUCATION]),
        (8, [REFORM, PUBLIC_SECURITY]),
        (9, [EDUCATION]),
        (10, [FINANCE, REFORM]),
    ]
    for unit in units
]
CREW = [
    Inspector("张伟", "市审计局"),
    Inspector("王芳", FINANCE),
    Inspector("李娜", "市督查室"),
    Inspector("刘洋", EDUCATION),
]
HALF_PER_UNIT = Criteria(per="unit", ratio=0.5, minimum=1)
EXPECTED: list[Row] = [  # computed once from the module; the model gives the same
    ("dalian-2017/1", REFORM, S1, ("王芳",)),
    ("dalian-2017/10", REFORM, S2, ("刘洋",)),
    ("dalian-2017/2", FINANCE, S1, ("李娜",)),
    ("dalian-2017/4", PUBLIC_SECURITY, S1, ("张伟",)),
    ("dalian-2017/5", PUBLIC_SECURITY, S1, ("王芳",)),
    ("dalian-2017/5", FINANCE, S1, ("李娜",)),
    ("dalian-2017/6", EDUCATION, S2, ("王芳",)),
    ("dalian-2017/7", FINANCE, S2, ("刘洋",)),
    ("dalian-2017/9", EDUCATION, S2, ("张伟",)),
]


def test_population_hash_is_sha256_of_the_sorted_lines() -> None:
    shares = [
        Candidate("p/2", "乙局", "一"),
        Candidate("p/1", "甲局", ""),
        Candidate("p", "乙", "二"),
    ]
    text = "p\x1f乙\x1f二\np/1\x1f甲局\x1f\np/2\x1f乙局\x1f一\n"
    assert population_hash(shares) == hashlib.sha256(text.encode()).hexdigest()
    assert population_hash(reversed(shares)) == population_hash(shares)
    assert population_hash([]) == hashlib.sha256(b"").hexdigest()


def test_a_duplicate_share_is_refused() -> None:
    twice = [*POPULATION, Candidate("dalian-2017/4", REFORM, S2)]
    with pytest.raises(ValueError, match=r"share dalian-2017/4 \(市发展改革委\) more than once"):
        population_hash(twice)
    with pytest.raises(DrawError, match="more than once"):
        draw(twice, HALF_PER_UNIT, "seed", CREW)


def test_a_fixed_seed_gives_a_known_sample() -> None:
    """Half of each unit's shares, rounded half up; nobody inspects their own unit."""
    d = draw(POPULATION, HALF_PER_UNIT, "2017年第一次双随机抽查", CREW)
    assert rows(d) == EXPECTED
    assert model_draw(POPULATION, HALF_PER_UNIT, "2017年第一次双随机抽查", CREW) == EXPECTED
    assert d.algorithm == ALGORITHM and d.population_hash == population_hash(POPULATION)
    assert d.inspectors == tuple(CREW) and d.criteria == HALF_PER_UNIT


def test_another_seed_gives_another_sample() -> None:
    d = draw(POPULATION, HALF_PER_UNIT, "2017年第二次双随机抽查", CREW)
    assert rows(d) != EXPECTED
    assert rows(d) == model_draw(POPULATION, HALF_PER_UNIT, "2017年第二次双随机抽查", CREW)


def test_input_order_does_not_change_the_draw() -> None:
    seed = "2017年第一次双随机抽查"
    forward = draw(POPULATION, HALF_PER_UNIT, seed, CREW)
    assert draw(reversed(POPULATION), HALF_PER_UNIT, seed, CREW) == forward
    assert draw(sorted(POPULATION, key=lambda c: c.unit), HALF_PER_UNIT, seed, CREW) == forward


def test_equal_ranks_are_broken_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rank collision never happens in practice; the rule for one still holds."""
    monkeypatch.setattr(sampling, "_ranks", lambda keys, seed: [bytes(16)] * len(keys))
    d = draw(reversed(POPULATION), Criteria(per="unit", size=4), "s", CREW)
    assert [(a.task, a.unit) for a in d.sample] == [  # each unit's lowest key
        ("dalian-2017/1", REFORM),  # 发 U+53D1 sorts before 财 U+8D22
        ("dalian-2017/1", FINANCE),
        ("dalian-2017/3", EDUCATION),
        ("dalian-2017/4", PUBLIC_SECURITY),
    ]


def test_ratio_rounds_half_up_from_the_written_decimal() -> None:
    shares, crew = [Candidate(f"p/{i}", "甲局", "") for i in range(10)], [Inspector("x", "乙局")]
    for ratio, k in [(0.25, 3), (0.15, 2), (0.35, 4), (0.05, 1), (0.04, 0), (1, 10)]:
        assert len(draw(shares, Criteria(per=None, ratio=ratio), "s", crew).sample) == k
    assert len(draw(shares, Criteria(per=None, ratio=0.04, minimum=2), "s", crew).sample) == 2


def test_size_is_shared_by_largest_remainder() -> None:
    """5, 3 and 2 shares, size 5: quotas 2.5, 1.5, 1; the tie for the spare one goes to A."""
    shares = [
        Candidate(f"p/{i}", unit, "")
        for unit, n in [("A", 5), ("B", 3), ("C", 2)]
        for i in range(n)
    ]
    crew = [Inspector("x", "Z")]

    def counts(c: Criteria) -> Counter[str]:
        return Counter(a.unit for a in draw(shares, c, "s", crew).sample)

    assert counts(Criteria(per="unit", size=5)) == {"A": 3, "B": 1, "C": 1}
    assert counts(Criteria(per="unit", size=1)) == {"A": 1}
    assert counts(Criteria(per="unit", size=1, minimum=1)) == {"A": 1, "B": 1, "C": 1}
    assert counts(Criteria(per="unit", size=99)) == {"A": 5, "B": 3, "C": 2}


def test_record_round_trips_through_json() -> None:
    d = draw(POPULATION, Criteria(per="section", ratio=0.3, per_task=2), "种子", CREW)
    again = Draw.from_dict(json.loads(json.dumps(d.to_dict(), ensure_ascii=False)))
    assert again == d
    assert verify(again, POPULATION) == []


def test_new_seed_is_32_hex_characters() -> None:
    seeds = {new_seed() for _ in range(5)}
    assert len(seeds) == 5 and all(re.fullmatch("[0-9a-f]{32}", s) for s in seeds)


# ------------------------------------------------------------------------- tampering


@pytest.fixture
def record() -> Draw:
    return draw(POPULATION, Criteria(per="unit", ratio=0.5, per_task=2), "seed", CREW)


def test_an_untampered_record_verifies(record: Draw) -> None:
    assert verify(record, reversed(POPULATION)) == []


def test_an_altered_population_is_reported(record: Draw) -> None:
    altered = [dataclasses.replace(POPULATION[0], section=S2), *POPULATION[1:]]
    assert any(p.startswith("population hash differs") for p in verify(record, altered))
    problems = verify(record, POPULATION[:-1])
    assert any(p.startswith("population hash differs") for p in problems)


def test_an_altered_sample_is_reported(record: Draw) -> None:
    dropped = dataclasses.replace(record, sample=record.sample[1:])
    first = record.sample[0]
    assert verify(dropped, POPULATION) == [
        f"sample differs (1 share(s) missing from the record, 0 not drawn by the "
        f"recomputation): first at share {first.task} ({first.unit})"
    ]
    drawn = {(a.task, a.unit) for a in record.sample}
    other = next(c for c in POPULATION if (c.task, c.unit) not in drawn)
    swapped = (*record.sample[:-1], Assignment(other.task, other.unit, other.section, ("张伟",)))
    problems = verify(dataclasses.replace(record, sample=swapped), POPULATION)
    assert len(problems) == 1 and problems[0].startswith("sample differs")


def test_altered_inspectors_are_reported(record: Draw) -> None:
    a = record.sample[2]
    forged = dataclasses.replace(a, inspectors=a.inspectors[::-1])
    sample = (*record.sample[:2], forged, *record.sample[3:])
    assert verify(dataclasses.replace(record, sample=sample), POPULATION) == [
        f"inspectors differ for share {a.task} ({a.unit}): the record has "
        f"{', '.join(forged.inspectors)}, the recomputation gives {', '.join(a.inspectors)}"
    ]


def test_an_altered_seed_or_crew_is_reported(record: Draw) -> None:
    assert verify(dataclasses.replace(record, seed="another seed"), POPULATION) != []
    crew = (*record.inspectors[:-1], Inspector("赵敏", "市督查室"))
    assert verify(dataclasses.replace(record, inspectors=crew), POPULATION) != []


def test_an_unknown_algorithm_is_reported(record: Draw) -> None:
    [problem] = verify(dataclasses.replace(record, algorithm="taizhang-draw/9"), POPULATION)
    assert problem.startswith("unknown algorithm 'taizhang-draw/9'")


# ------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"per": "unit"}, "exactly one of ratio and size"),
        ({"per": "unit", "ratio": 0.5, "size": 3}, "exactly one of ratio and size"),
        ({"per": "task", "ratio": 0.5}, "per must be"),
        ({"per": None, "ratio": 0}, "ratio must be"),
        ({"per": None, "ratio": 1.5}, "ratio must be"),
        ({"per": None, "ratio": float("nan")}, "ratio must be"),
        ({"per": None, "size": 0}, "size must be a whole number of at least 1"),
        ({"per": None, "size": 2.0}, "size must be a whole number"),
        ({"per": None, "size": 2, "minimum": -1}, "minimum must be a whole number of at least 0"),
        ({"per": None, "size": 2, "per_task": 0}, "per_task must be a whole number of at least 1"),
        ({"per": None, "size": 2, "per_task": True}, "per_task must be"),
    ],
)
def test_impossible_criteria_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DrawError, match=message):
        Criteria(**fields)


def test_other_refusals() -> None:
    c = HALF_PER_UNIT
    with pytest.raises(DrawError, match="seed must be a non-empty string"):
        draw(POPULATION, c, "", CREW)
    with pytest.raises(DrawError, match="population is empty"):
        draw([], c, "s", CREW)
    with pytest.raises(DrawError, match="'张伟' is empty or repeated"):
        draw(POPULATION, c, "s", [*CREW, Inspector("张伟", "市民政局")])
    with pytest.raises(DrawError, match="control characters"):
        draw([*POPULATION, Candidate("p/1", "甲\n局", "")], c, "s", CREW)
    with pytest.raises(DrawError, match="must not be empty"):
        draw([*POPULATION, Candidate("", "甲局", "")], c, "s", CREW)
    with pytest.raises(DrawError, match="not a draw record"):
        Draw.from_dict({"algorithm": ALGORITHM})


def test_too_few_eligible_inspectors_names_the_share_and_unit() -> None:
    only_finance = [Inspector("王芳", FINANCE), Inspector("赵敏", FINANCE)]
    with pytest.raises(DrawError) as caught:
        draw(POPULATION, HALF_PER_UNIT, "2017年第一次双随机抽查", only_finance)
    assert str(caught.value) == (
        "share dalian-2017/2 (市财政局) needs 1 inspector(s) from units other than 市财政局, "
        "but only 0 of the 2 inspector(s) qualify"
    )
    with pytest.raises(DrawError, match=r"needs 3 inspector\(s\) .* only 2 of the 2"):
        draw(POPULATION, Criteria(per=None, size=1, per_task=3), "s", [CREW[0], CREW[2]])


# ------------------------------------------------------------------------- properties

UNITS = [FINANCE, EDUCATION, REFORM, PUBLIC_SECURITY, "市民政局", "区政府"]
OUTSIDE = ["市督查室", "市审计局", "市纪委监委"]
text = st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), max_size=4)
populations = st.lists(
    st.builds(
        Candidate,
        task=st.one_of(st.builds("dalian-2017/{}".format, st.integers(1, 20)), text.filter(bool)),
        unit=st.sampled_from(UNITS),
        section=st.sampled_from([S1, S2, ""]),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda c: c.key,
)
criteria = st.builds(
    lambda per, share, minimum, per_task: Criteria(
        per=per,
        ratio=share if isinstance(share, float) else None,
        size=share if isinstance(share, int) else None,
        minimum=minimum,
        per_task=per_task,
    ),
    per=st.sampled_from([None, "unit", "section"]),
    share=st.one_of(st.floats(0.01, 1.0), st.integers(1, 50)),
    minimum=st.integers(0, 3),
    per_task=st.integers(1, 3),
)
crews = st.lists(
    st.builds(
        Inspector, name=st.text(min_size=1, max_size=3), unit=st.sampled_from(UNITS + OUTSIDE)
    ),
    max_size=8,
    unique_by=lambda i: i.name,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cands=populations, c=criteria, seed=st.text(min_size=1, max_size=8), crew=crews)
def test_every_draw_keeps_the_rules(
    cands: list[Candidate], c: Criteria, seed: str, crew: list[Inspector]
) -> None:
    expected = model_draw(cands, c, seed, crew)
    if isinstance(expected, Candidate):
        with pytest.raises(DrawError, match="inspector\\(s\\) from units other than"):
            draw(cands, c, seed, crew)
        return
    d = draw(cands, c, seed, crew)
    assert rows(d) == expected
    assert [(a.task, a.unit) for a in d.sample] == sorted((a.task, a.unit) for a in d.sample)
    units = {i.name: i.unit for i in crew}
    for a in d.sample:
        assert len(set(a.inspectors)) == len(a.inspectors) == c.per_task
        assert all(units[name] != a.unit for name in a.inspectors)  # 回避
    sizes = Counter(stratum(c.per, x) for x in cands)
    drawn = Counter(stratum(c.per, a) for a in d.sample)
    for s, n in sizes.items():
        assert drawn[s] <= n
        if c.ratio is not None:
            assert drawn[s] == max(round_half_up(c.ratio, n), min(c.minimum, n))
    if c.size is not None:
        assert sum(drawn.values()) >= min(c.size, len(cands))
    assert verify(d, reversed(cands)) == []


@settings(max_examples=150, deadline=None)
@given(
    cands=populations,
    c=criteria,
    seed=st.text(min_size=1, max_size=8),
    names=st.lists(
        st.text(min_size=1, max_size=3), min_size=3, max_size=8, unique=True
    ),  # >= per_task
)
def test_loads_of_outside_inspectors_differ_by_at_most_one(
    cands: list[Candidate], c: Criteria, seed: str, names: list[str]
) -> None:
    crew = [Inspector(n, OUTSIDE[i % len(OUTSIDE)]) for i, n in enumerate(names)]
    loads = Counter(dict.fromkeys(names, 0))
    loads.update(n for a in draw(cands, c, seed, crew).sample for n in a.inspectors)
    assert max(loads.values()) - min(loads.values()) <= 1
