"""Replies that depend on context: implicit references, quoted replies, the LLM backend
in the unsure band (against a fake OpenAI-compatible endpoint on 127.0.0.1)."""

import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.config import load_config
from tests.support.chat import Chat

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def chat(sqlite_url):
    async with Chat(sqlite_url) as c:
        await c.setup_roles(物业小王="物业")
        yield c


async def test_owner_says_fixed_after_being_mentioned(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    out = await chat.say("物业小王", "修好了")
    assert "#1" in out[0].text and "已办结" in out[0].text


async def test_owner_fixed_goes_to_the_ticket_last_mentioned(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    await chat.say("李大爷", "7幢楼道灯不亮了")
    out = await chat.say("物业小王", "修好了")
    assert "#2" in out[0].text and "已办结" in out[0].text
    assert (await chat.ticket(1)).status == "assigned"


async def test_reporter_with_two_open_tickets_is_asked_which(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    await chat.say("王阿姨", "7幢楼道灯不亮了")
    out = await chat.say("王阿姨", "怎么还没人来")
    assert len(out) == 1 and "#1" in out[0].text and "#2" in out[0].text and "？" in out[0].text
    assert [p.name for p in out[0].mentions] == ["王阿姨"]


async def test_reporter_presses_own_ticket_without_number(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    out = await chat.say("王阿姨", "怎么还没人来修啊")
    assert "已催办 #1" in out[0].text


async def test_neighbour_quoting_the_report_joins_it(chat):
    await chat.say("王阿姨", "3幢电梯坏了", msg_id="r1")
    out = await chat.say("李大爷", "我家也是，一样的情况", quoted_id="r1")
    assert "已合并到 #1" in out[0].text
    assert [r.name for r in (await chat.ticket(1)).reporters] == ["王阿姨", "李大爷"]


async def test_unsure_message_is_asked_once_then_registered(chat):
    from handlers.dispatch import CONFIRM_QUESTION

    text = "垃圾桶那边味道有点大"
    p = chat.app.parser.parse(text)
    nlu = chat.config.nlu
    # the unsure band, or a report the second look doubts
    assert nlu.confirm_threshold <= p.confidence < nlu.ticket_threshold or p.maybe == "report"
    out = await chat.say("王阿姨", text)
    assert out[0].text == CONFIRM_QUESTION and await chat.tickets() == []
    out = await chat.say("王阿姨", "1")
    assert "已登记 #1" in out[0].text


async def fake_llm(answer):
    calls = []

    async def complete(request):
        calls.append(await request.json())
        return web.json_response({"choices": [{"message": {"content": json.dumps(answer)}}]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", complete)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, calls


async def test_llm_settles_an_unsure_message(tmp_path):
    server, calls = await fake_llm({"intent": "report", "category": "sanitation", "building": "3",
                                    "unit": None, "room": None, "urgent": False, "ticket": None})
    try:
        config = load_config(None)
        config.nlu.llm.url = str(server.make_url("/v1/chat/completions"))
        config.nlu.llm.model = "fake"
        async with Chat(f"sqlite+aiosqlite:///{tmp_path}/l.db", config=config) as chat:
            await chat.setup_roles(物业小王="物业")
            out = await chat.say("王阿姨", "垃圾桶那边味道有点大")
            assert "已登记 #1" in out[0].text and "@物业小王" in out[0].text
            assert (await chat.ticket(1)).building == "3"  # the endpoint's reading
            assert len(calls) == 1 and calls[0]["model"] == "fake"
            assert await chat.say("赵大姐", "大家早上好") == []  # sure chat: not sent
            assert len(calls) == 1
    finally:
        await server.close()


async def test_llm_endpoint_down_falls_back_to_asking(tmp_path):
    config = load_config(None)
    config.nlu.llm.url = "http://127.0.0.1:9/v1/chat/completions"  # nothing listens
    config.nlu.llm.model = "fake"
    async with Chat(f"sqlite+aiosqlite:///{tmp_path}/d.db", config=config) as chat:
        out = await chat.say("王阿姨", "垃圾桶那边味道有点大")
        assert "要登记为问题吗" in out[0].text


@pytest.mark.parametrize("answer", ["没修好", "还是坏的", "电梯还是没修好啊[发怒]"])
async def test_reporter_answering_not_fixed_reopens(chat, answer):
    await chat.say("王阿姨", "3幢电梯坏了")
    await chat.say("物业小王", "/办结 1")
    out = await chat.say("王阿姨", answer)
    assert "#1" in out[0].text and "已重开" in out[0].text
    assert (await chat.ticket(1)).status == "reopened"


async def test_not_fixed_from_someone_else_changes_nothing(chat):
    await chat.say("王阿姨", "3幢电梯坏了")
    await chat.say("物业小王", "/办结 1")
    await chat.say("李大爷", "没修好")
    assert (await chat.ticket(1)).status == "resolved"
