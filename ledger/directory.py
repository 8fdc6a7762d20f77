"""The Directory aggregate: the units, their other names, their groups, and how each unit
is told about its tasks. There is one directory per ledger.

Everything here is a ledger fact with its time, so which units there were, what a group
stood for and who was reachable at any moment is on record. A group (各区市县政府) stands
for its members: a task it leads gives each member a share. Names are kept as written; an
alias (财政局) resolves to its unit (市财政局), within one issuer's plans when it is
given one. People and their roles are kept apart (ledger/people.py).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput, RuleViolation
from ledger.ids import NAMESPACE

DIRECTORY_ID: UUID = uuid5(NAMESPACE, "directory")
CHANNELS = ("email", "webhook", "wecom", "dingtalk")


class Directory(Aggregate):
    """Units, aliases, groups and contacts."""

    class Opened(Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.contacts: dict[str, list[list[str]]] = {}  # unit -> [[channel, address], ...]
        self.units: dict[str, str] = {}  # unit -> how it came (admin, or the plan's table)
        self.aliases: dict[str, list[list[str]]] = {}  # alias -> [[unit, issuer or ""], ...]
        self.groups: dict[str, list[str]] = {}  # group -> its members

    @classmethod
    def open(cls, *, now: datetime) -> Directory:
        return cls._create(cls.Opened, id=DIRECTORY_ID, timestamp=now)

    # -- units and their names -------------------------------------------------------

    class UnitsRegistered(Aggregate.Event):
        units: list[str]
        source: str  # "admin", or the plan whose table first named them
        actor: str

        def apply(self, directory: Directory) -> None:
            for unit in self.units:
                directory.units[unit] = self.source

    def register(self, *, units: list[str], source: str, actor: str, now: datetime) -> list[str]:
        """Record the units not seen before (neither unit, group nor alias); returns them."""
        if any(not u.strip() for u in units):
            raise InvalidInput("a unit needs a name", field="unit")
        new = [u for u in dict.fromkeys(units) if not self.knows(u)]
        if new:
            self.trigger_event(
                self.UnitsRegistered, timestamp=now, units=new, source=source, actor=actor
            )
        return new

    def closest(self, names: list[str]) -> dict[str, str | None]:
        """For each of ``names``, the known name most like it, if any is much like it.
        Compared with the known names that end or begin as it does (财政局 / 市财政局),
        so a directory of ten thousand names answers at once."""
        from difflib import get_close_matches

        index: dict[str, list[str]] = {}
        for known in [*self.units, *self.groups, *self.aliases]:
            for key in {f"<{known[:2]}", f">{known[-2:]}"}:
                index.setdefault(key, []).append(known)
        found: dict[str, str | None] = {}
        for name in names:
            candidates = {*index.get(f"<{name[:2]}", []), *index.get(f">{name[-2:]}", [])}
            candidates.discard(name)
            best = get_close_matches(name, sorted(candidates), n=1, cutoff=0.8)
            found[name] = best[0] if best else None
        return found

    def knows(self, name: str) -> bool:
        """Whether ``name`` is a unit, a group or an alias of the directory."""
        return name in self.units or name in self.groups or name in self.aliases

    class AliasAdded(Aggregate.Event):
        alias: str
        unit: str
        issuer: str  # "" for every plan
        actor: str

        def apply(self, directory: Directory) -> None:
            directory.aliases.setdefault(self.alias, []).append([self.unit, self.issuer])
            if not self.issuer:  # a name registered as it came is now known as another's
                directory.units.pop(self.alias, None)
            directory.units.setdefault(self.unit, "admin")

    def add_alias(self, *, alias: str, unit: str, issuer: str, actor: str, now: datetime) -> None:
        """``alias`` is another name of ``unit`` (in ``issuer``'s plans; "": in all)."""
        if alias == unit or not alias.strip():
            raise InvalidInput(f"{alias!r} cannot be another name of {unit}", field="alias")
        if alias in self.groups or unit in self.groups:
            raise RuleViolation(f"{alias} or {unit} is a group; a group has members, not names")
        named = sorted(a for a, found in self.aliases.items() if any(u == alias for u, _ in found))
        if named:
            raise RuleViolation(
                f"{alias} is the unit {'、'.join(named)} stand for, not another name"
            )
        if unit in self.aliases:
            raise RuleViolation(f"{unit} is itself another name; give the unit it stands for")
        if [unit, issuer] in self.aliases.get(alias, []):
            raise RuleViolation(f"{alias} already names {unit}")
        self.trigger_event(
            self.AliasAdded, timestamp=now, alias=alias, unit=unit, issuer=issuer, actor=actor
        )

    def resolve(self, name: str, issuer: str = "") -> str:
        """The unit ``name`` stands for: itself, or the unit its alias names (an alias
        given for ``issuer``'s plans first, then one for every plan)."""
        found = self.aliases.get(name)
        if not found:
            return name
        for unit, scope in found:
            if scope == issuer:
                return unit
        return next((unit for unit, scope in found if not scope), name)

    # -- groups ----------------------------------------------------------------------

    class GroupDefined(Aggregate.Event):
        group: str
        members: list[str]
        how: str  # "members", or the plan whose units they are
        actor: str

        def apply(self, directory: Directory) -> None:
            directory.groups[self.group] = list(self.members)
            directory.units.pop(self.group, None)  # registered as it came, a group now
            for member in self.members:
                directory.units.setdefault(member, "admin")

    def define_group(
        self, *, group: str, members: list[str], how: str, actor: str, now: datetime
    ) -> None:
        if not members:
            raise InvalidInput(f"group {group} names no member", field="members")
        if group in members:
            raise InvalidInput(f"group {group} cannot be a member of itself", field="members")
        nested = [m for m in members if m in self.groups or m in self.aliases]
        if nested:
            raise InvalidInput(
                f"group {group}: {'、'.join(nested)} are groups or other names; name the units",
                field="members",
            )
        if group in self.aliases:
            raise RuleViolation(f"{group} is another name of a unit, not a group")
        if self.groups.get(group) == members:
            raise RuleViolation(f"group {group} already has these members")
        self.trigger_event(
            self.GroupDefined, timestamp=now, group=group, members=members, how=how, actor=actor
        )

    def expand(self, units: list[str]) -> list[str]:
        """The units that answer for ``units``: a group's members in its place."""
        found: list[str] = []
        for unit in units:
            found.extend(self.groups.get(unit, [unit]))
        return list(dict.fromkeys(found))

    def answering(
        self, lead: list[str], co: list[str], issuer: str
    ) -> tuple[list[str], list[str], dict[str, str]]:
        """Who answers for a task the table gives ``lead`` and ``co`` (names as written,
        in ``issuer``'s plan), who helps, and which unit's share was kept under which
        other name (an alias resolved since)."""
        resolved = {name: self.resolve(name, issuer) for name in [*lead, *co]}
        answering = self.expand([resolved[n] for n in lead])
        helping = [u for u in self.expand([resolved[n] for n in co]) if u not in answering]
        carried = {unit: name for name, unit in resolved.items() if unit != name}
        return answering, helping, carried

    # -- contacts --------------------------------------------------------------------

    class ContactAdded(Aggregate.Event):
        unit: str
        channel: str
        address: str
        actor: str

        def apply(self, directory: Directory) -> None:
            directory.contacts.setdefault(self.unit, []).append([self.channel, self.address])

    class ContactRemoved(Aggregate.Event):
        unit: str
        channel: str
        address: str
        actor: str

        def apply(self, directory: Directory) -> None:
            directory.contacts[self.unit].remove([self.channel, self.address])

    def add(self, *, unit: str, channel: str, address: str, actor: str, now: datetime) -> None:
        if channel not in CHANNELS:
            raise InvalidInput(f"channel {channel!r}: use one of {', '.join(CHANNELS)}")
        if channel == "email" and "@" not in address:
            raise InvalidInput(f"{address!r} is not an email address")
        if channel != "email" and not address.startswith(("http://", "https://")):
            raise InvalidInput(f"{address!r} is not an http(s) URL")
        if [channel, address] in self.contacts.get(unit, []):
            raise RuleViolation(f"{unit} already has {channel} {address}")
        self.trigger_event(
            self.ContactAdded,
            timestamp=now,
            unit=unit,
            channel=channel,
            address=address,
            actor=actor,
        )

    def remove(self, *, unit: str, channel: str, address: str, actor: str, now: datetime) -> None:
        if [channel, address] not in self.contacts.get(unit, []):
            raise RuleViolation(f"{unit} has no {channel} contact {address}")
        self.trigger_event(
            self.ContactRemoved,
            timestamp=now,
            unit=unit,
            channel=channel,
            address=address,
            actor=actor,
        )

    def of(self, units: list[str]) -> list[list[str]]:
        """[[unit, channel, address], ...] for the given units, in their order."""
        return [[u, c, a] for u in units for c, a in self.contacts.get(u, [])]
