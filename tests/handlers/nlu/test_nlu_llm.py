"""The optional LLM backend against a fake OpenAI-compatible endpoint on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime, timedelta

import aiohttp
import pytest
from aiohttp import web

from handlers.nlu.llm import SHANGHAI, DailyBudget, LlmRefiner, refine
from handlers.nlu.record import Parse
from handlers.nlu.settings import LlmSettings, NluSettings

GOOD = {"intent": "report", "category": "elevator", "building": "3", "unit": None,
        "room": None, "urgent": False, "ticket": None}


def unsure(text="电梯有点怪怪的") -> Parse:
    return Parse(text=text, intent="chat", confidence=0.55)


class FakeEndpoint:
    """Answers like a chat-completions endpoint; `mode` picks the way it misbehaves."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.content: str = json.dumps(GOOD)
        self.requests: list[dict] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append({"body": await request.json(),
                              "auth": request.headers.get("Authorization")})
        if self.mode == "slow":
            await asyncio.sleep(2)
        if self.mode == "error":
            return web.Response(status=500, text="boom")
        if self.mode == "not_json":
            return web.Response(text="<html>gateway</html>")
        return web.json_response({"choices": [{"message": {"role": "assistant",
                                                            "content": self.content}}]})


@pytest.fixture
async def endpoint(aiohttp_server):
    fake = FakeEndpoint()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url("/v1"))
    return fake


def settings(url: str, **llm) -> NluSettings:
    return NluSettings(llm=LlmSettings(url=url, model="fake-model", api_key="k-123",
                                       timeout_seconds=0.5, **llm))


async def test_valid_answer_replaces_the_unsure_reading(endpoint):
    async with aiohttp.ClientSession() as session:
        p = await refine(unsure(), "电梯有点怪怪的", settings(endpoint.url), session)
    assert (p.intent, p.category, p.building) == ("report", "elevator", "3")
    assert p.confidence >= 0.7
    sent = endpoint.requests[0]
    assert sent["auth"] == "Bearer k-123" and sent["body"]["model"] == "fake-model"
    assert sent["body"]["messages"][-1]["content"] == "电梯有点怪怪的"


async def test_key_may_come_from_the_environment(endpoint, monkeypatch):
    monkeypatch.setenv("GONGZHI_LLM_API_KEY", "from-env")
    s = settings(endpoint.url)
    s.llm.api_key = ""
    await refine(unsure(), "x", s)
    assert endpoint.requests[0]["auth"] == "Bearer from-env"


async def test_confident_or_unconfigured_messages_are_not_sent(endpoint):
    sure = Parse(text="电梯困人了", intent="report", confidence=0.95)
    assert await refine(sure, sure.text, settings(endpoint.url)) is sure
    hopeless = Parse(text="哈哈", intent="chat", confidence=0.2)
    assert await refine(hopeless, hopeless.text, settings(endpoint.url)) is hopeless
    assert await refine(unsure(), "x", NluSettings()) == unsure()
    assert endpoint.requests == []


@pytest.mark.parametrize("mode, content", [
    ("slow", None),                                                  # timeout
    ("error", None),                                                 # HTTP 500
    ("not_json", None),                                              # body is not JSON
    ("ok", "好的，这是一条报修"),                                      # content is not JSON
    ("ok", json.dumps({**GOOD, "severity": "high"})),                # field outside the contract
    ("ok", json.dumps({**GOOD, "intent": "complaint"})),             # unknown intent
    ("ok", json.dumps({**GOOD, "category": "roads"})),               # unknown category
    ("ok", json.dumps({**GOOD, "building": 3})),                     # wrong type
    ("ok", json.dumps({**GOOD, "urgent": "yes"})),                   # wrong type
    ("ok", json.dumps([GOOD])),                                      # not an object
])
async def test_bad_answers_fall_back_to_the_local_parse(endpoint, mode, content):
    endpoint.mode = mode
    if content is not None:
        endpoint.content = content
    local = unsure()
    assert await refine(local, local.text, settings(endpoint.url)) == local
    assert len(endpoint.requests) == 1


async def test_endpoint_down_falls_back():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    local = unsure()
    assert await refine(local, local.text, settings(f"http://127.0.0.1:{port}/v1")) == local


async def test_fenced_json_is_accepted(endpoint):
    endpoint.content = "```json\n" + json.dumps(GOOD) + "\n```"
    assert (await refine(unsure(), "x", settings(endpoint.url))).intent == "report"


async def test_budget_spent_falls_back_until_the_next_day(endpoint):
    now = [datetime(2026, 5, 1, 23, 50, tzinfo=SHANGHAI)]
    refiner = LlmRefiner(settings(endpoint.url, daily_budget=2), clock=lambda: now[0])
    results = [await refiner.refine(unsure(), "x") for _ in range(3)]
    assert [r.intent for r in results] == ["report", "report", "chat"]
    assert len(endpoint.requests) == 2
    now[0] += timedelta(minutes=15)  # past midnight in Shanghai
    assert (await refiner.refine(unsure(), "x")).intent == "report"


def test_budget_counts_calendar_days_in_shanghai():
    from datetime import UTC

    t = [datetime(2026, 5, 1, 15, 59, tzinfo=UTC)]  # 23:59 in Shanghai
    budget = DailyBudget(1, clock=lambda: t[0])
    assert budget.try_spend() and not budget.try_spend()
    t[0] += timedelta(minutes=2)  # 00:01 next day in Shanghai, same UTC day
    assert budget.try_spend()


async def test_text_ticket_is_kept_when_the_model_drops_it(endpoint):
    local = Parse(text="#12 这个怎么说", intent="chat", ticket=12, confidence=0.5)
    endpoint.content = json.dumps({**GOOD, "intent": "urge", "category": None})
    p = await refine(local, local.text, settings(endpoint.url))
    assert (p.intent, p.ticket) == ("urge", 12)
