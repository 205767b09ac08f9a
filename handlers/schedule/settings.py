"""Configuration of deadlines, reminders and the digest ([schedule] in the TOML file).

Every key has a default, so an empty `[schedule]` table is valid. Times are "HH:MM"
in the bot's time zone (Asia/Shanghai). A group may override any key under
`[schedule.groups."<group key or room id>"]`; `for_group(key, room)` returns the merged
settings.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

# Categories whose problems need more than a same-day fix: a clear answer within 3 days.
DEFAULT_COMPLEX = [
    "illegal_construction", "property_service", "market_food", "noise_dispute",
    "elderly_welfare",
]


def parse_hhmm(value: str) -> time:
    m = _HHMM.match(value.strip())
    if not m:
        raise ValueError(f"expected a time like 07:30, got {value!r}")
    return time(int(m.group(1)), int(m.group(2)))


class ScheduleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "Asia/Shanghai"
    # quiet hours: non-urgent messages wait until quiet_end
    quiet_start: str = "22:00"
    quiet_end: str = "07:30"
    # deadlines (SLA)
    urgent_ack_minutes: int = Field(30, ge=1)
    urgent_resolve_hours: int = Field(4, ge=1)
    simple_due: str = "18:00"  # simple problems are handled by this time the same day...
    simple_cutoff: str = "16:00"  # ...unless reported at or after this time: then next day
    complex_days: int = Field(3, ge=1)
    complex_categories: list[str] = Field(default_factory=lambda: list(DEFAULT_COMPLEX))
    # reminders and escalation
    escalate_after_hours: int = Field(24, ge=1)  # after the overdue reminder, non-urgent
    urgent_escalate_after_minutes: int = Field(60, ge=1)  # after the deadline, urgent
    max_nags_per_day: int = Field(3, ge=1)
    # daily morning list and weekly digest
    morning_time: str = "08:00"
    morning_list: bool = True
    digest_weekday: int = Field(0, ge=0, le=6)  # Monday
    digest_time: str = "09:00"
    digest_grace_hours: int = Field(12, ge=0)  # a digest missed by less is still sent
    chart_dir: str | None = None  # where digest charts go; default: a temp directory
    # chat reminders (/提醒): one missed by more than this is reported, not sent as on time
    reminder_grace_minutes: int = Field(30, ge=0)
    default_reminder_time: str = "09:00"  # for a day without a time ("后天")
    max_reminders_per_group: int = Field(50, ge=1)
    groups: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator(
        "quiet_start", "quiet_end", "simple_due", "simple_cutoff", "morning_time",
        "digest_time", "default_reminder_time",
    )
    @classmethod
    def _check_time(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @model_validator(mode="after")
    def _check_groups(self) -> ScheduleSettings:
        for room, override in self.groups.items():
            if "groups" in override:
                raise ValueError(f"groups.{room}: nested groups are not allowed")
            self.model_validate({**self.model_dump(exclude={"groups"}), **override})
        return self

    def for_group(self, key: str | None, room: str | None = None) -> ScheduleSettings:
        """These settings with the group's overrides (by group key, else room id) applied."""
        override = self.groups.get(key or "") or self.groups.get(room or "")
        if not override:
            return self
        return self.model_validate({**self.model_dump(exclude={"groups"}), **override})

    def hhmm(self, key: str) -> time:
        return parse_hhmm(getattr(self, key))

    @property
    def urgent_ack(self) -> timedelta:
        return timedelta(minutes=self.urgent_ack_minutes)

    @property
    def urgent_resolve(self) -> timedelta:
        return timedelta(hours=self.urgent_resolve_hours)
