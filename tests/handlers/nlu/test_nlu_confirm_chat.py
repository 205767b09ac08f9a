"""Confidence bands in a replayed chat: ticket, ask once, or stay silent."""

from __future__ import annotations

import pytest

from handlers.dispatch import CONFIRM_QUESTION
from tests.support.chat import Chat


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path}/nlu.db"


@pytest.mark.parametrize("text", ["楼下垃圾桶好像满了",  # the rules unsure
                                  "垃圾桶满了"])  # the rules sure, the second look doubtful
async def test_unsure_report_is_asked_once_and_registered_on_yes(sqlite_url, parser, text):
    p = parser.parse(text)
    if p.intent == "report":
        assert parser.settings.confirm_threshold <= p.confidence < parser.settings.ticket_threshold
    else:
        assert (p.intent, p.maybe) == ("chat", "report")
    async with Chat(sqlite_url) as chat:
        assert await chat.text("李阿姨", text) == CONFIRM_QUESTION
        assert await chat.tickets() == []
        await chat.say("李阿姨", "1")
        tickets = await chat.tickets()
    assert [t.category for t in tickets] == ["sanitation"]


async def test_clear_report_becomes_a_ticket_and_chat_stays_silent(sqlite_url, parser):
    report, chat_line = "5幢3单元楼道灯坏了好几天了", "祝大家中秋节快乐"
    assert parser.parse(report).confidence >= parser.settings.ticket_threshold
    async with Chat(sqlite_url) as chat:
        assert CONFIRM_QUESTION not in await chat.text("王阿姨", report)
        assert await chat.text("张大伯", chat_line) == ""
        tickets = await chat.tickets()
    assert [(t.category, t.building) for t in tickets] == [("lighting", "5")]


async def test_a_doubted_offer_is_asked_about_for_the_resource_list(sqlite_url, parser):
    text = "我家包了好多粽子 吃不完 要的邻居来8幢拿"
    p = parser.parse(text)
    assert "offer" in (p.intent, p.maybe)
    async with Chat(sqlite_url) as chat:
        out = await chat.text("李阿姨", text)
        if p.intent == "offer" and p.confidence >= parser.settings.ticket_threshold:
            assert "资源" in out
        else:
            assert out == "要登记到资源清单吗？回复 1 登记，回复 2 不用。"
            await chat.say("李阿姨", "1")
            assert [t.kind for t in await chat.tickets()] == ["offer"]
