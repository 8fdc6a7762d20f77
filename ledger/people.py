"""The People aggregate: who may act in the ledger, in which unit, with which roles.

A person belongs to one unit and holds roles (ledger/roles.py). Every write use case
checks the acting person against it, so it is small and loaded often; the units
themselves are in the directory (ledger/directory.py). There is one per ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput, RuleViolation
from ledger.ids import NAMESPACE
from ledger.roles import ROLES

PEOPLE_ID: UUID = uuid5(NAMESPACE, "people")


class People(Aggregate):
    """``people[name] == {"unit": unit, "roles": [role, ...]}``."""

    class Opened(Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.people: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, *, now: datetime) -> People:
        return cls._create(cls.Opened, id=PEOPLE_ID, timestamp=now)

    class PersonAdded(Aggregate.Event):
        """A person registered, or given more roles (``roles`` is all they hold)."""

        person: str
        unit: str
        roles: list[str]
        actor: str

        def apply(self, people: People) -> None:
            people.people[self.person] = {"unit": self.unit, "roles": list(self.roles)}

    def add(self, *, person: str, unit: str, roles: list[str], actor: str, now: datetime) -> None:
        if not person.strip():
            raise InvalidInput("a person needs a name", field="person")
        if not unit.strip():
            raise InvalidInput(f"{person}: name the unit they belong to", field="unit")
        unknown = [r for r in roles if r not in ROLES]
        if not roles or unknown:
            raise InvalidInput(
                f"role {'、'.join(unknown) or '(none)'}: use {', '.join(ROLES)}", field="role"
            )
        if not self.people and "admin" not in roles:
            raise RuleViolation(
                "the first person registered must be an admin: registering people ends "
                "set-up, and someone must be able to register the rest",
                field="role",
            )
        known = self.people.get(person)
        if known is not None and known["unit"] != unit:
            raise RuleViolation(f"{person} belongs to {known['unit']} already", field="unit")
        if known is not None and set(roles) <= set(known["roles"]):
            raise RuleViolation(f"{person} already holds {'、'.join(roles)}", field="role")
        held = sorted({*roles, *(known["roles"] if known else [])}, key=ROLES.index)
        self.trigger_event(
            self.PersonAdded, timestamp=now, person=person, unit=unit, roles=held, actor=actor
        )

    class PersonRemoved(Aggregate.Event):
        person: str
        reason: str
        actor: str

        def apply(self, people: People) -> None:
            del people.people[self.person]

    def remove(self, *, person: str, reason: str, actor: str, now: datetime) -> None:
        if person not in self.people:
            raise InvalidInput(f"{person} is not a registered person", field="person")
        if not reason.strip():
            raise InvalidInput("a reason is needed", field="reason")
        admins = [p for p, held in self.people.items() if "admin" in held["roles"]]
        if admins == [person]:
            raise RuleViolation(
                f"{person} is the only admin; register another admin first", field="person"
            )
        self.trigger_event(
            self.PersonRemoved, timestamp=now, person=person, reason=reason, actor=actor
        )
