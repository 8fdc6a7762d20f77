"""The service's configuration: a TOML file, with environment overrides.

Looked for at ``--config``, else ``$TAIZHANG_CONFIG``, else ``./taizhang.toml`` if it
exists; everything has a default, so no file is needed. Example::

    [alerts]
    reminders = ["7d", "1d"]      # due-soon reminders before each due time
    escalate_after = "3d"         # escalation this long after an overdue alert
    supervisor = "市政府办公厅督查室"  # also told on escalation (its contacts: `contacts add`)
    quiet_hours = "22:00-07:00"   # nothing is sent then; deliveries wait

    [email]                       # the SMTP server email contacts are reached through
    host = "smtp.example.gov.cn"
    port = 25
    sender = "taizhang@example.gov.cn"
    starttls = false

    [service]
    interval = 30                 # seconds between sweeps in `taizhang serve`
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cli.values import parse_duration
from ledger.errors import InvalidInput


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int = 25
    sender: str = "taizhang@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class ServiceConfig:
    reminders: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1))
    escalate_after: timedelta | None = timedelta(days=3)
    supervisor: str | None = None
    quiet_hours: str | None = None
    email: EmailSettings | None = None
    interval: float = 30.0
    source: str = "defaults"
    extra: dict[str, Any] = field(default_factory=dict)


def load_config(path: str | None) -> ServiceConfig:
    chosen = path or os.environ.get("TAIZHANG_CONFIG")
    if chosen is None and Path("taizhang.toml").is_file():
        chosen = "taizhang.toml"
    if chosen is None:
        return ServiceConfig()
    file = Path(chosen)
    if not file.is_file():
        raise InvalidInput(f"--config {chosen}: no such file")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(f"{chosen}: not valid TOML ({e})") from None
    return _from_dict(data, source=str(file))


def _from_dict(data: dict[str, Any], *, source: str) -> ServiceConfig:
    alerts = data.get("alerts", {})
    email = data.get("email")
    service = data.get("service", {})
    escalate = alerts.get("escalate_after", "3d")
    return ServiceConfig(
        reminders=tuple(
            parse_duration(r, "[alerts] reminders") for r in alerts.get("reminders", ["7d", "1d"])
        ),
        escalate_after=parse_duration(escalate, "[alerts] escalate_after") if escalate else None,
        supervisor=alerts.get("supervisor"),
        quiet_hours=alerts.get("quiet_hours"),
        email=EmailSettings(**email) if email else None,
        interval=float(service.get("interval", 30)),
        source=source,
    )
