"""Ticket references and building / unit / room numbers, Chinese numerals included.

Phone numbers, times, dates, prices and counts are never rooms or buildings: a
building needs its suffix (幢/栋/号楼/座), a unit 单元, and a bare number is a room
only when it looks like one (floor + flat 01-12) and no unit word follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an

CN_DIGITS = "零〇一二三四五六七八九"
_CN_DIGIT_VALUE = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0"}
CN_NUM = f"[{CN_DIGITS}十百两]+"
NUM = rf"(?:\d+|{CN_NUM})"

_TICKET = re.compile(
    r"#\s*(\d{1,6})(?![\d楼幢栋])"
    r"|(?:工单|单子)\s*(?:号)?\s*(?:是|为|:|：|#|＃|编号)?\s*(\d{1,6})(?!\d)"
    rf"|第?\s*(\d{{1,6}}|{CN_NUM})\s*号\s*(?:工单|单子|单(?![元位]))"
)
_DASHED = re.compile(r"(?<![\d\-.:/])(\d{1,3})\s*(?:幢|栋|号楼|座)?\s*[-－—]\s*(\d{1,2})\s*[-－—]\s*(\d{3,4})(?![\d\-])")
_UNIT = re.compile(rf"(?<![\d这那几每好两])({NUM})\s*单元")
_ROOM_SUFFIX = re.compile(rf"(?<![\d.])(\d{{3,4}}|[{CN_DIGITS}]{{3,4}})\s*(?:室|号房)")
_ROOM_AFTER_UNIT = re.compile(rf"单元\s*(?:的|是)?\s*(\d{{3,4}}|[{CN_DIGITS}]{{3,4}})(?![\d元块号层])")
_BARE = re.compile(r"(?<![\d.:\-#/@])(\d{3,4})(?![\d.:%\-])")
_NOT_ROOM_AFTER = set("元块年月日号楼层人户平米分斤个次岁天秒件台辆支条只度毛角万千百折克吨份")
_NOT_ROOM_BEFORE = ("尾号", "电话", "号码", "手机", "编号", "单号", "工单", "价格", "花了", "收我",
                    "要", "涨到", "￥", "¥", "第", "共", "约", "近", "打", "拨")
_SERVICE_NUMBERS = {"110", "119", "120", "122", "114", "315", "12345", "12315"}


@dataclass(slots=True)
class Location:
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    building_span: tuple[int, int] | None = None


@lru_cache(maxsize=4096)
def to_int(s: str) -> int | None:
    """'12' / '十二' / '三零二' -> int; None when it is not a number."""
    if s.isdigit():
        return int(s)
    try:
        return int(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def find_ticket(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """The first ticket reference in `text` and its span."""
    for m in _TICKET.finditer(text):
        raw = next(g for g in m.groups() if g)
        n = to_int(raw)
        if n:
            return n, m.span()
    return None, None


def blank(text: str, span: tuple[int, int] | None) -> str:
    """`text` with `span` replaced by spaces (so its digits are not read again)."""
    if span is None:
        return text
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1]:]


class LocationReader:
    """Reads building / unit / room with a deployment's building naming."""

    def __init__(self, suffixes: list[str], aliases: dict[str, str]) -> None:
        alts = "|".join(map(re.escape, sorted(suffixes, key=len, reverse=True)))
        self.building = re.compile(
            rf"(?<![\d这那几每好两\-.])({NUM})\s*(?:{alts})")
        self.room_after_building = re.compile(
            rf"(?:{alts})\s*(?:的)?\s*(\d{{3,4}})(?![\d元块号楼层年人户平米个次%])")
        self.aliases = aliases

    def read(self, text: str) -> Location:
        loc = Location()
        if m := _DASHED.search(text):
            b, u, r = m.groups()
            loc.building, loc.unit, loc.room = str(int(b)), str(int(u)), r
            loc.building_span = m.span()
        self._building(text, loc)
        if loc.unit is None:
            loc.unit = _number(_UNIT, text, 1, 99)
        if loc.room is None:
            loc.room = self._room(text)
        return loc

    def _building(self, text: str, loc: Location) -> None:
        if loc.building is not None:
            return
        for m in self.building.finditer(text):
            n = to_int(m.group(1))
            if n and 0 < n < 500 and not m.group(1).startswith("两"):
                loc.building, loc.building_span = str(n), m.span()
                return
        for name, number in self.aliases.items():
            if (i := text.find(name)) >= 0:
                loc.building, loc.building_span = number, (i, i + len(name))
                return

    def _room(self, text: str) -> str | None:
        found = []
        for rx in (_ROOM_SUFFIX, _ROOM_AFTER_UNIT, self.room_after_building):
            found += [(m.start(1), m.group(1)) for m in rx.finditer(text)]
        found += [(m.start(1), m.group(1)) for m in _BARE.finditer(text) if _bare_room(text, m)]
        for _, raw in sorted(found):
            room = raw if raw.isdigit() else _digit_by_digit(raw)
            if room and room not in _SERVICE_NUMBERS:
                return room
        return None


def _number(rx: re.Pattern, text: str, low: int, high: int) -> str | None:
    for m in rx.finditer(text):
        n = to_int(m.group(1))
        if n is not None and low <= n <= high and not m.group(1).startswith("两"):
            return str(n)
    return None


def _digit_by_digit(raw: str) -> str | None:
    out = "".join(_CN_DIGIT_VALUE.get(c, "") for c in raw)
    return out if len(out) == len(raw) and out[0] != "0" else None


def _bare_room(text: str, m: re.Match) -> bool:
    digits = m.group(1)
    flat = int(digits[-2:])
    if digits[0] == "0" or not 1 <= flat <= 12 or int(digits[:-2]) > 40:
        return False
    if text[m.end(1): m.end(1) + 1] in _NOT_ROOM_AFTER:
        return False
    before = text[max(0, m.start(1) - 3): m.start(1)]
    return not any(before.endswith(w) for w in _NOT_ROOM_BEFORE)
