"""Repositories on SQLite and PostgreSQL: numbering, inbox and outbox guarantees."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.messages import Incoming, Person
from storage import db
from storage.repo import Repo, message_key

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def maker(db_url):
    engine = db.create_engine(db_url)
    await db.upgrade(engine)
    yield db.sessionmaker(engine)
    await engine.dispose()


async def in_tx(maker, fn):
    async with maker() as s, s.begin():
        return await fn(Repo(s))


async def make_group(maker, key="g1"):
    return await in_tx(maker, lambda r: r.ensure_group(key, "小区", f"room-{key}", "群", NOW))


async def new_ticket(maker, group, who="王阿姨", **kw):
    async def go(r):
        m = await r.ensure_member(group.id, who, who, NOW)
        return await r.create_ticket(group_id=group.id, kind="problem", category="elevator",
                                     title="电梯坏了", text="3幢电梯坏了", reporter=m, owners=[],
                                     urgent=False, now=NOW, building="3", **kw)
    return await in_tx(maker, go)


async def test_schema_is_at_head(maker, db_url):
    engine = db.create_engine(db_url)
    try:
        assert await db.pending_migrations(engine) == []
    finally:
        await engine.dispose()


async def test_ticket_numbers_start_at_one_per_group(maker):
    a, b = await make_group(maker, "a"), await make_group(maker, "b")
    assert [(await new_ticket(maker, a)).number for _ in range(3)] == [1, 2, 3]
    assert (await new_ticket(maker, b)).number == 1


async def test_concurrent_tickets_get_distinct_numbers(maker):
    g = await make_group(maker)
    tickets = await asyncio.gather(*[new_ticket(maker, g, who=f"p{i}") for i in range(8)])
    assert sorted(t.number for t in tickets) == list(range(1, 9))


async def test_ticket_roundtrip_keeps_aware_times_and_people(maker):
    g = await make_group(maker)
    t = await new_ticket(maker, g, source_message_id="m1")
    loaded = await in_tx(maker, lambda r: r.ticket(g.id, t.number))
    assert loaded.created_at == NOW and loaded.created_at.tzinfo is not None
    assert [m.name for m in loaded.reporters] == ["王阿姨"]
    assert await in_tx(maker, lambda r: r.source_ids(t.id)) == ["m1"]


async def test_inbox_second_delivery_is_refused(maker):
    msg = Incoming(room="r", sender=Person("u1", "王阿姨"), text="你好", at=NOW, id="x1")
    key = message_key(msg)
    assert await in_tx(maker, lambda r: r.inbox_add(msg, key)) is True
    assert await in_tx(maker, lambda r: r.inbox_add(msg, key)) is False
    lease = NOW + timedelta(minutes=2)
    pending = await in_tx(maker, lambda r: r.claim_unhandled(NOW, lease))
    assert [(k, m.text, m.sender) for k, m in pending] == [(key, "你好", Person("u1", "王阿姨"))]
    # claimed: another process finds nothing until the lease runs out
    assert await in_tx(maker, lambda r: r.claim_unhandled(NOW, lease)) == []
    assert len(await in_tx(maker, lambda r: r.claim_unhandled(lease + timedelta(seconds=1),
                                                             lease + timedelta(minutes=2)))) == 1


async def test_inbox_key_without_id_uses_time_room_sender_text():
    a = Incoming(room="r", sender=Person("u", "u"), text="hi", at=NOW)
    assert message_key(a) == message_key(Incoming(room="r", sender=Person("u", "u"), text="hi", at=NOW))
    assert message_key(a) != message_key(Incoming(room="r", sender=Person("u", "u"), text="hi",
                                                  at=NOW + timedelta(seconds=1)))


async def test_outbox_dedupe_key_queues_once_even_concurrently(maker):
    async def queue(r):
        return await r.enqueue(text="周报", now=NOW, room="r", dedupe_key="digest:g1:2026-W10")
    results = await asyncio.gather(*[in_tx(maker, queue) for _ in range(5)], return_exceptions=True)
    assert [x for x in results if x == 1] == [1]
    assert await in_tx(maker, lambda r: r.claim_due_outbox(NOW, NOW + timedelta(minutes=5))) != []


async def test_claimed_rows_are_not_claimed_again_until_the_lease_ends(maker):
    for i in range(3):
        await in_tx(maker, lambda r, i=i: r.enqueue(text=f"m{i}", now=NOW, room="r"))
    lease = NOW + timedelta(minutes=5)
    first = await in_tx(maker, lambda r: r.claim_due_outbox(NOW, lease, limit=2))
    second = await in_tx(maker, lambda r: r.claim_due_outbox(NOW, lease, limit=10))
    assert [o.text for o in first] == ["m0", "m1"] and [o.text for o in second] == ["m2"]
    assert await in_tx(maker, lambda r: r.claim_due_outbox(NOW, lease)) == []
    later = await in_tx(maker, lambda r: r.claim_due_outbox(lease, lease + timedelta(minutes=5)))
    assert len(later) == 3  # never confirmed: due again after the lease
    await in_tx(maker, lambda r: r.mark_sent(later[0].outbox_id, lease, "w1"))
    again = await in_tx(maker, lambda r: r.claim_due_outbox(lease + timedelta(hours=1), lease + timedelta(hours=2)))
    assert sorted(o.text for o in again) == ["m1", "m2"]


async def test_member_rename_keeps_identity_and_alias(maker):
    g = await make_group(maker)
    first = await in_tx(maker, lambda r: r.ensure_member(g.id, "wx1", "王阿姨", NOW))
    renamed = await in_tx(maker, lambda r: r.ensure_member(g.id, "wx1", "王奶奶", NOW))
    assert first.id == renamed.id and renamed.name == "王奶奶"
    assert (await in_tx(maker, lambda r: r.member_by_name(g.id, "王阿姨"))).id == first.id


async def test_pile_on_matches_same_spot_only(maker):
    g = await make_group(maker)
    t = await new_ticket(maker, g)
    since = NOW - timedelta(hours=1)
    same = await in_tx(maker, lambda r: r.find_pileon(g.id, "problem", "elevator", "3", None, since))
    other = await in_tx(maker, lambda r: r.find_pileon(g.id, "problem", "elevator", "4", None, since))
    late = await in_tx(maker, lambda r: r.find_pileon(g.id, "problem", "elevator", "3", None,
                                                     NOW + timedelta(minutes=1)))
    assert same.number == t.number and other is None and late is None
