"""/期限, /周报, /提醒, /提醒列表, /取消提醒: happy, refused and malformed paths, through
the real application on SQLite and PostgreSQL."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.chat import TZ, Chat

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def chat(db_url, tmp_path):
    from bot.config import Config

    config = Config.model_validate({"schedule": {"chart_dir": str(tmp_path / "charts")}})
    async with Chat(db_url, config=config) as c:
        await c.setup_roles(物业小王="物业")
        yield c


async def sent_between(chat, start, end):
    return [o for o in chat.transport.sent if start <= o.created_at < end]


# /期限 ------------------------------------------------------------------------------

async def test_deadline_sets_due_and_the_reminder_follows_it(chat):
    await chat.say("王阿姨", "5幢楼道灯坏了")
    reply = await chat.text("张网格长", "/期限 1 3天")
    assert "#1" in reply and "处理期限定为 3月5日（周四）" in reply
    t = await chat.ticket(1)
    assert t.due_at == chat.clock.now() + timedelta(days=3)
    start = chat.clock.now()
    await chat.app.advance_to(t.due_at + timedelta(minutes=5))
    reminders = [o for o in await sent_between(chat, start, t.due_at + timedelta(hours=1))
                 if "已到处理期限" in o.text]
    assert len(reminders) == 1
    assert reminders[0].created_at == t.due_at  # not at the first deadline (18:00 that day)


async def test_deadline_complex_recomputes_from_the_report(chat):
    await chat.say("王阿姨", "5幢楼道灯坏了")
    t = await chat.ticket(1)
    assert t.complexity == "simple"
    reply = await chat.text("张网格长", "/期限 1 复杂")
    assert "复杂问题" in reply
    t2 = await chat.ticket(1)
    assert (t2.complexity, t2.due_at) == ("complex", t.created_at + timedelta(days=3))


async def test_deadline_refused_to_residents(chat):
    await chat.say("王阿姨", "5幢楼道灯坏了")
    reply = await chat.text("王阿姨", "/期限 1 3天")
    assert "协调员" in reply
    assert (await chat.ticket(1)).due_at != chat.clock.now() + timedelta(days=3)


@pytest.mark.parametrize(("args", "expected"), [
    ("", "用法：/期限"), ("1", "用法：/期限"), ("1 随便", "没看懂这个期限"), ("9 3天", "没有找到 #9"),
])
async def test_deadline_malformed(chat, args, expected):
    await chat.say("王阿姨", "5幢楼道灯坏了")
    assert expected in await chat.text("张网格长", f"/期限 {args}")


# /周报 ------------------------------------------------------------------------------

async def test_digest_on_demand_posts_text_and_chart(chat):
    await chat.say("王阿姨", "5幢楼道灯坏了")
    out = await chat.say("张网格长", "/周报")
    assert len(out) == 1
    assert out[0].text.startswith("【本周工单周报】3月2日—3月2日")
    assert "新增问题 1 件" in out[0].text
    png = Path(out[0].image_path)
    assert png.read_bytes()[:4] == b"\x89PNG"


async def test_digest_of_last_week(chat):
    await chat.say("王阿姨", "5幢楼道灯坏了")
    await chat.app.advance_to(datetime(2026, 3, 10, 10, tzinfo=TZ))
    out = await chat.say("张网格长", "/周报 上周")
    assert out[0].text.startswith("【上周工单周报】3月2日—3月8日")
    assert "新增问题 1 件" in out[0].text


async def test_digest_refused_and_malformed(chat):
    assert "协调员" in await chat.text("王阿姨", "/周报")
    assert "用法：/周报" in await chat.text("张网格长", "/周报 明年")


# /提醒 /提醒列表 /取消提醒 ------------------------------------------------------------

async def test_reminder_set_listed_fired_once_and_cancelled(chat):
    reply = await chat.text("张网格长", "/提醒 每周二 9:00 小区服务日")
    assert "提醒 1 已设好：3月3日（周二）09:00" in reply
    reply = await chat.text("张网格长", "/提醒 明天下午3点 检查消防通道")
    assert "提醒 2 已设好：3月3日（周二）15:00" in reply
    listing = await chat.text("王阿姨", "/提醒列表")
    assert "1. 每周二 9:00 小区服务日" in listing and "2. 明天下午3点 检查消防通道" in listing
    start = chat.clock.now()
    await chat.app.advance_to(datetime(2026, 3, 4, tzinfo=TZ))
    fired = [(o.created_at.astimezone(TZ), o.text) for o in chat.transport.sent
             if o.created_at > start and o.text.startswith("【提醒】")]
    assert fired == [(datetime(2026, 3, 3, 9, tzinfo=TZ), "【提醒】小区服务日（每周二 9:00）"),
                     (datetime(2026, 3, 3, 15, tzinfo=TZ), "【提醒】检查消防通道")]
    assert "已取消提醒 1" in await chat.text("张网格长", "/取消提醒 1")
    start = chat.clock.now()
    await chat.app.advance_to(datetime(2026, 3, 11, tzinfo=TZ))
    assert not [o for o in chat.transport.sent if o.created_at > start and "小区服务日" in o.text]
    assert "还没有设提醒" in await chat.text("王阿姨", "/提醒列表")


async def test_reminder_refused_to_residents_and_unreadable_times(chat):
    assert "协调员" in await chat.text("王阿姨", "/提醒 每周二 9:00 小区服务日")
    reply = await chat.text("张网格长", "/提醒 改天 开会")
    assert "没看懂" in reply and "例如" in reply
    assert "用法：/提醒" in await chat.text("张网格长", "/提醒")
    assert "还没有设提醒" in await chat.text("张网格长", "/提醒列表")


async def test_cancel_unknown_or_malformed(chat):
    assert "没有找到进行中的提醒 3" in await chat.text("张网格长", "/取消提醒 3")
    assert "用法：/取消提醒" in await chat.text("张网格长", "/取消提醒 哪个")
    assert "协调员" in await chat.text("王阿姨", "/取消提醒 1")
