"""Plain domain objects, returned by storage repositories and used by pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.messages import Person

KIND_LABEL = {"problem": "问题", "need": "需求", "offer": "资源"}
STATUS_LABEL = {
    "open": "待处理", "assigned": "处理中", "resolved": "已办结", "closed": "已关闭",
    "reopened": "已重开", "rejected": "已驳回", "duplicate": "重复",
}
CATEGORY_LABEL = {
    "elevator": "电梯", "lighting": "照明", "water": "水电管网", "sanitation": "环境卫生",
    "fire_safety": "消防安全", "parking_traffic": "停车交通", "illegal_construction": "违章搭建",
    "public_security": "治安", "noise_dispute": "噪音与邻里纠纷", "market_food": "市场与食品",
    "greenery": "绿化", "facility": "公共设施", "property_service": "物业服务",
    "elderly_welfare": "养老助残与民生", "other": "其他",
}
ROLE_LABEL = {
    "grid_head": "网格长", "police": "社区民警", "traffic_police": "交警",
    "urban_management": "城管", "market_regulation": "市场监管", "building_head": "楼道长",
    "association_head": "社团团长", "culture_sports_captain": "文体队长",
    "self_management_leader": "居民自管小组组长", "property_security": "物业保安队长",
    "area_head": "周边单位片长", "property": "物业", "owners_committee": "业委会",
    "residents_committee": "居委会",
}
ROLE_BY_LABEL = {v: k for k, v in ROLE_LABEL.items()} | {
    "楼长": "building_head", "民警": "police", "保安队长": "property_security",
    "自管组长": "self_management_leader", "片长": "area_head",
}


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    ext_id: str
    name: str

    @property
    def person(self) -> Person:
        return Person(self.ext_id, self.name)


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    key: str
    estate: str
    room_id: str | None
    topic: str | None


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    member: Member
    role: str
    buildings: frozenset[str] = frozenset()


@dataclass(slots=True)
class Ticket:
    id: int
    group_id: int
    number: int
    kind: str
    category: str | None
    title: str
    text: str
    status: str
    reporter: Member
    created_at: datetime
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    place: str | None = None
    urgent: bool = False
    duplicate_of: int | None = None
    complexity: str = "simple"
    due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rating: int | None = None
    source_message_id: str | None = None
    owners: list[Member] = field(default_factory=list)
    reporters: list[Member] = field(default_factory=list)  # the first reporter and co-reporters

    @property
    def is_live(self) -> bool:
        return self.status in ("open", "assigned", "reopened")

    def where(self) -> str:
        parts = []
        if self.building:
            parts.append(f"{self.building}幢")
        if self.unit:
            parts.append(f"{self.unit}单元")
        if self.room:
            parts.append(f"{self.room}室")
        if not parts and self.place:
            parts.append(self.place)
        return "".join(parts)
