"""Who answers for a task: its lead units as the directory resolves and expands them.

A table names units as it writes them (财政局, 各区市县政府); the directory says which unit
a name stands for and which units a group has. Whenever what a task names, or what the
directory says about those names, changes, the task records who answers (a share each)
and who helps, as the directory has it then (``Task.SharesAssigned``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from ledger.app.base import LedgerBase
from ledger.directory import Directory
from ledger.plan import Plan
from ledger.task import Task


class Answering(LedgerBase):
    def assign(
        self,
        task: Task,
        *,
        reason: str,
        actor: str,
        now: datetime,
        directory: Directory | None = None,
        issuer: str | None = None,
    ) -> None:
        """Record who answers for ``task`` and who helps, as the directory has it now."""
        if issuer is None:
            issuer = self.load(Plan, task.plan_id).issuer
        answering, helping, carried = (directory or self.directory()).answering(
            task.lead_units, task.co_units, issuer
        )
        task.assign_shares(
            answering=answering,
            helping=helping,
            carried=carried,
            reason=reason,
            actor=actor,
            now=now,
        )

    def assign_named(
        self,
        task_ids: Iterable[UUID],
        *,
        directory: Directory,
        reason: str,
        actor: str,
        now: datetime,
    ) -> list[Task]:
        """The tasks among ``task_ids`` whose shares the directory now gives otherwise,
        with who answers recorded anew."""
        tasks = self.existing(Task, task_ids)
        issuers = {p: self.load(Plan, p).issuer for p in {t.plan_id for t in tasks}}
        for task in tasks:
            issuer = issuers[task.plan_id]
            self.assign(
                task, reason=reason, actor=actor, now=now, directory=directory, issuer=issuer
            )
        return [task for task in tasks if task.pending_events]
