"""Who may do what (ledger/roles.py) and the directory's names (ledger/directory.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.directory import Directory
from ledger.errors import InvalidInput, RuleViolation
from ledger.people import People
from ledger.roles import ACTIONS, Forbidden, check

NOW = datetime(2017, 7, 1, 1, 0, tzinfo=UTC)
PEOPLE = {
    "王芳": {"unit": "市财政局", "roles": ["clerk"]},
    "李明": {"unit": "市政府办公厅", "roles": ["supervisor"]},
    "孙丽": {"unit": "市审计局", "roles": ["auditor"]},
    "张主任": {"unit": "市政府办公厅", "roles": ["admin"]},
}


def test_with_nobody_registered_anyone_may_do_anything() -> None:
    for action in ACTIONS:
        check({}, "root", action, ["市财政局"])


def test_a_clerk_acts_for_their_own_unit_only() -> None:
    check(PEOPLE, "王芳", "complete share", ["市财政局"])
    check(PEOPLE, "王芳", "start deadline", ["市人社局", "市财政局"])  # a task it is on
    with pytest.raises(
        Forbidden, match=r"王芳 \(clerk, 市财政局\) may not complete a unit's share for 市人社局"
    ):
        check(PEOPLE, "王芳", "complete share", ["市人社局"])
    with pytest.raises(Forbidden, match=r"may not approve or reject an extension; may .*report"):
        check(PEOPLE, "王芳", "decide extension")


@pytest.mark.parametrize(
    ("person", "allowed", "refused"),
    [
        (
            "李明",
            ["decide extension", "waive", "complete task", "run service"],
            ["import plan", "report"],
        ),
        ("孙丽", [], list(ACTIONS)),
        ("张主任", ["import plan", "keep people", "keep directory"], ["extend", "report"]),
    ],
)
def test_each_role_may_do_its_own_things(
    person: str, allowed: list[str], refused: list[str]
) -> None:
    for action in allowed:
        check(PEOPLE, person, action, ["市财政局"])
    for action in refused:
        with pytest.raises(Forbidden):
            check(PEOPLE, person, action, ["市财政局"])


def test_someone_unregistered_is_told_to_name_a_person() -> None:
    with pytest.raises(Forbidden, match="'root' is not a registered person") as refused:
        check(PEOPLE, "root", "report", ["市财政局"])
    assert refused.value.field == "as"


def test_the_first_person_is_an_admin_and_the_last_admin_stays() -> None:
    people = People.open(now=NOW)
    with pytest.raises(RuleViolation, match="first person registered must be an admin"):
        people.add(person="王芳", unit="市财政局", roles=["clerk"], actor="x", now=NOW)
    people.add(person="张主任", unit="市政府办公厅", roles=["admin"], actor="x", now=NOW)
    people.add(person="张主任", unit="市政府办公厅", roles=["supervisor"], actor="x", now=NOW)
    assert people.people["张主任"]["roles"] == ["supervisor", "admin"]
    with pytest.raises(RuleViolation, match="belongs to 市政府办公厅 already"):
        people.add(person="张主任", unit="市财政局", roles=["clerk"], actor="x", now=NOW)
    with pytest.raises(InvalidInput, match="role boss"):
        people.add(person="x", unit="u", roles=["boss"], actor="x", now=NOW)
    with pytest.raises(RuleViolation, match="only admin"):
        people.remove(person="张主任", reason="调岗", actor="x", now=NOW)


def test_groups_and_aliases_say_who_answers() -> None:
    directory = Directory.open(now=NOW)
    directory.register(units=["财政局", "各区市县政府", "市人社局"], source="p", actor="x", now=NOW)
    directory.add_alias(alias="财政局", unit="市财政局", issuer="", actor="x", now=NOW)
    directory.define_group(
        group="各区市县政府",
        members=["中山区政府", "西岗区政府"],
        how="members",
        actor="x",
        now=NOW,
    )
    answering, helping, carried = directory.answering(
        ["各区市县政府", "财政局"], ["市人社局", "中山区政府"], "大连市人民政府办公厅"
    )
    assert answering == ["中山区政府", "西岗区政府", "市财政局"]
    assert helping == ["市人社局"]  # a unit that answers does not also help
    assert carried == {"市财政局": "财政局"}  # its share kept under the other name moves over
    assert "财政局" not in directory.units and "各区市县政府" not in directory.units
    with pytest.raises(InvalidInput, match="are groups or other names"):
        directory.define_group(
            group="全市", members=["各区市县政府"], how="members", actor="x", now=NOW
        )
    with pytest.raises(RuleViolation, match="is a group"):
        directory.add_alias(alias="各区市县政府", unit="市政府", issuer="", actor="x", now=NOW)


def test_an_alias_can_hold_in_one_issuers_plans_only() -> None:
    directory = Directory.open(now=NOW)
    directory.add_alias(
        alias="财政局", unit="市财政局", issuer="大连市人民政府办公厅", actor="x", now=NOW
    )
    assert directory.resolve("财政局", "大连市人民政府办公厅") == "市财政局"
    assert directory.resolve("财政局", "盐亭县人民政府办公室") == "财政局"


def test_the_closest_known_name_is_offered_not_merged() -> None:
    directory = Directory.open(now=NOW)
    directory.register(units=["市财政局", "市统计局", "市人社局"], source="p", actor="x", now=NOW)
    assert directory.closest(["大连市财政局", "市审计局", "各单位"]) == {
        "大连市财政局": "市财政局",
        "市审计局": None,  # one character apart from 市统计局 is another unit, not a typo
        "各单位": None,
    }
