"""Deadline phrases from real plans (seeds and task tables), simplified and traditional.

Each row: the phrase, the plan context, and exactly what it must mean. Unless a row says
otherwise the plan year is 2017 and the issue day unknown; due instants are the end of
the local day in Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from ledger.deadlines import PARSER_VERSION, DeadlineSpec, parse_deadline

DALIAN_2017 = date(2017, 5, 26)  # seed 002, issued 2017-05-26
YANTING_2023 = date(2023, 5, 6)  # seed 001
SUZHOU_2024 = date(2024, 9, 26)  # seed 003


def eod(day: str) -> str:
    return f"{day}T23:59:59+08:00"


@dataclass(frozen=True)
class Want:
    kind: str
    due: str | None = None
    occurrences: int = 0
    target: tuple[str, float, str | None] | None = None  # kind, minimum, by
    year: int | None = 2017
    issued_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def fixed(day: str | None, **kw: Any) -> Want:
    return Want("fixed", eod(day) if day else None, **kw)


def relative(trigger: str, offset: str, due: str | None = None, **kw: Any) -> Want:
    extra = {"trigger": trigger, "offset": offset, **kw.pop("extra", {})}
    return Want("relative", due, extra=extra, **kw)


def recurring(n: int, **kw: Any) -> Want:
    return Want("recurring", None, n, **kw)


ONGOING = Want("ongoing", extra={"ongoing": True})
NONE = Want("none")
UNPARSED = Want("unparsed")
INVALID = Want("invalid")  # a date that cannot exist; imports refuse it

CASES: list[tuple[str, Want]] = [
    # ---- fixed dates
    ("11月底前", fixed("2017-11-30")),
    ("11 月底前", fixed("2017-11-30")),
    ("十一月底前", fixed("2017-11-30")),
    ("１１月底前", fixed("2017-11-30")),
    ("12月底前", fixed("2017-12-31")),
    ("12月底前通过市政府门户网站向社会公开", fixed("2017-12-31")),
    ("12月底前通過市政府門戶網站向社會公開", fixed("2017-12-31")),
    ("8月底前", fixed("2023-08-31", year=2023)),
    (
        "8月底前实现现行有效行政规范性文件统一查询",
        fixed("2023-08-31", year=None, issued_on=YANTING_2023),
    ),
    ("于8月底前理顺相关工作机构", fixed("2017-08-31")),
    ("於8月底前理順相關工作機構", fixed("2017-08-31")),
    ("6月30日前", fixed("2017-06-30")),
    ("６月３０日前", fixed("2017-06-30")),
    ("六月三十日前", fixed("2017-06-30")),
    ("6月30号前", fixed("2017-06-30")),
    ("并于6月30日前报市政府办公厅备案", fixed("2017-06-30")),
    ("並於6月30日前報市政府辦公廳備案", fixed("2017-06-30")),
    ("12月31日前", fixed("2017-12-31")),
    ("年底前", fixed("2017-12-31")),
    ("年内", fixed("2017-12-31")),
    ("年內(nèi)", fixed("2017-12-31")),
    ("年内要建立政务公开专项考核机制", fixed("2017-12-31")),
    ("2018年底前", fixed("2018-12-31", year=None)),
    ("２０１８年底前", fixed("2018-12-31", year=None)),
    ("二〇一八年底前", fixed("2018-12-31", year=None)),
    ("2018年底", fixed("2018-12-31")),
    ("2019年6月底前", fixed("2019-06-30")),
    ("2018年6月底前建立，12月底前完成", fixed("2018-12-31", year=None)),
    ("11月底前完成编制，12月底前通过门户网站公开", fixed("2017-12-31")),
    ("3月上旬前", fixed("2017-03-10")),
    ("5月中旬", fixed("2017-05-20")),
    ("2月下旬前", fixed("2017-02-28")),
    ("2020年2月下旬", fixed("2020-02-29")),
    ("6月份前", fixed("2017-06-30")),
    ("9月份", fixed("2017-09-30")),
    ("5-6月", fixed("2017-06-30")),
    ("上半年", fixed("2017-06-30")),
    ("第三季度末", fixed("2017-09-30")),
    ("次年3月底前", fixed("2018-03-31")),
    ("明年1月底前", fixed("2018-01-31")),
    ("“十三五”时期末", fixed("2020-12-31", year=None)),
    ("“十三五”時期末", fixed("2020-12-31", year=None)),
    ("十四五期间", fixed("2025-12-31", year=None)),
    ("2018-2020年", fixed("2020-12-31", year=None)),
    ("2018年—2020年", fixed("2020-12-31", year=None)),
    ("到2020年", fixed("2020-12-31", year=None)),
    ("2020年前", fixed("2020-12-31", year=None)),
    ("2018年", fixed("2018-12-31", year=None)),
    ("全年", fixed("2017-12-31")),
    ("2023年5月—12月", fixed("2023-12-31", year=None)),
    ("2023-12-31", fixed("2023-12-31", year=None)),
    ("2023/6/30前", fixed("2023-06-30", year=None)),
    ("2023.12", fixed("2023-12-31", year=None)),
    ("截至2023年底", fixed("2023-12-31", year=None)),
    ("11月底前", fixed("2017-11-30", year=None, issued_on=DALIAN_2017)),
    ("11月底前", fixed(None, year=None)),
    # ---- relative deadlines
    (
        "本要点印发后30日内",
        relative("issued", "30d", eod("2017-06-25"), year=None, issued_on=DALIAN_2017),
    ),
    (
        "本要點印發後30日內",
        relative("issued", "30d", eod("2017-06-25"), year=None, issued_on=DALIAN_2017),
    ),
    (
        "要在本要点印发后30日内，主动与市政府办公厅对接",
        relative("issued", "30d", eod("2017-06-25"), issued_on=DALIAN_2017),
    ),
    ("本要点印发后30日内", relative("issued", "30d")),
    (
        "本通知印发后30日内",
        relative("issued", "30d", eod("2018-01-09"), issued_on=date(2017, 12, 10)),
    ),
    (
        "本方案印发之日起10个工作日内",
        relative("issued", "10wd", eod("2026-10-08"), year=2026, issued_on=date(2026, 9, 17)),
    ),
    ("征求意见结束后1个月内", relative("征求意见结束后", "1m")),
    ("征求意見結束後1個月內", relative("征求意见结束后", "1m")),
    ("并在征求活动结束后1个月内公开意见征求采纳情况", relative("征求活动结束后", "1m")),
    (
        "决策过程中公开征求群众意见结束后，1个月内发布意见采纳情况",
        relative("决策过程中公开征求群众意见结束后", "1m"),
    ),
    ("信息形成或者变更之日起5个工作日内", relative("信息形成或者变更之日起", "5wd")),
    (
        "自信息形成或者变更之日起5个工作日内(重要、紧急事项当日)",
        relative("信息形成或者变更之日起", "5wd"),
    ),
    ("5个工作日内", relative("event", "5wd")),
    ("五个工作日内", relative("event", "5wd")),
    ("最迟在5小时内", relative("event", "5h")),
    ("最遲在5小時內", relative("event", "5h")),
    ("最迟要在5小时内发布权威信息", relative("event", "5h")),
    ("24小时内", relative("event", "24h")),
    ("一般性政务舆情应在48小时内予以回应", relative("event", "48h")),
    ("30日内", relative("event", "30d")),
    ("15天内", relative("event", "15d")),
    ("3个月内", relative("event", "3m")),
    ("两周内", relative("event", "14d")),
    ("两年内", relative("event", "24m")),
    ("半年内", relative("event", "6m")),
    ("收到申请之日起20个工作日内", relative("收到申请之日起", "20wd")),
    ("7个工作日", relative("event", "7wd")),
    # ---- recurring duties
    ("每月", recurring(12)),
    ("按月", recurring(12)),
    ("每个月", recurring(12)),
    ("每月", recurring(8, year=None, issued_on=DALIAN_2017)),
    ("市財政局網站要按月公開財政收支情況", recurring(8, year=None, issued_on=DALIAN_2017)),
    ("每月公開主城區集中式生活飲用水水源水質監測信息", recurring(12)),
    ("按季度", recurring(4)),
    ("每季度", recurring(3, year=None, issued_on=DALIAN_2017)),
    ("每季", recurring(4)),
    ("按季度公布房地产用地供应数据", recurring(4)),
    ("每周", recurring(53)),  # 1 Jan 2017 is a Sunday: 2016-W52, then 2017-W01..W52
    ("每週", recurring(53)),
    ("每5日", recurring(73)),
    ("每５日", recurring(73)),
    ("每五日", recurring(73)),
    ("每日", recurring(365)),
    ("每年", recurring(1)),
    ("按年度", recurring(1)),
    ("依法依規按年度公開市屬國有企業生產經營情況", recurring(1)),
    ("每半年", recurring(2)),
    ("每两个月", recurring(6)),
    ("每月29日前", recurring(12)),
    ("所有督查统计情况每月29日前汇总至综合处", recurring(4, year=None, issued_on=SUZHOU_2024)),
    ("每月29日前匯總", recurring(3, year=2024, issued_on=date(2024, 9, 30))),
    ("每季度结束后15日内", recurring(4)),
    ("每年3月底前", recurring(1)),
    ("每年年底前", recurring(1)),
    ("每月10日前", recurring(12)),
    ("每季度首月10日前", recurring(4)),
    ("每个工作日", recurring(248, year=2026)),
    ("每個工作日", recurring(249)),
    ("定期", recurring(0)),
    ("定期召开新闻发布会", recurring(0)),
    ("不定期", recurring(0)),
    # ---- ongoing duties
    ("持续推进", ONGOING),
    ("持續推進", ONGOING),
    ("长期坚持", ONGOING),
    ("長期堅持", ONGOING),
    ("常态化", ONGOING),
    ("常態化", ONGOING),
    ("长期", ONGOING),
    ("持续", ONGOING),
    ("常态化开展调查研究", ONGOING),
    # ---- compounds
    (
        "2018年底前完成并持续落实",
        Want("compound", eod("2018-12-31"), year=None, extra={"ongoing": True}),
    ),
    (
        "２０１８年底前完成并持续落实",
        Want("compound", eod("2018-12-31"), year=None, extra={"ongoing": True}),
    ),
    (
        "2018年底前完成並持續落實",
        Want("compound", eod("2018-12-31"), year=None, extra={"ongoing": True}),
    ),
    ("年底前建立，常态化开展", Want("compound", eod("2017-12-31"), extra={"ongoing": True})),
    ("6月底前建立，每季度更新", Want("compound", eod("2017-06-30"), 2)),
    ("6月底前建立台账，每月更新", Want("compound", eod("2017-06-30"), 6)),
    ("6月底前建立臺賬，每月更新", Want("compound", eod("2017-06-30"), 6)),
    # ---- targets
    ("年內(nèi)不少于5次", fixed("2017-12-31", target=("count", 5, eod("2017-12-31")))),
    ("年内不少于5次", fixed("2017-12-31", target=("count", 5, eod("2017-12-31")))),
    ("年內不少於5次", fixed("2017-12-31", target=("count", 5, eod("2017-12-31")))),
    ("年内解读重要政策措施不少于1次", fixed("2017-12-31", target=("count", 1, eod("2017-12-31")))),
    ("不少于5次", fixed("2017-12-31", target=("count", 5, eod("2017-12-31")))),
    ("至少3次", fixed("2017-12-31", target=("count", 3, eod("2017-12-31")))),
    ("10次以上", fixed("2017-12-31", target=("count", 10, eod("2017-12-31")))),
    (
        "多元化解读比例不得低于50%",
        fixed("2023-12-31", year=2023, target=("percent", 50, eod("2023-12-31"))),
    ),
    ("權重不低於4%", fixed("2017-12-31", target=("percent", 4, eod("2017-12-31")))),
    ("百分之九十以上", fixed("2017-12-31", target=("percent", 90, eod("2017-12-31")))),
    ("不少于5次", fixed(None, year=None, target=("count", 5, None))),
    ("11月底前，不少于2次", fixed("2017-11-30", target=("count", 2, eod("2017-11-30")))),
    ("主要负责人每年至少听取1次政务公开工作汇报", recurring(1, target=("count", 1, None))),
    ("每月不少于2次", recurring(12, target=("count", 2, None))),
    (
        "持续开展，全年不少于5次",
        Want(
            "compound",
            eod("2017-12-31"),
            extra={"ongoing": True},
            target=("count", 5, eod("2017-12-31")),
        ),
    ),
    (
        "常态化开展，不少于5次",
        Want("ongoing", extra={"ongoing": True}, target=("count", 5, eod("2017-12-31"))),
    ),
    # ---- seed 002 verbatim: traditional script with pinyin glosses
    (
        "要在本要點印發(fā)后30日內(nèi)",
        relative("issued", "30d", eod("2017-06-25"), issued_on=DALIAN_2017),
    ),
    ("最遲在5小時內(nèi)發(fā)布權(quán)威信息", relative("event", "5h")),
    ("每5日發(fā)布主產(chǎn)區(qū)收購進度信息", recurring(73)),
    ("按季度公開市屬國有及國有控股企業(yè)主要經(jīng)濟效益指標(biāo)", recurring(4)),
    ("于8月底前理順相關(guān)工作機構(gòu)", fixed("2017-08-31")),
    ("12月底前通過市政府門戶網(wǎng)站向社會公開", fixed("2017-12-31")),
    ("權(quán)重不低于4%", fixed("2017-12-31", target=("percent", 4, eod("2017-12-31")))),
    ("持續(xù)發(fā)布權(quán)威信息", ONGOING),
    # ---- nothing to do / nothing understood
    ("", NONE),
    ("  ", NONE),
    ("/", NONE),
    ("—", NONE),
    ("——", NONE),
    ("无", NONE),
    ("無", NONE),
    ("及时", UNPARSED),
    ("根据工作需要", UNPARSED),
    ("另行通知", UNPARSED),
    ("30日", UNPARSED),
    ("2024年1月1日起施行", UNPARSED),
    ("7月份以来", UNPARSED),
    ("2月30日前", INVALID),
    ("13月底前", INVALID),
]


def _check(spec: DeadlineSpec, text: str, want: Want) -> None:
    assert spec.text == text
    assert spec.kind == want.kind
    assert (spec.due.isoformat() if spec.due else None) == want.due
    assert len(spec.occurrences) == want.occurrences
    if want.target is None:
        assert spec.target is None
    else:
        assert spec.target is not None
        kind, minimum, by = want.target
        assert (spec.target.kind, spec.target.minimum) == (kind, minimum)
        assert (spec.target.by.isoformat() if spec.target.by else None) == by
    for name, value in want.extra.items():
        assert getattr(spec, name) == value, name
    assert spec.parser_version == PARSER_VERSION


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 90


@pytest.mark.parametrize(
    ("text", "want"), CASES, ids=[f"{i}:{text}" for i, (text, _) in enumerate(CASES)]
)
def test_phrase(text: str, want: Want) -> None:
    spec = parse_deadline(text, year=want.year, issued_on=want.issued_on)
    _check(spec, text, want)
