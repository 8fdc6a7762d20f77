"""Plans: every plan as it stands now, or as the ledger held it at a past moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections.queries.views import plan_item
from projections.reader import Reader


def list_plans(
    reader: Reader, *, as_of: datetime | None = None, plan_id: str | None = None
) -> list[dict[str, Any]]:
    """The plans (or one plan) now, or as the ledger held them at ``as_of``."""
    params: dict[str, Any] = {}
    if as_of is None:
        sql = "SELECT * FROM rm_plans WHERE 1 = 1"
    else:
        sql = (
            "SELECT task_id AS plan_id, v.* FROM rm_plan_versions v"
            " WHERE rec_to > :at AND rec_from <= :at"
        )
        params["at"] = int(as_of.timestamp())
    if plan_id is not None:
        sql += " AND " + ("plan_id" if as_of is None else "task_id") + " = :plan_id"
        params["plan_id"] = plan_id
    return [plan_item(r) for r in reader.rows(sql + " ORDER BY year, ref", params)]
