"""Chinese names for synthetic jurisdictions and their units.

Place names are made up from two characters, so no real county is misrepresented; the
department names are the ones real 政府机构 carry, because unit strings are what the
ledger indexes and compares (length and character mix matter for the store).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

_FIRST = "青临安平永长和宁华清东西南北新兴丰泰文广金云龙凤玉石白江河山阳"
_SECOND = "山江河阳川州城源宁安丰平水林溪湖岭峰原泉沙台桥口塘"

# Departments of a city or county government (厅 instead of 局 at province level).
DEPARTMENTS = (
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "林业局",
    "体育局",
    "信访局",
    "国有资产监督管理委员会",
    "地方金融监督管理局",
    "政务服务和数据管理局",
    "城市管理局",
    "行政审批局",
    "人民政府办公室",
    "大数据中心",
    "融媒体中心",
    "档案馆",
    "机关事务管理局",
    "供销合作社",
    "税务局",
    "气象局",
    "人民法院",
    "人民检察院",
    "总工会",
    "妇女联合会",
    "残疾人联合会",
    "工商业联合会",
    "科学技术协会",
)
PROVINCE_SUFFIX = {
    "教育局": "教育厅",
    "科学技术局": "科学技术厅",
    "工业和信息化局": "工业和信息化厅",
    "公安局": "公安厅",
    "民政局": "民政厅",
    "司法局": "司法厅",
    "财政局": "财政厅",
    "人力资源和社会保障局": "人力资源和社会保障厅",
    "自然资源局": "自然资源厅",
    "生态环境局": "生态环境厅",
    "住房和城乡建设局": "住房和城乡建设厅",
    "交通运输局": "交通运输厅",
    "水利局": "水利厅",
    "农业农村局": "农业农村厅",
    "商务局": "商务厅",
    "文化和旅游局": "文化和旅游厅",
    "退役军人事务局": "退役军人事务厅",
    "应急管理局": "应急管理厅",
    "审计局": "审计厅",
    "人民政府办公室": "人民政府办公厅",
}
# Internal divisions, the lead units of a department's own work plan.
DIVISIONS = (
    "办公室",
    "政策法规科",
    "规划财务科",
    "人事科",
    "监督检查科",
    "信息中心",
    "综合科",
    "行政审批科",
    "安全监管科",
    "宣传教育科",
    "执法大队",
    "机关党委",
)
TOWN_KINDS = ("镇人民政府", "乡人民政府", "街道办事处")
# Catch-all co-units real tables use instead of listing every subordinate government.
COLLECTIVE = {
    "province": "各市人民政府",
    "city": "各县（市、区）人民政府",
    "county": "各乡镇人民政府（街道办事处）",
}


@dataclass
class Jurisdiction:
    """A government and its departments; ``children`` are the governments below it."""

    name: str  # 青山县
    level: str  # "province" | "city" | "county"
    departments: list[str]
    children: list[Jurisdiction] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)

    @property
    def government(self) -> str:
        return f"{self.name}人民政府"

    @property
    def office(self) -> str:
        suffix = "人民政府办公厅" if self.level == "province" else "人民政府办公室"
        return f"{self.name}{suffix}"

    def subordinate_governments(self) -> list[str]:
        return [c.government for c in self.children] + self.towns

    def all_units(self) -> list[str]:
        units = [*self.departments, *self.subordinate_governments()]
        for child in self.children:
            units.extend(child.all_units())
        return units


class NameSource:
    """Unique two-character place names, drawn deterministically."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def place(self, used: set[str] | None = None) -> str:
        """A name not in ``used`` (default: unique across every government drawn so far)."""
        taken = self.used if used is None else used
        for _ in range(10_000):
            name = self.rng.choice(_FIRST) + self.rng.choice(_SECOND)
            if name not in taken:
                taken.add(name)
                return name
        raise RuntimeError("ran out of place names")


def _departments(place: str, level: str, rng: random.Random) -> list[str]:
    # Not every government has every department; keep 80-100% of them.
    kept = [d for d in DEPARTMENTS if rng.random() < 0.9]
    if level == "province":
        return [f"{place}{PROVINCE_SUFFIX.get(d, d)}" for d in kept]
    return [f"{place}{d}" for d in kept]


def county(names: NameSource, rng: random.Random, *, suffix: str = "县") -> Jurisdiction:
    place = names.place() + suffix
    # Town names repeat across counties in real life too; they are unique within one.
    local: set[str] = set()
    towns = [
        f"{place}{names.place(local)}{rng.choice(TOWN_KINDS)}" for _ in range(rng.randint(8, 18))
    ]
    return Jurisdiction(place, "county", _departments(place, "county", rng), towns=towns)


def city(names: NameSource, rng: random.Random, counties: int) -> Jurisdiction:
    place = names.place() + "市"
    children = [county(names, rng, suffix=rng.choice("县区县区市")) for _ in range(counties)]
    return Jurisdiction(place, "city", _departments(place, "city", rng), children=children)


def province(names: NameSource, rng: random.Random, cities: int) -> Jurisdiction:
    place = names.place() + "省"
    children = [city(names, rng, rng.randint(6, 12)) for _ in range(cities)]
    return Jurisdiction(place, "province", _departments(place, "province", rng), children=children)
