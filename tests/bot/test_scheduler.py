"""bot/scheduler.py: one AsyncIOScheduler ticking the application, started and stopped
with it; the first tick at start-up sends what came due while the bot was down."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import Application
from bot.config import Config
from bot.scheduler import TICK_JOB, start_scheduler, stop_scheduler
from bot.transports.replay import ReplayTransport
from handlers.schedule import store

pytestmark = pytest.mark.asyncio


class FakeApp:
    def __init__(self) -> None:
        self.config = SimpleNamespace(bot=SimpleNamespace(timezone="Asia/Shanghai"))
        self.ticks = 0
        self.ticked = asyncio.Event()

    async def tick(self) -> None:
        self.ticks += 1
        self.ticked.set()


async def test_one_scheduler_ticks_every_minute_in_shanghai_time():
    app = FakeApp()
    scheduler = start_scheduler(app)
    try:
        assert isinstance(scheduler, AsyncIOScheduler)
        assert str(scheduler.timezone) == "Asia/Shanghai"
        [job] = scheduler.get_jobs()
        assert job.id == TICK_JOB and job.max_instances == 1 and job.coalesce
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=1)
        # its own in-memory store: nothing shared with another process
        assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
        await asyncio.wait_for(app.ticked.wait(), timeout=10)  # the start-up tick
        assert app.ticks == 1
    finally:
        stop_scheduler(scheduler)
    assert scheduler.get_jobs() == []  # no tick starts any more
    await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
    assert not scheduler.running
    stop_scheduler(scheduler)  # stopping twice is harmless


async def test_application_start_up_tick_sends_a_missed_reminder(sqlite_url):
    config = Config.model_validate({})
    tz = ZoneInfo("Asia/Shanghai")
    due = datetime.now(tz) - timedelta(minutes=5)  # missed by less than the grace period
    async with Application(config, None, db_url=sqlite_url) as setup:
        async with setup.session() as repo:
            group = await repo.ensure_group("g1", "枫桥小区", "room-1", "枫桥群", due)
            await store.add_reminder(repo.s, group_id=group.id, text="检查消防通道",
                                     phrase="今天", trigger={"type": "date",
                                                           "at": due.isoformat()},
                                     next_run_at=due, created_by=None, now=due)
    transport = ReplayTransport()
    async with Application(config, transport, db_url=sqlite_url, run_scheduler=True) as app:
        assert app.scheduler is not None and app.scheduler.running
        for _ in range(100):  # wait (at most ten seconds) for the start-up tick and send
            if transport.sent:
                break
            await asyncio.sleep(0.1)
        scheduler = app.scheduler
    assert [(o.room, o.text) for o in transport.sent] == [("room-1", "【提醒】检查消防通道")]
    assert not scheduler.running
