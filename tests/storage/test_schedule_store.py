"""The schedule tables on SQLite and PostgreSQL: the claim that makes timed messages
exactly-once, reminders, the fingerprint, and migration 0002 down and up."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect

from handlers.schedule import store
from storage import db
from storage.repo import Repo

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
async def engine(db_url):
    e = db.create_engine(db_url)
    await db.upgrade(e)
    yield e
    await e.dispose()


async def test_a_key_is_claimed_once_even_by_concurrent_transactions(engine):
    maker = db.sessionmaker(engine)
    async with maker() as s1:
        await s1.begin()
        assert await store.claim(s1, "digest:1:2026-03-09", "digest", "sent", NOW, NOW)
        # a second process tries the same key while the first has not committed yet
        second = asyncio.create_task(_claim_in_own_session(maker, "digest:1:2026-03-09"))
        await asyncio.sleep(0.2)
        assert not second.done()  # it waits for the first to finish ...
        await s1.commit()
    assert await second is False  # ... and then claims nothing
    async with maker() as s3, s3.begin():
        assert await store.claim(s3, "digest:1:2026-03-16", "digest", "sent", NOW, NOW)


async def _claim_in_own_session(maker, key: str) -> bool:
    async with maker() as s, s.begin():
        return await store.claim(s, key, "digest", "sent", NOW, NOW)


async def test_claim_rolled_back_can_be_claimed_again(engine):
    maker = db.sessionmaker(engine)
    async with maker() as s:
        await s.begin()
        assert await store.claim(s, "ticket:1:overdue:1", "overdue", "sent", NOW, NOW)
        await s.rollback()  # the message could not be queued: nothing was done
    async with maker() as s, s.begin():
        assert await store.claim(s, "ticket:1:overdue:1", "overdue", "sent", NOW, NOW)


async def test_reminders_are_numbered_per_group_and_fingerprinted(engine):
    maker = db.sessionmaker(engine)
    async with maker() as s, s.begin():
        repo = Repo(s)
        g1 = await repo.ensure_group("g1", "枫桥", "room-1", "枫桥群", NOW)
        g2 = await repo.ensure_group("g2", "绿苑", "room-2", "绿苑群", NOW)
    before = await store.fingerprint(engine)
    async with maker() as s, s.begin():
        made = [await store.add_reminder(s, group_id=g, text=t, phrase="明天", now=NOW,
                                         trigger={"type": "date", "at": NOW.isoformat()},
                                         next_run_at=NOW + timedelta(days=1), created_by=None)
                for g, t in ((g1.id, "a"), (g1.id, "b"), (g2.id, "c"))]
    assert [r.number for r in made] == [1, 2, 1]
    after = await store.fingerprint(engine)
    assert after != before
    async with maker() as s, s.begin():
        await store.update_reminder(s, made[1].id, status="cancelled", next_run_at=None)
    assert await store.fingerprint(engine) != after  # a cancellation changes it too
    async with maker() as s:
        assert [r.text for r in await store.reminders(s, g1.id)] == ["a"]
        assert (await store.reminder(s, g1.id, 2)).status == "cancelled"


async def test_migration_0002_down_and_up(engine):
    def tables(conn):
        return set(inspect(conn).get_table_names())

    def migrate(conn, direction, target):
        cfg = db.alembic_config()
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, target)

    async with engine.begin() as conn:
        assert {"schedule_reminders", "schedule_runs"} <= await conn.run_sync(tables)
        await conn.run_sync(migrate, "downgrade", "0001_core")
        assert not {"schedule_reminders", "schedule_runs"} & await conn.run_sync(tables)
        await conn.run_sync(migrate, "upgrade", "heads")
        assert {"schedule_reminders", "schedule_runs"} <= await conn.run_sync(tables)
