"""Units answer for their own share: the Dalian plan through a year, on SQLite and PostgreSQL.

A collective name (各区市县政府) becomes a group in July, so its districts see task 1 from
then on and not before; 市财政局 completes its share of task 1 and only its share counts
done; people with roles may do what their roles allow and nothing else (a refusal writes
nothing); an extension is asked, refused, asked again and granted once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import test_cli
from conftest import store_state
from typer.testing import CliRunner

from cli.app import app

ROOT = Path(__file__).resolve().parents[2]
IMPORT = ["plan", "import", str(ROOT / "examples" / "dalian-2017.csv"), *test_cli.IMPORT]
DISTRICTS = "中山区政府,西岗区政府,沙河口区政府,甘井子区政府"


class Story:
    def __init__(self, db: str) -> None:
        self.db = db

    def run(self, *args: str, now: str, who: str = "督查室") -> Any:
        return CliRunner().invoke(app, ["--db", self.db, "--as", who, "--now", now, *args])

    def ok(self, *args: str, now: str, who: str = "督查室") -> Any:
        result = self.run(*args, now=now, who=who)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, now: str, who: str = "督查室") -> Any:
        return json.loads(self.ok("--format", "json", *args, now=now, who=who).stdout)

    def refused(self, *args: str, now: str, who: str) -> str:
        """The command exits 1 with a message and leaves the store as it was."""
        before = store_state(self.db)
        result = self.run(*args, now=now, who=who)
        assert result.exit_code == 1, result.output
        assert store_state(self.db) == before
        return " ".join(result.output.split())  # as one line, however the terminal wrapped it


def refs(tasks: list[dict[str, Any]]) -> set[str]:
    return {t["ref"] for t in tasks}


@pytest.fixture
def story(store_url: str) -> Story:
    s = Story(store_url)
    s.ok("init", now="2017-06-01T09:00")
    report = s.json(*IMPORT, now="2017-06-01T09:05")
    new = {u["name"] for u in report["new_units"]}
    # Every name the table used is listed as new, collective ones included, none merged.
    assert {"各区市县政府", "市财政局", "各单位", "市政府各部门"} <= new
    return s


def test_a_group_gives_its_members_shares_from_when_it_is_defined(story: Story) -> None:
    unknown = story.run("task", "list", "--unit", "中山区政府", now="2017-07-01")
    assert unknown.exit_code == 1 and "no task names the unit" in unknown.output
    story.ok("unit", "group", "各区市县政府", "--members", DISTRICTS, now="2017-07-10T09:00")
    listed = story.json("task", "list", "--unit", "中山区政府", now="2017-07-10T10:00")
    assert "dalian-2017/1" in refs(listed)
    assert all("各区市县政府" in [*t["lead_units"], *t["co_units"]] for t in listed)
    before = story.json(
        "task", "list", "--unit", "中山区政府", "--as-of", "2017-06-30", now="2017-07-10T10:00"
    )
    assert before == []
    shown = story.json("task", "show", "dalian-2017/1", now="2017-07-10T10:00")
    leads = [s["unit"] for s in shown["shares"] if s["role"] == "lead"]
    assert leads[:4] == DISTRICTS.split(",") and "各区市县政府" not in leads
    assert shown["lead_units"][0] == "各区市县政府"  # the table's words stay as written
    # A collective name for every unit on the plan: task 36 (各单位) is everyone's share.
    story.ok("unit", "group", "各单位", "--all-units-of", "dalian-2017", now="2017-07-10T09:10")
    mine = story.json("task", "list", "--unit", "市财政局", now="2017-07-10T10:00")
    assert "dalian-2017/36" in refs(mine)
    units = story.json("unit", "list", now="2017-07-10T10:00")
    group = next(u for u in units if u["name"] == "各区市县政府")
    assert group["kind"] == "group" and group["refers"] == DISTRICTS.split(",")


def register_people(story: Story) -> None:
    story.ok(
        "person", "add", "张主任", "--unit", "市政府办公厅", "--role", "admin", now="2017-07-11"
    )
    for person, unit, role in [
        ("督查室李明", "市政府办公厅", "supervisor"),
        ("王芳", "市财政局", "clerk"),
        ("赵强", "市农委", "clerk"),
        ("孙丽", "市审计局", "auditor"),
    ]:
        story.ok(
            "person", "add", person, "--unit", unit, "--role", role, now="2017-07-11", who="张主任"
        )


def test_a_unit_completes_its_share_and_only_it_counts_done(story: Story) -> None:
    story.ok("unit", "group", "各区市县政府", "--members", DISTRICTS, now="2017-07-10T09:00")
    register_people(story)
    story.ok(
        "task",
        "complete",
        "dalian-2017/1",
        "--on",
        "2017-07-20",
        now="2017-07-20T10:00",
        who="王芳",
    )
    shown = story.json("task", "show", "dalian-2017/1", now="2017-07-21")
    assert shown["status"] != "done"
    standing = {s["unit"]: s["status"] for s in shown["shares"]}
    assert standing["市财政局"] == "done"
    assert standing["市人社局"] != "done" and standing["中山区政府"] != "done"
    board = story.json("dashboard", "--by", "unit", now="2017-07-21")
    done = {r["key"]: r["done"] for r in board["rows"]}
    assert done["市财政局"] == 1
    assert done["市人社局"] == 0 and done["中山区政府"] == 0
    # The clerk of 市农委 may not complete another unit's share, decide an extension, or
    # import a plan; the refusal says what they may do and writes nothing.
    said = story.refused(
        "task", "complete", "dalian-2017/1", "--unit", "市人社局", now="2017-07-22", who="赵强"
    )
    assert "may not complete a unit's share for 市人社局" in said and "市农委" in said
    said = story.refused(
        "task", "extension", "approve", "dalian-2017/1", now="2017-07-22", who="赵强"
    )
    assert "may not approve or reject an extension" in said
    said = story.refused(*IMPORT, now="2017-07-22", who="赵强")
    assert "may not import a plan" in said
    # An auditor reads everything and writes nothing; someone unregistered does nothing.
    assert story.json("task", "list", now="2017-07-22", who="孙丽")
    said = story.refused(
        "task", "report", "dalian-2017/4", "--note", "已公开", now="2017-07-22", who="孙丽"
    )
    assert "may read only" in said
    said = story.refused(
        "task", "report", "dalian-2017/4", "--note", "x", now="2017-07-22", who="root"
    )
    assert "not a registered person" in said and "--as" in said
    # Every read model equals what a rebuild from the events gives.
    listed = story.json("task", "list", now="2017-07-23")
    story.ok("projections", "rebuild", now="2017-07-23", who="张主任")
    assert story.json("task", "list", now="2017-07-23") == listed
    assert story.json("dashboard", "--by", "unit", now="2017-07-21") == board


def test_an_extension_asked_refused_asked_and_granted_moves_the_share_once(story: Story) -> None:
    story.ok("unit", "group", "各单位", "--all-units-of", "dalian-2017", now="2017-07-10T09:10")
    register_people(story)
    task = "dalian-2017/36"  # 各单位, 8月底前
    ask = ["task", "request-extension", task, "--reason", "需协调多部门"]
    story.ok(*ask, "--to", "2017-09-30", now="2017-08-20T09:00", who="王芳")
    again = story.run(*ask, "--to", "2017-09-20", now="2017-08-20T09:05", who="王芳")
    assert again.exit_code == 1
    assert "a supervisor decides that request first" in " ".join(again.output.split())
    story.ok(
        "task",
        "extension",
        "reject",
        task,
        "--reason",
        "理由不充分",
        now="2017-08-21",
        who="督查室李明",
    )
    story.ok(*ask, "--to", "2017-09-15", now="2017-08-22T09:00", who="王芳")
    shown = story.json("task", "show", task, now="2017-08-22T10:00")
    waiting = next(s for s in shown["shares"] if s["unit"] == "市财政局")["request"]
    assert waiting["to"].startswith("2017-09-15") and waiting["reason"] == "需协调多部门"
    story.ok("task", "extension", "approve", task, now="2017-08-23", who="督查室李明")
    shown = story.json("task", "show", task, now="2017-09-01T10:00")
    shares = {s["unit"]: s for s in shown["shares"]}
    assert shares["市财政局"]["due"].startswith("2017-09-15T23:59:59")
    assert shares["市财政局"]["request"] is None and shares["市财政局"]["status"] == "open"
    assert shares["市人社局"]["due"].startswith("2017-08-31T23:59:59")
    assert shares["市人社局"]["status"] == "overdue"
    kinds = [h["type"] for h in shown["history"]]
    assert kinds.count("ExtensionApproved") == 1 and kinds.count("ExtensionRejected") == 1
    approved = next(h for h in shown["history"] if h["type"] == "ExtensionApproved")
    assert approved["changed"]["市财政局"] == {
        "old": None,
        "new": "2017-09-15T23:59:59+08:00",
    }
    # A clerk may not extend the whole task; a supervisor may not move it into the past
    # unless saying so.
    story.refused(
        "task", "extend", task, "--to", "2017-09-30", "--reason", "x", now="2017-09-06", who="王芳"
    )
    late = ["task", "extend", task, "--to", "2017-09-01"]
    said = story.refused(*late, "--reason", "补录", now="2017-09-06", who="督查室李明")
    assert "--retroactive" in said
    reason = "补录：8月28日已批准"
    story.ok(*late, "--reason", reason, "--retroactive", now="2017-09-06", who="督查室李明")
    shown = story.json("task", "show", task, now="2017-09-06T10:00")
    extended = next(h for h in shown["history"] if h["type"] == "DeadlineExtended")
    assert extended["changed"]["due"] == {
        "old": "2017-08-31T23:59:59+08:00",
        "new": "2017-09-01T23:59:59+08:00",
    }
    assert extended["retroactive"] is True and extended["approved_by"] == "督查室李明"
