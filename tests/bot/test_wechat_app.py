"""End to end on the WeChat path: the real application (database, handlers, outbox sender)
on the WeChat transport, whose real python-wechaty client talks gRPC to the fake gateway
on 127.0.0.1. Nothing in between is mocked."""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select

from bot.app import Application
from bot.config import GroupSettings, RoleHolder, load_config
from bot.transports.wechat import AT_SEPARATOR, WechatTransport
from storage.models import InboxRow, OutboxRow
from tests.support.fake_gateway import (
    OTHER_ROOM,
    ROOM,
    TOPIC,
    FakeGateway,
    eventually,
    fast_settings,
)


def make_config(endpoint: str, **wechat):
    config = load_config(None)
    config.wechat = fast_settings(endpoint, **wechat)
    config.groups = [GroupSettings(
        key="xingfuli", estate="幸福里", room=TOPIC, coordinators=["张网格长"],
        roles=[RoleHolder(member="物业小王", role="property")], pileon_window_minutes=0)]
    return config


@pytest.fixture
async def gw():
    gateway = FakeGateway()
    for contact_id, name in [("wxid_zhang", "张建国"), ("wxid_wang", "王师傅"),
                             ("wxid_aunt", "王阿姨"), ("wxid_li", "李大爷")]:
        gateway.add_contact(contact_id, name)
    gateway.add_room(ROOM, TOPIC, {"wxid_zhang": "张网格长", "wxid_wang": "物业小王",
                                   "wxid_aunt": "", "wxid_li": ""})
    gateway.add_room(OTHER_ROOM, "广场舞群", {"wxid_aunt": "", "wxid_li": ""})
    async with gateway:
        yield gateway


@pytest.fixture
def running(gw, sqlite_url):
    @asynccontextmanager
    async def run(**wechat):
        config = make_config(gw.endpoint, **wechat)
        transport = WechatTransport(config)
        async with Application(config, transport, db_url=sqlite_url) as app:
            assert await transport.wait_ready(10)
            yield app
    return run


async def count(app, model, *where) -> int:
    async with app.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar()


async def all_sent(app, timeout: float = 10.0) -> bool:
    """Wait until the outbox has nothing left to send (the gateway records a message a
    moment before the application hears the confirmation)."""
    for _ in range(int(timeout / 0.02)):
        if not await count(app, OutboxRow, OutboxRow.status != "sent"):
            return True
        await asyncio.sleep(0.02)
    return False


def texts_in(gw, conversation: str) -> list[str]:
    return [m.text for m in gw.sent_to(conversation)]


async def test_a_room_report_becomes_a_ticket_and_the_owner_is_really_mentioned(gw, running):
    async with running() as app:
        gw.message("wxid_aunt", "3幢电梯坏了，老人上不去楼", room=ROOM)
        [reply] = await eventually(lambda: gw.sent_to(ROOM))
        tickets = await app_tickets(app)

    assert len(tickets) == 1 and tickets[0].reporters[0].ext_id == "wxid_aunt"
    assert "已登记 #1" in reply.text
    assert f"@物业小王{AT_SEPARATOR}" in reply.text
    assert reply.mention_ids == ["wxid_wang"]  # WeChat notifies by contact id


async def app_tickets(app):
    async with app.session() as repo:
        return await repo.tickets()


async def test_a_coordinator_command_in_a_private_chat_is_answered_privately(gw, running):
    async with running():
        gw.message("wxid_aunt", "3幢电梯坏了", room=ROOM)
        await eventually(lambda: gw.sent_to(ROOM))
        gw.message("wxid_zhang", "/清单")
        [answer] = await eventually(lambda: gw.sent_to("wxid_zhang"))

    assert "#1" in answer.text
    assert answer.room_id == "" and answer.mention_ids == []


async def test_an_unconfigured_room_is_ignored(gw, running):
    async with running() as app:
        gw.message("wxid_li", "5幢电梯坏了", room=OTHER_ROOM)
        gw.message("wxid_aunt", "3幢电梯坏了", room=ROOM)
        await eventually(lambda: gw.sent_to(ROOM))
        inbox = await count(app, InboxRow)
        tickets = await app_tickets(app)

    assert inbox == 1 and len(tickets) == 1
    assert texts_in(gw, OTHER_ROOM) == []


async def test_an_image_gets_the_polite_line_and_is_kept(gw, running):
    async with running() as app:
        gw.message("wxid_aunt", room=ROOM, kind="image")
        [reply] = await eventually(lambda: gw.sent_to(ROOM))
        images = await count(app, InboxRow, InboxRow.kind == "image")

    assert "图片" in reply.text and "文字" in reply.text
    assert images == 1


async def test_a_duplicate_event_makes_one_ticket_also_across_a_restart(gw, running):
    async with running() as app:
        first = gw.message("wxid_aunt", "3幢电梯坏了", room=ROOM)
        gw.redeliver(first)
        await eventually(lambda: gw.sent_to(ROOM))
        assert await all_sent(app)
    gw.redeliver(first)  # gateways resend recent messages to a client that comes back
    async with running() as app:
        gw.message("wxid_li", "7幢路灯不亮", room=ROOM)
        await eventually(lambda: len(gw.sent_to(ROOM)) >= 2)
        tickets = await app_tickets(app)
        inbox = await count(app, InboxRow)

    assert len(tickets) == 2 and inbox == 2
    assert sum("#1" in t for t in texts_in(gw, ROOM)) == 1


async def test_the_gateway_dropped_mid_conversation_loses_nothing_and_repeats_nothing(
        gw, running):
    async with running() as app:
        gw.message("wxid_aunt", "3幢电梯坏了", room=ROOM)
        await eventually(lambda: gw.sent_to(ROOM))
        gw.delay("MessageSendText", 5)  # the reply to the next report is in flight ...
        gw.message("wxid_li", "7幢路灯不亮", room=ROOM)
        await eventually(lambda: len(gw.calls_to("MessageSendText")) >= 2)
        await gw.stop()  # ... when the gateway goes away
        gw.message("wxid_aunt", "9幢门口垃圾没人清", room=ROOM)  # said while it is away
        gw.delay("MessageSendText", 0)
        await gw.start()
        await eventually(lambda: len(gw.sent_to(ROOM)) >= 3, timeout=20)
        assert await all_sent(app)
        tickets = await app_tickets(app)

    sent = texts_in(gw, ROOM)
    assert len(tickets) == 3
    assert [sum(f"#{n}" in t for t in sent) for n in (1, 2, 3)] == [1, 1, 1]


async def test_a_send_rejected_by_the_gateway_is_retried_and_delivered_once(gw, running):
    async with running() as app:
        gw.reject("MessageSendText", times=1)
        gw.message("wxid_aunt", "3幢电梯坏了", room=ROOM)
        await eventually(lambda: gw.sent_to(ROOM), timeout=20)
        assert await all_sent(app)
        async with app.sessionmaker() as s:
            row = (await s.execute(select(OutboxRow))).scalar_one()

    assert len(gw.calls_to("MessageSendText")) == 2
    assert len(texts_in(gw, ROOM)) == 1
    assert (row.status, row.attempts) == ("sent", 2)


async def test_the_rate_limit_holds_under_a_burst_of_200_reports(gw, running):
    per_second = 12
    async with running(room_rate_per_minute=per_second * 60, global_rate_per_minute=6000,
                       rate_burst=1) as app:
        for n in range(1, 201):  # people keep writing while replies go out
            gw.add_contact(f"wxid_r{n}", f"居民{n}")
            gw.rooms[ROOM].members[f"wxid_r{n}"] = ""
            gw.message(f"wxid_r{n}", f"{n}幢电梯坏了", room=ROOM)
            if n % 20 == 0:
                await eventually(lambda n=n: len(gw.calls_to("MessagePayload")) >= n)
        await eventually(lambda: len(gw.sent_to(ROOM)) >= 200, timeout=45)
        tickets = await app_tickets(app)

    stamps = sorted(m.timestamp / 1000 for m in gw.sent_to(ROOM))
    busiest = max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps)
    assert len(tickets) == 200
    numbers = sorted(int(re.search(r"#(\d+)", t).group(1)) for t in texts_in(gw, ROOM))
    assert numbers == list(range(1, 201))  # every report answered, none twice
    assert busiest <= per_second + 2  # one burst token, and a message of timing slack


async def test_gongzhi_run_goes_on_wechat_when_the_environment_names_a_gateway(gw, sqlite_url):
    from bot.runner import run_bot

    config = load_config(None, env={"GONGZHI_WECHAT_TOKEN": "insecure_t",
                                    "GONGZHI_WECHAT_ENDPOINT": gw.endpoint})
    config.groups = make_config(gw.endpoint).groups
    bot = asyncio.create_task(run_bot(config, sqlite_url))
    try:
        gw.message("wxid_aunt", "3幢电梯坏了", room=ROOM)
        [reply] = await eventually(lambda: gw.sent_to(ROOM), timeout=20)
    finally:
        bot.cancel()
        await asyncio.gather(bot, return_exceptions=True)

    assert "已登记 #1" in reply.text and reply.mention_ids == ["wxid_wang"]
    assert gw.calls_to("Start")  # the real client's start sequence


async def test_after_a_logout_the_coordinators_are_told_once_the_bot_is_back(gw, running):
    async with running():
        gw.message("wxid_zhang", "大家好，我是网格长", room=ROOM)  # the coordinator is known
        gw.message("wxid_aunt", "3幢电梯坏了", room=ROOM)
        await eventually(lambda: gw.sent_to(ROOM))
        gw.logout()
        gw.require_scan()
        gw.login()
        notices = await eventually(lambda: [m for m in gw.sent_to(ROOM) if "掉线" in m.text])

    [notice] = notices
    assert notice.mention_ids == ["wxid_zhang"]
    assert notice.text.startswith(f"@张网格长{AT_SEPARATOR}")
