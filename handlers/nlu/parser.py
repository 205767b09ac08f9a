"""Placeholder parser (keywords and regular expressions); issue 4 replaces it."""

from __future__ import annotations

import re

from handlers.nlu.record import Parse, ParseContext
from handlers.nlu.settings import NluSettings

_TICKET = re.compile(r"#\s*(\d+)|(\d+)\s*号(?:工单|单子)|工单\s*(\d+)")
_BUILDING = re.compile(r"(\d+)\s*(?:幢|栋|号楼|座)")
_UNIT = re.compile(r"(\d+)\s*单元")
_CATEGORIES = {
    "elevator": ("电梯", "电悌"), "lighting": ("灯",), "water": ("漏水", "停水", "水管", "下水道"),
    "sanitation": ("垃圾", "臭"), "parking_traffic": ("停车", "堵"), "noise_dispute": ("噪音", "吵"),
    "fire_safety": ("消防", "充电", "着火"), "facility": ("门禁", "坑"),
}
_REPORT = ("坏", "停了", "不亮", "漏", "堵", "困", "臭", "吵", "乱")
_URGENT = ("困人", "关人", "着火", "冒烟", "燃气", "救命")


class Parser:
    def __init__(self, settings: NluSettings | None = None) -> None:
        self.settings = settings or NluSettings()

    def parse(self, text: str, ctx: ParseContext | None = None) -> Parse:
        p = Parse(text=text)
        if m := _TICKET.search(text):
            p.ticket = int(next(g for g in m.groups() if g))
        if m := _BUILDING.search(text):
            p.building = m.group(1)
        if m := _UNIT.search(text):
            p.unit = m.group(1)
        p.category = next((c for c, ws in _CATEGORIES.items() if any(w in text for w in ws)), None)
        p.urgent = any(w in text for w in _URGENT)
        if p.ticket and any(w in text for w in ("修好", "办好", "处理好")):
            p.intent = "resolve"
        elif p.ticket and any(w in text for w in ("怎么还", "还没")):
            p.intent = "urge"
        elif any(w in text for w in _REPORT) and p.category:
            p.intent = "report"
        p.title = text[:20]
        return p
