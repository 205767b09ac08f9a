"""Clocks: the real one, and the virtual one that replay moves by hand."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


class SystemClock:
    def __init__(self, tz: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(self.tz)

    @property
    def virtual(self) -> bool:
        return False


class VirtualClock:
    """`now()` is whatever was last set; it never runs backwards."""

    def __init__(self, start: datetime, tz: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz)
        self._now = start.astimezone(self.tz)

    def now(self) -> datetime:
        return self._now

    def set(self, t: datetime) -> None:
        t = t.astimezone(self.tz)
        if t > self._now:
            self._now = t

    @property
    def virtual(self) -> bool:
        return True
