"""A reproducible 双随机 spot-check draw: which shares are inspected, and by whom.

A *share* is one lead unit's responsibility for one task. A draw samples shares at random,
stratified by unit or section, and gives each inspectors at random, never from the share's
own unit (回避). All randomness comes from the recorded seed through keyed hashes, so anyone
with the record and the population can redo the draw in any language. ``taizhang-draw/1``:

0. Text is UTF-8. Fields (task, unit, section) contain no control characters
   U+0000–U+001F; task and unit are not empty. A share's key is
   ``task + U+001F + unit``; keys are unique. "Code-point order" equals UTF-8 byte order.
1. Population hash: lowercase hex SHA-256 of the concatenation, in ascending key order,
   of ``task + U+001F + unit + U+001F + section + U+000A`` for every share.
2. Seed key ``S = SHA-256(seed)`` (the seed is any non-empty string). A share's rank is
   ``BLAKE2b(key, key=S, digest_size=16)`` (RFC 7693, no salt, no personalisation),
   compared as unsigned bytes; lower ranks come first, equal ranks by key.
3. Strata: the distinct units (``per="unit"``) or sections (``per="section"``), or the
   whole population (``per=None``); ``n_s`` is a stratum's size, ``N`` the population's.
4. Allocation ``k_s``. With ``ratio``: ``k_s = floor(r * n_s + 1/2)`` in exact
   arithmetic (round half up), where ``r`` is the ratio's shortest round-trip decimal
   (as JSON and Python's ``repr`` write it; 0.1 is exactly 1/10). With ``size`` ``z``:
   if ``z >= N`` then ``k_s = n_s``; otherwise ``k_s = floor(z * n_s / N)`` and the
   ``z - sum(k_s)`` strata with the largest remainders ``z * n_s mod N`` get one more,
   equal remainders by stratum name in code-point order. Then, either way,
   ``k_s = max(k_s, min(minimum, n_s))``, so minimums can make the total exceed ``z``.
5. Sample: in each stratum, the ``k_s`` shares of lowest rank.
6. Inspectors: loads start at 0. Take the sampled shares in ascending rank; for each, order
   the inspectors whose unit differs from the share's by (load, ``T``, name), where
   ``T = BLAKE2b(key + U+001F + name, key=S, digest_size=16)``; the first ``per_task``
   are its inspectors, in that order, and their loads grow by 1. A sampled share with
   fewer than ``per_task`` such inspectors fails the draw.
7. The sample is listed by (task, unit) in code-point order.

Pure: no clock, no I/O; :func:`new_seed` is the one source of fresh randomness.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from itertools import compress, repeat
from math import isqrt
from operator import attrgetter, eq, lt
from typing import Any, Literal, cast

ALGORITHM = "taizhang-draw/1"
Per = Literal["unit", "section"]
_SEP = "\x1f"
_CONTROL = re.compile("[\x00-\x1f]")
_CONTROLS = bytes(range(0x20))


class DrawError(ValueError):
    """A draw was refused: bad criteria, seed, population or inspectors."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One share that may be drawn: a task, its lead unit and the task's section."""

    task: str
    unit: str
    section: str

    @property
    def key(self) -> str:
        """``task + U+001F + unit``, unique within a population."""
        return f"{self.task}{_SEP}{self.unit}"


@dataclass(frozen=True, slots=True)
class Inspector:
    """A person who inspects, and the unit they belong to (and must not inspect)."""

    name: str
    unit: str


@dataclass(frozen=True)
class Criteria:
    """How many shares to draw, and how many inspectors each gets; checked on creation."""

    per: Per | None
    ratio: float | None = None
    size: int | None = None
    minimum: int = 0
    per_task: int = 1

    def __post_init__(self) -> None:
        if self.per not in ("unit", "section", None):
            raise DrawError(f"per must be 'unit', 'section' or None, not {self.per!r}")
        if (self.ratio is None) == (self.size is None):
            raise DrawError("give exactly one of ratio and size")
        r = self.ratio
        if r is not None and (
            isinstance(r, bool) or not isinstance(r, int | float) or not 0 < r <= 1
        ):
            raise DrawError(f"ratio must be a number greater than 0 and at most 1, not {r!r}")
        for name, least in (("size", 1), ("minimum", 0), ("per_task", 1)):
            v = getattr(self, name)
            if (v is not None or name != "size") and (
                isinstance(v, bool) or not isinstance(v, int) or v < least
            ):
                raise DrawError(f"{name} must be a whole number of at least {least}, not {v!r}")


@dataclass(frozen=True)
class Assignment:
    """A sampled share and its inspectors, in the order they were chosen."""

    task: str
    unit: str
    section: str
    inspectors: tuple[str, ...]


@dataclass(frozen=True)
class Draw:
    """The record of a draw: everything needed to redo it except the population."""

    algorithm: str
    population_hash: str
    seed: str
    criteria: Criteria
    inspectors: tuple[Inspector, ...]
    sample: tuple[Assignment, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of plain values; :meth:`from_dict` reads it back."""
        return {
            "algorithm": self.algorithm,
            "population_hash": self.population_hash,
            "seed": self.seed,
            "criteria": asdict(self.criteria),
            "inspectors": [asdict(i) for i in self.inspectors],
            "sample": [{**asdict(a), "inspectors": list(a.inspectors)} for a in self.sample],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Draw:
        """Read a record written by :meth:`to_dict`; a malformed one raises DrawError."""
        try:
            return cls(
                algorithm=data["algorithm"],
                population_hash=data["population_hash"],
                seed=data["seed"],
                criteria=Criteria(**data["criteria"]),
                inspectors=tuple(Inspector(**i) for i in data["inspectors"]),
                sample=tuple(
                    Assignment(**{**a, "inspectors": tuple(a["inspectors"])})
                    for a in data["sample"]
                ),
            )
        except (KeyError, TypeError) as e:
            raise DrawError(f"not a draw record: {e!r}") from e


def new_seed() -> str:
    """A fresh seed of 32 hex characters; record it, since the draw depends on nothing else."""
    return secrets.token_hex(16)


def population_hash(candidates: Iterable[Candidate]) -> str:
    """Hex SHA-256 of the canonical population (step 1); input order does not matter."""
    return _canonical(*_columns(list(candidates)))[1]


def _columns(cands: list[Candidate]) -> tuple[list[str], list[str], list[str]]:
    task, unit, section = map(attrgetter, ("task", "unit", "section"))
    return list(map(task, cands)), list(map(unit, cands)), list(map(section, cands))


def _canonical(tasks: list[str], units: list[str], sections: list[str]) -> tuple[list[bytes], str]:
    """Each share's key as UTF-8, in input order, and the population hash (steps 0, 1)."""
    n, unit_set = len(tasks), set(units)
    try:
        utf8 = {u: u.encode() for u in unit_set.union(sections)}
        task_utf8 = list(map(str.encode, tasks))
    except UnicodeEncodeError as e:
        raise DrawError(f"a task, unit or section is not valid text: {e}") from e
    keys = list(map(b"\x1f".join, zip(task_utf8, map(utf8.__getitem__, units), strict=True)))
    lines = list(map(b"\x1f".join, zip(keys, map(utf8.__getitem__, sections), strict=True)))
    lines.sort()  # by key, as no field byte sorts below the U+001F after it (step 0)
    lines.append(b"")  # so that the join ends every line with a newline
    blob = b"\n".join(lines)
    controls = len(blob) - len(blob.translate(None, _CONTROLS))  # 3n unless a field has some
    if "" in unit_set or not all(task_utf8) or controls != 3 * n:
        _refuse_fields(tasks, units, sections)
    if len(set(keys)) != n:
        task, unit = next(k for k, m in Counter(keys).items() if m > 1).decode().split(_SEP)
        raise DrawError(f"the population lists share {task} ({unit}) more than once")
    return keys, hashlib.sha256(blob).hexdigest()


def _refuse_fields(tasks: list[str], units: list[str], sections: list[str]) -> None:
    for task, unit, section in zip(tasks, units, sections, strict=True):
        if not (task and unit) or any(map(_CONTROL.search, (task, unit, section))):
            raise DrawError(
                f"share {task!r} ({unit!r}, section {section!r}): task and unit must not be "
                "empty, and no field may contain control characters or line breaks"
            )


def _keyed(seed: str) -> hashlib.blake2b:
    return hashlib.blake2b(key=hashlib.sha256(seed.encode()).digest(), digest_size=16)


def _ranks(keys: list[bytes], seed: str) -> list[bytes]:
    """Every share's rank (step 2), hashed in chunks through C-level maps."""
    base, b2 = _keyed(seed), hashlib.blake2b
    ranks: list[bytes] = []
    for start in range(0, len(keys), 4096):
        chunk = keys[start : start + 4096]
        hashers = list(map(b2.copy, repeat(base, len(chunk))))
        deque(map(b2.update, hashers, chunk), maxlen=0)
        ranks += map(b2.digest, hashers)
    return ranks


def _allocate(sizes: Mapping[str, int], criteria: Criteria) -> dict[str, int]:
    """k_s for every stratum (step 4)."""
    if criteria.ratio is not None:
        p, q = Fraction(repr(float(criteria.ratio))).as_integer_ratio()
        k = {s: (2 * p * n + q) // (2 * q) for s, n in sizes.items()}
    else:
        total = sum(sizes.values())
        z = min(cast(int, criteria.size), total)
        k = {s: z * n // total for s, n in sizes.items()}
        by_remainder = sorted(sizes, key=lambda s: (-(z * sizes[s] % total), s))
        for s in by_remainder[: z - sum(k.values())]:
            k[s] += 1
    return {s: max(k[s], min(criteria.minimum, n)) for s, n in sizes.items()}


def _cut(k: int, n: int) -> bytes:
    """A rank bound that at least k of n uniform ranks almost surely fall below."""
    if k == 0:
        return b""  # nothing is below it
    want = k + 3 * isqrt(k) + 3
    return b"\xff" * 17 if want >= n else (want * 2**128 // n).to_bytes(16, "big")


def _select(strata: list[str], ranks: list[bytes], keys: list[bytes], c: Criteria) -> list[int]:
    """Indexes of the sampled shares in ascending (rank, key) order (steps 3 to 5).

    Only shares ranked below their stratum's :func:`_cut` are grouped and sorted; a
    stratum with too few of them is grouped whole, so the result is exact either way.
    """
    sizes = Counter(strata)
    k = _allocate(sizes, c)
    cut = {s: _cut(k[s], n) for s, n in sizes.items()}
    groups: dict[str, list[int]] = defaultdict(list)
    for i in compress(range(len(ranks)), map(lt, ranks, map(cut.__getitem__, strata))):
        groups[strata[i]].append(i)
    if short := {s for s in sizes if len(groups[s]) < k[s]}:
        groups.update((s, []) for s in short)
        for i in compress(range(len(ranks)), map(short.__contains__, strata)):
            groups[strata[i]].append(i)

    def rank_then_key(i: int) -> tuple[bytes, bytes]:
        return ranks[i], keys[i]

    chosen: list[int] = []
    for s, g in groups.items():
        g.sort(key=ranks.__getitem__)
        if 0 < k[s] < len(g) and ranks[g[k[s] - 1]] == ranks[g[k[s]]]:  # a tie at the cut
            g.sort(key=rank_then_key)
        chosen += g[: k[s]]
    chosen.sort(key=ranks.__getitem__)
    in_order = list(map(ranks.__getitem__, chosen))
    if any(map(eq, in_order, in_order[1:])):  # equal ranks go by key
        chosen.sort(key=rank_then_key)
    return chosen


def _check_inspectors(
    crew: Sequence[Inspector], shares: Iterable[tuple[str, str]], per: int
) -> None:
    """Refuse unnamed or repeated inspectors, and a share with too few eligible ones."""
    bad = next((n for n, m in Counter(i.name for i in crew).items() if m > 1 or not n), None)
    if bad is not None:
        raise DrawError(f"each inspector needs a name of their own; {bad!r} is empty or repeated")
    per_unit = Counter(i.unit for i in crew)
    for task, unit in shares:
        if (eligible := len(crew) - per_unit[unit]) < per:
            raise DrawError(
                f"share {task} ({unit}) needs {per} inspector(s) from units other than "
                f"{unit}, but only {eligible} of the {len(crew)} inspector(s) qualify"
            )


def _assign(
    shares: list[tuple[bytes, str]], crew: Sequence[Inspector], per: int, seed: str
) -> list[tuple[str, ...]]:
    """Inspectors of each share, given as (key, unit) in ascending rank (step 6)."""
    base = _keyed(seed)
    names = [i.name for i in crew]
    tails = [b"\x1f" + n.encode() for n in names]
    units = [i.unit for i in crew]
    loads = [0] * len(crew)
    levels: defaultdict[int, set[int]] = defaultdict(set, {0: set(range(len(crew)))})  # by load
    low = 0
    out: list[tuple[str, ...]] = []
    for key, unit in shares:
        prefix = None
        chosen: list[int] = []
        load = low
        while len(chosen) < per:  # _check_inspectors made sure that enough qualify
            ties = [j for j in levels[load] if units[j] != unit]
            if len(ties) > 1:
                if prefix is None:
                    prefix = base.copy()
                    prefix.update(key)
                tags = []
                for j in ties:
                    h = prefix.copy()
                    h.update(tails[j])
                    tags.append((h.digest(), names[j], j))
                if len(chosen) + 1 == per:
                    ties = [min(tags)[2]]
                else:
                    tags.sort()
                    ties = [j for _, _, j in tags]
            chosen += ties[: per - len(chosen)]
            load += 1
        for j in chosen:
            levels[loads[j]].discard(j)
            loads[j] += 1
            levels[loads[j]].add(j)
        while not levels[low]:
            low += 1
        out.append(tuple(map(names.__getitem__, chosen)))
    return out


def draw(
    candidates: Iterable[Candidate], criteria: Criteria, seed: str, inspectors: Sequence[Inspector]
) -> Draw:
    """Draw the sample and assign inspectors as the module docstring specifies."""
    if not isinstance(seed, str) or not seed:
        raise DrawError("the seed must be a non-empty string")
    cands = list(candidates)
    if not cands:
        raise DrawError("the population is empty; there is nothing to draw from")
    tasks, units, sections = _columns(cands)
    keys, digest = _canonical(tasks, units, sections)
    strata = {"unit": units, "section": sections, None: [""] * len(cands)}[criteria.per]
    chosen = _select(strata, _ranks(keys, seed), keys, criteria)
    shown = sorted(chosen, key=keys.__getitem__)  # key order is (task, unit) order
    crew, per = tuple(inspectors), criteria.per_task
    _check_inspectors(crew, ((tasks[i], units[i]) for i in shown), per)
    who = _assign([(keys[i], units[i]) for i in chosen], crew, per, seed)
    by_share = dict(zip(chosen, who, strict=True))
    sample = tuple(Assignment(tasks[i], units[i], sections[i], by_share[i]) for i in shown)
    return Draw(ALGORITHM, digest, seed, criteria, crew, sample)


def verify(record: Draw, candidates: Iterable[Candidate]) -> list[str]:
    """Redo the recorded draw over ``candidates``; the problems found, or [] if it holds."""
    if record.algorithm != ALGORITHM:
        return [f"unknown algorithm {record.algorithm!r}; this verifier knows {ALGORITHM!r}"]
    try:
        again = draw(candidates, record.criteria, record.seed, record.inspectors)
    except ValueError as e:
        return [f"the draw cannot be redone: {e}"]
    problems = []
    if again.population_hash != record.population_hash:
        problems.append(
            f"population hash differs: the record has {record.population_hash}, "
            f"the candidates given hash to {again.population_hash}"
        )
    return problems + _compare_samples(record.sample, again.sample)


def _compare_samples(recorded: Sequence[Assignment], redone: Sequence[Assignment]) -> list[str]:
    share = attrgetter("task", "unit", "section")
    problems = []
    old, new = [share(a) for a in recorded], [share(a) for a in redone]
    if old != new:
        missing, extra = set(new) - set(old), set(old) - set(new)
        t, u, _ = min(missing | extra, default=None) or next(  # else a repeat or misorder
            (a for a, b in zip(old, new, strict=False) if a != b), old[-1]
        )
        problems.append(
            f"sample differs ({len(missing)} share(s) missing from the record, {len(extra)} "
            f"not drawn by the recomputation): first at share {t} ({u})"
        )
    given = {share(a): a.inspectors for a in recorded}
    if bad := next((a for a in redone if given.get(share(a), a.inspectors) != a.inspectors), None):
        problems.append(
            f"inspectors differ for share {bad.task} ({bad.unit}): the record has "
            f"{', '.join(given[share(bad)]) or 'none'}, the recomputation gives "
            f"{', '.join(bad.inspectors)}"
        )
    return problems
