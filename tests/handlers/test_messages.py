"""Natural messages: reports become tickets, chat stays silent, pile-ons merge, and bad
input gets a clear answer while nothing is lost."""

import pytest
from sqlalchemy import func, select

from bot.config import load_config
from storage.models import InboxRow, OutboxRow
from tests.support.chat import Chat

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def chat(db_url):
    async with Chat(db_url) as c:
        await c.setup_roles(物业小王="物业")
        yield c


async def count(chat, model, *where):
    async with chat.app.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar()


async def test_report_in_chat_becomes_ticket_with_owner_mentioned(chat):
    out = await chat.say("王阿姨", "3幢电梯坏了，老人上不去楼")
    assert len(out) == 1 and "已登记 #1" in out[0].text
    assert "@物业小王" in out[0].text and [p.name for p in out[0].mentions] == ["物业小王"]


async def test_greeting_stays_silent(chat):
    assert await chat.say("王阿姨", "大家早上好") == []
    assert await chat.tickets() == []


async def test_pile_on_joins_first_ticket(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    out = await chat.say("李大爷", "3幢电梯又坏了，我也被困在楼上下不去")
    assert "已合并到 #1" in out[0].text
    tickets = await chat.tickets()
    assert len(tickets) == 1
    assert [r.name for r in tickets[0].reporters] == ["王阿姨", "李大爷"]


async def test_same_category_other_building_is_a_new_ticket(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    out = await chat.say("李大爷", "7幢电梯坏了")
    assert "已登记 #2" in out[0].text


async def test_neighbour_confirming_a_report_joins_it(chat):
    await chat.say("王阿姨", "9幢楼道里好重的煤气味，是不是哪家漏气了")
    out = await chat.say("李大爷", "9幢我也闻到了 好像是从三楼传出来的")
    assert "已合并到 #1" in out[0].text
    assert [r.name for r in (await chat.tickets())[0].reporters] == ["王阿姨", "李大爷"]


async def test_confirmation_in_other_words_joins_too(chat):
    await chat.say("王阿姨", "10幢楼下儿童滑梯的塑料板裂开了，有个尖角")
    out = await chat.say("李大爷", "10幢那个滑梯确实裂了 还有小朋友在上面玩")
    assert "已合并到 #1" in out[0].text and len(await chat.tickets()) == 1


async def test_another_problem_in_the_same_building_is_new(chat):
    await chat.say("王阿姨", "5幢楼道灯坏了，晚上黑乎乎的")
    out = await chat.say("李大爷", "5幢电梯也坏了，停在三楼不动")
    assert "已登记 #2" in out[0].text


async def test_confirmation_without_a_recent_report_stays_silent(chat):
    from datetime import timedelta
    await chat.say("王阿姨", "9幢楼道里好重的煤气味，是不是哪家漏气了")
    assert await chat.say("李大爷", "对的 7幢那边我也看到了", after=timedelta(minutes=5)) == []
    assert len(await chat.tickets()) == 1


async def test_pile_on_window_is_configurable(db_url):
    config = load_config(None)
    config.defaults.pileon_window_minutes = 30
    async with Chat(db_url, config=config) as chat:
        await chat.say("王阿姨", "3幢电梯坏了")
        from datetime import timedelta
        out = await chat.say("李大爷", "3幢电梯坏了", after=timedelta(hours=1))
        assert "已登记 #2" in out[0].text


async def test_duplicate_delivery_is_handled_once(chat):
    first = await chat.say("王阿姨", "3幢电梯坏了", msg_id="dup-1")
    again = await chat.say("王阿姨", "3幢电梯坏了", msg_id="dup-1")
    assert len(first) == 1 and again == []
    assert len(await chat.tickets()) == 1
    assert await count(chat, InboxRow, InboxRow.msg_key.like("%dup-1")) == 1


async def test_media_gets_polite_line_and_is_kept(chat):
    out = await chat.say("王阿姨", "", kind="image", msg_id="img-1")
    assert "图片" in out[0].text and "文字" in out[0].text
    assert await count(chat, InboxRow, InboxRow.kind == "image") == 1


async def test_burst_of_photos_gets_one_line_and_stickers_none(chat):
    first = await chat.say("王阿姨", "", kind="image")
    again = await chat.say("王阿姨", "", kind="image")
    sticker = await chat.say("李大爷", "", kind="sticker")
    other = await chat.say("李大爷", "", kind="voice")
    assert len(first) == 1 and again == [] and sticker == []
    assert "语音" in other[0].text
    assert await count(chat, InboxRow, InboxRow.kind.in_(("image", "sticker", "voice"))) == 4


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "[捂脸][捂脸]"])
async def test_empty_and_emoji_only_are_silent_and_stored(chat, text):
    assert await chat.say("王阿姨", text) == []
    assert await chat.tickets() == []
    assert await count(chat, InboxRow, InboxRow.status == "handled") >= 1


async def test_bare_mention_of_bot_is_answered(chat):
    out = await chat.say("王阿姨", "@小治")
    assert "/帮助" in out[0].text


async def test_huge_message_is_stored_whole_and_parsed(chat):
    text = "3幢电梯坏了。" + "我们这里的情况是这样的，" * 2000
    out = await chat.say("王阿姨", text)
    assert len(out) == 1 and "#1" in out[0].text
    async with chat.app.sessionmaker() as s:
        stored = (await s.execute(select(InboxRow.text).where(InboxRow.sender_name == "王阿姨"))).scalar()
    assert stored == text


async def test_emoji_inside_a_report(chat):
    out = await chat.say("王阿姨", "3幢电梯又坏了😡😡[发怒]")
    assert "#1" in out[0].text


async def test_private_command_from_coordinator(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    out = await chat.say("张网格长", "/工单 1", private=True)
    assert out and all(o.to is not None and o.to.name == "张网格长" for o in out)
    assert "#1" in out[0].text


async def test_private_chat_from_resident_is_ignored(chat):
    assert await chat.say("陌生人", "/清单", private=True) == []


async def test_private_report_text_from_coordinator_is_redirected(chat):
    out = await chat.say("张网格长", "3幢电梯坏了", private=True)
    assert "请在群里说" in out[0].text


async def test_natural_resolve_by_owner(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    out = await chat.say("物业小王", "#1 已经修好了")
    assert "#1" in out[0].text and "已办结" in out[0].text
    assert (await chat.ticket(1)).status == "resolved"


async def test_natural_urge_by_reporter(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    out = await chat.say("王阿姨", "#1 怎么还没人来修")
    assert "已催办 #1" in out[0].text


async def test_natural_resolve_by_bystander_changes_nothing(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    assert await chat.say("路人甲", "#1 已经修好了") == []
    assert (await chat.ticket(1)).status == "assigned"


async def test_every_reply_about_a_ticket_names_it(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    texts = [await chat.text("王阿姨", "/催办 1"), await chat.text("物业小王", "/办结 1"),
             await chat.text("王阿姨", "/重开 1"), await chat.text("物业小王", "/办结 1"),
             await chat.text("王阿姨", "/评价 1 4")]
    assert all("#1" in t for t in texts)


async def test_failing_handler_apologises_and_keeps_message(chat, monkeypatch):
    from handlers import dispatch

    async def boom(ctx, text):
        raise RuntimeError("database went away")

    monkeypatch.setattr(dispatch, "understand", boom)
    out = await chat.say("王阿姨", "3幢电梯坏了", msg_id="boom-1")
    assert "抱歉" in out[0].text
    async with chat.app.sessionmaker() as s:
        row = (await s.execute(select(InboxRow).where(InboxRow.msg_key.like("%boom-1")))).scalar_one()
    assert row.status == "failed" and "database went away" in row.error


async def test_unconfigured_room_is_ignored_when_not_serving_unknown_rooms(db_url):
    from bot.app import Application
    from bot.clock import VirtualClock
    from bot.messages import Incoming, Person
    from bot.transports.replay import ReplayTransport
    from tests.support.chat import START

    config = load_config("config.example.toml", env={})
    t = ReplayTransport()
    async with Application(config, t, clock=VirtualClock(START), db_url=db_url) as app:
        await app.receive(Incoming(room="r-x", room_topic="别的群", sender=Person("a", "a"),
                                   text="3幢电梯坏了", at=START, id="x1", transport="replay"))
        await app.receive(Incoming(room="r-lv", room_topic="绿苑小区九长共治群",
                                   sender=Person("w", "王阿姨"), text="3幢电梯坏了", at=START,
                                   id="x2", transport="replay"))
        await app.flush_outbox()
    assert len(t.sent) == 1 and t.sent[0].room == "r-lv"
    assert "@物业小王" in t.sent[0].text  # the owner named in the config


async def test_outbox_is_sent_once_and_retried_after_failure(db_url):
    from bot.transports.base import SendFailed
    from bot.transports.replay import ReplayTransport

    class Flaky(ReplayTransport):
        fails = 1

        async def send(self, msg):
            if self.fails:
                self.fails -= 1
                raise SendFailed("gateway busy")
            return await super().send(msg)

    async with Chat(db_url, transport=Flaky()) as chat:
        out = await chat.say("王阿姨", "@小治")
        assert out == []  # first attempt failed
        from datetime import timedelta
        await chat.app.advance_to(chat.clock.now() + timedelta(seconds=5))
        assert len(chat.transport.sent) == 1
        await chat.app.advance_to(chat.clock.now() + timedelta(minutes=5))
        assert len(chat.transport.sent) == 1
        assert await count(chat, OutboxRow, OutboxRow.status == "sent") == 1


async def test_owner_progress_note_is_logged_not_a_new_ticket(chat):
    await chat.say("王阿姨", "东门积水很深，车都开不出去")
    out = await chat.say("物业小王", "东门积水已经放了沙袋，正在通排水口")
    assert out == []
    assert len(await chat.tickets()) == 1
    async with chat.app.session() as repo:
        events = await repo.events((await chat.ticket(1)).id)
    assert [e.kind for e in events][-1] == "commented"


async def test_reply_quoting_a_live_report_joins_it(chat):
    await chat.say("老严", "11幢顶楼那家在楼顶上搭彩钢棚 这几天一直在电焊 敲敲打打")
    out = await chat.say("李大爷", "「老严：11幢顶楼那家在楼顶上搭彩钢棚 这几天一直在电焊…」\n"
                                  "- - - - - - - - - - - - - - -\n就在我头顶上 电焊火星子往下掉 吓死人")
    assert "合并到 #1" in out[0].text and len(await chat.tickets()) == 1


async def test_question_quoting_a_report_is_not_a_pile_on(chat):
    await chat.say("王阿姨", "楼道灯又不亮了")
    out = await chat.say("网格长", "「王阿姨：楼道灯又不亮了」\n- - - - - - - - - - - - - - -\n王阿姨你是哪一幢哪个单元的？")
    assert all("合并" not in o.text for o in out)
    assert [len(t.reporters) for t in await chat.tickets()] == [1]


async def test_unsure_report_of_a_live_ticket_joins_it_without_asking(chat):
    await chat.say("王阿姨", "3幢门口的垃圾桶满出来了，臭得很")
    p = chat.app.parser.parse("3幢垃圾桶满了")  # unsure: in the asking band, or doubted
    assert (p.intent == "report" and p.confidence < chat.config.nlu.ticket_threshold) \
        or p.maybe == "report"
    out = await chat.say("李大爷", "3幢垃圾桶满了")
    assert "已合并到 #1" in out[0].text and "要登记" not in out[0].text
    assert [r.name for r in (await chat.tickets())[0].reporters] == ["王阿姨", "李大爷"]
