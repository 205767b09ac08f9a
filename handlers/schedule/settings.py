"""Configuration of deadlines, reminders and the digest ([schedule] in the TOML file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ScheduleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet_start: str = "22:00"
    quiet_end: str = "07:30"
    digest_weekday: int = 0  # Monday
    digest_time: str = "09:00"
