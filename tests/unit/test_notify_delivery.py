"""The channels' own checks, the console channel, and what an alert item refuses."""

from __future__ import annotations

from datetime import datetime

import pytest

from scheduler.channels import Channel
from scheduler.console import ConsoleChannel
from scheduler.digest import Digest, Item
from scheduler.email import EmailChannel
from scheduler.webhook import WebhookChannel

NOW = datetime.fromisoformat("2017-09-01T10:00:00+08:00")
DUE = datetime.fromisoformat("2017-08-31T23:59:59+08:00")


def make_notice(alert_id: str = "dalian-2017/7:overdue:2017-09-01") -> Digest:
    item = Item(
        alert_id, "overdue", "dalian-2017/7", "完善财政预算公开制度", ("市财政局",), DUE, NOW
    )
    return Digest.of([item])


def test_console_writes_one_line_with_the_digest_recipient_and_text() -> None:
    """The console line is greppable by digest id and shows every sentence."""
    lines: list[str] = []
    digest = make_notice()
    ConsoleChannel(lines.append).send(digest, "ops")
    assert lines == [
        f"[{digest.digest_id}] -> ops: 【台账】1项提醒：已逾期1项 1. 任务 dalian-2017/7"
        "「完善财政预算公开制度」已逾期1天（应于 2017-08-31 23:59 前完成），牵头单位：市财政局"
    ]


def test_rectification_alerts_say_what_is_to_be_put_right() -> None:
    """A spot check's rectification order, due soon and overdue, in Chinese."""
    soon = Item(
        "a1",
        "rectify_soon",
        "dalian-2017/9",
        "公开目录",
        ("市发展改革委",),
        DUE,
        DUE.replace(day=30),
    )
    late = Item("a2", "rectify_overdue", "dalian-2017/9", "公开目录", ("市发展改革委",), DUE, NOW)
    assert soon.text == (
        "任务 dalian-2017/9「公开目录」抽查发现问题的整改将于 2017-08-31 23:59 到期（还有1天），"
        "牵头单位：市发展改革委"
    )
    assert late.text == (
        "任务 dalian-2017/9「公开目录」抽查发现问题的整改已逾期1天（应于 2017-08-31 23:59 前整改"
        "到位），牵头单位：市发展改革委"
    )
    up = Item("a3", "rectify_escalate", "dalian-2017/9", "公开目录", (), DUE, NOW)
    assert up.text.endswith("整改已逾期1天，逾期升级督办（应于 2017-08-31 23:59 前整改到位）")
    assert Digest.of([soon, late]).items[0] is late  # the overdue one first
    assert "整改逾期1项、整改即将到期1项" in Digest.of([soon, late]).subject


def test_every_alert_kind_fits_the_read_models_kind_columns() -> None:
    """PostgreSQL refuses a kind longer than the timers' and outbox's 16 characters."""
    from ledger.alert import KINDS
    from projections.outbox import outbox
    from projections.timers import timers

    width = min(timers.c.kind.type.length, outbox.c.kind.type.length)  # type: ignore[attr-defined]
    assert width == 16 and all(len(kind) <= width for kind in KINDS)


def test_console_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a log function the line goes to stderr, leaving stdout to the CLI's output."""
    ConsoleChannel().send(make_notice(), "ops")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "dalian-2017/7" in captured.err


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("alert_id", " ", "non-empty alert_id"),
        ("alert_id", "a1\r\nBcc: z@w.cn", "single line"),
        ("kind", "reminder", "unknown alert kind"),
        ("due", datetime(2017, 8, 31, 23, 59), "timezone-aware"),
    ],
)
def test_items_that_could_break_headers_or_dedup_are_refused(
    field: str, value: object, problem: str
) -> None:
    """An item is checked once, when made, so no channel has to guard against it."""
    fields: dict[str, object] = {
        "alert_id": "a1",
        "kind": "overdue",
        "task_ref": "x/1",
        "title": "t",
        "lead_units": ("u",),
        "due": DUE,
        "raised_at": NOW,
    }
    fields[field] = value
    with pytest.raises(ValueError, match=problem):
        Item(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["ftp://host/x", "hook.example/x", "http:///path"])
def test_webhook_url_must_be_http_with_a_host(url: str) -> None:
    """A bad URL is a configuration error found at start-up, not at the first alert."""
    with pytest.raises(ValueError, match="webhook URL"):
        WebhookChannel(url)


def test_email_sender_must_be_one_address() -> None:
    """A bad sender is a configuration error found at start-up."""
    with pytest.raises(ValueError, match="sender"):
        EmailChannel("127.0.0.1", 25, "taizhang")


def test_default_channel_names_are_distinct_per_kind_of_channel() -> None:
    """Delivery records are keyed by channel name, so two channels must not share one."""
    channels: list[Channel] = [
        EmailChannel("127.0.0.1", 25, "a@b.cn"),
        WebhookChannel("http://127.0.0.1/x"),
        WebhookChannel("http://127.0.0.1/x", style="wecom"),
        WebhookChannel("http://127.0.0.1/x", style="dingtalk"),
        ConsoleChannel(),
    ]
    assert [c.name for c in channels] == ["email", "webhook", "wecom", "dingtalk", "console"]
