"""The service's configuration: a TOML file, checked against its schema before use.

Looked for at ``--config``, else ``$TAIZHANG_CONFIG``, else ``./taizhang.toml`` if it
exists; everything has a default, so no file is needed. An unknown section or key, or
a value of the wrong type, is refused naming the key and the file: a misspelt key would
otherwise be ignored without a word. Example::

    [alerts]
    reminders = ["7d", "1d"]      # due-soon reminders before each due time
    escalate_after = "3d"         # escalation this long after an overdue alert ("" for none)
    supervisor = "市政府办公厅督查室"  # also told on escalation (its contacts: `contacts add`)
    quiet_hours = "22:00-07:00"   # nothing is sent then; deliveries wait

    [email]                       # the SMTP server email contacts are reached through
    host = "smtp.example.gov.cn"
    port = 25
    sender = "taizhang@example.gov.cn"
    starttls = false
    username = "taizhang"         # optional, with password
    password = "…"

    [service]
    interval = 30                 # seconds between ticks of `taizhang serve`
    delivery_timeout = 5          # seconds a receiver has to answer
    delivery_workers = 4          # receivers sent to at once

    [score]                       # how `taizhang score` scores units (考核)
    base = 100                    # what each unit starts from
    overdue = 2                   # per share past its due and not done
    done_late = 1                 # per share completed after its due day
    failed_finding = 1            # per failed spot-check finding (unset: the recorded deduction)
    unfinished_rectification = 2  # per rectification past its due, not passed
    notice_item = 1               # per item a superior's notice found (`score adjust`)
    bonus = 1                     # added per bonus (`score adjust --bonus`)
    cap = 20                      # the most a unit can lose (unset: no cap)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from cli.values import parse_duration
from ledger.errors import InvalidInput
from ledger.scoring import ScoreRules
from scheduler.settings import EmailSettings, QuietHours, ServiceConfig

Check = Callable[[Any], Any]  # returns the value as the settings take it, or raises ValueError


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    if any(ord(c) < 32 for c in value):
        raise ValueError("must not contain control characters")
    return value


def _number(low: float, high: float) -> Check:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return float(value)

    return check


def _integer(low: int, high: int) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return check


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _duration(value: Any) -> timedelta:
    text = _text(value)
    try:
        return parse_duration(text, "")
    except InvalidInput:
        raise ValueError("must be a duration such as 7d, 12h or 2w") from None


def _durations(value: Any) -> tuple[timedelta, ...]:
    if not isinstance(value, list):
        raise ValueError('must be a list of durations, e.g. ["7d", "1d"]')
    return tuple(_duration(v) for v in value)


def _optional_duration(value: Any) -> timedelta | None:
    return None if value in ("", False) else _duration(value)


def _quiet(value: Any) -> QuietHours:
    try:
        return QuietHours.parse(_text(value))
    except ValueError:
        raise ValueError('must be a span of hours such as "22:00-07:00"') from None


SCHEMA: dict[str, dict[str, Check]] = {
    "alerts": {
        "reminders": _durations,
        "escalate_after": _optional_duration,
        "supervisor": _text,
        "quiet_hours": _quiet,
    },
    "email": {
        "host": _text,
        "port": _integer(1, 65535),
        "sender": _text,
        "starttls": _flag,
        "username": _text,
        "password": _text,
    },
    "service": {
        "interval": _number(0.1, 86400),
        "delivery_timeout": _number(0.5, 300),
        "delivery_workers": _integer(1, 64),
    },
    "score": {
        "base": _number(0, 10000),
        "overdue": _number(0, 1000),
        "done_late": _number(0, 1000),
        "failed_finding": _number(0, 1000),
        "unfinished_rectification": _number(0, 1000),
        "notice_item": _number(0, 1000),
        "bonus": _number(0, 1000),
        "cap": _number(0, 10000),
    },
}


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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InvalidInput(f"{chosen}: not valid TOML ({e})") from None
    return _settings(_checked(data, chosen), source=str(file))


def _checked(data: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """Every section and key known and of its type; the values as the settings take them."""
    checked: dict[str, dict[str, Any]] = {}
    for section, values in data.items():
        keys = SCHEMA.get(section)
        if keys is None or not isinstance(values, dict):
            known = ", ".join(f"[{s}]" for s in SCHEMA)
            raise InvalidInput(f"{name}: unknown section [{section}] (known: {known})")
        checked[section] = {}
        for key, value in values.items():
            check = keys.get(key)
            if check is None:
                raise InvalidInput(
                    f"{name}: unknown key {key!r} in [{section}] (known: {', '.join(keys)})"
                )
            try:
                checked[section][key] = check(value)
            except ValueError as e:
                raise InvalidInput(f"{name}: [{section}] {key} {e}") from None
    return checked


def _settings(data: dict[str, dict[str, Any]], *, source: str) -> ServiceConfig:
    alerts, service = data.get("alerts", {}), data.get("service", {})
    email = data.get("email")
    if email is not None and "host" not in email:
        raise InvalidInput(f"{source}: [email] needs a host")
    if email is not None and "password" in email and "username" not in email:
        raise InvalidInput(f"{source}: [email] password is given without a username")
    defaults = ServiceConfig()
    return ServiceConfig(
        reminders=alerts.get("reminders", defaults.reminders),
        escalate_after=alerts.get("escalate_after", defaults.escalate_after),
        supervisor=alerts.get("supervisor"),
        quiet_hours=alerts.get("quiet_hours"),
        email=EmailSettings(**email) if email is not None else None,
        interval=service.get("interval", defaults.interval),
        delivery_timeout=service.get("delivery_timeout", defaults.delivery_timeout),
        delivery_workers=service.get("delivery_workers", defaults.delivery_workers),
        score=ScoreRules(**data.get("score", {})),
        source=source,
    )
