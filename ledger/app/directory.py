"""Use cases of the directory and of people: units, their other names and groups, who is
told about a unit's tasks, and who may act.

A change to what a name stands for (an alias, a group's members) reaches the tasks that
name it: each records who answers for it from then on. Which tasks name it is asked of the
caller (``named``: the task read model knows, the write side keeps no such index); each
task found is loaded and decided on its own state, so a stale answer costs a task
reassigned in the next change at worst, never a wrong share.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.app.answering import Answering
from ledger.directory import Directory
from ledger.errors import InvalidInput, RuleViolation
from ledger.plan import Plan
from ledger.task import Task

Named = Callable[[Sequence[str]], list[UUID]]  # names -> the tasks that name any of them


class DirectoryUseCases(Answering):
    def add_unit(
        self,
        unit: str,
        *,
        aliases: Sequence[str] = (),
        issuer: str = "",
        named: Named = lambda names: [],
        actor: str,
    ) -> list[Task]:
        """Register ``unit`` and its other names (in ``issuer``'s plans, or all); the
        tasks that name it by another name answer through it. Returns those tasks."""

        def change(directory: Directory, now: datetime) -> tuple[Sequence[str], str]:
            new = directory.register(units=[unit], source="admin", actor=actor, now=now)
            if not new and not aliases:
                raise RuleViolation(f"{unit} is in the directory already", field="unit")
            for alias in aliases:
                directory.add_alias(alias=alias, unit=unit, issuer=issuer, actor=actor, now=now)
            return aliases, f"{'、'.join(aliases)} 即 {unit}" if aliases else ""

        return self._redirect(change, named, actor=actor)

    def define_group(
        self,
        group: str,
        *,
        members: Sequence[str] = (),
        units_of_plan: UUID | None = None,
        named: Named = lambda names: [],
        actor: str,
    ) -> list[Task]:
        """``group`` stands for ``members`` (or every unit on a plan) from now on: each
        task it leads gives each member a share. Returns the tasks reassigned."""

        def change(directory: Directory, now: datetime) -> tuple[Sequence[str], str]:
            found, how = self._members(directory, group, members, units_of_plan)
            directory.define_group(group=group, members=found, how=how, actor=actor, now=now)
            return [group], f"{group}: {how}"

        return self._redirect(change, named, actor=actor)

    def _redirect(
        self,
        change: Callable[[Directory, datetime], tuple[Sequence[str], str]],
        named: Named,
        *,
        actor: str,
    ) -> list[Task]:
        """Change the directory (``change`` says which names it changed, and why); the
        tasks that name them record who answers from then on. Returns those tasks."""

        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "keep directory")
            directory = self.directory()
            names, reason = change(directory, now)
            tasks = self.assign_named(
                named(list(names)), directory=directory, reason=reason, actor=actor, now=now
            )
            return [directory, *tasks]

        return [a for a in self._write(command, what="the directory") if isinstance(a, Task)]

    def _members(
        self, directory: Directory, group: str, members: Sequence[str], plan_id: UUID | None
    ) -> tuple[list[str], str]:
        """A group's members (named, or every unit on a plan), and how they were chosen."""
        if plan_id is None:
            found, how = [directory.resolve(m) for m in members], "members"
        else:
            plan = self.load(Plan, plan_id, what="plan")
            found, how = self._units_of(plan, directory, group), f"plan {plan.ref}"
        return list(dict.fromkeys(found)), how

    def _units_of(self, plan: Plan, directory: Directory, group: str) -> list[str]:
        """Every unit that answers or helps on ``plan`` (not groups, nor ``group``)."""
        units: list[str] = []
        for code in plan.task_codes:
            task = self.load(Task, ids.task_id(plan.id, code))
            units += [*task.shares, *task.helping]
        found = [u for u in dict.fromkeys(units) if u != group and u not in directory.groups]
        if not found:
            raise InvalidInput(f"plan {plan.ref} names no unit", field="plan")
        return found

    # -- people ----------------------------------------------------------------------

    def add_person(self, person: str, *, unit: str, roles: Sequence[str], actor: str) -> None:
        """Register ``person`` of ``unit`` with ``roles`` (or give them more roles)."""

        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "keep people")
            people = self.people()
            people.add(person=person, unit=unit, roles=list(roles), actor=actor, now=now)
            return [people]

        self._write(command, what="the people")

    def remove_person(self, person: str, *, reason: str, actor: str) -> None:
        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "keep people")
            people = self.people()
            people.remove(person=person, reason=reason, actor=actor, now=now)
            return [people]

        self._write(command, what="the people")

    # -- contacts --------------------------------------------------------------------

    def add_contact(self, unit: str, *, channel: str, address: str, actor: str) -> None:
        """Tell ``unit`` about its tasks through ``channel`` at ``address`` too."""
        self._edit(Directory.add, unit=unit, channel=channel, address=address, actor=actor)

    def remove_contact(self, unit: str, *, channel: str, address: str, actor: str) -> None:
        """Stop telling ``unit`` through ``channel`` at ``address``."""
        self._edit(Directory.remove, unit=unit, channel=channel, address=address, actor=actor)

    def _edit(self, change: Callable[..., None], *, actor: str, **fields: Any) -> None:
        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "keep directory")
            directory = self.directory()
            change(directory, now=now, actor=actor, **fields)
            return [directory]

        self._write(command, what="the directory")
