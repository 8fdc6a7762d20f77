"""Section headings, task sentences and plan titles in the register of 工作要点 tables."""

from __future__ import annotations

import random

CN_NUMERALS = "一二三四五六七八九十"

GOV_THEMES = (
    "以政务公开助力稳增长",
    "以政务公开推动优化营商环境",
    "以政务公开促进保障和改善民生",
    "加强政策解读与回应关切",
    "推进基层政务公开标准化规范化",
    "加强政务公开平台建设",
    "深化重点领域信息公开",
    "提升依申请公开办理质量",
    "强化政务公开工作保障",
    "深入推进法治政府建设",
    "持续优化营商环境",
    "加快数字政府建设",
    "扎实推进乡村振兴",
    "加强生态环境保护",
    "防范化解重大风险",
    "加强政府自身建设",
    "推动高质量发展",
)
DEPT_THEMES = (
    "加强党的建设",
    "抓好重点工作落实",
    "深化改革创新",
    "提升服务效能",
    "强化监督管理",
    "推进依法行政",
    "加强队伍建设",
    "做好安全稳定工作",
    "推进信息化建设",
    "加强宣传引导",
)
_VERBS = (
    "深化",
    "推进",
    "加强",
    "完善",
    "健全",
    "落实",
    "优化",
    "推动",
    "规范",
    "做好",
    "扎实开展",
    "全面推行",
    "持续抓好",
    "加快",
)
_TOPICS = (
    "政府信息主动公开",
    "重大建设项目批准和实施领域信息公开",
    "政策解读",
    "政务新媒体管理",
    "依申请公开办理",
    "财政预决算公开",
    "“双随机、一公开”监管",
    "政务服务“一网通办”",
    "惠企政策兑现",
    "减税降费政策落实",
    "就业创业扶持政策",
    "义务教育阶段招生信息公开",
    "医疗卫生机构信息公开",
    "生态环境信息公开",
    "安全生产监管执法",
    "食品药品安全监管",
    "城乡居民基本养老保险",
    "住房保障",
    "农村人居环境整治",
    "河湖长制",
    "行政规范性文件合法性审核",
    "政府网站集约化建设",
    "12345政务服务便民热线",
    "基层政务公开标准目录",
    "涉企行政检查",
    "公共资源交易信息公开",
    "审计整改",
    "信访事项办理",
    "应急预案管理",
    "统计数据发布",
)
_CLAUSES = (
    "及时回应社会关切",
    "切实提升政府透明度",
    "确保各项任务落地见效",
    "进一步增强企业和群众获得感",
    "做到应公开尽公开",
    "形成常态化工作机制",
    "按要求向社会公布办理结果",
    "定期通报工作进展",
    "确保数据真实准确",
    "建立问题清单和整改台账",
    "加强督促检查",
    "主动接受社会监督",
    "全年发布相关信息不少于{n}条",
    "办结率达到{p}%以上",
    "覆盖率达到{p}%",
)


def section_heading(index: int, theme: str) -> str:
    """``一、以政务公开助力稳增长``."""
    return f"{CN_NUMERALS[index % len(CN_NUMERALS)]}、{theme}"


def sentence(rng: random.Random) -> str:
    clause = rng.choice(_CLAUSES).format(n=rng.randint(5, 200), p=rng.choice((80, 90, 95, 100)))
    return f"{rng.choice(_VERBS)}{rng.choice(_TOPICS)}，{clause}。"


def content(rng: random.Random) -> str:
    """One to three sentences; real task cells run from 20 to a few hundred characters."""
    return "".join(sentence(rng) for _ in range(rng.choice((1, 1, 2, 2, 2, 3))))


GOV_TITLES = (
    "政务公开工作要点",
    "政府工作报告重点任务分解",
    "优化营商环境工作要点",
    "法治政府建设工作要点",
    "重点工作任务清单",
)


def gov_title(rng: random.Random, place: str, year: int) -> str:
    return f"{place}{year}年{rng.choice(GOV_TITLES)}"


def dept_title(department: str, year: int) -> str:
    return f"{department}{year}年工作要点"


NOTES = (
    "已召开专题会议部署",
    "已制定工作方案",
    "已完成阶段性任务",
    "正在推进中",
    "已在政府网站公开",
    "已报送相关材料",
    "已开展督导检查",
    "完成进度约{p}%",
)


def note(rng: random.Random) -> str:
    return (
        "，".join(rng.choice(NOTES) for _ in range(rng.randint(1, 2))).format(
            p=rng.choice((30, 50, 60, 80, 90))
        )
        + "。"
    )
