"""A reminder's schedule as a small JSON-able dict, and its APScheduler trigger.

The dict is what the database keeps (`schedule_reminders.trigger`); APScheduler's
triggers only compute the next fire time, they never own a job store:
- {"type": "date", "at": ISO}                       -> DateTrigger
- {"type": "cron", "day": "15", "hour": 9, ...}     -> CronTrigger (fields as CronTrigger)
- {"type": "interval", "weeks": 2, "start": ISO}    -> IntervalTrigger anchored at start
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

CRON_FIELDS = ("month", "day", "day_of_week", "hour", "minute")
INTERVAL_FIELDS = ("weeks", "days")


def build_trigger(spec: dict[str, Any], tz: ZoneInfo) -> BaseTrigger:
    kind = spec["type"]
    if kind == "date":
        return DateTrigger(run_date=datetime.fromisoformat(spec["at"]), timezone=tz)
    if kind == "cron":
        fields = {k: spec[k] for k in CRON_FIELDS if k in spec}
        return CronTrigger(timezone=tz, **fields)
    if kind == "interval":
        fields = {k: spec[k] for k in INTERVAL_FIELDS if k in spec}
        return IntervalTrigger(
            timezone=tz, start_date=datetime.fromisoformat(spec["start"]), **fields
        )
    raise ValueError(f"unknown trigger type {kind!r}")


def next_fire(spec: dict[str, Any], after: datetime, tz: ZoneInfo) -> datetime | None:
    """The first fire time strictly after `after`, or None when there is none."""
    trigger = build_trigger(spec, tz)
    probe = after + timedelta(seconds=1)
    if isinstance(trigger, DateTrigger):
        at = trigger.run_date
        return at if at > after else None
    return trigger.get_next_fire_time(None, probe)


def first_fire(spec: dict[str, Any], now: datetime, tz: ZoneInfo) -> datetime | None:
    """The first fire time at or after `now`."""
    return next_fire(spec, now - timedelta(seconds=1), tz)
