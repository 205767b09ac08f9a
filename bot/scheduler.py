"""The one APScheduler of a live bot: it ticks `app.tick()` every minute.

Nothing is scheduled in APScheduler itself beyond that tick: deadlines, reminders and
digests live in the database (storage/models_schedule.py) and the timed jobs decide
from there what is due, so a restart loses nothing and two processes on one database
never both send (APScheduler's job stores must not be shared between schedulers; this
one uses the default in-memory store). The first tick runs at start-up, which sends
what came due while the bot was down (when still meaningful).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

TICK_JOB = "gongzhi-tick"


def start_scheduler(app) -> AsyncIOScheduler:
    """Start ticking `app.tick()` now and every minute; call inside the running loop."""
    tz = ZoneInfo(app.config.bot.timezone)
    scheduler = AsyncIOScheduler(timezone=tz)
    scheduler.add_job(
        app.tick, IntervalTrigger(minutes=1, timezone=tz), id=TICK_JOB,
        next_run_time=datetime.now(tz),  # at once: catch up on what was missed
        max_instances=1, coalesce=True, misfire_grace_time=50,
    )
    scheduler.start()
    log.info("scheduler started (tick every minute, %s)", tz.key)
    return scheduler


def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Stop ticking. No tick starts after this returns; AsyncIOScheduler finishes its
    shutdown on the loop's next turn, cancelling a tick in progress (its work is
    transactional, so a cancelled tick leaves nothing half done)."""
    if scheduler.get_job(TICK_JOB) is not None:
        scheduler.remove_job(TICK_JOB)
    if scheduler.running:
        scheduler.shutdown(wait=False)
