"""Which deliveries are due, what one attempt records, and the channels' own checks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ledger.notify import (
    Backoff,
    Channel,
    ConsoleChannel,
    DeliveryState,
    EmailChannel,
    Notice,
    PermanentFailure,
    TransientFailure,
    WebhookChannel,
    attempt,
    due_deliveries,
)

NOW = datetime.fromisoformat("2017-09-01T10:00:00+08:00")
DUE = datetime.fromisoformat("2017-08-31T23:59:59+08:00")


def make_notice(alert_id: str = "dalian-2017/7:overdue:2017-09-01") -> Notice:
    return Notice.build(
        alert_id=alert_id,
        kind="overdue",
        task_ref="dalian-2017/7",
        title="完善财政预算公开制度",
        unit="市财政局",
        due=DUE,
        raised_at=NOW,
    )


def state(
    alert: str = "a1",
    channel: str = "email",
    recipient: str = "x@y.cn",
    *,
    attempts: int = 0,
    next_at: datetime | None = NOW,
    delivered: bool = False,
) -> DeliveryState:
    return DeliveryState(alert, channel, recipient, attempts, next_at, delivered)


class Scripted:
    """A channel whose send raises the given failures in turn, then succeeds."""

    def __init__(self, name: str, *failures: Exception) -> None:
        self.name = name
        self._failures = list(failures)
        self.sent: list[tuple[str, str]] = []

    def send(self, notice: Notice, recipient: str) -> None:
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append((notice.alert_id, recipient))


def test_due_deliveries_are_those_not_delivered_whose_time_has_come() -> None:
    """Future, delivered and given-up deliveries are left alone; the rest come soonest first."""
    later = state("later", next_at=NOW + timedelta(seconds=1))
    done = state("done", attempts=1, next_at=None, delivered=True)
    gave_up = state("gave-up", attempts=12, next_at=None)
    overdue_retry = state("retry", attempts=2, next_at=NOW - timedelta(minutes=5))
    fresh = state("fresh", next_at=NOW)

    assert due_deliveries([later, done, gave_up, fresh, overdue_retry], NOW) == [
        overdue_retry,
        fresh,
    ]


def test_a_delivered_record_settles_its_key_even_if_a_later_record_is_pending() -> None:
    """A success that is recorded late (after a retry was scheduled) still stops the retry."""
    history = [
        state(attempts=0, next_at=NOW - timedelta(hours=1)),
        state(attempts=1, next_at=None, delivered=True),
        state(attempts=2, next_at=NOW - timedelta(minutes=30)),
    ]
    assert due_deliveries(history, NOW) == []


def test_the_record_with_most_attempts_is_the_current_one() -> None:
    """An older record that was due does not resurrect a delivery rescheduled later."""
    history = [
        state(attempts=1, next_at=NOW - timedelta(minutes=1)),
        state(attempts=2, next_at=NOW + timedelta(minutes=1)),
    ]
    assert due_deliveries(history, NOW) == []
    assert due_deliveries(history, NOW + timedelta(minutes=1)) == [history[1]]


def test_same_alert_on_other_channels_or_recipients_is_planned_separately() -> None:
    """Dedup is per (alert, channel, recipient): delivering by mail does not skip the robot."""
    records = [
        state(channel="email", attempts=1, next_at=None, delivered=True),
        state(channel="wecom", recipient="督办群"),
        state(channel="email", recipient="other@y.cn"),
    ]
    assert [s.key for s in due_deliveries(records, NOW)] == [
        ("a1", "email", "other@y.cn"),
        ("a1", "wecom", "督办群"),
    ]


def test_successful_attempt_records_delivery_and_stops_scheduling() -> None:
    """After the channel accepts, the state is delivered with no next attempt."""
    channel = Scripted("email")
    notice = make_notice()
    after = attempt(channel, notice, state(notice.alert_id), NOW, Backoff())

    assert (after.delivered, after.attempts, after.next_at) == (True, 1, None)
    assert channel.sent == [(notice.alert_id, "x@y.cn")]


def test_transient_failure_schedules_the_next_attempt_on_the_backoff() -> None:
    """A transient failure is recorded with its reason and retried base later."""
    notice = make_notice()
    channel = Scripted("email", TransientFailure("email", "x@y.cn", "451 busy"))
    after = attempt(channel, notice, state(notice.alert_id), NOW, Backoff())

    assert (after.delivered, after.attempts) == (False, 1)
    assert after.next_at == NOW + timedelta(seconds=30)
    assert after.last_error == "email could not deliver to x@y.cn: 451 busy"


def test_permanent_failure_gives_up_at_once() -> None:
    """No retry is scheduled for a refused address, however many attempts remain."""
    notice = make_notice()
    channel = Scripted("email", PermanentFailure("email", "x@y.cn", "550 no such user"))
    after = attempt(channel, notice, state(notice.alert_id), NOW, Backoff())

    assert after.gave_up
    assert "550" in after.last_error


def test_transient_failures_give_up_after_max_attempts() -> None:
    """Even a channel that only ever fails transiently stops being tried."""
    notice = make_notice()
    boom = TransientFailure("email", "x@y.cn", "timeout")
    channel = Scripted("email", *[boom] * 10)
    current = state(notice.alert_id)
    for _ in range(10):  # bounded: more than max_attempts
        if current.next_at is None:
            break
        current = attempt(channel, notice, current, current.next_at, Backoff(max_attempts=3))

    assert current.gave_up
    assert current.attempts == 3


def test_a_dead_channel_does_not_stop_the_others_from_delivering() -> None:
    """Each delivery is attempted on its own; one channel's failure is only its own record."""
    notice = make_notice()
    dead = Scripted("email", TransientFailure("email", "x@y.cn", "connection refused"))
    lines: list[str] = []
    console = ConsoleChannel(lines.append)
    channels: dict[str, Channel] = {"email": dead, "console": console}
    pending = [state(notice.alert_id, "email"), state(notice.alert_id, "console", "ops")]

    results = [
        attempt(channels[s.channel], notice, s, NOW, Backoff())
        for s in due_deliveries(pending, NOW)
    ]

    assert sorted((s.channel, s.delivered) for s in results) == [
        ("console", True),
        ("email", False),
    ]
    assert len(lines) == 1


def test_a_bug_in_a_channel_is_raised_not_retried() -> None:
    """Only DeliveryFailure is a delivery outcome; anything else surfaces to the caller."""
    notice = make_notice()
    with pytest.raises(KeyError):
        attempt(Scripted("email", KeyError("x")), notice, state(notice.alert_id), NOW, Backoff())


def test_attempt_refuses_a_state_for_another_alert_or_channel() -> None:
    """Mixing up records would mark the wrong delivery as done."""
    with pytest.raises(ValueError, match="state is for alert"):
        attempt(Scripted("email"), make_notice("other"), state("a1"), NOW, Backoff())


def test_console_writes_one_line_with_kind_alert_recipient_and_text() -> None:
    """The console line is greppable by alert id and shows the full sentence."""
    lines: list[str] = []
    ConsoleChannel(lines.append).send(make_notice(), "ops")
    assert lines == [
        "[overdue] dalian-2017/7:overdue:2017-09-01 -> ops: 【台账提醒】任务 dalian-2017/7"
        "「完善财政预算公开制度」已逾期1天（应于 2017-08-31 23:59 前完成），牵头单位：市财政局"
    ]


def test_console_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a log function the line goes to stderr, leaving stdout to the CLI's output."""
    ConsoleChannel().send(make_notice(), "ops")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "dalian-2017/7:overdue:2017-09-01" in captured.err


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("alert_id", " ", "non-empty alert_id"),
        ("alert_id", "a1\r\nBcc: z@w.cn", "single line"),
        ("task_ref", "x/1\nX-Evil: 1", "single line"),
        ("kind", "reminder", "unknown notice kind"),
        ("due", datetime(2017, 8, 31, 23, 59), "timezone-aware"),
    ],
)
def test_notices_that_could_break_headers_or_dedup_are_refused(
    field: str, value: object, problem: str
) -> None:
    """A notice is checked once, when made, so no channel has to guard against it."""
    fields: dict[str, object] = {
        "alert_id": "a1",
        "kind": "overdue",
        "task_ref": "x/1",
        "title": "t",
        "unit": "u",
        "due": DUE,
        "raised_at": NOW,
        "text": "t",
    }
    fields[field] = value
    with pytest.raises(ValueError, match=problem):
        Notice(**fields)  # type: ignore[arg-type]


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
