"""Where each read model stands: its position in the notification log, and its shape.

One row per read model: the last notification applied, the version of its shape
(projections/catalog.py), and while a replay fills it, how far the replay got.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from projections.base import metadata

tracking = Table(
    "rm_tracking",
    metadata,
    Column("projection", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    # The version of the read model's shape its rows were built with (catalog.tag): a
    # changed shape means its rows are rebuilt by replay, never half-migrated.
    Column("version", String(200), nullable=False),
    # While a replay fills the read model (position 0): the head it replays up to, and
    # the last aggregate it has written (see projections/replay.py).
    Column("replay_head", BigInteger),
    Column("replay_after", String(36)),
)
