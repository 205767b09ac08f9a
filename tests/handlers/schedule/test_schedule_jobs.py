"""The timed job through the real application (SQLite and PostgreSQL): deadlines written,
resolved tickets closed after the quiet period, the morning list, the daily nag limit."""

from datetime import datetime, timedelta

import pytest

from bot.config import Config
from tests.support.chat import TZ, Chat

pytestmark = pytest.mark.asyncio


def config(**schedule) -> Config:
    return Config.model_validate({"schedule": schedule})


def timed_since(chat, start):
    return [o for o in chat.transport.sent if o.created_at > start and o.in_reply_to is None]


async def test_new_ticket_gets_its_deadline_written(db_url):
    async with Chat(db_url) as chat:
        await chat.setup_roles(物业小王="物业")
        await chat.say("王阿姨", "5幢楼道灯坏了")
        await chat.say("王阿姨", "谢谢")  # the clock moves on: the job has ticked
        t = await chat.ticket(1)
        assert t.due_at == datetime(2026, 3, 2, 18, tzinfo=TZ)
        assert t.complexity == "simple"


async def test_resolved_ticket_closes_after_three_quiet_days(db_url):
    async with Chat(db_url) as chat:
        await chat.setup_roles(物业小王="物业")
        await chat.say("王阿姨", "5幢楼道灯坏了")
        await chat.say("物业小王", "/办结 1 已换好")
        resolved = (await chat.ticket(1)).resolved_at
        await chat.app.advance_to(resolved + timedelta(days=3) - timedelta(minutes=1))
        assert (await chat.ticket(1)).status == "resolved"
        start = chat.clock.now()
        await chat.app.advance_to(resolved + timedelta(days=3, hours=1))
        t = await chat.ticket(1)
        assert (t.status, t.closed_at) == ("closed", resolved + timedelta(days=3))
        notes = [o.text for o in timed_since(chat, start)]
        assert notes == ["#1【照明】5幢楼道灯坏了 办结已3天，没有收到“没修好”的反馈，工单已关闭。"
                         "如果问题又出现了，请重新反映，谢谢！"]


async def test_reopened_ticket_is_not_closed_and_gets_a_fresh_deadline(db_url):
    async with Chat(db_url) as chat:
        await chat.setup_roles(物业小王="物业")
        await chat.say("王阿姨", "5幢楼道灯坏了")
        await chat.say("物业小王", "/办结 1 已换好")
        await chat.app.advance_to(datetime(2026, 3, 3, 9, tzinfo=TZ))
        await chat.say("王阿姨", "/重开 1 还是不亮")
        await chat.app.advance_to(datetime(2026, 3, 8, tzinfo=TZ))
        t = await chat.ticket(1)
        assert t.status == "reopened"
        assert t.due_at == datetime(2026, 3, 3, 18, tzinfo=TZ)  # same day, from the reopening
        texts = [o.text for o in chat.transport.sent]
        assert not [x for x in texts if "工单已关闭" in x]
        assert len([x for x in texts if "已到处理期限（3月3日（周二）18:00）" in x]) == 1


async def test_morning_list_names_overdue_and_due_today(db_url):
    async with Chat(db_url) as chat:
        await chat.setup_roles(物业小王="物业")
        await chat.say("王阿姨", "5幢楼道灯坏了")
        await chat.say("张网格长", "/期限 1 明天下午5点")
        await chat.say("李大爷", "3幢门禁坏了")
        await chat.app.advance_to(datetime(2026, 3, 3, 8, 30, tzinfo=TZ))
        lists = [o for o in chat.transport.sent if "早上好" in o.text]
        assert [o.created_at.astimezone(TZ) for o in lists] == [datetime(2026, 3, 3, 8, tzinfo=TZ)]
        text = lists[0].text
        assert "已超期 #2" in text and "今天到期 #1" in text and "17:00 前" in text
        assert [p.name for p in lists[0].mentions] == ["张网格长"]


async def test_no_morning_list_when_nothing_is_due(db_url):
    async with Chat(db_url) as chat:
        await chat.say("张网格长", "大家好")
        await chat.app.advance_to(datetime(2026, 3, 5, tzinfo=TZ))
        assert not [o for o in chat.transport.sent if "早上好" in o.text]


async def test_daily_nag_limit_moves_escalation_to_the_next_morning(db_url):
    cfg = config(max_nags_per_day=1, escalate_after_hours=1)
    async with Chat(db_url, config=cfg) as chat:
        await chat.setup_roles(物业小王="物业")
        await chat.say("王阿姨", "5幢楼道灯坏了")
        await chat.app.advance_to(datetime(2026, 3, 3, 12, tzinfo=TZ))
        nags = [(o.created_at.astimezone(TZ), o.text[:8]) for o in chat.transport.sent
                if "#1" in o.text and o.in_reply_to is None and "早上好" not in o.text]
        assert nags == [(datetime(2026, 3, 2, 18, tzinfo=TZ), "@物业小王 提醒"),
                        (datetime(2026, 3, 3, 7, 30, tzinfo=TZ), "@张网格长 #1")]


async def test_urge_after_the_deadline_escalates_at_once(db_url):
    async with Chat(db_url) as chat:
        await chat.setup_roles(物业小王="物业")
        await chat.say("王阿姨", "5幢楼道灯坏了")
        await chat.app.advance_to(datetime(2026, 3, 2, 19, tzinfo=TZ))
        await chat.say("王阿姨", "/催办 1")
        urged = chat.clock.now()
        await chat.app.advance_to(urged + timedelta(minutes=1))  # the next tick
        escalations = [o for o in chat.transport.sent if o.text.startswith("@张网格长 #1")]
        assert [o.created_at for o in escalations] == [urged]  # not the next day at 18:00
        assert "居民已催办1次" in escalations[0].text
